import { createClient } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database';
import { seedDemoStore } from '../src/knowledge';
import { createTimelineDrain, liveMeta, timelineDrainSources } from '../src/livestream/timeline-drain';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

/**
 * The timeline drain writes the questions this process's batches queued from memory instead of
 * reading the batch's rows back (timeline-drain.ts, QueueMemory). What the read gave must stay
 * exact: a merge or an erase between the ingest and the drain, a retried batch, and a restart
 * (memory lost; another handle drains from the log) each leave the timeline as the log says.
 */
describe('the timeline drain fed from memory', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let clock: ReturnType<typeof createManualClock>;
  let seq = 0;

  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2026, 4, 1, 12));
    api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    // No answer rounds: they drain inside their own transaction, and this file chooses when.
    const settings = await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: { answers: { enabled: false } },
    });
    expect(settings.status).toBe(200);
  });
  afterEach(async () => {
    api.app.livestream.close();
    await api.close();
  });

  const batchOf = (asks: [viewerId: string, text: string][], ids?: string[]) => ({
    roomId: 'room-m',
    items: asks.map(([viewerId, text], i) => ({
      id: ids?.[i] ?? `m-${++seq}`,
      viewerId,
      nickname: `昵称${viewerId}`,
      text,
      at: clock.now(),
    })),
  });
  const post = async (body: ReturnType<typeof batchOf>) => {
    const res = await api.call('POST', '/v1/channels/douyin_live/comments', { token: shop.secretKey, body });
    expect(res.status).toBe(200);
    return res.body as { accepted: number; duplicates: number };
  };
  const sources = () => timelineDrainSources(api.app.deps.database);
  const customerOf = async (viewerId: string) =>
    (
      await api.rows<{ id: string }>(
        "select customer_id as id from identities where kind = 'douyin' and value = ?",
        [viewerId],
      )
    )[0]!.id;
  /** What the log says each queued question's message is (the drain's read, before this branch). */
  const expectedFromLog = () =>
    api.rows<Record<string, unknown>>(
      `select c.message_id as id, r.app_id as appId, coalesce(cu.merged_into, c.customer_id) as customerId,
         c.nickname as authorName, c.text as text, c.intent as intent, c.at as createdAt,
         r.channel as channel, r.platform_room_id as roomId, c.item_id as commentId
       from live_timeline_queue q join live_comments c on c.seq = q.seq join live_rooms r on r.id = c.room_id
       left join customers cu on cu.id = c.customer_id
       where c.message_id is not null and c.kind = 'question' order by q.seq`,
    );
  const timelineRows = () =>
    api.rows<Record<string, unknown>>(
      `select id, app_id as appId, customer_id as customerId, author_name as authorName, text, intent,
         created_at as createdAt, channel, meta, conversation_id as conversationId, author_type as authorType
       from messages where channel = 'douyin_live' order by seq`,
    );
  const asExpected = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
    rows.map(({ roomId, commentId, ...row }) => ({
      ...row,
      meta: JSON.stringify({ live: { channel: row.channel, roomId, commentId } }),
      authorType: 'customer',
    }));
  const withoutConversation = (rows: Record<string, unknown>[]) =>
    rows.map(({ conversationId: _, ...row }) => row);

  it('writes from memory exactly the messages the log would give, in queue order', async () => {
    await post(
      batchOf([
        ['dy_a', '直播间的券怎么领'],
        ['dy_b', '有没有小码'],
        ['dy_c', '666'],
        ['dy_a', '什么时候发货'],
      ]),
    );
    await post(
      batchOf([
        ['dy_b', '链接在哪'],
        ['dy_d', '直播间的券怎么领'],
      ]),
    );
    const expected = asExpected(await expectedFromLog());
    expect(expected.length).toBeGreaterThanOrEqual(4);
    await api.app.livestream.settled();
    expect(sources()).toEqual({ fromMemory: 1, fromLog: 0 });
    expect(withoutConversation(await timelineRows())).toEqual(expected);
    expect(await api.rows('select seq from live_timeline_queue')).toEqual([]);
    // One room conversation per asker, closed, with the room as context.
    const conversations = await api.rows<{ customerId: string; status: string; context: string }>(
      "select customer_id as customerId, status, context from conversations where channel = 'douyin_live'",
    );
    expect(conversations).toHaveLength(new Set(expected.map((m) => m.customerId)).size);
    for (const c of conversations) {
      expect(c.status).toBe('resolved');
      expect(JSON.parse(c.context)).toEqual({ liveRoom: { channel: 'douyin_live', roomId: 'room-m' } });
    }
  });

  for (const batchAfterMerge of [false, true]) {
    it(`a viewer merged into a user between the ingest and the drain gets the question on the user${batchAfterMerge ? ' (another batch between the merge and the drain)' : ''}`, async () => {
      const session = await shop.startSession({
        channel: 'web',
        identityToken: await shop.identityToken('user-9'),
      });
      await shop.send(session.sessionToken, '你好');
      await post(
        batchOf([
          ['dy_m', '直播间的券怎么领'],
          ['dy_n', '有没有小码'],
        ]),
      );
      const viewerCustomer = await customerOf('dy_m');
      const linked = await shop.identify(
        session.sessionToken,
        await shop.identityToken('user-9', { handles: { douyin: 'dy_m' } }),
      );
      expect(linked.status).toBe(200);
      const user = linked.body.customer.id as string;
      expect(user).not.toBe(viewerCustomer);
      expect(
        (
          await api.rows<{ into: string }>('select merged_into as "into" from customers where id = ?', [
            viewerCustomer,
          ])
        )[0]!.into,
      ).toBe(user);
      // Its entries carry the counter after the merge, the first batch's the one before.
      if (batchAfterMerge) await post(batchOf([['dy_o', '什么时候发货']]));
      const expected = asExpected(await expectedFromLog());
      expect(expected.find((m) => m.authorName === '昵称dy_m')?.customerId).toBe(user);
      await api.app.livestream.settled();
      expect(sources()).toEqual({ fromMemory: 0, fromLog: 1 });
      const live = await timelineRows();
      expect(withoutConversation(live)).toEqual(expected);
      expect(live.filter((m) => m.customerId === viewerCustomer)).toEqual([]);
      const page = await api.call('GET', '/v1/timeline?limit=50', { token: linked.body.sessionToken });
      expect(page.body.messages.map((m: { text: string }) => m.text)).toContain('直播间的券怎么领');
      // Later batches go back to memory, and the merged viewer's land on the user.
      await post(batchOf([['dy_m', '链接在哪']]));
      await api.app.livestream.settled();
      expect(sources()).toEqual({ fromMemory: 1, fromLog: 1 });
      expect((await timelineRows()).at(-1)).toMatchObject({ customerId: user, authorName: '昵称dy_m' });
    });
  }

  it('an erased viewer’s questions never reach a timeline, when the erase falls between ingest and drain', async () => {
    await post(
      batchOf([
        ['dy_e', '直播间的券怎么领'],
        ['dy_f', '直播间的券怎么领'],
      ]),
    );
    const erasedCustomer = await customerOf('dy_e');
    const kept = await customerOf('dy_f');
    const erased = await api.call('DELETE', `/v1/customers/${erasedCustomer}?messages=delete`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBe(200);
    await api.app.livestream.settled();
    const live = await timelineRows();
    expect(live.map((m) => [m.customerId, m.authorName])).toEqual([[kept, '昵称dy_f']]);
    expect(await api.rows('select seq from live_timeline_queue')).toEqual([]);
    expect(await api.rows("select 1 from messages where author_name = '昵称dy_e'")).toEqual([]);
  });

  it('a batch that did not commit leaves nothing a later drain takes, though another process reused its seq', async () => {
    await post(batchOf([['dy_g', '有没有小码']]));
    // Set up (and later write) through another connection: another process.
    const other = createClient({ url: api.deps.database.localFileUrl! });
    try {
      await other.executeMultiple(`
        create table boom (x integer);
        create trigger boom_rolls_back after insert on boom begin select raise(rollback, 'boom'); end;`);
      const next = Number(
        (await api.rows<{ next: number }>('select max(seq) + 1 as next from live_comments'))[0]!.next,
      );
      // The next batch shares its group commit with a writer whose trigger rolls the whole
      // transaction back (RAISE(ROLLBACK)) after the batch's work succeeded: none of it is stored.
      const database = api.deps.database;
      const write = database.write;
      let boom: Promise<unknown> | null = null;
      database.write = ((work: Parameters<typeof write>[0]) => {
        database.write = write;
        const batch = write(work);
        boom = write((db) => db.run(sql`insert into boom values (1)`)).catch((error: unknown) => error);
        return batch;
      }) as typeof write;
      const failed = await api.call('POST', '/v1/channels/douyin_live/comments', {
        token: shop.secretKey,
        body: batchOf([['dy_h', '直播间的券怎么领']]),
      });
      expect(boom).not.toBeNull();
      await boom;
      expect(failed.status).toBe(503);
      expect(await api.rows('select seq from live_comments where seq >= ?', [next])).toEqual([]);
      // Another process writes its own question at that seq and queues it.
      await other.batch(
        [
          {
            sql: `insert into live_comments (seq, room_id, item_id, viewer_id, customer_id, nickname, text, at, kind, question_key, intent, message_id)
              select ?, room_id, 'other-1', viewer_id, customer_id, '别的进程', 'sealed-elsewhere', at, kind, question_key, intent, 'msg_other_process'
              from live_comments where seq = ?`,
            args: [next, next - 1],
          },
          { sql: 'insert into live_timeline_queue (seq) values (?)', args: [next] },
        ],
        'write',
      );
    } finally {
      other.close();
    }
    await api.app.livestream.settled();
    const live = await timelineRows();
    expect(live.map((m) => [m.id, m.authorName, m.text])).toEqual([
      [expect.any(String), '昵称dy_g', expect.any(String)],
      ['msg_other_process', '别的进程', 'sealed-elsewhere'],
    ]);
    expect(sources()).toEqual({ fromMemory: 0, fromLog: 1 });
  });

  it('a retried batch adds no message, before or after the drain', async () => {
    const body = batchOf(
      [
        ['dy_r', '直播间的券怎么领'],
        ['dy_s', '有没有小码'],
      ],
      ['r-1', 'r-2'],
    );
    expect(await post(body)).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await post(body)).toMatchObject({ accepted: 2, duplicates: 2 });
    await api.app.livestream.settled();
    expect(await post(body)).toMatchObject({ accepted: 2, duplicates: 2 });
    // Half new: only the new item is queued.
    await post(
      batchOf(
        [
          ['dy_r', '直播间的券怎么领'],
          ['dy_t', '链接在哪'],
        ],
        ['r-1', 'r-3'],
      ),
    );
    await api.app.livestream.settled();
    const live = await timelineRows();
    expect(live.map((m) => m.authorName)).toEqual(['昵称dy_r', '昵称dy_s', '昵称dy_t']);
    expect(new Set(live.map((m) => m.id)).size).toBe(3);
    expect(sources().fromLog).toBe(0);
  });

  it('after a restart between the ingest and the drain, the log path writes each question once', async () => {
    await post(
      batchOf([
        ['dy_x', '直播间的券怎么领'],
        ['dy_y', '有没有小码'],
      ]),
    );
    await post(batchOf([['dy_z', '什么时候发货']]));
    const expected = asExpected(await expectedFromLog());
    // Another handle on the same file: a restarted process, with nothing in memory.
    const url = api.deps.database.localFileUrl!;
    const restarted = createDatabase({ url });
    const drain = createTimelineDrain({ database: restarted, logger: api.deps.logger }, 0);
    try {
      await drain.settle();
      expect(timelineDrainSources(restarted)).toEqual({ fromMemory: 0, fromLog: 1 });
    } finally {
      drain.close();
      restarted.close();
    }
    expect(withoutConversation(await timelineRows())).toEqual(expected);
    // This process's memory still holds the entries; its drain finds their queue rows gone.
    await api.app.livestream.settled();
    expect(withoutConversation(await timelineRows())).toEqual(expected);
    // And a question queued here after that is drained from memory again.
    await post(batchOf([['dy_x', '链接在哪']]));
    await api.app.livestream.settled();
    expect((await timelineRows()).map((m) => m.authorName)).toEqual([
      ...expected.map((m) => m.authorName),
      '昵称dy_x',
    ]);
    expect(sources().fromMemory).toBe(1);
  });

  it('liveMeta is JSON.stringify of the same object', () => {
    for (const [channel, platformRoomId, itemId] of [
      ['douyin_live', 'room-1', 'c-1'],
      ['taobao_live', '房间"\\\n1', 'id\u2028"x'],
    ] as const) {
      expect(liveMeta({ channel, platformRoomId, itemId })).toBe(
        JSON.stringify({ live: { channel, roomId: platformRoomId, commentId: itemId } }),
      );
    }
  });
});
