import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerSealers, openAllForCustomers, type SealedAhead } from '../src/identity/customer-keys';
import { useSealWorker } from '../src/identity/seal-thread';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

/**
 * speed-16m: a batch's values sealed ahead on the sealing worker are awaited only briefly in the
 * transaction; when the worker's answer is late (its core busy) or never comes, the request thread
 * seals them itself, and a late answer is used only for what is still unsealed and only where its
 * customer and key are the transaction's. Every value opens to its text under its own customer's
 * key, whichever thread sealed it. Real libSQL, real keys.
 */
describe('sealing ahead when the worker is late', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  const clock = createManualClock(Date.UTC(2026, 4, 1, 12));
  let customers: string[] = [];

  beforeAll(async () => {
    useSealWorker(false);
    api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
    shop = await api.createShop();
    const items = Array.from({ length: 150 }, (_, i) => ({
      id: `c-${i}`,
      viewerId: `dy_${i}`,
      nickname: '小鹿',
      text: `来了 ${i}`,
      at: clock.now(),
    }));
    const res = await api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      body: { roomId: 'room-1', items },
    });
    expect(res.status).toBe(200);
    customers = (
      await api.rows<{ customer_id: string }>(
        "select customer_id from identities where app_id = ? and kind = 'douyin' order by value",
        [shop.appId],
      )
    ).map((r) => r.customer_id);
    expect(customers).toHaveLength(150);
  }, 60_000);
  afterAll(async () => {
    api.app.livestream.close();
    await api.close();
  });

  // 3,000 values over the 150 customers: more than this thread seals in the answer's delay below.
  const COUNT = 3_000;
  const ids = () => Array.from({ length: COUNT }, (_, i) => customers[i % customers.length]!);
  const texts = () => ids().map((_, i) => `优惠券怎么用 #${i} 🎁`);

  async function sealWithAhead(
    ahead: (sealFor: (customerId: string) => (plain: string) => string) => SealedAhead,
  ) {
    const deps = api.app.deps;
    return deps.database.write(async (db, onCommit) => {
      const sealFor = await customerSealers(deps, db, onCommit, shop.appId, customers);
      const started = performance.now();
      const sealed = await sealFor.many(ids(), texts(), ahead(sealFor));
      return { sealed, ms: performance.now() - started };
    });
  }

  async function expectOpens(sealed: string[]) {
    expect(sealed).toHaveLength(COUNT);
    for (const value of sealed) expect(value.startsWith('k1.')).toBe(true);
    const opened = await openAllForCustomers(api.app.deps, sealed);
    expect(opened).toEqual(texts());
    // Each under its own customer's current key.
    const keys = await api.rows<{ id: string; customer_id: string }>(
      'select id, customer_id from customer_keys where app_id = ?',
      [shop.appId],
    );
    const keyOf = new Map(keys.map((k) => [k.customer_id, k.id]));
    const owners = ids();
    for (const [i, value] of sealed.entries()) expect(value.split('.')[1]).toBe(keyOf.get(owners[i]!));
  }

  it('seals everything itself when the worker never answers, and does not wait for it', async () => {
    const { sealed, ms } = await sealWithAhead(() => ({
      customerIds: ids(),
      keyIds: ids().map(() => null),
      values: new Promise(() => {}),
      settled: null,
    }));
    expect(ms).toBeLessThan(2_000);
    await expectOpens(sealed);
  });

  it('takes a late answer only where its customer and key are the transaction’s', async () => {
    const forged = (i: number) => `k1.forged.${i}`;
    let answer: string[] = [];
    const { sealed } = await sealWithAhead((sealFor) => {
      const keyIdOf = (customerId: string) => sealFor(customerId)('x').split('.')[1]!;
      // Entries for another customer, or naming another key, carry values that must never be taken.
      const stale = (i: number) => i % 5 === 0 || i % 7 === 0;
      const ahead: SealedAhead = {
        customerIds: ids().map((c, i) => (i % 5 === 0 ? 'cus_someone_else' : c)),
        keyIds: ids().map((c, i) => (i % 7 === 0 ? 'another-key' : keyIdOf(c))),
        values: Promise.resolve([]),
        settled: null,
      };
      // The answer lands after the wait: this thread has begun sealing from the front meanwhile.
      ahead.values = new Promise((resolve) =>
        setTimeout(() => {
          const owners = ids();
          const values = texts().map((text, i) => (stale(i) ? forged(i) : sealFor(owners[i]!)(text)));
          answer = values;
          ahead.settled = values;
          resolve(values);
        }, 15),
      );
      return ahead;
    });
    await expectOpens(sealed);
    // The front was sealed here while the answer was late; the rest taken from it where it fit.
    expect(sealed[1]).not.toBe(answer[1]);
    expect(
      sealed.slice(-20).filter((value, j) => value === answer[answer.length - 20 + j]).length,
    ).toBeGreaterThan(0);
  });

  it('takes an answer that is in before the transaction needs it', async () => {
    let values: string[] = [];
    const { sealed } = await sealWithAhead((sealFor) => {
      const owners = ids();
      values = texts().map((text, i) => sealFor(owners[i]!)(text));
      const keyIds = owners.map((c) => sealFor(c)('x').split('.')[1]!);
      return { customerIds: owners, keyIds, values: Promise.resolve(values), settled: values };
    });
    await expectOpens(sealed);
    expect(sealed).toEqual(values);
  });
});
