import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

/**
 * The livestream viewers' cache (livestream/viewers.ts): a batch finds a viewer it saw before
 * without looking it up, and still lands every comment on exactly the customer the look-up would
 * have found — after a merge, an erase, a change made by another writer, across rooms, platforms
 * and apps. Each case first puts the viewer in the cache (a batch), then changes the identity, then
 * sends again.
 */
describe('livestream viewers cache', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let clock: ReturnType<typeof createManualClock>;
  let seq = 0;

  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2026, 4, 1, 12));
    api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
    shop = await api.createShop();
  });
  afterEach(async () => {
    api.app.livestream.close();
    await api.close();
  });

  const say = async (
    secretKey: string,
    channel: string,
    roomId: string,
    viewerId: string,
    text = '666',
  ): Promise<string> => {
    const id = `c-${++seq}`;
    const res = await api.call('POST', `/v1/channels/${channel}/comments`, {
      token: secretKey,
      body: { roomId, items: [{ id, viewerId, nickname: '小鹿', text, at: clock.now() }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    await api.app.livestream.settled();
    clock.advance(1000);
    const [row] = await api.rows<{ customer_id: string; text: string }>(
      'select customer_id, text from live_comments where item_id = ?',
      [id],
    );
    // The text is sealed with a key of the customer the comment landed on — also when the batch
    // sealed it ahead of its transaction for the customer the cache knew (livestream/comment-batches.ts).
    const keyId = row!.text.split('.')[1] ?? '';
    const [key] = await api.rows<{ customer_id: string }>(
      'select customer_id from customer_keys where id = ?',
      [keyId],
    );
    expect(row!.text.startsWith('k1.')).toBe(true);
    expect(key?.customer_id).toBe(row!.customer_id);
    return row!.customer_id;
  };
  const ownerOf = async (appId: string, kind: string, value: string) =>
    (
      await api.rows<{ customer_id: string }>(
        'select customer_id from identities where app_id = ? and kind = ? and value = ?',
        [appId, kind, value],
      )
    )[0]?.customer_id;
  const identityChanges = async () =>
    Number(
      (await api.rows<{ changes: number }>('select changes from identity_changes where id = 1'))[0]!.changes,
    );

  it('follows a merge: after the viewer links the app, the next comment lands on the surviving customer', async () => {
    const first = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_merge');
    // Cached now: a second batch gets the same customer.
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_merge')).toBe(first);
    const session = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-9'),
    });
    const before = await identityChanges();
    const linked = await shop.identify(
      session.sessionToken,
      await shop.identityToken('user-9', { handles: { douyin: 'dy_merge' } }),
    );
    expect(linked.status).toBe(200);
    const survivor = await ownerOf(shop.appId, 'douyin', 'dy_merge');
    expect(survivor).not.toBe(first);
    expect(await identityChanges()).toBeGreaterThan(before);
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_merge')).toBe(survivor);
    // And in another room of the same platform.
    expect(await say(shop.secretKey, 'douyin_live', 'room-2', 'dy_merge')).toBe(survivor);
  });

  it('follows an erase: the erased customer gets nothing new; the viewer comes back as a new customer', async () => {
    const first = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_erase');
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_erase')).toBe(first);
    const erased = await api.call('DELETE', `/v1/customers/${first}`, { token: shop.secretKey });
    expect(erased.status).toBe(200);
    const next = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_erase');
    expect(next).not.toBe(first);
    expect(await ownerOf(shop.appId, 'douyin', 'dy_erase')).toBe(next);
    const stored = await api.rows<{ n: number }>(
      'select count(*) as n from live_comments where customer_id = ?',
      [first],
    );
    expect(stored[0]!.n).toBe(0);
    expect(await api.rows('select id from customers where id = ?', [next])).toHaveLength(1);
  });

  it('follows a change made by another writer, outside this process’s code (raw SQL on the file)', async () => {
    const first = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_moved');
    const other = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_someone_else');
    expect(other).not.toBe(first);
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_moved')).toBe(first);
    await api.rows("update identities set customer_id = ? where kind = 'douyin' and value = 'dy_moved'", [
      other,
    ]);
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_moved')).toBe(other);
    await api.rows("delete from identities where kind = 'douyin' and value = 'dy_moved'");
    const fresh = await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_moved');
    expect([first, other]).not.toContain(fresh);
    expect(await ownerOf(shop.appId, 'douyin', 'dy_moved')).toBe(fresh);
  });

  it('keeps rooms of one platform together, and platforms and apps apart', async () => {
    const other = await api.createShop();
    const dy1 = await say(shop.secretKey, 'douyin_live', 'room-1', 'v_shared');
    expect(await say(shop.secretKey, 'douyin_live', 'room-2', 'v_shared')).toBe(dy1);
    const tb = await say(shop.secretKey, 'taobao_live', 'room-1', 'v_shared');
    const otherApp = await say(other.secretKey, 'douyin_live', 'room-1', 'v_shared');
    expect(new Set([dy1, tb, otherApp]).size).toBe(3);
    // Again, now that all three are cached: each still lands on its own.
    expect(await say(other.secretKey, 'douyin_live', 'room-1', 'v_shared')).toBe(otherApp);
    expect(await say(shop.secretKey, 'taobao_live', 'room-2', 'v_shared')).toBe(tb);
    expect(await say(shop.secretKey, 'douyin_live', 'room-1', 'v_shared')).toBe(dy1);
    expect(await ownerOf(other.appId, 'douyin', 'v_shared')).toBe(otherApp);
    expect(await ownerOf(shop.appId, 'taobao', 'v_shared')).toBe(tb);
    const owners = await api.rows<{ app_id: string }>('select app_id from customers where id in (?, ?, ?)', [
      dy1,
      tb,
      otherApp,
    ]);
    expect(owners.map((r) => r.app_id).sort()).toEqual([shop.appId, shop.appId, other.appId].sort());
  });

  it('raises the identity change counter only when an identity moves or goes', async () => {
    const start = await identityChanges();
    await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_new_1');
    await say(shop.secretKey, 'douyin_live', 'room-1', 'dy_new_2');
    expect(await identityChanges()).toBe(start);
    await api.rows("update identities set verified = 1 where value = 'dy_new_1'");
    expect(await identityChanges()).toBe(start);
    await api.rows("delete from identities where value = 'dy_new_2'");
    expect(await identityChanges()).toBe(start + 1);
  });
});
