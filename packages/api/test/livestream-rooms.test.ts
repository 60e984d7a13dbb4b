import { createHmac } from 'node:crypto';
import {
  errorEnvelope,
  liveCommentBatchAnswer,
  liveCommentBatchRefusedAnswer,
  liveHotQuestions,
  liveReplyPayload,
  liveRoomFigures,
} from '@threadline/sdk-core/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timelinePage } from '../src/conversations';
import { destroyCustomerKeys, openAllForCustomers } from '../src/identity';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';
import { startReplyServer } from './reply-server';
import { readSse } from './sse-reader';

const START = Date.UTC(2026, 4, 1, 12);

let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
let clock: ReturnType<typeof createManualClock>;
let seq = 0;

const comment = (viewerId: string, text: string, extra: Record<string, unknown> = {}) => ({
  id: `c-${++seq}`,
  viewerId,
  nickname: `昵称${viewerId}`,
  text,
  at: clock.now(),
  ...extra,
});
const post = (items: unknown[], roomId = 'room-1', channel = 'douyin_live', token = shop.secretKey) =>
  api.call('POST', `/v1/channels/${channel}/comments`, { token, body: { roomId, items } });
const room = (path = '', roomId = 'room-1') => `/v1/channels/douyin_live/rooms/${roomId}${path}`;
const settle = async () => {
  await api.app.livestream.settled();
  await api.app.livestream.delivery.flush();
};
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

beforeEach(async () => {
  clock = createManualClock(START);
  api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
  shop = await api.createShop({ extraChannels: ['kuaishou_live'] });
  await seedDemoStore(api.deps, shop.appId);
});
afterEach(async () => {
  api.app.livestream.close();
  await api.close();
});

describe('POST /v1/channels/:channel/comments', () => {
  it('takes a batch and finds or creates each viewer once, by platform identity', async () => {
    const res = await post([
      comment('dy_1', '优惠券怎么领啊'),
      comment('dy_1', '666'),
      comment('dy_2', '来了'),
    ]);
    expect(res.status).toBe(200);
    expect(liveCommentBatchAnswer.parse(res.body)).toEqual({ accepted: 3, duplicates: 0, refused: [] });
    const again = await post([comment('dy_2', '什么时候发货')]);
    expect(again.status).toBe(200);
    const identities = await api.rows<{ kind: string; value: string; verified: number }>(
      "select kind, value, verified from identities where kind = 'douyin' order by value",
    );
    expect(identities).toEqual([
      { kind: 'douyin', value: 'dy_1', verified: 1 },
      { kind: 'douyin', value: 'dy_2', verified: 1 },
    ]);
    // Each platform names its own viewers: the same id on 淘宝直播 is another person.
    await post([comment('dy_1', '包邮吗')], 'tb-room', 'taobao_live');
    const kinds = await api.rows<{ kind: string }>(
      "select kind from identities where value = 'dy_1' order by kind",
    );
    expect(kinds.map((k) => k.kind)).toEqual(['douyin', 'taobao']);
  });

  it('stores each item id once: a retried batch changes nothing', async () => {
    const batch = [comment('dy_1', '券怎么领'), comment('dy_2', '666'), comment('dy_3', '我的快递到哪了')];
    expect((await post(batch)).body).toEqual({ accepted: 3, duplicates: 0, refused: [] });
    const counts = async () => {
      await api.app.livestream.settled();
      return api.rows<{ comments: number; messages: number; customers: number }>(
        'select (select count(*) from live_comments) as comments, (select count(*) from messages) as messages, (select count(*) from customers) as customers',
      );
    };
    const before = await counts();
    expect((await post(batch)).body).toEqual({ accepted: 3, duplicates: 3, refused: [] });
    // The same id twice in one batch, and a mix of new and seen.
    expect((await post([batch[0], comment('dy_4', '几号发货'), batch[0]])).body).toEqual({
      accepted: 3,
      duplicates: 2,
      refused: [],
    });
    const after = await counts();
    expect(after[0]!.comments).toBe(before[0]!.comments + 1);
    expect(after[0]!.customers).toBe(before[0]!.customers + 1);
    expect(after[0]!.messages).toBe(before[0]!.messages + 1);
  });

  it('refuses malformed items by id and keeps the rest of the batch (422 that says which)', async () => {
    const good = [comment('dy_1', '什么时候发货'), comment('dy_2', '扣1')];
    const res = await post([
      good[0],
      { ...comment('dy_3', ''), id: 'empty-text' },
      { ...comment('dy_3', '好'), at: 'yesterday', id: 'bad-at' },
      { ...comment('', '好看'), id: 'no-viewer' },
      'not an item',
      { ...comment('dy_3', 'x'.repeat(501)), id: 'too-long' },
      { viewerId: 'dy_3', text: '好', at: clock.now() },
      { ...comment('dy_3', '好'), at: '2026-02-31T00:00:00Z', id: 'no-such-day' },
      { ...comment('dy_3', '好'), nickname: 42, id: 'bad-nick' },
      good[1],
    ]);
    expect(res.status).toBe(422);
    const answer = liveCommentBatchRefusedAnswer.parse(res.body);
    expect(answer.error.code).toBe('items_refused');
    expect(answer.accepted).toBe(2);
    expect(answer.refused.map((r) => [r.index, r.id, r.code])).toEqual([
      [1, 'empty-text', 'invalid_text'],
      [2, 'bad-at', 'invalid_at'],
      [3, 'no-viewer', 'invalid_viewer_id'],
      [4, null, 'invalid_item'],
      [5, 'too-long', 'invalid_text'],
      [6, null, 'invalid_id'],
      [7, 'no-such-day', 'invalid_at'],
      [8, 'bad-nick', 'invalid_nickname'],
    ]);
    const stored = await api.rows<{ item_id: string }>('select item_id from live_comments order by seq');
    expect(stored.map((r) => r.item_id)).toEqual(good.map((g) => g.id));
  });

  it('takes the first 1,000 items of an over-size batch and refuses the rest (413 that says which)', async () => {
    const items = Array.from({ length: 1003 }, (_, i) => comment(`dy_${i % 50}`, i % 2 ? '666' : '几号发货'));
    const res = await post(items);
    expect(res.status).toBe(413);
    const answer = liveCommentBatchRefusedAnswer.parse(res.body);
    expect([answer.error.code, answer.accepted]).toEqual(['batch_too_large', 1000]);
    expect(answer.refused.map((r) => [r.id, r.code])).toEqual(
      items.slice(1000).map((i) => [i.id, 'batch_too_large']),
    );
    expect((await api.rows<{ n: number }>('select count(*) as n from live_comments'))[0]!.n).toBe(1000);
    // Sending the refused ones again completes the batch.
    expect((await post(items.slice(1000))).body).toEqual({ accepted: 3, duplicates: 0, refused: [] });
  });

  it('answers 4xx for an unknown or non-livestream channel, a body over 2 MiB, and the wrong credential', async () => {
    const unknown = await post([comment('dy_1', '几号发货')], 'room-1', 'nope_live');
    expect([unknown.status, codeOf(unknown)]).toEqual([400, 'unknown_channel']);
    const notLive = await post([comment('dy_1', '几号发货')], 'room-1', 'sms');
    expect([notLive.status, codeOf(notLive)]).toEqual([400, 'not_a_livestream_channel']);
    const badRoom = await post([comment('dy_1', '几号发货')], 'room 1/../x');
    expect([badRoom.status, codeOf(badRoom)]).toEqual([400, 'validation_failed']);
    const huge = await api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      rawBody: JSON.stringify({ roomId: 'room-1', items: [comment('dy_1', 'x'.repeat(2.2 * 1024 * 1024))] }),
      headers: { 'content-type': 'application/json' },
    });
    expect([huge.status, codeOf(huge)]).toEqual([413, 'payload_too_large']);
    for (const token of [shop.publishableKey, shop.agentToken]) {
      const wrong = await post([comment('dy_1', '几号发货')], 'room-1', 'douyin_live', token);
      expect([wrong.status, codeOf(wrong)]).toEqual([403, 'wrong_credential_kind']);
    }
    expect((await api.rows<{ n: number }>('select count(*) as n from live_comments'))[0]!.n).toBe(0);
    // An app's own livestream channel works like the defaults; its viewers are `kuaishou` identities.
    expect((await post([comment('ks_1', '几号发货')], 'ks-room', 'kuaishou_live')).status).toBe(200);
    expect(await api.rows("select kind from identities where value = 'ks_1'")).toEqual([
      { kind: 'kuaishou' },
    ]);
  });

  it('works for an app without knowledge: filler is still filler, questions are kept by their words', async () => {
    const bare = await api.createShop({ name: 'No knowledge yet' });
    const res = await post(
      [comment('dy_1', '666'), comment('dy_2', '优惠券怎么领啊')],
      'room-1',
      'douyin_live',
      bare.secretKey,
    );
    expect(res.status).toBe(200);
    const hot = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: bare.secretKey })).body,
    );
    expect(hot.totals.filler.m1).toBe(1);
    expect(hot.questions.map((q) => [q.key.startsWith('?'), q.suggestedAnswer])).toEqual([[true, null]]);
  });

  it('seals the viewer’s words with their data key (an erase leaves them unreadable) and masks card numbers', async () => {
    await post([
      comment('dy_1', '卡号4111 1111 1111 1111付不了款怎么办'),
      comment('dy_1', '直播间的券怎么领'),
    ]);
    await api.app.livestream.settled();
    const rows = await api.rows<{ text: string; customer_id: string }>(
      'select text, customer_id from live_comments order by seq',
    );
    expect(rows.every((r) => r.text.startsWith('k1.'))).toBe(true);
    const opened = await api.opened(rows);
    expect(opened[0]!.text).toBe('卡号**** **** **** 1111付不了款怎么办');
    await api.database.write((db, onCommit) =>
      destroyCustomerKeys(api.deps, db, onCommit, { appId: shop.appId, customerId: rows[0]!.customer_id }),
    );
    const erased = await openAllForCustomers(
      api.deps,
      (
        await api.rows<{ text: string }>('select text from live_comments union all select text from messages')
      ).map((r) => r.text),
    );
    expect(erased.every((text) => text === null)).toBe(true);
  });

  it('takes ISO and millisecond times, and pulls a connector clock running ahead back to now', async () => {
    await post([
      comment('dy_1', '几号发货', { at: '2026-05-01T19:59:30+08:00' }),
      comment('dy_2', '包邮吗', { at: clock.now() + 3_600_000 }),
    ]);
    const rows = await api.rows<{ at: number }>('select at from live_comments order by seq');
    expect(rows.map((r) => r.at)).toEqual([START - 30_000, START]);
  });

  it('writes questions to timelines after the ack: a drain in flight never blocks a timeline read inside a write', async () => {
    await post([comment('dy_1', '直播间的券怎么领'), comment('dy_2', '几号发货')]);
    // Acknowledged and queued; the timeline copies come with the next drain (or read).
    expect(await api.rows('select seq from live_timeline_queue')).toHaveLength(2);
    const [asker] = await api.rows<{ customer_id: string }>(
      "select customer_id from live_comments where viewer_id = 'dy_1'",
    );
    const customerId = asker!.customer_id;
    // A drain that queues behind a write whose work then reads a timeline: that read must not
    // wait for the drain (which waits for the write): it reads what its transaction sees.
    const draining = api.app.livestream.settled();
    const inside = await api.database.write(async (db) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return timelinePage(api.deps, db, customerId, { limit: 10 });
    });
    await draining;
    expect(inside.messages.length).toBeLessThanOrEqual(1);
    expect(await api.rows('select seq from live_timeline_queue')).toEqual([]);
    const page = await timelinePage(api.deps, api.database.db, customerId, { limit: 10 });
    expect(page.messages.map((m) => [m.channel, m.author.type, m.text])).toEqual([
      ['douyin_live', 'customer', '直播间的券怎么领'],
    ]);
  });

  it('counts filler but keeps it out of timelines and hot questions; questions join the asker’s timeline once per window', async () => {
    await post([
      comment('dy_1', '扣1'),
      comment('dy_1', '😍😍😍'),
      comment('dy_1', '直播间的券怎么领'),
      comment('dy_1', '直播间的券怎么领？？'),
      comment('dy_2', '来了来了'),
    ]);
    await api.app.livestream.settled();
    // Stored sealed with the viewer's data key; read as the API reads them.
    const stored = await api.rows<{ text: string; channel: string; author_type: string }>(
      'select text, channel, author_type from messages order by seq',
    );
    expect(stored[0]!.text.startsWith('k1.')).toBe(true);
    const messages = await api.opened(stored);
    expect(messages).toEqual([{ text: '直播间的券怎么领', channel: 'douyin_live', author_type: 'customer' }]);
    const hot = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: shop.secretKey })).body,
    );
    expect(hot.totals.filler.m1).toBe(3);
    expect(hot.totals.comments.m1).toBe(5);
    expect(hot.questions.map((q) => [q.label, q.counts.m1, q.askers.m1])).toEqual([
      ['直播间优惠券怎么领', 2, 1],
    ]);
    // The room conversation holding the question is closed: agents see it in the timeline, not the inbox.
    expect(await api.rows('select status, channel from conversations')).toEqual([
      { status: 'resolved', channel: 'douyin_live' },
    ]);
  });
});

describe('a livestream room', () => {
  let replies: Awaited<ReturnType<typeof startReplyServer>>;
  let replySecret: string;
  beforeEach(async () => {
    replies = await startReplyServer();
    const settings = await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: {
        replyUrl: replies.url,
        hot: { minAskers: 3, minShare: 0.3 },
        answers: { mentionsPerMessage: 2, intervalSec: 10 },
      },
    });
    expect(settings.status).toBe(200);
    replySecret = settings.body.replySecret;
    expect(replySecret).toMatch(/^lrs_/);
  });
  afterEach(() => replies.close());

  const verify = (headers: Record<string, unknown>, raw: string) => {
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['threadline-signature']))!;
    return createHmac('sha256', replySecret).update(`${t}.${raw}`).digest('hex') === v1;
  };

  it('answers a hot question once in the room, @-mentioning its askers in batches, and never twice within the window', async () => {
    await post(['dy_1', 'dy_2', 'dy_3', 'dy_4', 'dy_5'].map((v) => comment(v, '直播间的券怎么领')));
    await settle();
    expect(replies.received).toHaveLength(1);
    const first = replies.received[0]!;
    const payload = liveReplyPayload.parse(first.body);
    expect(verify(first.headers, first.raw)).toBe(true);
    expect(first.headers['threadline-event-id']).toBe(payload.id);
    expect(payload.type).toBe('room.answer');
    expect(payload.answer).toContain('小黄车');
    expect(payload.messages.map((m) => m.mentions.map((x) => x.viewerId))).toEqual([
      ['dy_1', 'dy_2'],
      ['dy_3', 'dy_4'],
      ['dy_5'],
    ]);
    expect(payload.messages[0]!.text).toBe(`@昵称dy_1 @昵称dy_2 ${payload.answer}`);
    expect(payload.messages[1]!.text.startsWith('@昵称dy_3 @昵称dy_4 ')).toBe(true);

    // They ask again, and two more viewers ask: only the new askers are answered, after the interval.
    clock.advance(5_000);
    await post([
      comment('dy_1', '直播间的券怎么领？'),
      comment('dy_6', '直播间的券怎么领'),
      comment('dy_7', '直播间的券怎么领呀'),
    ]);
    await settle();
    expect(replies.received).toHaveLength(1);
    clock.advance(6_000);
    await post([comment('dy_2', '直播间的券怎么领')]);
    await settle();
    expect(replies.received).toHaveLength(2);
    const second = liveReplyPayload.parse(replies.received[1]!.body);
    expect(second.messages.flatMap((m) => m.mentions.map((x) => x.viewerId))).toEqual(['dy_6', 'dy_7']);

    // The answer reached each asker's timeline too, in reply to their question.
    const answers = await api.rows<{ customer_id: string; in_reply_to: string | null }>(
      "select customer_id, in_reply_to from messages where author_type = 'bot'",
    );
    expect(answers).toHaveLength(7);
    expect(answers.every((a) => a.in_reply_to)).toBe(true);
    const figures = liveRoomFigures.parse(
      (await api.call('GET', room('/figures'), { token: shop.secretKey })).body,
    );
    expect(figures.totals).toMatchObject({ comments: 9, questions: 9, answeredQuestions: 9 });
    expect(figures.answers).toEqual({ rounds: 2, mentions: 7, pins: 0 });
    expect(figures.answeredShare).toBe(1);
    expect(figures.topQuestions[0]).toMatchObject({ comments: 9, askers: 7, answeredAskers: 7 });
  });

  it('retries a reply the connector did not take, with the same event id, until it does', async () => {
    await replies.close();
    replies = await startReplyServer({ failFirst: 2 });
    await api.call('PUT', '/v1/live/settings', { token: shop.secretKey, body: { replyUrl: replies.url } });
    await post(['dy_1', 'dy_2', 'dy_3'].map((v) => comment(v, '直播间的券怎么领')));
    await settle();
    expect([replies.calls(), replies.received.length]).toEqual([1, 0]);
    clock.advance(1_000);
    await settle();
    clock.advance(5_000);
    await settle();
    expect([replies.calls(), replies.received.length]).toEqual([3, 1]);
    const [row] = await api.rows<{ status: string; attempts: number; id: string }>(
      'select id, status, attempts from live_replies',
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(replies.received[0]!.headers['threadline-event-id']).toBe(row!.id);
  });

  it('takes "这个…" as the product on the shelf, segment by segment', async () => {
    const shelf = (productIds: string[]) =>
      api.call('PUT', room('/shelf'), { token: shop.secretKey, body: { segment: 'demo', productIds } });
    expect((await shelf(['p-hyaluronic-cream'])).status).toBe(200);
    await post(['dy_1', 'dy_2', 'dy_3'].map((v) => comment(v, '这个开封后能用多久')));
    clock.advance(60_000);
    expect((await shelf(['p-daily-nuts'])).body.room.shelf.products).toEqual([
      { id: 'p-daily-nuts', name: '每日坚果混合装（25g×30袋）' },
    ]);
    await post(['dy_4', 'dy_5', 'dy_6'].map((v) => comment(v, '这个开封后能用多久')));
    const hot = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: shop.secretKey })).body,
    );
    const products = hot.questions.map((q) => [q.product?.id, q.askers.m5]);
    expect(products).toEqual(
      expect.arrayContaining([
        ['p-hyaluronic-cream', 3],
        ['p-daily-nuts', 3],
      ]),
    );
    expect(hot.questions.find((q) => q.product?.id === 'p-daily-nuts')?.suggestedAnswer).toContain(
      '每日坚果',
    );
    const unknown = await shelf(['p-nope']);
    expect([unknown.status, codeOf(unknown)]).toEqual([400, 'validation_failed']);
  });

  it('hands complaints and order problems to agents as conversations on the livestream channel, with the room', async () => {
    await api.call('PUT', room(), { token: shop.secretKey, body: { title: '618 护肤专场' } });
    await api.call('PUT', room('/shelf'), {
      token: shop.secretKey,
      body: { productIds: ['p-hyaluronic-cream'] },
    });
    await post([comment('dy_9', '发货这么慢 我要投诉'), comment('dy_8', '订单LY2024060112345怎么还没发货')]);
    await settle();
    const queued = await api.rows<{ status: string; channel: string; context: string; summary: string }>(
      "select status, channel, context, summary from conversations where status = 'queued' order by created_at",
    );
    expect(queued).toHaveLength(2);
    for (const conversation of queued) {
      expect(conversation.channel).toBe('douyin_live');
      const context = JSON.parse(conversation.context);
      expect(context.liveRoom).toMatchObject({
        channel: 'douyin_live',
        roomId: 'room-1',
        title: '618 护肤专场',
        shelf: [{ id: 'p-hyaluronic-cream', name: '澜悦玻尿酸水润保湿面霜' }],
      });
      const summary = JSON.parse(conversation.summary);
      expect(summary.lastCustomerMessage.channel).toBe('douyin_live');
      expect(summary.products.map((p: { id: string }) => p.id)).toContain('p-hyaluronic-cream');
    }
    expect(JSON.parse(queued[0]!.context).liveRoom.reason).toBe('complaint');
    expect(JSON.parse(queued[1]!.context).liveRoom.reason).toBe('order_problem');
    // Not answered in the room.
    expect(replies.received).toEqual([]);
  });

  it('hands over an escalation the process crashed before handing over, when the room is next loaded', async () => {
    await post([comment('dy_1', '几号发货')]);
    await settle();
    const customerId = (await api.rows<{ customer_id: string }>('select customer_id from live_comments'))[0]!
      .customer_id;
    const roomPk = (await api.rows<{ id: string }>('select id from live_rooms'))[0]!.id;
    // As if the process died between the batch's commit and the hand-over.
    await api.rows(
      `insert into live_comments (room_id, item_id, viewer_id, customer_id, nickname, text, at, kind, escalation)
       values (?, 'c-crash', 'dy_1', ?, 'nick', '东西是坏的 太差了', ?, 'escalation', 'complaint')`,
      [roomPk, customerId, clock.now()],
    );
    const restarted = api.reopen({ liveTickMs: 0 });
    try {
      await restarted.request(room('/hot-questions'), {
        headers: { authorization: `Bearer ${shop.secretKey}` },
      });
      await restarted.livestream.settled();
      const queued = await api.rows<{ status: string }>(
        "select status from conversations where status = 'queued'",
      );
      expect(queued).toHaveLength(1);
      expect(
        await api.rows(
          "select message_id is not null as handed from live_comments where item_id = 'c-crash'",
        ),
      ).toEqual([{ handed: 1 }]);
    } finally {
      restarted.livestream.close();
    }
  });

  it('rebuilds its windows from the log after a restart, and does not answer the same askers again', async () => {
    await post(['dy_1', 'dy_2', 'dy_3'].map((v) => comment(v, '直播间的券怎么领')));
    await settle();
    expect(replies.received).toHaveLength(1);
    const before = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: shop.secretKey })).body,
    );
    api.app.livestream.close();
    const restarted = api.reopen({ liveTickMs: 0 });
    try {
      const get = async (path: string, init: RequestInit = {}) =>
        restarted.request(path, {
          ...init,
          headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
        });
      const after = liveHotQuestions.parse(await (await get(room('/hot-questions'))).json());
      expect(after.totals).toEqual(before.totals);
      expect(after.questions.map((q) => [q.key, q.counts, q.askers])).toEqual(
        before.questions.map((q) => [q.key, q.counts, q.askers]),
      );
      clock.advance(11_000);
      const batch = [comment('dy_1', '直播间的券怎么领'), comment('dy_4', '直播间的券怎么领')];
      expect(
        (
          await get('/v1/channels/douyin_live/comments', {
            method: 'POST',
            body: JSON.stringify({ roomId: 'room-1', items: batch }),
          })
        ).status,
      ).toBe(200);
      await restarted.livestream.settled();
      await restarted.livestream.delivery.flush();
      expect(replies.received).toHaveLength(2);
      expect(
        liveReplyPayload
          .parse(replies.received[1]!.body)
          .messages.flatMap((m) => m.mentions.map((x) => x.viewerId)),
      ).toEqual(['dy_4']);
    } finally {
      restarted.livestream.close();
    }
  });

  it('streams hot questions: a full view on every (re)connection, then one per batch', async () => {
    await post([comment('dy_1', '几号发货')]);
    const open = (lastEventId?: string) =>
      api.app.request(room('/hot-questions/stream'), {
        headers: {
          authorization: `Bearer ${shop.secretKey}`,
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      });
    const stream = readSse(await open());
    await stream.until((frames) => frames.filter((f) => f.event === 'live.hot_questions').length >= 1);
    await post(['dy_2', 'dy_3'].map((v) => comment(v, '几号发货')));
    await stream.until((frames) => frames.filter((f) => f.event === 'live.hot_questions').length >= 2);
    const views = stream
      .events()
      .filter((f) => f.event === 'live.hot_questions')
      .map((f) => liveHotQuestions.parse(JSON.parse(f.data!)));
    expect(views.map((v) => v.totals.ingested)).toEqual([1, 3]);
    expect(views[1]!.questions[0]!.askers.m1).toBe(3);
    const lastId = stream.events().at(-1)!.id!;
    await stream.close();
    // Reconnecting starts over with the whole state; ids keep rising for this client.
    const again = readSse(await open(lastId));
    await again.until((frames) => frames.some((f) => f.event === 'live.hot_questions'));
    const first = again.events()[0]!;
    expect(Number(first.id)).toBe(Number(lastId) + 1);
    expect(liveHotQuestions.parse(JSON.parse(first.data!)).totals.ingested).toBe(3);
    await again.close();
  });

  it('pins an answer for the room through the reply callback, and takes it down', async () => {
    await post(['dy_1', 'dy_2'].map((v) => comment(v, '直播间的券怎么领')));
    const hot = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: shop.secretKey })).body,
    );
    const key = hot.questions[0]!.key;
    const pinned = await api.call('POST', room('/pins'), {
      token: shop.secretKey,
      body: { questionKey: key },
    });
    expect(pinned.status).toBe(200);
    expect(pinned.body.delivery).toBe('queued');
    expect(pinned.body.room.pinned).toMatchObject({
      questionKey: key,
      text: hot.questions[0]!.suggestedAnswer,
    });
    await settle();
    const pin = replies.received
      .map((r) => liveReplyPayload.parse(r.body))
      .find((r) => r.type === 'room.pin')!;
    expect(pin.messages).toEqual([{ text: hot.questions[0]!.suggestedAnswer, mentions: [] }]);
    const own = await api.call('POST', room('/pins'), {
      token: shop.secretKey,
      body: { questionKey: key, text: '领券看左下角小黄车～' },
    });
    expect(own.body.room.pinned.text).toBe('领券看左下角小黄车～');
    const shown = liveHotQuestions.parse(
      (await api.call('GET', room('/hot-questions'), { token: shop.secretKey })).body,
    );
    expect(shown.questions[0]!.pinned).toBe(true);
    const down = await api.call('DELETE', room('/pins'), { token: shop.secretKey });
    expect(down.body.room.pinned).toBeNull();
    const unknown = await api.call('POST', room('/pins'), {
      token: shop.secretKey,
      body: { questionKey: 'nope' },
    });
    expect([unknown.status, codeOf(unknown)]).toEqual([404, 'not_found']);
  });
});

describe('the host card and its key', () => {
  beforeEach(async () => {
    await post([comment('dy_1', '几号发货')]);
    await post([comment('dy_1', '几号发货')], 'room-2');
  });

  it('gives the host a short-lived key for one room: it reads hot questions and pins, nothing else', async () => {
    const issued = await api.call('POST', room('/host-keys'), {
      token: shop.secretKey,
      body: { ttlSec: 3600 },
    });
    expect(issued.status).toBe(201);
    const { key, cardUrl } = issued.body;
    expect(key).toMatch(/^rk_/);
    expect(cardUrl).toMatch(/\/live\/douyin_live\/room-1#key=rk_/);
    expect((await api.call('GET', room('/hot-questions'), { token: key })).status).toBe(200);
    expect((await api.call('GET', room(), { token: key })).status).toBe(200);
    const other = await api.call('GET', room('/hot-questions', 'room-2'), { token: key });
    expect([other.status, codeOf(other)]).toEqual([404, 'not_found']);
    for (const [method, path] of [
      ['POST', '/v1/channels/douyin_live/comments'],
      ['GET', room('/figures')],
      ['POST', room('/host-keys')],
      ['PUT', room('/shelf')],
      ['GET', '/v1/timeline'],
      ['GET', '/v1/live/settings'],
    ] as const) {
      const res = await api.call(method, path, { token: key, body: method === 'GET' ? undefined : {} });
      expect([path, res.status, codeOf(res)]).toEqual([path, 403, 'wrong_credential_kind']);
    }
    // An agent may issue one too; an expired key opens nothing.
    expect((await api.call('POST', room('/host-keys'), { token: shop.agentToken, body: {} })).status).toBe(
      201,
    );
    clock.advance(3601_000);
    const expired = await api.call('GET', room('/hot-questions'), { token: key });
    expect([expired.status, codeOf(expired)]).toEqual([401, 'invalid_credential']);
  });

  it('serves the card as a page that holds no secret', async () => {
    const page = await api.app.request('/live/douyin_live/room-1');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-part="questions"');
    expect(html).not.toMatch(/rk_|sk_/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    for (const path of [
      '/live/NOPE/room-1',
      '/live/douyin_live/%00',
      `/live/douyin_live/${'x'.repeat(200)}`,
    ]) {
      expect((await api.app.request(path)).status).toBe(404);
    }
  });
});
