import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebPlatform } from './web-platform';

describe('the web platform lock (the tabs’ shared send queue)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('holds a Web Lock of that name while the work runs', async () => {
    const request = vi.fn((_name: string, fn: () => Promise<unknown>) => fn());
    vi.stubGlobal('navigator', { locks: { request } });
    const platform = createWebPlatform({ fetch: vi.fn() });
    await expect(platform.lock!('threadline.send_queue.flush', async () => 'sent')).resolves.toBe('sent');
    expect(request).toHaveBeenCalledWith('threadline.send_queue.flush', expect.any(Function));
  });

  it('still runs the work, once, without Web Locks or when the browser refuses the lock', async () => {
    const work = vi.fn(async () => 'sent');
    vi.stubGlobal('navigator', {});
    await expect(createWebPlatform({ fetch: vi.fn() }).lock!('q', work)).resolves.toBe('sent');
    vi.stubGlobal('navigator', {
      locks: { request: () => Promise.reject(new DOMException('opaque origin', 'SecurityError')) },
    });
    await expect(createWebPlatform({ fetch: vi.fn() }).lock!('q', work)).resolves.toBe('sent');
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('passes the work’s own failure through instead of running it again', async () => {
    vi.stubGlobal('navigator', { locks: { request: (_: string, fn: () => Promise<unknown>) => fn() } });
    const work = vi.fn(async () => {
      throw new Error('storage broke');
    });
    await expect(createWebPlatform({ fetch: vi.fn() }).lock!('q', work)).rejects.toThrow('storage broke');
    expect(work).toHaveBeenCalledTimes(1);
  });
});
