import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientOptions, createClient } from './client';
import { NetworkError, type ThreadlineError } from './errors';
import type { PlatformStorage } from './platform';
import { createFakePlatform, type FakePlatform } from './testing/index';

function clientOn(platform: FakePlatform, overrides: Partial<ClientOptions> = {}) {
  return createClient({
    appKey: 'pk_test',
    apiUrl: 'https://api.test',
    channel: 'app',
    platform,
    logger: { warn() {}, error() {} },
    ...overrides,
  });
}

const brokenStorage = (mode: 'throw' | 'reject'): PlatformStorage => {
  const fail = () => {
    if (mode === 'throw') throw new Error('QuotaExceededError');
    return Promise.reject(new Error('AsyncStorage is broken'));
  };
  return { getItem: fail, setItem: fail, removeItem: fail };
};

// The core compiles without Node types; this is the one Node API the test needs.
const nodeProcess = (
  globalThis as unknown as {
    process: {
      on(event: string, fn: (reason: unknown) => void): void;
      off(event: string, fn: unknown): void;
    };
  }
).process;

describe('the host app is never broken by background work', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    vi.useFakeTimers();
    unhandled.length = 0;
    nodeProcess.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    nodeProcess.off('unhandledRejection', onUnhandled);
    vi.useRealTimers();
  });

  it('a throwing listener neither stops other listeners nor the client; it is reported as an error event', async () => {
    const platform = createFakePlatform();
    const logged: string[] = [];
    const client = clientOn(platform, {
      logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    });
    const errors: ThreadlineError[] = [];
    const texts: string[] = [];
    client.on('message', () => {
      throw new Error('bug in the host app');
    });
    client.on('message', (m) => texts.push(m.text));
    client.on('error', (e) => errors.push(e));
    client.on('error', () => {
      throw new Error('even the error listener throws');
    });
    const answer = await client.send('hi');
    expect(answer.message.text).toBe('hi');
    expect(texts).toEqual(['hi', 're: hi']);
    expect(errors.map((e) => e.code)).toEqual(['listener_error', 'listener_error']);
    expect(logged.some((m) => m.includes('"error" listener threw'))).toBe(true);
    client.close();
  });

  it.each(['throw', 'reject'] as const)(
    'storage that fails (%s) degrades to memory: the client still starts and sends',
    async (mode) => {
      const platform = createFakePlatform({ storage: brokenStorage(mode) });
      const client = clientOn(platform);
      const errors: ThreadlineError[] = [];
      client.on('error', (e) => errors.push(e));
      const started = await client.start();
      expect(started.anonymousId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect((await client.send('still works')).message.text).toBe('still works');
      await client.reset();
      expect(errors.map((e) => e.code)).toEqual(['storage_error']);
      client.close();
    },
  );

  it('with the network down, start() rejects with a NetworkError for its caller, and background work keeps trying quietly', async () => {
    const platform = createFakePlatform();
    platform.setOnline(false);
    const client = clientOn(platform);
    const connection: string[] = [];
    client.on('connection', (c) => connection.push(c));
    const error = await client.start().catch((e: unknown) => e);
    expect(NetworkError.isInstance(error)).toBe(true);
    const sent = client.send('queued while offline');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(client.pending().map((m) => m.text)).toEqual(['queued while offline']);

    platform.setOnline(true);
    expect((await sent).message.text).toBe('queued while offline');
    await vi.waitFor(() => expect(connection.at(-1)).toBe('online'));
    expect(unhandled).toEqual([]);
    client.close();
  });

  it('close() mid-flight rejects only the awaited calls, stops every loop and leaves nothing dangling', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await client.start();
    await vi.waitFor(() => expect(platform.streams).toHaveLength(1));
    platform.setOnline(false);
    const sent = client.send('never acknowledged').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    client.close();
    client.close();
    expect(await sent).toMatchObject({ code: 'client_closed' });
    await expect(client.timeline()).rejects.toMatchObject({ code: 'client_closed' });
    await expect(client.reset()).resolves.toBeUndefined();

    const requestsAtClose = platform.calls.length;
    platform.setOnline(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(platform.calls.length).toBe(requestsAtClose);
    expect(platform.streams.every((s) => s.closed)).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('a platform that throws anything or answers junk becomes a typed error, not a crash', async () => {
    const platform = createFakePlatform();
    platform.route('GET', '/v1/timeline', () => ({ status: 200, text: '<html>a captive portal</html>' }));
    const client = clientOn(platform, { realtime: false });
    await client.start();
    await expect(client.timeline()).rejects.toMatchObject({ code: 'invalid_response' });
    platform.route('GET', '/v1/timeline', () => {
      throw 'not even an Error';
    });
    const error = await client.timeline().catch((e: unknown) => e);
    expect(NetworkError.isInstance(error)).toBe(true);
    client.close();
  });
});
