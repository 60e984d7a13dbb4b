import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiTransport } from './api-transport';
import { TimeoutError } from './errors';
import { createRuntime } from './runtime';
import { createFakePlatform } from './testing/index';

describe('the API transport', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up after the timeout with a TimeoutError and aborts the platform request', async () => {
    const platform = createFakePlatform();
    let signalled = false;
    platform.route('GET', '/v1/timeline', () => new Promise(() => {}));
    const request = platform.request.bind(platform);
    platform.request = (req) => {
      req.signal.addEventListener('abort', () => {
        signalled = true;
      });
      return request(req);
    };
    const transport = createApiTransport({
      platform,
      runtime: createRuntime(platform),
      apiUrl: 'https://api.test',
      timeoutMs: 5000,
    });
    const call = transport
      .call({ method: 'GET', path: '/v1/timeline', token: 'st_x' })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5000);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'timeout', timeoutMs: 5000 });
    expect(signalled).toBe(true);
  });

  it('builds URLs with encoded queries and JSON bodies with the bearer token', async () => {
    const platform = createFakePlatform();
    platform.route('POST', '/v1/anything', () => ({ status: 201, body: { ok: true } }));
    const transport = createApiTransport({
      platform,
      runtime: createRuntime(platform),
      apiUrl: 'https://api.test///',
      timeoutMs: 5000,
    });
    expect(transport.url('/v1/timeline', { before: 'a b&c', limit: 5, after: undefined })).toBe(
      'https://api.test/v1/timeline?before=a%20b%26c&limit=5',
    );
    expect(
      await transport.call({ method: 'POST', path: '/v1/anything', token: 'st_x', body: { text: '你好' } }),
    ).toEqual({ ok: true });
    expect(platform.calls[0]).toMatchObject({
      headers: { authorization: 'Bearer st_x', 'content-type': 'application/json' },
      body: { text: '你好' },
    });
  });
});
