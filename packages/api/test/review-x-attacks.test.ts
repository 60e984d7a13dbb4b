// review-x: attacks on misc-35 and 8e3f834 with real parts only — a real libSQL file, the real API
// in-process, the real `sqld` server on loopback (http:// and libsql://).
// 1. the single/set variant pairs (resolveCustomer(s), buildProfileBrief(s), openConversation(s),
//    buildHandoffSummary/-ies, escalateConversation(s)) and the routes' error codes;
// 2. the remote guard on every interactive transaction of `database.client`;
// 3. the handoff summary's bounded read of each conversation's latest 200 messages.
// Held attacks are plain tests; breaks are `test.fails`, each with what happened and what should;
// a break fixed since is a plain test whose comment still says what it was.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildHandoffSummaries,
  buildHandoffSummary,
  type ConversationRow,
  escalateConversation,
  escalateConversations,
  openConversation,
  openConversations,
  refreshHandoffSummaries,
} from '../src/conversations';
import { createDatabase, type Database } from '../src/db/database';
import { conversations } from '../src/db/schema';
import { resolveCustomer, resolveCustomers } from '../src/identity';
import { negativeSentiment, normalizeText } from '../src/knowledge';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { ApiError } from '../src/platform/errors';
import { buildProfileBrief, buildProfileBriefs } from '../src/profile';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { doomedTable, libsqlUrlOf, outcome, startSqld } from './scale-out-kit';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (error: unknown): string => {
  const e = error as { code?: string; cause?: { code?: string }; message?: string };
  return String(e?.code ?? e?.cause?.code ?? e?.message);
};
const refusal = (run: Promise<unknown>) =>
  run.then(
    () => 'resolved',
    (error: unknown) => (error instanceof ApiError ? `ApiError ${error.code}` : `other ${codeOf(error)}`),
  );

let api: TestApi;
let shop: Shop;
let other: Shop;
let agent: Awaited<ReturnType<Shop['addAgent']>>;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  shop = await api.createShop();
  other = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  agent = await shop.addAgent({ name: '小夏', role: 'supervisor' });
}, 60_000);
afterAll(() => api?.close());

const db = () => api.deps.database.db;
const conversationRow = async (id: string): Promise<ConversationRow> => {
  const [row] = await db().select().from(conversations).where(eq(conversations.id, id));
  return row!;
};
/** A customer of `shop` with one conversation (a channel message and the bot's answer). */
const customerWithConversation = async (text = '面霜保质期多久') => {
  const sent = await shop.channelMessage('web', { externalId: `rx-${randomUUID()}` }, text);
  expect(sent.status).toBe(201);
  const conversation = await conversationRow(sent.body.conversation.id);
  return { customerId: conversation.customerId, conversation };
};
/** A known (identified, web) shopper and an anonymous one (app), each with one message sent; not merged yet. */
const knownAndAnonymous = async (knownText: string, anonymousText: string) => {
  const token = await shop.identityToken(`rx-${randomUUID()}`);
  const known = await shop.startSession({ channel: 'web', identityToken: token });
  expect((await shop.send(known.sessionToken, knownText)).status).toBe(201);
  const anon = await shop.startSession({ channel: 'app' });
  expect((await shop.send(anon.sessionToken, anonymousText)).status).toBe(201);
  return { token, known, anon };
};
/** Customer rows written directly (an alias chain a merge of an older version left behind). */
const insertCustomer = (id: string, appId: string, mergedInto: string | null) =>
  api.rows(
    'insert into customers (id, app_id, identified, merged_into, attributes, created_at, updated_at) values (?, ?, 0, ?, ?, ?, ?)',
    [id, appId, mergedInto, '{}', Date.now(), Date.now()],
  );
const expectNotFoundEnvelope = (res: { status: number; body: any }) => {
  expect(res.status).toBe(404);
  expect(res.body).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
};

// ---------------------------------------------------------------------------------------------
// 1. single/set variant pairs
// ---------------------------------------------------------------------------------------------

describe('1 — one implementation per set-variant pair', () => {
  test('empty inputs: every set variant answers empty, writes nothing', async () => {
    const before = await api.rows<{ n: number }>('select count(*) as n from conversations');
    expect((await resolveCustomers(db(), shop.appId, [])).size).toBe(0);
    expect(await buildProfileBriefs(api.deps, db(), shop.appId, [])).toEqual([]);
    expect((await openConversations(api.deps, db(), shop.appId, [], 'web')).size).toBe(0);
    expect(await buildHandoffSummaries(api.deps, db(), [])).toEqual([]);
    expect(
      await api.deps.database.write((w, onCommit) => refreshHandoffSummaries(api.deps, w, onCommit, [])),
    ).toEqual([]);
    expect(await escalateConversations(api.deps, [])).toEqual([]);
    expect(await api.rows<{ n: number }>('select count(*) as n from conversations')).toEqual(before);
  });

  test('an alias chain of several hops resolves to the survivor, alone, in a set, and over the route', async () => {
    const { customerId: survivor } = await customerWithConversation();
    const [a, b, c] = [`cus_rx_a_${randomUUID()}`, `cus_rx_b_${randomUUID()}`, `cus_rx_c_${randomUUID()}`];
    await insertCustomer(c, shop.appId, survivor);
    await insertCustomer(b, shop.appId, c);
    await insertCustomer(a, shop.appId, b);
    expect((await resolveCustomer(db(), shop.appId, a)).id).toBe(survivor);
    const many = await resolveCustomers(db(), shop.appId, [a, b, survivor, a]);
    expect([...many.keys()].sort()).toEqual([a, b, survivor].sort());
    for (const id of [a, b, survivor]) expect(many.get(id)!.id).toBe(survivor);
    // The same person three times over (alias, alias, survivor) and twice literally: one brief each, equal.
    const briefs = await buildProfileBriefs(api.deps, db(), shop.appId, [a, survivor, b, a]);
    expect(briefs).toHaveLength(4);
    const alone = await buildProfileBrief(api.deps, db(), shop.appId, survivor);
    for (const brief of briefs) expect(brief).toEqual(alone);
    const res = await agent.call('GET', `/v1/agent/customers/${a}`);
    expect(res.status).toBe(200);
    expect(res.body.customer.id).toBe(survivor);
  });

  test('a broken alias chain (the survivor erased from under it) and an alias into another app: not_found, 404 envelope, never 500', async () => {
    const [broken, cross] = [`cus_rx_br_${randomUUID()}`, `cus_rx_x_${randomUUID()}`];
    await insertCustomer(broken, shop.appId, 'cus_rx_nobody');
    const otherCustomer = (await other.channelMessage('web', { externalId: 'rx-other' }, '你好')).body
      .conversation.id as string;
    const otherRow = await conversationRow(otherCustomer);
    await insertCustomer(cross, shop.appId, otherRow.customerId);
    for (const id of [broken, cross]) {
      expect(await refusal(resolveCustomer(db(), shop.appId, id))).toBe('ApiError not_found');
      expect(await refusal(buildProfileBrief(api.deps, db(), shop.appId, id))).toBe('ApiError not_found');
      expect((await resolveCustomers(db(), shop.appId, [id])).has(id)).toBe(false);
      expectNotFoundEnvelope(await agent.call('GET', `/v1/agent/customers/${id}`));
    }
    // Another app's own customer id, named by this app: gone for it.
    expect(await refusal(resolveCustomer(db(), shop.appId, otherRow.customerId))).toBe('ApiError not_found');
    expectNotFoundEnvelope(await agent.call('GET', `/v1/agent/customers/${otherRow.customerId}`));
    expectNotFoundEnvelope(
      await api.call('POST', '/v1/handoffs', {
        token: shop.secretKey,
        body: { customer: { id: otherRow.customerId }, toChannel: 'app' },
      }),
    );
    // …and another app's conversation.
    expectNotFoundEnvelope(await agent.call('GET', `/v1/agent/conversations/${otherRow.id}`));
  });

  test('a loop of aliases (a → b → a): bounded, no 500 on the routes', async () => {
    const [a, b] = [`cus_rx_la_${randomUUID()}`, `cus_rx_lb_${randomUUID()}`];
    await insertCustomer(a, shop.appId, b);
    await insertCustomer(b, shop.appId, a);
    const res = await agent.call('GET', `/v1/agent/customers/${a}`);
    expect([200, 404]).toContain(res.status);
    const handoff = await api.call('POST', '/v1/handoffs', {
      token: shop.secretKey,
      body: { customer: { id: a }, toChannel: 'app' },
    });
    expect(handoff.status).toBeLessThan(500);
  });

  test('a loop of aliases resolves to not_found, as a broken chain does', async () => {
    // FIXED by the lead (stop 35); was a BREAK (low: no merge of this version makes a loop or a chain past 16 hops — merges repoint
    // aliases at the survivor — but an old database's rows, or a bad import, can). What happens:
    // after 16 hops `resolveCustomers` keeps whatever row it stands on — a merged-away alias, its
    // `mergedInto` set — and answers it as the customer: the profile route shows an alias (200),
    // a merchant's handoff is made for an id nobody sees again. What should: a chain that does not
    // end in a customer without `mergedInto` is a broken chain — left out / not_found, as the
    // function's own comment says of a broken chain.
    const [a, b] = [`cus_rx_lc_${randomUUID()}`, `cus_rx_ld_${randomUUID()}`];
    await insertCustomer(a, shop.appId, b);
    await insertCustomer(b, shop.appId, a);
    expect(await refusal(resolveCustomer(db(), shop.appId, a))).toBe('ApiError not_found');
  });

  test('an erased customer (messages=delete): not_found from every single/set path and 404 envelopes on the routes', async () => {
    const { customerId, conversation } = await customerWithConversation();
    const { customerId: kept } = await customerWithConversation();
    const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=delete`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBe(200);
    expect(await refusal(resolveCustomer(db(), shop.appId, customerId))).toBe('ApiError not_found');
    expect(await refusal(buildProfileBrief(api.deps, db(), shop.appId, customerId))).toBe(
      'ApiError not_found',
    );
    // In a set: the whole set refused (as documented), the resolver leaves it out and keeps the other.
    expect(await refusal(buildProfileBriefs(api.deps, db(), shop.appId, [kept, customerId]))).toBe(
      'ApiError not_found',
    );
    const resolved = await resolveCustomers(db(), shop.appId, [kept, customerId]);
    expect([...resolved.keys()]).toEqual([kept]);
    expectNotFoundEnvelope(await agent.call('GET', `/v1/agent/customers/${customerId}`));
    expectNotFoundEnvelope(await agent.call('GET', `/v1/agent/conversations/${conversation.id}`));
    expectNotFoundEnvelope(
      await api.call('POST', '/v1/handoffs', {
        token: shop.secretKey,
        body: { customer: { id: customerId }, toChannel: 'app' },
      }),
    );
    // A merchant's backend naming the erased id (selectCustomer → resolveCustomer).
    expectNotFoundEnvelope(
      await api.call('POST', '/v1/orders', {
        token: shop.secretKey,
        body: {
          customer: { id: customerId },
          orders: [
            {
              id: `rx-${randomUUID()}`,
              status: 'shipped',
              items: [],
              amount: 1,
              placedAt: '2026-11-01T10:00:00+08:00',
            },
          ],
        },
      }),
    );
    // An escalation for the erased id opens no ghost conversation.
    const before = await api.rows<{ n: number }>(
      'select count(*) as n from conversations where customer_id = ?',
      [customerId],
    );
    const escalated = await refusal(
      escalateConversation(api.deps, { appId: shop.appId, customerId, channel: 'web' }),
    );
    expect(escalated).toMatch(/^ApiError (conflict|not_found)$/);
    expect(
      await api.rows('select count(*) as n from conversations where customer_id = ?', [customerId]),
    ).toEqual(before);
  });

  test('an erased customer (messages=redact): the kept conversation still opens for an agent (200, not 500)', async () => {
    const { customerId, conversation } = await customerWithConversation('太差了 我要投诉');
    const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=redact`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBe(200);
    const detail = await agent.call('GET', `/v1/agent/conversations/${conversation.id}`);
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.body)).not.toContain('太差了');
  });

  test('a customer with no conversation: openConversation opens one, the set variant finds it, nothing opened twice', async () => {
    const session = await shop.startSession({ channel: 'web' });
    const id = session.customer.id;
    const none = await api.rows<{ n: number }>(
      'select count(*) as n from conversations where customer_id = ?',
      [id],
    );
    const { customerId: withOne, conversation } = await customerWithConversation();
    const opened = await api.deps.database.write(async (w) => {
      const one = await openConversation(api.deps, w, shop.appId, id, 'app');
      const set = await openConversations(api.deps, w, shop.appId, [id, withOne, id], 'web');
      return { one, set };
    });
    expect(Number(none[0]!.n)).toBe(0);
    expect(opened.one).toMatchObject({ customerId: id, channel: 'app', status: 'bot' });
    expect(opened.set.get(id)!.id).toBe(opened.one.id);
    expect(opened.set.get(withOne)!.id).toBe(conversation.id);
    expect(opened.set.size).toBe(2);
    const after = await api.rows<{ n: number }>(
      'select count(*) as n from conversations where customer_id = ?',
      [id],
    );
    expect(Number(after[0]!.n)).toBe(1);
    // A conversation without messages: an empty but well-formed summary.
    const summary = await buildHandoffSummary(api.deps, db(), opened.one, { reason: 'escalation', now: 0 });
    expect(summary).toMatchObject({ messageCount: 0, lastCustomerMessage: null, channels: ['app'] });
    expect(summary.sentiment).toEqual({ negativeMessages: 0, flags: [] });
  });

  test('a customer merged before the escalation that names the old id: the survivor’s conversation is queued, no ghost', async () => {
    const { token, known, anon } = await knownAndAnonymous('面霜适合敏感肌吗', '订单还没发货');
    const merged = await shop.identify(anon.sessionToken, token);
    expect(merged.status).toBe(200);
    expect(merged.body.merged).toBe(true);
    const survivor = known.customer.id;
    // The escalation was decided with the old id (a session read before the merge committed).
    const queued = await escalateConversation(api.deps, {
      appId: shop.appId,
      customerId: anon.customer.id,
      channel: 'app',
    });
    expect(queued.customerId).toBe(survivor);
    expect(queued.status).not.toBe('bot');
    const open = await api.rows<{ id: string }>(
      "select id from conversations where customer_id in (?, ?) and status <> 'resolved'",
      [anon.customer.id, survivor],
    );
    expect(open.map((r) => r.id)).toEqual([queued.id]);
  });

  test('the same person twice in one escalateConversations call — an alias and its survivor: one queueing, one announcement, the summary as alone', async () => {
    // FIXED by the lead (stop 35); was a BREAK. `escalateConversations` takes "the same customer twice" one at a time only when the
    // ids are equal; an alias and its survivor are two ids for one person (a caller that resolved
    // nothing, as escalateComments does). What happens: the survivor's conversation is in the list
    // twice — queued by one CASE update with two arms, announced twice (two `conversation.updated`
    // events for one escalation), and its handoff summary built from a set that names the
    // conversation twice: the bounded message read (8e3f834) joins `json_each(ids)` with a row per
    // name, so every message is read twice and `sentiment.negativeMessages` doubles. What should:
    // the conversation queued and announced once, its summary what `buildHandoffSummary` gives.
    const { token, known, anon } = await knownAndAnonymous('太差了，等了这么久', '质量太差了');
    expect((await shop.identify(anon.sessionToken, token)).body.merged).toBe(true);
    const survivor = known.customer.id;
    // The complaints had the bot escalate on its own: back with the bot, so this call queues it.
    await api.rows(
      "update conversations set status = 'bot', waiting_since = null, summary = null where customer_id = ? and status <> 'resolved'",
      [survivor],
    );
    const since = Number(
      (await api.rows<{ id: number }>('select coalesce(max(id), 0) as id from events'))[0]!.id,
    );
    const rows = await escalateConversations(api.deps, [
      { appId: shop.appId, customerId: anon.customer.id, channel: 'app' },
      { appId: shop.appId, customerId: survivor, channel: 'web' },
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    const announced = await api.rows<{ n: number }>(
      "select count(*) as n from events where id > ? and type = 'conversation.updated' and customer_id = ?",
      [since, survivor],
    );
    const stored = await conversationRow(rows[0]!.id);
    const alone = await buildHandoffSummary(api.deps, db(), stored, { reason: 'escalation', now: 0 });
    expect(alone.sentiment.negativeMessages).toBeGreaterThan(0);
    expect({
      announced: Number(announced[0]!.n),
      negative: (stored.summary as { sentiment: { negativeMessages: number } }).sentiment.negativeMessages,
    }).toEqual({ announced: 1, negative: alone.sentiment.negativeMessages });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. the handoff summary's bounded read of the latest 200 messages
// ---------------------------------------------------------------------------------------------

type Written = { authorType: string; channel: string; text: string; createdAt: number };
/** The conversation's messages replaced by `list`, in order (seq follows the list). */
async function replaceMessages(conversation: ConversationRow, list: Written[]) {
  await api.rows('delete from messages where conversation_id = ?', [conversation.id]);
  for (let i = 0; i < list.length; i += 100) {
    const part = list.slice(i, i + 100);
    await api.rows(
      `insert into messages (id, app_id, customer_id, conversation_id, channel, author_type, text, created_at) values ${part
        .map(() => '(?, ?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      part.flatMap((m) => [
        `msg_rx_${randomUUID()}`,
        conversation.appId,
        conversation.customerId,
        conversation.id,
        m.channel,
        m.authorType,
        m.text,
        m.createdAt,
      ]),
    );
  }
}
/** What an agent should see: computed from every stored message, the latest 200 by seq. */
async function expected(conversation: ConversationRow) {
  const all = await api.opened(
    await api.rows<Written & { text: string }>(
      'select author_type as authorType, channel, text, created_at as createdAt from messages where conversation_id = ? order by seq',
      [conversation.id],
    ),
  );
  const recent = all.slice(-200);
  const fromCustomer = recent.filter((m) => m.authorType === 'customer');
  const last = fromCustomer.at(-1);
  return {
    messageCount: all.length,
    channels: [...new Set([conversation.channel, ...recent.map((m) => m.channel), conversation.lastChannel])],
    negativeMessages: fromCustomer.filter((m) => negativeSentiment(normalizeText(m.text)) > 0).length,
    lastCustomerMessage: last
      ? { text: last.text, channel: last.channel, at: new Date(last.createdAt).toISOString() }
      : null,
  };
}
const seen = (summary: Awaited<ReturnType<typeof buildHandoffSummary>>) => ({
  messageCount: summary.messageCount,
  channels: summary.channels,
  negativeMessages: summary.sentiment.negativeMessages,
  lastCustomerMessage: summary.lastCustomerMessage,
});
/** n messages: the oldest a complaint on the phone, then web questions and answers, a bot's last. */
const thread = (n: number, base = Date.UTC(2026, 10, 1)): Written[] =>
  Array.from({ length: n }, (_, i) => ({
    authorType: i === 0 || (i % 2 === 0 && i < n - 1) ? 'customer' : 'bot',
    channel: i === 0 ? 'phone' : 'web',
    text: i === 0 ? '太差了，我要投诉' : i % 2 === 0 ? `第${i}个问题：面霜保质期多久` : '好的',
    createdAt: base + i * 1_000,
  }));

describe('3 — the handoff summary reads the latest 200 messages', () => {
  test.each([199, 200, 201])(
    'exactly %i messages: the window is the latest 200, as an agent should see them',
    async (n) => {
      const { conversation } = await customerWithConversation();
      await replaceMessages(conversation, thread(n));
      const summary = await buildHandoffSummary(api.deps, db(), conversation, {
        reason: 'escalation',
        now: 0,
      });
      const want = await expected(conversation);
      expect(seen(summary)).toEqual(want);
      // The oldest message (the phone complaint) is the 200th latest at 200, out of the window at 201.
      expect(want.channels).toEqual(n <= 200 ? ['web', 'phone'] : ['web']);
      expect(want.negativeMessages).toBe(n <= 200 ? 1 : 0);
      expect(want.messageCount).toBe(n);
    },
  );

  test('messages deleted in the middle (retention, an erasure) and around the boundary: still the latest 200 that exist', async () => {
    const { conversation } = await customerWithConversation();
    await replaceMessages(conversation, thread(420));
    // Holes: a run in the middle, and every third of the last 250 (the boundary moves past them).
    const seqs = (
      await api.rows<{ seq: number }>('select seq from messages where conversation_id = ? order by seq', [
        conversation.id,
      ])
    ).map((r) => Number(r.seq));
    const gone = [...seqs.slice(100, 160), ...seqs.slice(-250).filter((_, i) => i % 3 === 1)];
    await api.rows(`delete from messages where seq in (${gone.map(() => '?').join(', ')})`, gone);
    const summary = await buildHandoffSummary(api.deps, db(), conversation, { reason: 'escalation', now: 0 });
    const want = await expected(conversation);
    expect(want.messageCount).toBe(420 - gone.length);
    expect(seen(summary)).toEqual(want);
  });

  test('many conversations in one set (0 to 260 messages each, a sealed thread among them): each as alone, each as an agent should see it', async () => {
    const list: ConversationRow[] = [];
    for (const n of [0, 1, 2, 150, 199, 200, 201, 260, 3, 230]) {
      const { conversation } = await customerWithConversation();
      if (n > 0) await replaceMessages(conversation, thread(n, Date.UTC(2026, 10, 1) + n));
      else await api.rows('delete from messages where conversation_id = ?', [conversation.id]);
      list.push(conversation);
    }
    // A real, sealed thread as it came in over the API (its texts sealed with the customer's key).
    const { conversation: sealedOne } = await customerWithConversation('快递三天没动了，太差了');
    const stored = await api.rows<{ text: string }>('select text from messages where conversation_id = ?', [
      sealedOne.id,
    ]);
    expect(stored.some((m) => m.text.includes('太差了'))).toBe(false);
    list.push(sealedOne);
    const handoff = { reason: 'escalation' as const, now: 0 };
    const many = await buildHandoffSummaries(
      api.deps,
      db(),
      list.map((conversation) => ({ conversation, handoff })),
    );
    for (const [i, conversation] of list.entries()) {
      expect(many[i]).toEqual(await buildHandoffSummary(api.deps, db(), conversation, handoff));
      expect(seen(many[i]!)).toEqual(await expected(conversation));
    }
    expect(many.at(-1)!.lastCustomerMessage?.text).toBe('快递三天没动了，太差了');
  });

  test('the same conversation twice in one set: each summary is the one-conversation summary', async () => {
    // FIXED by the lead (stop 35); was a BREAK (8e3f834). The bounded read joins `json_each(ids)` — one bounds row per NAME, not per
    // conversation — so a conversation named twice has every message read twice: the window holds
    // 400 rows, `sentiment.negativeMessages` is doubled (the old `row_number()` read used
    // `IN (ids)`, where a repeat did not matter). Reached by escalateConversations with an alias
    // and its survivor (above). What should: a repeat in the set changes nothing — dedupe the ids
    // (`[...new Set(ids)]`) before `json_each`.
    const { conversation } = await customerWithConversation();
    await replaceMessages(conversation, thread(120));
    const handoff = { reason: 'escalation' as const, now: 0 };
    const alone = await buildHandoffSummary(api.deps, db(), conversation, handoff);
    expect(alone.sentiment.negativeMessages).toBe(1);
    const twice = await buildHandoffSummaries(api.deps, db(), [
      { conversation, handoff },
      { conversation, handoff },
    ]);
    expect(twice).toEqual([alone, alone]);
  });

  test("a merge moves the anonymous thread into the survivor's (both with the bot): the escalation's summary is the merged thread's latest, sealed texts opened, the stored copy sealed", async () => {
    const { token, known, anon } = await knownAndAnonymous('面霜适合敏感肌吗', '面霜保质期多久');
    expect((await shop.identify(anon.sessionToken, token)).body.merged).toBe(true);
    const escalated = await api.call('POST', '/v1/escalate', { token: known.sessionToken, body: {} });
    expect(escalated.status).toBe(200);
    const conversation = await conversationRow(escalated.body.conversation.id);
    const want = await expected(conversation);
    expect(want.messageCount).toBeGreaterThanOrEqual(4);
    // Stored sealed: the shopper's words are not in the row as plain text.
    expect(JSON.stringify(conversation.summary)).not.toContain('面霜保质期多久');
    const detail = await agent.call('GET', `/v1/agent/conversations/${conversation.id}`);
    expect(detail.status).toBe(200);
    // What the agent reads (the stored summary, opened) is what an agent should see.
    expect(seen(detail.body.conversation.summary)).toEqual(want);
    expect(want.lastCustomerMessage?.text).toBe('面霜保质期多久');
    expect(want.channels).toEqual(expect.arrayContaining(['web', 'app']));
  });

  test("a merge brings a QUEUED anonymous thread into the survivor's: the queued conversation an agent takes has a handoff summary", async () => {
    // FIXED (misc-36: a merge leaving the joined conversation with a human rebuilds its summary);
    // was a BREAK (older than misc-35, met attacking "messages moved by a merge"). The anonymous shopper's
    // complaint was escalated (queued, its summary stored); identify merges it into the known
    // customer's open conversation, which takes the human stage ('queued') but keeps its own
    // summary — null. What happens: the agent's queue has a queued conversation with no handoff
    // summary (GET /v1/agent/conversations/:id → conversation.summary null), and a later
    // /v1/escalate does not build one (already queued). What should: a merge that leaves the
    // survivor's conversation with a human refreshes its summary over the merged thread (or carries
    // the queued side's, rebuilt), as the escalation would have.
    const { token, known, anon } = await knownAndAnonymous('面霜适合敏感肌吗', '快递太慢了，太差了');
    const queued = await api.rows<{ status: string; s: number }>(
      'select status, summary is not null as s from conversations where customer_id = ?',
      [anon.customer.id],
    );
    expect({ status: queued[0]!.status, s: Number(queued[0]!.s) }).toEqual({ status: 'queued', s: 1 });
    expect((await shop.identify(anon.sessionToken, token)).body.merged).toBe(true);
    const escalated = await api.call('POST', '/v1/escalate', { token: known.sessionToken, body: {} });
    expect(escalated.status).toBe(200);
    expect(escalated.body.conversation.status).toBe('queued');
    const conversation = await conversationRow(escalated.body.conversation.id);
    const detail = await agent.call('GET', `/v1/agent/conversations/${conversation.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.conversation.summary).not.toBeNull();
    const want = await expected(conversation);
    expect(seen(detail.body.conversation.summary)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. the remote guard on every interactive transaction of `database.client` (real sqld)
// ---------------------------------------------------------------------------------------------

describe('2 — the remote guard (sqld)', () => {
  let sqld: Awaited<ReturnType<typeof startSqld>>;
  const sqldDir = mkdtempSync(join(tmpdir(), 'tl-review-x-sqld-'));
  beforeAll(async () => {
    sqld = await startSqld(sqldDir);
  }, 60_000);
  afterAll(async () => {
    await sqld?.stop();
    rmSync(sqldDir, { recursive: true, force: true });
  });

  describe.each([
    ['http://', 0],
    ['libsql://', 1],
  ])('over %s', (_, which) => {
    let database: Database;
    const table = `rx_${which}`;
    let doomed: Awaited<ReturnType<typeof doomedTable>>;
    beforeAll(async () => {
      database = createDatabase({ url: which === 0 ? sqld.url : libsqlUrlOf(sqld.url) });
      doomed = await doomedTable(database, table);
    });
    afterAll(() => database?.close());
    const stored = () => doomed.stored();
    const ins = (who: string) => `insert into ${table} (who) values ('${who}')`;
    const clear = () => doomed.clear();

    test('a lost transaction’s rollback resolves (the server has none), closed after close(); the next transaction stores', async () => {
      await clear();
      const tx = await database.client.transaction('write');
      expect(tx.closed).toBe(false);
      await tx.execute(ins('rb-before'));
      expect(await outcome(tx.execute(ins('doomed-rb')))).toMatch(/^rejected/);
      expect(await outcome(tx.execute(ins('rb-after')))).toBe('rejected TRANSACTION_LOST');
      expect(await outcome(tx.rollback())).toBe('resolved undefined');
      tx.close();
      expect(tx.closed).toBe(true);
      expect(await stored()).toEqual([]);
      const next = await database.client.transaction('write');
      await next.execute(ins('rb-next'));
      await next.commit();
      next.close();
      expect(await stored()).toEqual(['rb-next']);
    }, 30_000);

    test('two embedder transactions, one after the other while the first is lost and still open: separate guards', async () => {
      await clear();
      const first = await database.client.transaction('write');
      await outcome(first.execute(ins('doomed-one')));
      expect(await outcome(first.execute(ins('one-after')))).toBe('rejected TRANSACTION_LOST');
      const second = await database.client.transaction('write');
      try {
        await second.execute(ins('two'));
        expect(await outcome(second.commit())).toBe('resolved undefined');
      } finally {
        second.close();
        first.close();
      }
      expect(await stored()).toEqual(['two']);
    }, 30_000);

    test('a read transaction opened outside `write` while a write runs: a failed statement does not lose it, the write is not touched', async () => {
      await clear();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let began!: () => void;
      const inWrite = new Promise<void>((resolve) => {
        began = resolve;
      });
      const write = database.write(async (w) => {
        await w.run(sql.raw(ins('w-one')));
        began();
        await gate;
        await w.run(sql.raw(ins('w-two')));
        return 'w';
      });
      await inWrite;
      const reader = await database.client.transaction('read');
      let read = '';
      try {
        expect(await outcome(reader.execute('select * from no_such_table'))).toMatch(/^rejected/);
        read = String((await reader.execute(`select count(*) from ${table}`)).rows[0]![0]);
        expect(await outcome(reader.commit())).toBe('resolved undefined');
      } finally {
        reader.close();
      }
      release();
      expect(await outcome(write)).toBe('resolved w');
      expect(read).toBe('0');
      expect(await stored()).toEqual(['w-one', 'w-two']);
    }, 30_000);

    test('batch() and execute() on the exposed client: a RAISE(ROLLBACK) inside stores nothing; the client goes on', async () => {
      await clear();
      expect(
        await outcome(database.client.batch([ins('b-one'), ins('doomed-b'), ins('b-three')], 'write')),
      ).toMatch(/^rejected/);
      expect(await outcome(database.client.execute(ins('doomed-e')))).toMatch(/^rejected/);
      expect(await stored()).toEqual([]);
      await database.client.batch([ins('b-ok')], 'write');
      await database.client.execute(ins('e-ok'));
      expect(await stored()).toEqual(['b-ok', 'e-ok']);
    }, 30_000);

    test('an embedder’s transaction whose statements are in flight together (Promise.allSettled): the one after the loss is not stored', async () => {
      // FIXED (misc-36: the guard sends a transaction's statements one at a time); was a BREAK.
      // The guard judged a statement lost only once an earlier one had FAILED and its probe
      // answered; statements already sent beside it pass the `state.lost` check before the loss is
      // known. What happens: the server runs the second after the trigger's RAISE(ROLLBACK) ended
      // the transaction — in autocommit, committed on its own — and the commit is then answered
      // 503 "nothing stored, send again": stored, yet told it failed; a retry stores it twice
      // (review-v's finding, back for concurrent statements). What should: a statement of a
      // transaction never commits on its own — e.g. send each interactive statement only after the
      // previous one settled (a per-transaction queue in the guard), or use Hrana's
      // "not autocommit" batch condition on every statement.
      await clear();
      const tx = await database.client.transaction('write');
      let commit = '';
      try {
        await tx.execute(ins('c-before'));
        await Promise.allSettled([tx.execute(ins('doomed-c')), tx.execute(ins('c-beside'))]);
        commit = await outcome(tx.commit());
      } finally {
        tx.close();
      }
      expect({ commit, stored: await stored() }).toEqual({ commit: 'rejected unavailable 503', stored: [] });
    }, 30_000);

    test('`write` whose work runs two statements at once, one ending the transaction: nothing of it is stored', async () => {
      // FIXED (misc-36, as above); was a BREAK, as above inside `write`: drizzle work that runs statements concurrently
      // (Promise.all over inserts) and meets a RAISE(ROLLBACK). What happens: the statement sent
      // beside the doomed one commits on its own in autocommit; the write is then refused (the
      // trigger's error, or 503) — a writer told "not stored" whose row is stored. What should:
      // nothing of a refused write is stored (as `write` promises: "commits entirely or not at all").
      await clear();
      const result = await outcome(
        database.write(async (w) => {
          await w.run(sql.raw(ins('p-before')));
          await Promise.allSettled([w.run(sql.raw(ins('doomed-p'))), w.run(sql.raw(ins('p-beside')))]);
          return 'p';
        }),
      );
      expect({ result, stored: await stored() }).toEqual({ result: 'rejected unavailable 503', stored: [] });
    }, 30_000);

    test('a transaction opened later by work a write left running (a promise chained inside its work): a fresh guard, not the finished write’s', async () => {
      // FIXED by the lead (stop 35); was a BREAK (low). `client.transaction()` takes the guard state from the AsyncLocalStorage of
      // `write`, which follows every continuation started inside the work — after the write has
      // committed too. What happens: two transactions such a continuation opens share the old
      // write's state; once the first loses (a caught RAISE(ROLLBACK), rolled back), the second,
      // a fresh server transaction, has every statement refused TRANSACTION_LOST and its commit
      // answered 503, for ever in that continuation. What should: a transaction gets the write's
      // state only while it IS the write's (drizzle's, inside `write`); any other a fresh one.
      await clear();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let later!: Promise<string>;
      await database.write(async (w) => {
        await w.run(sql.raw(ins('l-write')));
        later = gate.then(async () => {
          const first = await database.client.transaction('write');
          await first.execute(ins('doomed-l')).catch(() => undefined);
          await first.rollback();
          first.close();
          const second = await database.client.transaction('write');
          try {
            await second.execute(ins('l-second'));
            await second.commit();
            return 'stored';
          } catch (error) {
            return `refused ${codeOf(error)}`;
          } finally {
            second.close();
          }
        });
        return 'w';
      });
      release();
      expect(await later).toBe('stored');
      expect(await stored()).toEqual(['l-write', 'l-second']);
    }, 30_000);
  });

  test('closed and close() through the proxy: getters read the real client; after close() a transaction or a statement is refused, not hung', async () => {
    const database = createDatabase({ url: sqld.url });
    expect(database.client.closed).toBe(false);
    expect(database.client.protocol).toBe('http');
    database.close();
    expect(database.client.closed).toBe(true);
    const settled = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
      ]);
    expect(await settled(database.client.transaction('write'))).toBe('rejected');
    expect(await settled(database.client.execute('select 1'))).toBe('rejected');
    expect(await settled(database.write(async (w) => w.run(sql`select 1`)))).toBe('rejected');
  }, 30_000);
});

describe('2 — the local file path', () => {
  test('local file: the exposed client is the local one (no remote guard); an embedder’s own transaction after a caught RAISE(ROLLBACK) stores nothing and is told so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-review-x-local-'));
    const database = createDatabase({ url: `file:${join(dir, 'x.db')}` });
    try {
      expect(database.client.protocol).toBe('file');
      await database.client.execute('create table t (id integer primary key, who text not null)');
      await database.client.execute(
        "create trigger t_doom before insert on t when new.who like 'doomed%' begin select raise(rollback, 'gone'); end",
      );
      const tx = await database.client.transaction('write');
      let after = '';
      let commit = '';
      try {
        await tx.execute("insert into t (who) values ('before')");
        await tx.execute("insert into t (who) values ('doomed')").catch(() => undefined);
        after = await tx.execute("insert into t (who) values ('after')").then(
          () => 'stored',
          (error: unknown) => `refused ${codeOf(error)}`,
        );
        commit = await tx.commit().then(
          () => 'committed',
          (error: unknown) => `refused ${codeOf(error)}`,
        );
      } finally {
        tx.close();
      }
      const rows = (await database.client.execute('select who from t')).rows.map((r) => String(r[0]));
      // Never "stored, yet told it failed": what is stored and what the caller was told agree.
      expect({ after, commitOk: commit === 'committed', rows }).toEqual({
        after: expect.stringMatching(/^refused/),
        commitOk: false,
        rows: [],
      });
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
