import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { expectSlotTotalsMatchRows } from './insights-slot-totals';

/**
 * Erasing a person leaves the app's figures as they were — whether or not an insights read (which
 * folds) happened between their traffic and the erase — and leaves nothing in the rollups that
 * names them or (with `delete`) their conversations.
 */
const START = Date.UTC(2026, 10, 3, 2, 0);
const clock = createManualClock(START);
let api: TestApi;
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
}, 60_000);
afterAll(() => api?.close());

async function newShop() {
  const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
  await seedDemoStore(api.app.deps, shop.appId);
  return shop;
}

/** One person, merged from an anonymous web visitor into an app login: asks twice, escalates, gets a handoff code. */
async function traffic(shop: Shop) {
  clock.set(START);
  const app = await shop.startSession({ channel: 'app', identityToken: await shop.identityToken('u-erase') });
  const web = await shop.startSession({ channel: 'web' });
  await shop.send(web.sessionToken, '我的快递到哪了');
  expect((await shop.identify(web.sessionToken, await shop.identityToken('u-erase'))).status).toBeLessThan(
    300,
  );
  clock.set(START + 2 * 3600_000);
  await shop.send(app.sessionToken, '帮我查一下物流');
  const asked = await shop.send(app.sessionToken, '转人工');
  expect(asked.body.conversation.status).toBe('queued');
  const code = await api.call('POST', '/v1/handoffs', {
    token: web.sessionToken,
    body: { toChannel: 'app' },
  });
  expect(code.status).toBe(201);
  // Someone else, untouched by the erase.
  const other = await shop.startSession({ channel: 'web' });
  await shop.send(other.sessionToken, '成分是什么');
  return {
    customerId: app.customer.id,
    anonymousId: web.customer.id,
    conversationId: asked.body.conversation.id,
  };
}

type Row = Record<string, number | null> & { channel: string | null };
async function figures(shop: Shop) {
  const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
  expect(res.status).toBe(200);
  return (res.body.rows as Row[]).map((r) => ({
    channel: r.channel,
    conversations: r.conversations,
    messages: r.messages,
    escalated: r.escalated,
    aiAnswered: r.aiAnswered,
    handoffsCreated: r.handoffsCreated,
    contacts: r.contacts,
    repeatContacts: r.repeatContacts,
    repeatWithContext: r.repeatWithContext,
  }));
}
const erase = async (shop: Shop, customerId: string, messages: 'delete' | 'redact') => {
  const res = await api.call('DELETE', `/v1/customers/${customerId}?messages=${messages}`, {
    token: shop.secretKey,
  });
  expect(res.status).toBe(200);
};

describe('insights after an erasure', () => {
  it('keeps every figure, with or without a read before the erase, and names nobody', async () => {
    const control = await newShop();
    const deleted = await newShop();
    const redacted = await newShop();
    const readFirst = await newShop();
    await traffic(control);
    const d = await traffic(deleted);
    const r = await traffic(redacted);
    const f = await traffic(readFirst);
    // No insights read since the traffic for `deleted` and `redacted`.
    await erase(deleted, d.customerId, 'delete');
    await erase(redacted, r.customerId, 'redact');
    const expected = await figures(control);
    const readBefore = await figures(readFirst);
    expect(readBefore).toEqual(expected);
    await erase(readFirst, f.customerId, 'delete');

    expect(expected.find((x) => x.channel === null)).toMatchObject({
      conversations: 2,
      escalated: 1,
      handoffsCreated: 1,
      contacts: 3,
      repeatContacts: 1,
      repeatWithContext: 1,
    });
    expect(await figures(deleted)).toEqual(expected);
    expect(await figures(redacted)).toEqual(expected);
    expect(await figures(readFirst)).toEqual(expected);

    const ids = [d, r, f].flatMap((x) => [x.customerId, x.anonymousId]);
    const marks = ids.map(() => '?').join(', ');
    for (const table of ['insight_contacts', 'insight_conversations'])
      expect(await api.rows(`SELECT 1 FROM ${table} WHERE customer_id IN (${marks})`, ids), table).toEqual(
        [],
      );
    // With `delete` the conversations are gone, and no rollup row keeps their ids either; with
    // `redact` the conversation stays, and no rollup row (or assignment) names it.
    for (const table of ['insight_contacts', 'insight_conversations', 'assignments'])
      expect(
        await api.rows(`SELECT 1 FROM ${table} WHERE conversation_id IN (?, ?, ?)`, [
          d.conversationId,
          f.conversationId,
          r.conversationId,
        ]),
        table,
      ).toEqual([]);
    expect(await api.rows('SELECT 1 FROM conversations WHERE id = ?', [r.conversationId])).toHaveLength(1);
  });
});

/** One person opens an exchange ticket (closed by staff), is served by an agent and rates it 2 with a comment. */
const COMMENT = 'erase-me: 快递员态度很差';
async function ticketAndRating(shop: Shop) {
  clock.set(START);
  const session = await shop.startSession({
    channel: 'app',
    identityToken: await shop.identityToken('u-rated'),
  });
  const asked = await shop.send(session.sessionToken, '衣服尺码不合适，想换大一码');
  const conversationId = asked.body.conversation.id as string;
  const listed = await api.call('GET', `/v1/tickets?customerId=${session.customer.id}`, {
    token: shop.secretKey,
  });
  const [ticket] = listed.body.tickets as { id: string }[];
  expect(ticket).toBeTruthy();
  clock.set(START + 10 * 60_000);
  expect(
    (
      await api.call('PATCH', `/v1/tickets/${ticket!.id}`, {
        token: shop.secretKey,
        body: { status: 'closed' },
      })
    ).status,
  ).toBe(200);
  expect((await shop.send(session.sessionToken, '转人工')).body.conversation.status).toBe('queued');
  const agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
  await agent.presence('online');
  expect((await agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`)).status).toBeLessThan(
    300,
  );
  clock.set(START + 20 * 60_000);
  expect((await agent.call('POST', `/v1/agent/conversations/${conversationId}/resolve`)).status).toBeLessThan(
    300,
  );
  clock.set(START + 25 * 60_000);
  const rated = await api.call('POST', '/v1/csat', {
    token: session.sessionToken,
    body: { conversationId, rating: 2, comment: COMMENT },
  });
  expect(rated.status).toBe(201);
  return { customerId: session.customer.id, conversationId };
}

const ticketFigures = async (shop: Shop) => {
  const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
  expect(res.status).toBe(200);
  return (res.body.rows as Row[]).map((r) => ({
    channel: r.channel,
    ticketsOpened: r.ticketsOpened,
    ticketsClosed: r.ticketsClosed,
    csatResponses: r.csatResponses,
    csatAverage: r.csatAverage,
  }));
};

describe('tickets and CSAT after an erasure', () => {
  it('keep their counts and the ratings’ average, pseudonymised, with nothing of the person', async () => {
    const control = await newShop();
    const deleted = await newShop();
    const redacted = await newShop();
    await ticketAndRating(control);
    const d = await ticketAndRating(deleted);
    const r = await ticketAndRating(redacted);
    const expected = await ticketFigures(control);
    expect(expected.find((x) => x.channel === null)).toMatchObject({
      ticketsOpened: 1,
      ticketsClosed: 1,
      csatResponses: 1,
      csatAverage: 2,
    });
    await erase(deleted, d.customerId, 'delete');
    await erase(redacted, r.customerId, 'redact');
    expect(await ticketFigures(deleted)).toEqual(expected);
    expect(await ticketFigures(redacted)).toEqual(expected);

    // Nothing names the person or their conversation, and their words are gone.
    for (const x of [d, r]) {
      for (const table of ['tickets', 'csat_ratings'])
        expect(
          await api.rows(`SELECT 1 FROM ${table} WHERE customer_id = ? OR conversation_id = ?`, [
            x.customerId,
            x.conversationId,
          ]),
          table,
        ).toEqual([]);
    }
    for (const shop of [deleted, redacted]) {
      const kept = await api.rows<Record<string, unknown>>(
        'SELECT customer_id, conversation_id, order_id, product_id, reason, wanted_size, details, status FROM tickets WHERE app_id = ?',
        [shop.appId],
      );
      expect(kept).toEqual([
        {
          customer_id: expect.stringMatching(/^erased_/),
          conversation_id: null,
          order_id: null,
          product_id: null,
          reason: null,
          wanted_size: null,
          details: '{}',
          status: 'closed',
        },
      ]);
      const ratings = await api.rows<Record<string, unknown>>(
        'SELECT customer_id, conversation_id, comment, rating FROM csat_ratings WHERE app_id = ?',
        [shop.appId],
      );
      // The kept ticket is read-only: a note would re-create a data key for the pseudonym (see the
      // case below for status and field changes).
      const [erasedTicket] = await api.rows<{ id: string }>('SELECT id FROM tickets WHERE app_id = ?', [
        shop.appId,
      ]);
      const noted = await api.call('PATCH', `/v1/tickets/${erasedTicket!.id}`, {
        token: shop.secretKey,
        body: { note: 'customer erased; closing the books' },
      });
      expect(noted.status, noted.text).toBe(409);
      expect(noted.body.error.code).toBe('conflict');
      expect(ratings).toEqual([
        {
          customer_id: kept[0]!.customer_id,
          conversation_id: expect.stringMatching(/^erased_/),
          comment: null,
          rating: 2,
        },
      ]);
    }
  });

  it('an erased person’s ticket, open at the erase, is closed and can never change again', async () => {
    const shop = await newShop();
    const agent = await shop.addAgent({ name: 'Bo', role: 'agent', capacity: 5 });
    clock.set(START);
    const session = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('u-open-ticket'),
    });
    await shop.send(session.sessionToken, '衣服尺码不合适，想换大一码');
    const [ticket] = (
      await api.call('GET', `/v1/tickets?customerId=${session.customer.id}`, { token: shop.secretKey })
    ).body.tickets as { id: string; status: string }[];
    expect(ticket?.status).toBe('open');
    await erase(shop, session.customer.id, 'redact');
    const [before] = await api.rows<Record<string, unknown>>('SELECT * FROM tickets WHERE id = ?', [
      ticket!.id,
    ]);
    expect(before).toMatchObject({ status: 'closed', customer_id: expect.stringMatching(/^erased_/) });
    const pseudonym = before!.customer_id as string;
    const counts = async () =>
      Object.fromEntries(
        await Promise.all(
          ['customer_keys', 'events', 'webhook_events'].map(async (table) => [
            table,
            Number(
              (
                await api.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE customer_id = ?`, [
                  pseudonym,
                ])
              )[0]!.n,
            ),
          ]),
        ),
      );
    expect(await counts()).toEqual({ customer_keys: 0, events: 0, webhook_events: 0 });

    // Reopening, re-filling personal fields or a note, by the merchant's backend or an agent.
    const attempts: Record<string, unknown>[] = [
      { status: 'open' },
      { status: 'in_progress' },
      { orderId: 'SO-20261130-0042' },
      { reason: 'size too small — call me on 13800138000', wantedSize: 'XL' },
      { productId: 'silk-shirt' },
      { note: 'called her back at home' },
    ];
    for (const body of attempts)
      for (const call of [
        (b: unknown) => api.call('PATCH', `/v1/tickets/${ticket!.id}`, { token: shop.secretKey, body: b }),
        (b: unknown) => agent.call('PATCH', `/v1/tickets/${ticket!.id}`, b),
      ]) {
        const res = await call(body);
        expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(409);
        expect(res.body.error.code).toBe('conflict');
      }
    const [after] = await api.rows<Record<string, unknown>>('SELECT * FROM tickets WHERE id = ?', [
      ticket!.id,
    ]);
    expect(after).toEqual(before);
    expect(await counts()).toEqual({ customer_keys: 0, events: 0, webhook_events: 0 });
    // Still readable for the figures, as it was kept.
    const read = await api.call('GET', `/v1/tickets/${ticket!.id}`, { token: shop.secretKey });
    expect(read.status).toBe(200);
    expect(read.body.ticket).toMatchObject({ status: 'closed', customerId: pseudonym, orderId: null });
  });
});

describe('the per-slot totals the metrics read', () => {
  it('equal the conversation and contact rows they sum, after everything above', async () => {
    await expectSlotTotalsMatchRows(api);
  });
});
