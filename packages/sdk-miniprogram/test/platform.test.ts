import {
  createClient,
  HttpError,
  isRetryable,
  NetworkError,
  type PlatformRequest,
  ThreadlineError,
  TimeoutError,
} from '@threadline/sdk-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseHandoffCode } from '../src/handoff-code';
import { createMiniProgramPlatform } from '../src/miniprogram-platform';
import { createFakeWx, type FakeWxRequest } from './fake-wx';
import { useFakeWx } from './use-fake-wx';

const fake = useFakeWx();

/** The core's side of a request: its own abort switch, as the API transport makes one. */
function coreRequest(overrides: Partial<PlatformRequest> = {}) {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_: 'abort', listener: () => void) => void listeners.add(listener),
    removeEventListener: (_: 'abort', listener: () => void) => void listeners.delete(listener),
  };
  const request: PlatformRequest = {
    method: 'GET',
    url: 'https://api.example.com/v1/timeline?limit=5',
    headers: { authorization: 'Bearer st_1', accept: 'application/json' },
    timeoutMs: 15_000,
    signal,
    ...overrides,
  };
  return {
    request,
    abort() {
      signal.aborted = true;
      for (const listener of [...listeners]) listener();
    },
  };
}

const last = (): FakeWxRequest => fake.current.requests.at(-1)!;

afterEach(() => {
  vi.useRealTimers();
});

describe('request over wx.request', () => {
  it('hands every HTTP status to the core as a status, with the body as text', async () => {
    const platform = createMiniProgramPlatform();
    for (const status of [200, 401, 429, 500]) {
      const pending = platform.request(coreRequest().request);
      last().succeed(status, `{"status":${status}}`, { 'Retry-After': '7' });
      const response = await pending;
      expect(response.status).toBe(status);
      expect(await response.text()).toBe(`{"status":${status}}`);
      expect(response.headers?.get('retry-after')).toBe('7');
    }
  });

  it('asks WeChat for text and passes method, headers, body and timeout through', async () => {
    const platform = createMiniProgramPlatform();
    const { request } = coreRequest({ method: 'POST', body: '{"text":"你好"}', timeoutMs: 9000 });
    const pending = platform.request(request);
    const sent = last().options;
    expect(sent).toMatchObject({
      url: request.url,
      method: 'POST',
      header: request.headers,
      data: '{"text":"你好"}',
      dataType: 'text',
      responseType: 'text',
      timeout: 9000,
    });
    // Some base libraries parse JSON anyway; the core still gets text.
    last().succeed(201, { ok: true });
    expect(await (await pending).text()).toBe('{"ok":true}');
  });

  it('times out on its own clock, aborts the task, and ignores a success that comes later', async () => {
    vi.useFakeTimers();
    const platform = createMiniProgramPlatform();
    const pending = platform.request(coreRequest({ timeoutMs: 5000 }).request);
    const outcome = pending.then(
      () => 'resolved',
      (error) => error,
    );
    await vi.advanceTimersByTimeAsync(4999);
    expect(last().done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(5000);
    expect(last().aborted).toBe(true);
    last().succeed(200, '{"late":true}');
    expect(await outcome).toBe(error);
  });

  it.each([
    ['request:fail timeout', 'timeout', TimeoutError],
    ['request:fail interrupted', 'network_error', NetworkError],
    ['request:fail url not in domain list', 'network_error', NetworkError],
    ['request:fail ssl hand shake error', 'network_error', NetworkError],
    ['request:fail -101:net::ERR_CONNECTION_RESET', 'network_error', NetworkError],
  ])('maps "%s" to a typed %s error', async (errMsg, code, type) => {
    const platform = createMiniProgramPlatform();
    const pending = platform.request(coreRequest().request);
    last().fail(errMsg);
    const error = await pending.catch((e) => e);
    expect(type.isInstance(error)).toBe(true);
    expect(error.code).toBe(code);
    // Network trouble and background interruptions are worth retrying; the core decides so.
    expect(isRetryable(error)).toBe(true);
    if (errMsg.includes('domain list')) expect(error.message).toContain('合法域名');
    // A success after the failure changes nothing.
    last().succeed(200, '{}');
    await expect(pending).rejects.toBe(error);
  });

  it('aborts the task when the core gives up, and settles once as aborted', async () => {
    const platform = createMiniProgramPlatform();
    const { request, abort } = coreRequest();
    const pending = platform.request(request);
    abort();
    const error = await pending.catch((e) => e);
    expect(ThreadlineError.isInstance(error)).toBe(true);
    expect(error.code).toBe('aborted');
    expect(last().aborted).toBe(true);
  });

  it('keeps its own share of WeChat’s 10 concurrent requests and never starts an aborted one', async () => {
    const platform = createMiniProgramPlatform({ maxConcurrentRequests: 4 });
    const calls = Array.from({ length: 7 }, () => coreRequest());
    const pending = calls.map((call) => platform.request(call.request).catch((error) => error));
    expect(fake.current.open()).toHaveLength(4);
    calls[6]!.abort(); // still waiting for a slot
    fake.current.requests[0]!.succeed(200, '{}');
    await vi.waitFor(() => expect(fake.current.requests).toHaveLength(5));
    for (const request of fake.current.open()) request.succeed(200, '{}');
    await vi.waitFor(() => expect(fake.current.requests).toHaveLength(6));
    fake.current.requests[5]!.succeed(200, '{}');
    const results = await Promise.all(pending);
    expect(fake.current.requests).toHaveLength(6);
    expect(results[6].code).toBe('aborted');
    expect(results.slice(0, 6).every((r) => r.status === 200)).toBe(true);
  });

  it('resolves the host lazily, so a swapped `wx` is the one used', async () => {
    const platform = createMiniProgramPlatform();
    const swapped = createFakeWx();
    (globalThis as { wx?: unknown }).wx = swapped;
    const pending = platform.request(coreRequest().request);
    expect(fake.current.requests).toHaveLength(0);
    swapped.requests[0]!.succeed(204, '');
    expect((await pending).status).toBe(204);
  });
});

describe('storage over wx.*StorageSync', () => {
  it('reads a missing key as null (WeChat answers "") and round-trips values', () => {
    const platform = createMiniProgramPlatform();
    expect(platform.storage.getItem('threadline.anonymous_id')).toBeNull();
    platform.storage.setItem('threadline.anonymous_id', 'abc');
    expect(fake.current.storage.get('threadline.anonymous_id')).toBe('abc');
    expect(platform.storage.getItem('threadline.anonymous_id')).toBe('abc');
    platform.storage.removeItem('threadline.anonymous_id');
    expect(platform.storage.getItem('threadline.anonymous_id')).toBeNull();
  });

  it('refuses a value over 1 MB per key with a storage_error and keeps what was stored', () => {
    const platform = createMiniProgramPlatform();
    platform.storage.setItem('threadline.send_queue', '[]');
    const big = '字'.repeat(400_000); // 1.2 MB in UTF-8
    let error: unknown;
    try {
      platform.storage.setItem('threadline.send_queue', big);
    } catch (thrown) {
      error = thrown;
    }
    expect(ThreadlineError.isInstance(error)).toBe(true);
    expect((error as ThreadlineError).code).toBe('storage_error');
    expect(platform.storage.getItem('threadline.send_queue')).toBe('[]');
  });

  it('turns WeChat’s 10 MB "exceed storage max size" into a storage_error', () => {
    (globalThis as { wx?: unknown }).wx = createFakeWx({ storageTotalLimit: 64 });
    const platform = createMiniProgramPlatform();
    expect(() => platform.storage.setItem('k', 'x'.repeat(100))).toThrowError(/exceed storage max size/);
  });

  it('keeps the client going when a value is refused, and says so with an error event', async () => {
    const platform = createMiniProgramPlatform({ maxStorageBytesPerKey: 120 });
    fake.current.storage.set('threadline.anonymous_id', 'A'.repeat(22));
    const client = createClient({
      appKey: 'pk_test',
      apiUrl: 'https://api.example.com',
      channel: 'miniprogram',
      platform,
      realtime: false,
      logger: { warn() {}, error() {} },
    });
    const errors: ThreadlineError[] = [];
    client.on('error', (error) => errors.push(error));
    const sent = client.send('这款面霜保质期多久？这段话把发送队列撑得比限制还大。'.repeat(2));
    await vi.waitFor(() => expect(fake.current.requests.length).toBeGreaterThan(0));
    last().succeed(
      201,
      JSON.stringify({
        sessionToken: 'st_1',
        expiresAt: '2099-01-01T00:00:00.000Z',
        anonymousId: 'A'.repeat(22),
        session: { id: 'ses_1', channel: 'miniprogram' },
        customer: { id: 'cus_1', identified: false },
        conversation: null,
      }),
    );
    await vi.waitFor(() => expect(last().path).toBe('/v1/messages'));
    const message = {
      id: 'msg_1',
      conversationId: 'con_1',
      channel: 'miniprogram',
      author: { type: 'customer' },
      text: 'x',
      createdAt: new Date().toISOString(),
    };
    last().succeed(
      201,
      JSON.stringify({ message, replies: [], conversation: { id: 'con_1', status: 'bot' } }),
    );
    await expect(sent).resolves.toMatchObject({ message: { id: 'msg_1' } });
    expect(errors.map((e) => e.code)).toContain('storage_error');
    expect(fake.current.storage.has('threadline.send_queue')).toBe(false);
    client.close();
  });
});

describe('lifecycle, network and device', () => {
  it('reports onAppHide / onAppShow and unsubscribes', () => {
    const platform = createMiniProgramPlatform();
    const seen: boolean[] = [];
    const off = platform.onAppStateChange((active) => seen.push(active));
    fake.current.hide();
    fake.current.show();
    off();
    fake.current.hide();
    expect(seen).toEqual([false, true]);
    expect(fake.current.listeners.hide).toBe(0);
  });

  it('turns wx.onNetworkStatusChange into onNetworkChange', () => {
    const platform = createMiniProgramPlatform();
    const seen: boolean[] = [];
    const off = platform.onNetworkChange!((online) => seen.push(online));
    fake.current.setNetwork(false);
    fake.current.setNetwork(true);
    off();
    expect(seen).toEqual([false, true]);
    expect(fake.current.listeners.network).toBe(0);
  });

  it('describes the device from getDeviceInfo / getAppBaseInfo, or getSystemInfoSync on old base libraries', () => {
    const modern = createMiniProgramPlatform().device;
    expect(modern).toEqual({
      platform: 'miniprogram-ios',
      userAgent: 'WeChat/8.0.50 MiniProgram/3.4.0 iOS 17.4 Apple iPhone 15',
      locale: 'zh_CN',
    });
    const legacy = createFakeWx({ legacySystemInfo: true });
    expect(createMiniProgramPlatform({ wx: legacy, appVersion: '1.2.0' }).device).toEqual({
      ...modern,
      appVersion: '1.2.0',
    });
  });

  it('draws random bytes from wx.getRandomValues, and still works without it', async () => {
    const platform = createMiniProgramPlatform();
    await platform.ready;
    const bytes = platform.randomBytes!(32);
    expect(bytes).toHaveLength(32);
    expect(new Set(bytes).size).toBeGreaterThan(8);
    const bare = createMiniProgramPlatform({ wx: createFakeWx({ randomValues: false }) });
    await bare.ready;
    expect(bare.randomBytes!(22)).toHaveLength(22);
  });
});

describe('realtime in the background', () => {
  const session = {
    sessionToken: 'st_1',
    expiresAt: '2099-01-01T00:00:00.000Z',
    anonymousId: 'B'.repeat(22),
    session: { id: 'ses_1', channel: 'miniprogram' },
    customer: { id: 'cus_1', identified: false },
    conversation: null,
  };

  it('pauses the long-poll on onAppHide (nothing left open) and resumes from the cursor on onAppShow', async () => {
    // A scripted API: the session, then polls answered with cursor 41 (first) and held afterwards.
    const wx = createFakeWx({
      respond(request) {
        if (request.path === '/v1/sessions') request.succeed(201, JSON.stringify(session));
        else if (request.path === '/v1/updates' && request.query.wait === '0')
          request.succeed(200, JSON.stringify({ events: [], cursor: '41' }));
      },
    });
    (globalThis as { wx?: unknown }).wx = wx;
    const client = createClient({
      appKey: 'pk_test',
      apiUrl: 'https://api.example.com',
      channel: 'miniprogram',
      platform: createMiniProgramPlatform(),
      logger: { warn() {}, error() {} },
    });
    await client.start();
    const polls = () => wx.requests.filter((r) => r.path === '/v1/updates');
    await vi.waitFor(() => expect(polls()).toHaveLength(2));
    const held = polls()[1]!;
    expect(held.query).toMatchObject({ after: '41', wait: '25' });
    expect(held.done).toBe(false);

    wx.hide();
    expect(held.aborted).toBe(true);
    expect(wx.open()).toHaveLength(0);
    // Nothing new goes out while the app is in the background.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wx.open()).toHaveLength(0);
    expect(polls()).toHaveLength(2);

    wx.show();
    await vi.waitFor(() => expect(polls()).toHaveLength(3));
    expect(polls()[2]!.query).toMatchObject({ after: '41' });
    const event = {
      id: '42',
      type: 'message.created',
      data: {
        id: 'msg_9',
        conversationId: 'con_1',
        channel: 'phone',
        author: { type: 'agent' },
        text: '您好，电话里说的订单已经查到了',
        createdAt: new Date().toISOString(),
      },
    };
    const received = new Promise((resolve) => client.on('message', resolve));
    polls()[2]!.succeed(200, JSON.stringify({ events: [event], cursor: '42' }));
    await expect(received).resolves.toMatchObject({ id: 'msg_9', channel: 'phone' });
    await vi.waitFor(() => expect(polls()[3]?.query).toMatchObject({ after: '42' }));
    client.close();
    expect(wx.open()).toHaveLength(0);
    expect(wx.listeners.hide).toBe(0);
  });

  it('rejects with the API error for an error status after the transport read it (HttpError)', async () => {
    const wx = createFakeWx({
      respond: (request) =>
        request.succeed(401, JSON.stringify({ error: { code: 'invalid_credential', message: 'bad key' } })),
    });
    const client = createClient({
      appKey: 'pk_bad',
      apiUrl: 'https://api.example.com',
      channel: 'miniprogram',
      platform: createMiniProgramPlatform({ wx }),
      realtime: false,
      logger: { warn() {}, error() {} },
    });
    const error = await client.start().catch((e) => e);
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: 'invalid_credential' });
    client.close();
  });
});

describe('handoff codes from a page', () => {
  it('reads ?handoff= links and the URL-encoded scene of a mini-program code', () => {
    expect(parseHandoffCode({ handoff: 'hoABCdef_123-xyz' })).toBe('hoABCdef_123-xyz');
    expect(parseHandoffCode({ scene: 'h%3D123456' })).toBe('123456');
    expect(parseHandoffCode({ scene: encodeURIComponent('123456') })).toBe('123456');
    expect(parseHandoffCode('handoff%3DabcDEF123456%26from%3Dweb')).toBe('abcDEF123456');
    expect(parseHandoffCode({ scene: 'from%3Dposter' })).toBeNull();
    expect(parseHandoffCode({})).toBeNull();
  });
});
