import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';
import { readSse } from './sse-reader';

/**
 * Review of issue 8, item 5: an open stream stops with its session. Revocation ends it at once; a
 * session that simply runs out (its token expires) must end it too — otherwise a token copied
 * once reads the customer live for as long as the connection stays up, heartbeats keeping it so.
 */
describe('a stream lives no longer than its session', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ sessionTtlSec: 2, heartbeatMs: 200 });
  });
  afterAll(() => api.close());

  it('ends the stream when the session expires, and a new one is refused', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    const stream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${session.sessionToken}` } }),
    );
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));
    // Heartbeats every 200 ms for 2 s; the stream must end soon after expiry, not run on.
    await stream.until(() => false, 40);
    expect(stream.ended()).toBe(true);
    const again = await api.app.request('/v1/stream', {
      headers: { authorization: `Bearer ${session.sessionToken}` },
    });
    expect(again.status).toBe(401);
  });
});
