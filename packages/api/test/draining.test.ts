import { errorEnvelope, updatesAnswer } from '@threadline/sdk-core/protocol';
import { describe, expect, it } from 'vitest';
import { createLifecycle } from '../src/http/lifecycle';
import { createTestApi } from './harness';

describe('a process that is draining (SIGTERM)', () => {
  it('answers a waiting long-poll at once, then refuses new requests and health checks with 503 and Retry-After', async () => {
    const lifecycle = createLifecycle();
    const api = await createTestApi({ lifecycle });
    const shop = await api.createShop();
    const session = await shop.startSession({ channel: 'web' });
    expect((await api.call('GET', '/v1/health')).status).toBe(200);

    const started = Date.now();
    const waiting = api.call('GET', '/v1/updates?wait=25', { token: session.sessionToken });
    // Waits until the long-poll is under way (bounded), not a fixed 200 ms: under load the request
    // could still be on its way, and a drain before it arrived would refuse it instead.
    for (let i = 0; i < 200 && lifecycle.inFlight() === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(lifecycle.inFlight()).toBe(1);
    lifecycle.drain();
    const poll = await waiting;
    expect(poll.status).toBe(200);
    expect(updatesAnswer.parse(poll.body).events).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await lifecycle.idle(1_000)).toBe(true);

    for (const [method, path] of [
      ['GET', '/v1/health'],
      ['POST', '/v1/sessions'],
    ] as const) {
      const refused = await api.call(method, path, {
        token: shop.publishableKey,
        ...(method === 'POST' ? { body: { channel: 'web' } } : {}),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('connection')).toBe('close');
      expect(errorEnvelope.parse(refused.body).error.code).toBe('unavailable');
    }
  });
});
