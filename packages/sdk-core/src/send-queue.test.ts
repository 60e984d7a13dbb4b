import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientOptions, createClient } from './client';
import { HttpError } from './errors';
import type { SendMessageAnswer } from './protocol/index';
import { STORAGE_KEYS } from './storage-keys';
import { createAsyncMemoryStorage, createFakePlatform, type FakePlatform } from './testing/index';

const silent = { warn() {}, error() {} };

function clientOn(platform: FakePlatform, overrides: Partial<ClientOptions> = {}) {
  return createClient({
    appKey: 'pk_test',
    apiUrl: 'https://api.test',
    channel: 'app',
    platform,
    logger: silent,
    realtime: false,
    ...overrides,
  });
}

const posted = (platform: FakePlatform) =>
  platform.callsTo('POST', '/v1/messages').map((c) => [c.body.clientMessageId, c.body.text]);

describe('the durable send queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sends in the order of send() calls and resolves each with the acknowledged message and replies', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const answers = await Promise.all(['一', '二', '三'].map((text) => client.send(text)));
    expect(answers.map((a) => a.message.text)).toEqual(['一', '二', '三']);
    expect(answers[0]!.replies.map((r) => r.text)).toEqual(['re: 一']);
    expect(posted(platform).map(([, text]) => text)).toEqual(['一', '二', '三']);
    expect(platform.api.messages.filter((m) => m.author.type === 'customer').map((m) => m.text)).toEqual([
      '一',
      '二',
      '三',
    ]);
    expect(client.pending()).toEqual([]);
  });

  it('persists a message before sending it, and forgets it once acknowledged', async () => {
    const platform = createFakePlatform();
    let storedWhilePosting: string | undefined;
    platform.routeOnce('POST', '/v1/messages', () => {
      storedWhilePosting = platform.storage.getItem(`threadline.${STORAGE_KEYS.sendQueue}`) as string;
      return { status: 503, body: { error: { code: 'internal_error', message: 'busy' } } };
    });
    const client = clientOn(platform);
    const sent = client.send('保质期多久');
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(storedWhilePosting!)).toEqual([expect.objectContaining({ text: '保质期多久' })]);
    await vi.advanceTimersByTimeAsync(1000);
    await sent;
    expect(platform.storage.getItem(`threadline.${STORAGE_KEYS.sendQueue}`)).toBeNull();
  });

  it('retries network errors, 408, 429 and 5xx with growing backoff, reusing the clientMessageId', async () => {
    const platform = createFakePlatform();
    const failures = [
      () => {
        throw new TypeError('Failed to fetch');
      },
      () => ({ status: 408, body: { error: { code: 'timeout', message: 'slow' } } }),
      () => ({ status: 500, body: { error: { code: 'internal_error', message: 'oops' } } }),
      () => ({ status: 502 }),
    ];
    for (const failure of failures) platform.routeOnce('POST', '/v1/messages', failure);
    const client = clientOn(platform);
    let acknowledged = false;
    const sent = client.send('还在吗').then((answer) => {
      acknowledged = true;
      return answer;
    });

    // With Math.random at 0.5, attempt n waits 0.75 × min(30 s, 500 ms × 2ⁿ): 375, 750, 1500, 3000 ms.
    await vi.advanceTimersByTimeAsync(0);
    expect(posted(platform)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(374);
    expect(posted(platform)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(posted(platform)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(749);
    expect(posted(platform)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(posted(platform)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1500);
    expect(posted(platform)).toHaveLength(4);
    expect(acknowledged).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(acknowledged).toBe(true);

    const ids = new Set(posted(platform).map(([id]) => id));
    expect(posted(platform)).toHaveLength(5);
    expect(ids.size).toBe(1);
    expect((await sent).message.clientMessageId).toBe([...ids][0]);
    expect(platform.api.messages.filter((m) => m.author.type === 'customer')).toHaveLength(1);
  });

  it('sends at once when the network comes back while a send was failing, not after the failure’s backoff', async () => {
    const platform = createFakePlatform();
    let fail!: () => void;
    const gate = new Promise<void>((resolve) => {
      fail = resolve;
    });
    platform.routeOnce('POST', '/v1/messages', async () => {
      await gate;
      throw new TypeError('Failed to fetch');
    });
    const client = clientOn(platform);
    let acknowledged = false;
    const sent = client.send('到了吗').then((answer) => {
      acknowledged = true;
      return answer;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(posted(platform)).toHaveLength(1);
    // The connection drops and comes back while that request is still out; then it fails.
    platform.setOnline(false);
    platform.setOnline(true);
    fail();
    await vi.advanceTimersByTimeAsync(10);
    expect(posted(platform)).toHaveLength(2);
    expect(acknowledged).toBe(true);
    expect((await sent).message.text).toBe('到了吗');
  });

  it('honours Retry-After on 429', async () => {
    const platform = createFakePlatform();
    platform.routeOnce('POST', '/v1/messages', () => ({
      status: 429,
      headers: { 'Retry-After': '5' },
      body: { error: { code: 'rate_limited', message: 'slow down' } },
    }));
    const client = clientOn(platform);
    const sent = client.send('hello');
    await vi.advanceTimersByTimeAsync(4999);
    expect(posted(platform)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await sent;
    expect(posted(platform)).toHaveLength(2);
  });

  it('neither storms nor stalls on an absurd Retry-After (a proxy’s, or past what timers can hold)', async () => {
    for (const retryAfter of ['1e10', 'Fri, 01 Jan 2100 00:00:00 GMT', '86400']) {
      const platform = createFakePlatform();
      platform.routeOnce('POST', '/v1/messages', () => ({
        status: 429,
        headers: { 'Retry-After': retryAfter },
        body: { error: { code: 'rate_limited', message: 'slow down' } },
      }));
      const client = clientOn(platform);
      const sent = client.send(`hello ${retryAfter}`);
      // Timers overflow past 2^31 - 1 ms and fire at once: that would be a retry storm.
      await vi.advanceTimersByTimeAsync(1_000);
      expect([retryAfter, posted(platform).length]).toEqual([retryAfter, 1]);
      // Waiting is capped (10 minutes), so the message still goes out.
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      await sent;
      expect([retryAfter, posted(platform).length]).toEqual([retryAfter, 2]);
      client.close();
    }
  });

  it('honours retryAfterSec from the error envelope where the host cannot read the header', async () => {
    const platform = createFakePlatform();
    // wx.request, or a browser without the header exposed: only the body says when to come back.
    platform.routeOnce('POST', '/v1/messages', () => ({
      status: 429,
      body: { error: { code: 'rate_limited', message: 'slow down', retryAfterSec: 20 } },
    }));
    const client = clientOn(platform);
    const sent = client.send('hello');
    await vi.advanceTimersByTimeAsync(19_999);
    expect(posted(platform)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await sent;
    expect(posted(platform)).toHaveLength(2);
  });

  it('rejects with a typed HttpError on other 4xx, without retrying, and goes on with the next message', async () => {
    const platform = createFakePlatform();
    platform.routeOnce('POST', '/v1/messages', () => ({
      status: 400,
      body: { error: { code: 'validation_failed', message: 'The request body is not valid.', issues: [] } },
    }));
    const client = clientOn(platform);
    const first = client.send('bad one');
    const second = client.send('good one');
    const error = await first.catch((e: unknown) => e);
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await second).message.text).toBe('good one');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posted(platform).map(([, text]) => text)).toEqual(['bad one', 'good one']);
  });

  it('keeps later messages behind a retried one, so order holds through failures', async () => {
    const platform = createFakePlatform();
    platform.setOnline(false);
    const client = clientOn(platform);
    const sends = ['a', 'b', 'c'].map((text) => client.send(text));
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.pending().map((m) => m.text)).toEqual(['a', 'b', 'c']);
    platform.setOnline(true);
    await Promise.all(sends);
    const stored = platform.api.messages.filter((m) => m.author.type === 'customer').map((m) => m.text);
    expect(stored).toEqual(['a', 'b', 'c']);
  });

  it('survives a reload: a new client on the same storage sends what was pending, once, in order, with the same ids', async () => {
    const storage = createAsyncMemoryStorage();
    const before = createFakePlatform({ storage });
    before.setOnline(false);
    const first = clientOn(before);
    const lost = ['第一条', '第二条'].map((text) => first.send(text).catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(1000);
    const queuedIds = first.pending().map((m) => m.clientMessageId);
    expect(queuedIds).toHaveLength(2);
    first.close(); // the page goes away with both unsent
    expect((await lost[0]) as { code: string }).toMatchObject({ code: 'client_closed' });

    const after = createFakePlatform({ storage });
    const second = clientOn(after);
    const seen: string[] = [];
    second.on('message', (m) => {
      if (m.author.type === 'customer') seen.push(m.text);
    });
    await second.start();
    const third = await second.send('第三条');
    await vi.advanceTimersByTimeAsync(0);

    expect(posted(after).map(([, text]) => text)).toEqual(['第一条', '第二条', '第三条']);
    expect(
      posted(after)
        .slice(0, 2)
        .map(([id]) => id),
    ).toEqual(queuedIds);
    expect(seen).toEqual(['第一条', '第二条', '第三条']);
    expect(third.message.text).toBe('第三条');
    expect(second.pending()).toEqual([]);
  });

  it('is idempotent when an acknowledgement is lost: the retry carries the same id and the API answers the first result', async () => {
    const platform = createFakePlatform();
    // The API stores the message but the answer never arrives.
    platform.routeOnce('POST', '/v1/messages', async (request) => {
      await platform.defaultHandler(request);
      throw new TypeError('connection reset');
    });
    const client = clientOn(platform);
    const sent = client.send('only once please');
    await vi.advanceTimersByTimeAsync(1000);
    const answer = await sent;
    const [firstId, retryId] = posted(platform).map(([id]) => id as string);
    expect(retryId).toBe(firstId);
    expect(platform.api.posts.get(firstId!)).toBe(2);
    expect(platform.api.messages.filter((m) => m.text === 'only once please')).toHaveLength(1);
    expect(answer.message.clientMessageId).toBe(firstId);
  });

  describe('shared by two clients on one storage (two tabs)', () => {
    /** Web Locks in miniature: one holder per name, the rest wait in order. */
    function addLocks(platform: FakePlatform) {
      const tails = new Map<string, Promise<unknown>>();
      const taken: string[] = [];
      platform.lock = <T>(name: string, fn: () => Promise<T>) => {
        const run = (tails.get(name) ?? Promise.resolve()).then(() => {
          taken.push(name);
          return fn();
        });
        tails.set(
          name,
          run.catch(() => {}),
        );
        return run;
      };
      return taken;
    }
    const stored = (platform: FakePlatform) =>
      JSON.parse((platform.storage.getItem(`threadline.${STORAGE_KEYS.sendQueue}`) as string) ?? '[]').map(
        (m: { text: string }) => m.text,
      );

    it('never overwrites the other tab’s queued messages; each is sent once when the network is back', async () => {
      const platform = createFakePlatform();
      platform.setOnline(false);
      const [a, b] = [clientOn(platform), clientOn(platform)];
      const sends: Promise<SendMessageAnswer>[] = [];
      for (const [client, text] of [
        [a, 'A1'],
        [b, 'B1'],
        [a, 'A2'],
        [b, 'B2'],
      ] as const) {
        sends.push(client.send(text));
        await vi.advanceTimersByTimeAsync(100);
      }
      await vi.advanceTimersByTimeAsync(2_000);
      expect(stored(platform)).toEqual(['A1', 'B1', 'A2', 'B2']);

      platform.setOnline(true);
      const answers = await Promise.all(sends);
      expect(answers.map((answer) => answer.message.text)).toEqual(['A1', 'B1', 'A2', 'B2']);
      // Without a platform lock (one realm here) each is still posted once, in the order persisted.
      expect(posted(platform).map(([, text]) => text)).toEqual(['A1', 'B1', 'A2', 'B2']);
      expect([...platform.api.posts.values()]).toEqual([1, 1, 1, 1]);
      expect(stored(platform)).toEqual([]);
      a.close();
      b.close();
    });

    it('a tab closed while offline leaves its message to the other tab, which sends it exactly once', async () => {
      const platform = createFakePlatform();
      const taken = addLocks(platform);
      const b = clientOn(platform);
      await b.start();
      platform.setOnline(false);
      const a = clientOn(platform);
      const lost = a.send('from the closed tab').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1_000);
      a.close(); // the tab goes away with its message unsent
      expect((await lost) as { code: string }).toMatchObject({ code: 'client_closed' });
      expect(stored(platform)).toEqual(['from the closed tab']);

      const seen: string[] = [];
      b.on('message', (m) => {
        if (m.author.type === 'customer') seen.push(m.text);
      });
      platform.setOnline(true); // tab B hears the network come back and flushes the shared queue
      await vi.advanceTimersByTimeAsync(0);
      await b.send('from the open tab');
      expect(posted(platform).map(([, text]) => text)).toEqual(['from the closed tab', 'from the open tab']);
      expect(seen).toEqual(['from the closed tab', 'from the open tab']);
      expect([...platform.api.posts.values()]).toEqual([1, 1]);
      expect(stored(platform)).toEqual([]);
      expect(taken).toContain(`threadline.${STORAGE_KEYS.sendQueue}.flush`);
      b.close();
    });

    it('with a lock, a message the other tab sent for us is posted once and our send() still gets its answer', async () => {
      const platform = createFakePlatform();
      addLocks(platform);
      const [a, b] = [clientOn(platform), clientOn(platform)];
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // B's first post hangs, holding the flush lock, while A queues behind it.
      platform.routeOnce('POST', '/v1/messages', async (request) => {
        await held;
        return platform.defaultHandler(request);
      });
      const fromB = b.send('B first');
      await vi.advanceTimersByTimeAsync(0);
      const fromA = a.send('A meanwhile');
      await vi.advanceTimersByTimeAsync(0);
      expect(stored(platform)).toEqual(['B first', 'A meanwhile']);
      release();

      const [answerA, answerB] = await Promise.all([fromA, fromB]);
      expect(answerA.message.text).toBe('A meanwhile');
      expect(answerA.replies.map((r) => r.text)).toEqual(['re: A meanwhile']);
      expect(answerB.message.text).toBe('B first');
      expect(posted(platform).map(([, text]) => text)).toEqual(['B first', 'A meanwhile']);
      expect([...platform.api.posts.values()]).toEqual([1, 1]);
      expect(stored(platform)).toEqual([]);
      a.close();
      b.close();
    });

    it('a message this tab awaits is never lost, even when another writer dropped it from storage without a result', async () => {
      const platform = createFakePlatform();
      platform.setOnline(false);
      const a = clientOn(platform);
      const sent = a.send('keep me');
      await vi.advanceTimersByTimeAsync(1_000);
      // A writer without locks raced us and wrote a list without our message.
      platform.storage.setItem(`threadline.${STORAGE_KEYS.sendQueue}`, '[]');
      platform.setOnline(true);
      expect((await sent).message.text).toBe('keep me');
      expect([...platform.api.posts.values()]).toEqual([1]);
      a.close();
    });
  });
});
