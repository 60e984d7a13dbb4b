import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealWorkerReady, sealWorkerState, stopSealWorker, useSealWorker } from '../src/identity/seal-thread';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

/**
 * review-f: ahead-of-transaction sealing (identity/customer-keys.ts `sealAhead`) with the sealing
 * worker on and batches big enough to go to it: the same viewer many times in a batch, viewers new
 * in the batch, a retried batch, erases racing the batches, the worker ended mid-stream. Afterwards
 * every comment's text is sealed with a key of the customer it landed on, and an erased customer
 * has no comment left and no key.
 */
describe.each([true, false])('livestream sealing ahead under races (worker on: %s)', (workerOn) => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  const clock = createManualClock(Date.UTC(2026, 4, 1, 12));
  let seq = 0;

  beforeAll(async () => {
    useSealWorker(workerOn);
    api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
    shop = await api.createShop();
    if (workerOn) await sealWorkerReady();
  }, 60_000);
  afterAll(async () => {
    await stopSealWorker();
    useSealWorker(false);
    api.app.livestream.close();
    await api.close();
  });

  const batch = (viewers: string[]) => ({
    roomId: 'room-1',
    items: viewers.map((viewerId, i) => ({
      id: `c-${++seq}`,
      viewerId,
      nickname: '小鹿',
      text: `第${seq}条 ${viewerId} #${i}`,
      at: clock.now(),
    })),
  });
  const post = (body: ReturnType<typeof batch>) =>
    api.call('POST', '/v1/channels/douyin_live/comments', { token: shop.secretKey, body });
  const ownerOf = async (viewer: string) =>
    (
      await api.rows<{ customer_id: string }>(
        "select customer_id from identities where app_id = ? and kind = 'douyin' and value = ?",
        [shop.appId, viewer],
      )
    )[0]?.customer_id;

  it('keeps every text under its own customer’s key, nothing lost or duplicated', async () => {
    const regulars = Array.from({ length: 12 }, (_, i) => `dy_reg_${i}`);
    // Warm the viewer and key caches: 120 comments, each regular ten times in the batch.
    const warm = batch(Array.from({ length: 120 }, (_, i) => regulars[i % regulars.length]!));
    expect((await post(warm)).status).toBe(200);
    await api.app.livestream.settled();
    expect(sealWorkerState().running).toBe(workerOn);
    const sent: ReturnType<typeof batch>[] = [warm];
    const erased: string[] = [];
    for (let round = 0; round < 6; round++) {
      clock.advance(1000);
      const victim = regulars[round]!;
      const victimCustomer = await ownerOf(victim);
      // Regulars (cached: sealed ahead), the victim, and viewers new in this batch, mixed.
      const viewers = Array.from({ length: 150 }, (_, i) =>
        i % 3 === 0 ? `dy_new_${round}_${i % 7}` : i % 5 === 0 ? victim : regulars[i % regulars.length]!,
      );
      const body = batch(viewers);
      sent.push(body);
      const [res, gone] = await Promise.all([
        post(body),
        api.call('DELETE', `/v1/customers/${victimCustomer}`, { token: shop.secretKey }),
        // The worker ended under one round's job: its values are sealed in-thread instead.
        round === 3 ? stopSealWorker() : Promise.resolve(false),
      ]);
      expect(res.status).toBe(200);
      expect(gone.status).toBe(200);
      erased.push(victimCustomer!);
      // A retry of the same batch: duplicates, except the victim's comments when the erase took them
      // after the batch (the viewer comes back as a new customer).
      const count = async () =>
        (await api.rows<{ n: number }>('select count(*) as n from live_comments'))[0]!.n;
      const before = await count();
      const again = await post(body);
      expect(again.status).toBe(200);
      const after = await count();
      const victimItems = body.items.filter((item) => item.viewerId === victim).length;
      expect((again.body as { duplicates: number }).duplicates + (after - before)).toBe(body.items.length);
      expect(after - before === 0 || after - before === victimItems).toBe(true);
      await api.app.livestream.settled();
    }

    const rows = await api.rows<{ item_id: string; customer_id: string; text: string }>(
      'select item_id, customer_id, text from live_comments',
    );
    const ids = sent.flatMap((b) => b.items.map((item) => item.id));
    const stored = new Set(rows.map((r) => r.item_id));
    expect(rows.length).toBe(stored.size);
    const keys = new Map(
      (await api.rows<{ id: string; customer_id: string }>('select id, customer_id from customer_keys')).map(
        (k) => [k.id, k.customer_id],
      ),
    );
    for (const row of rows) {
      expect(row.text.startsWith('k1.'), row.item_id).toBe(true);
      expect(keys.get(row.text.split('.')[1] ?? ''), row.item_id).toBe(row.customer_id);
      expect(erased).not.toContain(row.customer_id);
    }
    // Every comment not erased with its customer is there.
    for (const id of ids)
      if (!stored.has(id)) {
        const [gone] = await api.rows<{ n: number }>(
          'select count(*) as n from live_comments where item_id = ?',
          [id],
        );
        expect(gone!.n).toBe(0);
      }
    for (const customer of erased) {
      expect(await api.rows('select id from customer_keys where customer_id = ?', [customer])).toHaveLength(
        0,
      );
      expect(
        await api.rows('select item_id from live_comments where customer_id = ?', [customer]),
      ).toHaveLength(0);
    }
    // The regulars who were never erased kept all their comments.
    const kept = regulars.slice(6);
    for (const viewer of kept) {
      const customer = (await ownerOf(viewer))!;
      const [count] = await api.rows<{ n: number }>(
        'select count(*) as n from live_comments where customer_id = ?',
        [customer],
      );
      const expected = sent.flatMap((b) => b.items).filter((item) => item.viewerId === viewer).length;
      expect(count!.n, viewer).toBe(expected);
    }
  }, 120_000);
});
