// A full disk is not the client's fault and nothing of the request is stored: the API answers a
// retryable 503 `unavailable` with a longer Retry-After (not a 500), and the same send, tried again
// once there is room, is stored once. `max_page_count` makes SQLite fail exactly as a full disk does
// (SQLITE_FULL, the whole transaction rolled back).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

describe('the database is full', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
  });
  afterAll(() => api.close());

  /** Lets the file grow by `spare` pages from now on. */
  async function capFile(spare: number) {
    const { pages } = (
      await api.rows<{ pages: number }>('select page_count as pages from pragma_page_count()')
    )[0]!;
    const { free } = (
      await api.rows<{ free: number }>('select freelist_count as free from pragma_freelist_count()')
    )[0]!;
    await api.rows(`PRAGMA max_page_count = ${Number(pages) - Number(free) + spare}`);
  }
  const uncap = () => api.rows('PRAGMA max_page_count = 1073741823');

  it('a send answers 503 unavailable with Retry-After, stores nothing, and the retry is stored once', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
    const clientMessageId = randomUUID();
    const big = '快递什么时候到？'.repeat(500);
    await capFile(0);
    let refused: Awaited<ReturnType<typeof shop.send>>;
    try {
      refused = await shop.send(session.sessionToken, big, clientMessageId);
    } finally {
      await uncap();
    }
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable', retryAfterSec: 30 });
    expect(refused.headers.get('retry-after')).toBe('30');
    const count = async () =>
      Number(
        (
          await api.rows<{ n: number }>('select count(*) as n from messages where client_message_id = ?', [
            clientMessageId,
          ])
        )[0]!.n,
      );
    expect(await count()).toBe(0);

    const again = await shop.send(session.sessionToken, big, clientMessageId);
    expect(again.status).toBe(201);
    const once = await shop.send(session.sessionToken, big, clientMessageId);
    expect(once.status).toBeLessThan(300);
    expect(once.body.message.id).toBe(again.body.message.id);
    expect(await count()).toBe(1);
  });
});
