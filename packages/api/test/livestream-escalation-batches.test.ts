import { afterEach, describe, expect, it } from 'vitest';
import { openAllForCustomers } from '../src/identity';
import { seedDemoStore } from '../src/knowledge';
import { escalateComments, pendingEscalations } from '../src/livestream/escalations';
import { roomById } from '../src/livestream/rooms';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

// A room's escalations are handed to agents together (escalateComments: one transaction, set
// statements). These check that the result is the one-at-a-time path's, and that nothing is lost or
// doubled across a crash between the batch's commit and the hand-over.

const START = Date.UTC(2026, 4, 1, 12);
const opened: TestApi[] = [];
afterEach(async () => {
  for (const api of opened.splice(0)) {
    api.app.livestream.close();
    await api.close();
  }
});

async function world() {
  const clock = createManualClock(START);
  // What the runtime reports: a batch that fell back to one at a time would say so here.
  const warnings: string[] = [];
  const logger = {
    info() {},
    warn: (message: string) => warnings.push(message),
    error: (message: string) => warnings.push(message),
  };
  const api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0, logger });
  opened.push(api);
  const shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  await api.call('PUT', '/v1/channels/douyin_live/rooms/room-1', {
    token: shop.secretKey,
    body: { title: '618 护肤专场' },
  });
  await api.call('PUT', '/v1/channels/douyin_live/rooms/room-1/shelf', {
    token: shop.secretKey,
    body: { productIds: ['p-hyaluronic-cream'] },
  });
  // One agent with one slot: the first conversation queued is assigned, the others wait.
  const agent = await shop.addAgent({ name: '直播客服 阿杰', capacity: 1 });
  expect((await agent.presence('online')).status).toBe(200);
  let n = 0;
  const comment = (viewerId: string, text: string) => ({
    id: `c-${++n}`,
    viewerId,
    nickname: `昵称${viewerId}`,
    text,
    at: clock.now(),
  });
  const post = (items: unknown[]) =>
    api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      body: { roomId: 'room-1', items },
    });
  const settle = async () => {
    await api.app.livestream.settled();
  };
  return { api, shop, clock, comment, post, settle, warnings };
}

type World = Awaited<ReturnType<typeof world>>;

/** Several viewers' complaints, one viewer with two, one viewer whose conversation is open already. */
async function escalationItems(w: World) {
  // dy_open asked for a person in an earlier batch: their conversation is open (and took the
  // agent's one slot) when the batch's complaint from them comes in.
  expect((await w.post([w.comment('dy_open', '转人工')])).status).toBe(200);
  await w.settle();
  const [before] = await w.api.rows<{ status: string }>(
    `select c.status from conversations c join identities i on i.customer_id = c.customer_id
     where i.kind = 'douyin' and i.value = 'dy_open'`,
  );
  expect(before?.status).toBe('assigned');
  return [
    w.comment('dy_a', '发货这么慢 我要投诉'),
    w.comment('dy_f1', '666'),
    w.comment('dy_two', '收到的衣服是破的 太差了'),
    w.comment('dy_b', '订单LY2024060112345怎么还没发货'),
    w.comment('dy_open', '发货太慢了 我要投诉'),
    w.comment('dy_f2', '来了来了'),
    w.comment('dy_two', '订单LY2024060112345一直没发货'),
    w.comment('dy_c', '转人工'),
  ];
}

/** Everything an escalation leaves, per viewer, with ids left out and sealed values opened. */
async function snapshot(api: TestApi) {
  const viewers = await api.rows<{ value: string; customer_id: string }>(
    "select value, customer_id from identities where kind = 'douyin' order by value",
  );
  const open = async (value: string | null | undefined) =>
    value == null ? value : (await openAllForCustomers(api.deps, [value]))[0];
  const out: Record<string, unknown> = {};
  for (const { value, customer_id } of viewers) {
    const conversations = await api.rows<Record<string, unknown>>(
      `select status, channel, last_channel, context, summary, priority, skill,
              assigned_agent_id is not null as assigned, waiting_since is not null as waiting
       from conversations where customer_id = ? order by created_at`,
      [customer_id],
    );
    const shaped = [];
    for (const c of conversations) {
      const context = JSON.parse(String(c.context));
      if (context.escalationReason) context.escalationReason = await open(context.escalationReason);
      const summary = c.summary ? JSON.parse(String(c.summary)) : null;
      if (summary) {
        delete summary.conversationId;
        if (summary.lastCustomerMessage)
          summary.lastCustomerMessage.text = await open(summary.lastCustomerMessage.text);
      }
      shaped.push({ ...c, context, summary });
    }
    const messages = await api.rows<Record<string, unknown>>(
      'select author_type, author_name, text, channel, intent, meta from messages where customer_id = ? order by seq',
      [customer_id],
    );
    for (const m of messages) m.text = await open(m.text as string);
    const events = await api.rows<{ type: string; audience: string }>(
      'select type, audience from events where customer_id = ? order by id',
      [customer_id],
    );
    out[value] = { conversations: shaped, messages, events: events.map((e) => `${e.audience}:${e.type}`) };
  }
  const handed = await api.rows<{ item_id: string; handed: number }>(
    "select item_id, message_id is not null as handed from live_comments where kind = 'escalation' order by seq",
  );
  return { viewers: out, handed };
}

describe('livestream escalations, many at once', () => {
  it('hands a batch’s complaints over together with the result of handing them over one at a time', async () => {
    const together = await world();
    const items = await escalationItems(together);
    expect((await together.post(items)).status).toBe(200);
    await together.settle();

    const alone = await world();
    const same = await escalationItems(alone);
    for (const item of same) {
      expect((await alone.post([item])).status).toBe(200);
      await alone.settle();
    }

    const a = await snapshot(together.api);
    const b = await snapshot(alone.api);
    expect(a).toEqual(b);
    expect(together.warnings).toEqual([]);
    // What it is, not only that both agree: seven complaints of five viewers, each handed over once.
    expect(a.handed).toHaveLength(7);
    expect(a.handed.every((row) => row.handed === 1)).toBe(true);
    const viewers = a.viewers as Record<
      string,
      { conversations: Record<string, any>[]; messages: Record<string, any>[]; events: string[] }
    >;
    for (const name of ['dy_a', 'dy_b', 'dy_c', 'dy_open', 'dy_two']) {
      const { conversations, events } = viewers[name]!;
      expect(conversations, name).toHaveLength(1);
      const [conversation] = conversations;
      expect(conversation!.channel).toBe('douyin_live');
      expect(conversation!.context.liveRoom).toMatchObject({
        channel: 'douyin_live',
        roomId: 'room-1',
        title: '618 护肤专场',
        shelf: [{ id: 'p-hyaluronic-cream', name: '澜悦玻尿酸水润保湿面霜' }],
      });
      expect(conversation!.summary.lastCustomerMessage.channel).toBe('douyin_live');
      expect(conversation!.summary.products.map((p: { id: string }) => p.id)).toContain('p-hyaluronic-cream');
      expect(events, name).toContain('customer:message.created');
      expect(events, name).toContain('staff:inbox.updated');
      expect(events, name).toContain('customer:conversation.updated');
    }
    // dy_open's earlier request holds the agent's one slot; the batch's wait in the queue.
    expect(viewers.dy_open!.conversations[0]!.status).toBe('assigned');
    for (const name of ['dy_a', 'dy_b', 'dy_c', 'dy_two'])
      expect(viewers[name]!.conversations[0]!.status, name).toBe('queued');
    // Two complaints, one conversation: both messages in it, its summary made at the first.
    expect(viewers.dy_two!.messages.map((m) => m.text)).toEqual([
      '收到的衣服是破的 太差了',
      '订单LY2024060112345一直没发货',
    ]);
    expect(viewers.dy_two!.conversations[0]!.summary.lastCustomerMessage.text).toBe(
      '收到的衣服是破的 太差了',
    );
    expect(viewers.dy_two!.conversations[0]!.context.liveRoom.reason).toBe('order_problem');
    // The open conversation was used: both requests are in it, its summary from the first.
    expect(viewers.dy_open!.messages.map((m) => m.text)).toEqual(['转人工', '发货太慢了 我要投诉']);
    expect(viewers.dy_open!.conversations[0]!.summary.lastCustomerMessage.text).toBe('转人工');
    expect(viewers.dy_open!.conversations[0]!.context.liveRoom.reason).toBe('complaint');
    // Filler is never handed over.
    expect(viewers.dy_f1!.conversations).toEqual([]);
  });

  it('takes the escalations of batches posted in between together, and each once', async () => {
    const w = await world();
    const first = await w.post([w.comment('dy_1', '发货这么慢 我要投诉'), w.comment('dy_2', '转人工')]);
    const second = await w.post([w.comment('dy_3', '收到的衣服是破的 太差了'), w.comment('dy_1', '转人工')]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await w.settle();
    const counts = await w.api.rows<{ conversations: number; messages: number; handed: number }>(
      `select (select count(*) from conversations where status in ('queued', 'assigned')) as conversations,
              (select count(*) from messages where author_type = 'customer') as messages,
              (select count(*) from live_comments where message_id is not null) as handed`,
    );
    expect(counts).toEqual([{ conversations: 3, messages: 4, handed: 4 }]);
    expect(w.warnings).toEqual([]);
  });

  it('hands a room’s pending escalations over in one call, and a second call finds nothing to do', async () => {
    const w = await world();
    await w.post(['dy_1', 'dy_2'].map((v) => w.comment(v, '几号发货')));
    await w.settle();
    const viewers = await w.api.rows<{ viewer_id: string; customer_id: string }>(
      'select distinct viewer_id, customer_id from live_comments order by viewer_id',
    );
    const [roomRow] = await w.api.rows<{ id: string }>('select id from live_rooms');
    for (const [i, viewer] of ['dy_1', 'dy_2', 'dy_1'].entries()) {
      await w.api.rows(
        `insert into live_comments (room_id, item_id, viewer_id, customer_id, nickname, text, at, kind, escalation)
         values (?, ?, ?, ?, 'nick', '东西是坏的 太差了', ?, 'escalation', 'complaint')`,
        [
          roomRow!.id,
          `left-${i}`,
          viewer,
          viewers.find((v) => v.viewer_id === viewer)!.customer_id,
          w.clock.now(),
        ],
      );
    }
    const room = (await roomById(w.api.deps.database.db, roomRow!.id))!;
    const pending = await pendingEscalations(w.api.deps, room);
    expect(pending).toHaveLength(3);
    // None left to the caller: all three went through the batched path.
    expect(await escalateComments(w.api.deps, room, pending)).toEqual([]);
    expect(await escalateComments(w.api.deps, room, pending)).toEqual([]);
    const rows = await w.api.rows<{ n: number; handed: number }>(
      `select (select count(*) from messages where meta like '%left-%') as n,
              (select count(*) from live_comments where item_id like 'left-%' and message_id is not null) as handed`,
    );
    expect(rows).toEqual([{ n: 3, handed: 3 }]);
    const queued = await w.api.rows<{ status: string }>(
      "select status from conversations where status in ('queued', 'assigned') order by created_at",
    );
    expect(queued.map((q) => q.status)).toEqual(['assigned', 'queued']);
  });

  it('hands the others over when one viewer of the batch is erased between the read and the hand-over', async () => {
    const w = await world();
    await w.post(['dy_1', 'dy_2', 'dy_gone'].map((v) => w.comment(v, '几号发货')));
    await w.settle();
    const viewers = await w.api.rows<{ viewer_id: string; customer_id: string }>(
      'select distinct viewer_id, customer_id from live_comments order by viewer_id',
    );
    const customerOf = (viewer: string) => viewers.find((v) => v.viewer_id === viewer)!.customer_id;
    const [roomRow] = await w.api.rows<{ id: string }>('select id from live_rooms');
    for (const [i, viewer] of ['dy_1', 'dy_gone', 'dy_2'].entries()) {
      await w.api.rows(
        `insert into live_comments (room_id, item_id, viewer_id, customer_id, nickname, text, at, kind, escalation)
         values (?, ?, ?, ?, 'nick', '东西是坏的 太差了', ?, 'escalation', 'complaint')`,
        [roomRow!.id, `e-${i}`, viewer, customerOf(viewer), w.clock.now()],
      );
    }
    const room = (await roomById(w.api.deps.database.db, roomRow!.id))!;
    const pending = await pendingEscalations(w.api.deps, room);
    expect(pending).toHaveLength(3);
    // The erase takes the viewer's comments with it; the hand-over read them before.
    const erased = await w.api.call('DELETE', `/v1/customers/${customerOf('dy_gone')}?messages=redact`, {
      token: w.shop.secretKey,
    });
    expect(erased.status).toBe(200);
    expect(await escalateComments(w.api.deps, room, pending)).toEqual([]);
    const handed = await w.api.rows<{ item_id: string; handed: number }>(
      "select item_id, message_id is not null as handed from live_comments where item_id like 'e-%' order by item_id",
    );
    expect(handed).toEqual([
      { item_id: 'e-0', handed: 1 },
      { item_id: 'e-2', handed: 1 },
    ]);
    // Nothing queued for the erased person (a ghost in the agents' queue).
    expect(
      await w.api.rows(
        "select id from conversations where customer_id = ? and status in ('queued', 'assigned')",
        [customerOf('dy_gone')],
      ),
    ).toEqual([]);
  });

  it('hands over what a crash left between the batch and the hand-over, once, however often it is swept', async () => {
    const w = await world();
    await w.post(['dy_1', 'dy_2', 'dy_3'].map((v) => w.comment(v, '几号发货')));
    await w.settle();
    const viewers = await w.api.rows<{ viewer_id: string; customer_id: string }>(
      'select distinct viewer_id, customer_id from live_comments order by viewer_id',
    );
    const [roomRow] = await w.api.rows<{ id: string }>('select id from live_rooms');
    const crashed = [
      ['dy_1', '东西是坏的 太差了', 'complaint'],
      ['dy_2', '订单LY2024060112345一直没发货', 'order_problem'],
      ['dy_1', '转人工', 'asks_for_human'],
      ['dy_3', '发货太慢了 我要投诉', 'complaint'],
    ] as const;
    // As if the process died after the batch committed and before any hand-over.
    for (const [i, [viewer, text, reason]] of crashed.entries()) {
      const customer = viewers.find((v) => v.viewer_id === viewer)!.customer_id;
      await w.api.rows(
        `insert into live_comments (room_id, item_id, viewer_id, customer_id, nickname, text, at, kind, escalation)
         values (?, ?, ?, ?, 'nick', ?, ?, 'escalation', ?)`,
        [roomRow!.id, `crash-${i}`, viewer, customer, text, w.clock.now(), reason],
      );
    }
    const createdBefore = (
      await w.api.rows<{ n: number }>(
        "select count(*) as n from events where type = 'message.created' and audience = 'customer'",
      )
    )[0]!.n;
    w.api.app.livestream.close();
    // Two processes sweep the same room, and the hand-over is run again by hand on the same
    // comments while they do: each comment is handed over once.
    const one = w.api.reopen({ liveTickMs: 0 });
    const two = w.api.reopen({ liveTickMs: 0 });
    const room = (await roomById(w.api.deps.database.db, roomRow!.id))!;
    const pending = await pendingEscalations(w.api.deps, room);
    expect(pending).toHaveLength(4);
    try {
      const load = (app: typeof one) =>
        app.request('/v1/channels/douyin_live/rooms/room-1/hot-questions', {
          headers: { authorization: `Bearer ${w.shop.secretKey}` },
        });
      await Promise.all([
        load(one),
        load(two),
        escalateComments(w.api.deps, room, pending),
        escalateComments(w.api.deps, room, pending),
      ]);
      await Promise.all([one.livestream.settled(), two.livestream.settled()]);
      const handed = await w.api.rows<{ item_id: string; message_id: string | null }>(
        "select item_id, message_id from live_comments where kind = 'escalation' order by item_id",
      );
      expect(handed.map((h) => h.item_id)).toEqual(['crash-0', 'crash-1', 'crash-2', 'crash-3']);
      expect(handed.every((h) => h.message_id !== null)).toBe(true);
      const messages = await w.api.rows<{ id: string; customer_id: string }>(
        "select id, customer_id from messages where author_type = 'customer' and channel = 'douyin_live' and meta like '%crash-%'",
      );
      expect(messages).toHaveLength(4);
      expect(new Set(handed.map((h) => h.message_id))).toEqual(new Set(messages.map((m) => m.id)));
      const queued = await w.api.rows<{ customer_id: string; n: number }>(
        "select customer_id, count(*) as n from conversations where status in ('queued', 'assigned') group by customer_id",
      );
      expect(queued.map((q) => q.n)).toEqual([1, 1, 1]);
      const created = await w.api.rows<{ n: number }>(
        "select count(*) as n from events where type = 'message.created' and audience = 'customer'",
      );
      // One event per handed-over message, however many sweeps ran.
      expect(created[0]!.n - createdBefore).toBe(4);
    } finally {
      one.livestream.close();
      two.livestream.close();
    }
  });
});
