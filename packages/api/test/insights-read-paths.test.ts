import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../src/insights/metrics';
import { risingAmong } from '../src/insights/significance';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Intent trends and high-value segments read the rollups through index ranges (pairs of channel
 * and intent, customer by customer) instead of grouping the window's rows. This checks them
 * against the plainest possible reading of the same rollup rows, computed here in JavaScript:
 * random contacts and conversations over two shops (the other shop's rows sit between ours in
 * every index), intents present on some channels only, rows just outside the window, every
 * segment, ratings and assignments — per day, per week, with and without a channel filter.
 */
const DAY = 86_400_000;
const SINCE = Date.UTC(2026, 9, 5);
const DAYS = 10;
const clock = createManualClock(SINCE + 12 * DAY);
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
let other: Awaited<ReturnType<TestApi['createShop']>>;

/** Deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['web', 'app', 'phone', 'miniprogram'];
/** Some intents only on some channels, so the pairs are not a full grid. */
const INTENTS: Record<string, string[]> = {
  web: ['refund', 'shipping_time', 'near_expiry', 'coupon_usage'],
  app: ['refund', 'shipping_time', 'invoice'],
  phone: ['near_expiry', 'refund'],
  miniprogram: ['coupon_usage', 'near_expiry', 'size_advice', 'refund'],
};
type Contact = { customer: string; channel: string; intent: string; at: number };
type Conversation = {
  id: string;
  customer: string;
  channel: string;
  startedAt: number;
  bot: number;
  agent: number;
  escalatedAt: number | null;
  firstCustomerAt: number | null;
  firstResponseAt: number | null;
};
const contacts: Contact[] = [];
const conversations: Conversation[] = [];
const vip = new Set<string>();
const carts = new Map<string, number>();
const orders = new Map<string, number>();
const ratings = new Map<string, number>();
const waits: { conversation: string; how: string; wait: number | null }[] = [];

async function seed(appId: string, prefix: string, rnd: () => number, keep: boolean) {
  const db = api.database.client;
  const customers = Array.from({ length: 40 }, (_, i) => `${prefix}cus_${i}`);
  const stmts: { sql: string; args: (string | number | null)[] }[] = [];
  for (let i = 0; i < 600; i++) {
    const channel = CHANNELS[Math.floor(rnd() * CHANNELS.length)]!;
    const intents = INTENTS[channel]!;
    // Skewed: a few customers and intents carry most contacts; the last days rise for near_expiry.
    const customer = customers[Math.floor(rnd() ** 2 * customers.length)]!;
    const at = SINCE - DAY + Math.floor(rnd() * (DAYS + 2) * DAY);
    const intent =
      at > SINCE + 7 * DAY && rnd() < 0.5
        ? 'near_expiry'
        : intents[Math.floor(rnd() ** 1.5 * intents.length)]!;
    const c = {
      customer,
      // The app has no near_expiry: its surge goes to web, so that pair stays missing.
      channel: intents.includes(intent) ? channel : 'web',
      intent,
      at,
    };
    if (keep) contacts.push(c);
    stmts.push({
      sql: `INSERT INTO insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
        VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL)`,
      args: [appId, c.customer, `${prefix}con_c${i}`, c.channel, c.intent, c.at, c.at],
    });
  }
  for (let i = 0; i < 300; i++) {
    const customer = customers[Math.floor(rnd() ** 2 * customers.length)]!;
    const startedAt = SINCE - DAY + Math.floor(rnd() * (DAYS + 2) * DAY);
    const escalated = rnd() < 0.3;
    const answered = rnd() < 0.8;
    const conversation: Conversation = {
      id: `${prefix}con_${i}`,
      customer,
      channel: CHANNELS[Math.floor(rnd() * CHANNELS.length)]!,
      startedAt,
      bot: rnd() < 0.85 ? 1 + Math.floor(rnd() * 4) : 0,
      agent: escalated && rnd() < 0.7 ? 1 + Math.floor(rnd() * 3) : 0,
      escalatedAt: escalated ? startedAt + 60_000 : null,
      firstCustomerAt: rnd() < 0.95 ? startedAt : null,
      firstResponseAt: answered ? startedAt + 100 + Math.floor(rnd() * 9_000) : null,
    };
    if (keep) conversations.push(conversation);
    stmts.push({
      sql: `INSERT INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at,
          customer_messages, bot_messages, agent_messages, first_customer_at, first_response_at, escalated_at)
        VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
      args: [
        conversation.id,
        appId,
        customer,
        conversation.channel,
        startedAt,
        conversation.bot,
        conversation.agent,
        conversation.firstCustomerAt,
        conversation.firstResponseAt,
        conversation.escalatedAt,
      ],
    });
    if (rnd() < 0.4) {
      const rating = 1 + Math.floor(rnd() * 5);
      if (keep) ratings.set(conversation.id, rating);
      stmts.push({
        sql: `INSERT INTO csat_ratings (conversation_id, app_id, customer_id, channel, rating, created_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
        args: [conversation.id, appId, customer, conversation.channel, rating, startedAt + DAY],
      });
    }
    if (escalated) {
      const how = rnd() < 0.2 ? 'transferred' : 'auto';
      const wait = rnd() < 0.9 ? Math.floor(rnd() * 600_000) : null;
      if (keep) waits.push({ conversation: conversation.id, how, wait });
      stmts.push({
        sql: `INSERT INTO assignments (id, app_id, conversation_id, customer_id, agent_id, how, queued_at, assigned_at)
          VALUES (?, ?, ?, ?, 'agt_x', ?, ?, ?)`,
        args: [
          `${conversation.id}_a`,
          appId,
          conversation.id,
          customer,
          how,
          wait === null ? null : startedAt,
          startedAt + (wait ?? 0),
        ],
      });
    }
  }
  for (const [i, customer] of customers.entries()) {
    // Every segment: VIP by flag or tier, carts around the threshold, 0–3 orders.
    const attributes =
      i % 9 === 0 ? { vip: true } : i % 13 === 0 ? { tier: 'vip' } : i % 7 === 0 ? { vip: 'yes' } : {};
    if (keep && (i % 9 === 0 || (i % 13 === 0 && i % 9 !== 0))) vip.add(customer);
    stmts.push({
      sql: `INSERT INTO customers (id, app_id, attributes, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`,
      args: [customer, appId, JSON.stringify(attributes)],
    });
    if (i % 4 === 1) {
      const worth = [500, 999.5, 1000, 2500][(i % 16) >> 2]!;
      if (keep) carts.set(customer, worth);
      stmts.push({
        sql: 'INSERT INTO insight_carts (customer_id, app_id, worth, updated_at) VALUES (?, ?, ?, 0)',
        args: [customer, appId, worth],
      });
    }
    const n = i % 5 === 2 ? 2 : i % 5 === 3 ? 3 : i % 5 === 4 ? 1 : 0;
    if (keep) orders.set(customer, n);
    for (let k = 0; k < n; k++)
      stmts.push({
        sql: `INSERT INTO orders (app_id, id, customer_id, status, amount, currency, placed_at, created_at, updated_at)
          VALUES (?, ?, ?, 'paid', 10, 'CNY', 0, 0, 0)`,
        args: [appId, `${customer}_o${k}`, customer, 0],
      });
  }
  await db.batch(stmts, 'write');
}

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
  shop = await api.createShop({ settings: { timeZone: 'UTC' } });
  other = await api.createShop({ settings: { timeZone: 'UTC' } });
  // Customer ids interleave between the shops ('a…' < 'b…' < 'c…'): the skips must not leave ours.
  await seed(other.appId, 'a_', random(7), false);
  await seed(shop.appId, 'b_', random(42), true);
  await seed(other.appId, 'c_', random(9), false);
}, 60_000);
afterAll(() => api?.close());

const get = async (path: string) => {
  const res = await api.call('GET', path, { token: shop.secretKey });
  expect(res.status).toBe(200);
  return res.body;
};
const until = new Date(SINCE + (DAYS - 1) * DAY).toISOString().slice(0, 10);
const since = new Date(SINCE).toISOString().slice(0, 10);

describe('insights read paths agree with a plain reading of the rollups', () => {
  for (const period of ['day', 'week'] as const)
    for (const channel of [undefined, 'web', 'phone', 'nowhere'])
      it(`intent trends per ${period}${channel ? ` on ${channel}` : ''}: counts, totals, shoppers' p and rising`, async () => {
        const answer = await get(
          `/v1/insights/intents?period=${period}&since=${since}&until=${until}${channel ? `&channel=${channel}` : ''}`,
        );
        const starts: number[] = answer.periods.map((p: string) => Date.parse(`${p}T00:00:00Z`));
        const n = starts.length;
        const bounds = [...starts, starts[n - 1]! + (period === 'day' ? DAY : 7 * DAY)];
        expect(n).toBe(period === 'day' ? DAYS : 2);
        const indexOf = (at: number) => bounds.findIndex((b, i) => i < n && at >= b && at < bounds[i + 1]!);
        const rows = contacts.filter((c) => (!channel || c.channel === channel) && indexOf(c.at) >= 0);
        // Expected counts per scope and intent, shoppers per scope, intent and period.
        const expected = new Map<string, number[]>();
        const shoppers = new Map<string, Set<string>[]>();
        const add = (key: string, i: number, customer: string) => {
          const counts = expected.get(key) ?? new Array<number>(n).fill(0);
          expected.set(key, counts);
          counts[i]! += 1;
          const sets = shoppers.get(key) ?? Array.from({ length: n }, () => new Set<string>());
          shoppers.set(key, sets);
          sets[i]!.add(customer);
        };
        for (const c of rows) {
          const i = indexOf(c.at);
          for (const scope of ['', c.channel])
            for (const intent of ['', c.intent]) add(`${scope}\u0000${intent}`, i, c.customer);
        }
        const got = answer.intents as {
          intent: string;
          channel: string | null;
          counts: number[];
          total: number;
          p: number;
          rising: boolean;
        }[];
        const expectedKeys = [...expected.keys()].filter((k) => !k.endsWith('\u0000'));
        expect(got.map((t) => `${t.channel ?? ''}\u0000${t.intent}`).sort()).toEqual(expectedKeys.sort());
        for (const scope of new Set(got.map((t) => t.channel ?? ''))) {
          const list = got.filter((t) => (t.channel ?? '') === scope);
          const sizes = (key: string) => {
            const sets = shoppers.get(key)!;
            return { recent: sets[n - 1]!.size, previous: n > 1 ? sets[n - 2]!.size : 0 };
          };
          const everyone = sizes(`${scope}\u0000`);
          const tests = risingAmong(
            list.map((t) => sizes(`${scope}\u0000${t.intent}`)),
            everyone.recent,
            everyone.previous,
          );
          for (const [i, t] of list.entries()) {
            const counts = expected.get(`${scope}\u0000${t.intent}`)!;
            expect(t.counts, `${scope}/${t.intent}`).toEqual(counts);
            expect(t.total).toBe(counts.reduce((a, b) => a + b, 0));
            expect(t.p).toBe(Number(tests[i]!.p.toPrecision(6)));
            expect(t.rising).toBe(tests[i]!.rising);
          }
        }
        if (channel === 'nowhere') expect(got).toEqual([]);
        else expect(got.length).toBeGreaterThan(3);
      });

  for (const channel of [undefined, 'app', 'nowhere'])
    for (const largeCart of [1000, 2000])
      it(`high-value segments${channel ? ` on ${channel}` : ''} at largeCart ${largeCart}: every figure`, async () => {
        const answer = await get(
          `/v1/insights/high-value?period=day&since=${since}&until=${until}&largeCart=${largeCart}${channel ? `&channel=${channel}` : ''}`,
        );
        const inWindow = conversations.filter(
          (c) =>
            c.startedAt >= SINCE && c.startedAt < SINCE + DAYS * DAY && (!channel || c.channel === channel),
        );
        const segmentOf = (customer: string) =>
          vip.has(customer)
            ? 'vip'
            : (carts.get(customer) ?? -1) >= largeCart
              ? 'large_cart'
              : (orders.get(customer) ?? 0) >= 2
                ? 'repeat_buyer'
                : 'other';
        for (const segment of ['vip', 'large_cart', 'repeat_buyer', 'other']) {
          const mine = inWindow.filter((c) => segmentOf(c.customer) === segment);
          const ids = new Set(mine.map((c) => c.id));
          const firsts = mine
            .filter((c) => c.firstResponseAt !== null && c.firstCustomerAt !== null)
            .map((c) => c.firstResponseAt! - c.firstCustomerAt!)
            .sort((a, b) => a - b);
          const toAgent = waits
            .filter((w) => ids.has(w.conversation) && w.wait !== null && w.how !== 'transferred')
            .map((w) => w.wait!)
            .sort((a, b) => a - b);
          const rated = mine.map((c) => ratings.get(c.id)).filter((r): r is number => r !== undefined);
          const got = answer.segments.find((s: { segment: string }) => s.segment === segment);
          expect(got, segment).toEqual({
            segment,
            customers: new Set(mine.map((c) => c.customer)).size,
            conversations: mine.length,
            aiAnswered: mine.filter((c) => c.bot > 0 && c.agent === 0 && c.escalatedAt === null).length,
            escalated: mine.filter((c) => c.escalatedAt !== null).length,
            firstResponseMs: { p50: percentile(firsts, 50), p90: percentile(firsts, 90) },
            escalationToAgentMs: { p50: percentile(toAgent, 50), p90: percentile(toAgent, 90) },
            csatAverage: rated.length
              ? Math.round((rated.reduce((a, b) => a + b, 0) / rated.length) * 100) / 100
              : null,
          });
          if (channel !== 'nowhere' && largeCart === 1000) expect(mine.length, segment).toBeGreaterThan(0);
        }
      });
});
