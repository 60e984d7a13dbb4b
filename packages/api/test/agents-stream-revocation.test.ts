import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { readSse } from './sse-reader';

describe('an agent stream ends with its credential, even while the app is busy', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ heartbeatMs: 1_000, rateLimits: UNLIMITED });
  });
  afterAll(() => api.close());

  for (const ending of ['deactivate', 'revoke'] as const) {
    it(`${ending}: the stream ends although events never stop flowing`, async () => {
      const shop = await api.createShop();
      const agent = await shop.addAgent({ name: `离职-${ending}` });
      const stream = readSse(
        await api.app.request('/v1/agent/stream', { headers: { authorization: `Bearer ${agent.token}` } }),
      );
      await stream.until((frames) => frames.some((f) => f.comment === 'connected'));
      const { sessionToken } = await shop.startSession();
      if (ending === 'deactivate')
        await api.call('POST', `/v1/agents/${agent.id}/deactivate`, { token: shop.secretKey });
      else await agent.call('POST', '/v1/agent/sign-out');
      const reading = stream.until(() => false, 100_000);
      // The shop stays busy: a customer message every 50 ms (never a quiet heartbeat interval).
      let sent = 0;
      for (; sent < 100 && !stream.ended(); sent++) {
        await shop.send(sessionToken, `还在吗 ${sent}`);
        await sleep(50);
      }
      await Promise.race([reading, sleep(3_000)]);
      expect(stream.ended()).toBe(true);
      expect(sent).toBeLessThan(100);
    });
  }
});
