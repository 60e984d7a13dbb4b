import { signIdentityToken } from '../identity';
import { REPEAT_WINDOW_MS } from './rollup';

/**
 * A deterministic month of shop traffic, played through the real API with a clock the caller
 * moves: customers who come back on other channels with known intents, a known number of repeat
 * contacts (half with the first contact's context, half after it was closed), escalations an agent
 * takes after a known wait, handoff codes created and claimed, exchange tickets opened and closed,
 * CSAT ratings, and questions about near-expiry goods that the knowledge base cannot answer and
 * that surge in the last week. The ledger it returns is what the insights must report.
 *
 * Used by `npm start` (a small month, so the insights page has something to show) and by the tests
 * (which check the metrics against the ledger, exactly).
 */

export interface TrafficIo {
  request(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read field by field below.
  ): Promise<{ status: number; body: any }>;
  clock: { set(ms: number): void };
}
export interface TrafficKeys {
  appId: string;
  secretKey: string;
  publishableKey: string;
  identitySecret: string;
}
export interface TrafficOptions {
  /** Epoch ms of the first day's local midnight. */
  start: number;
  days?: number;
  customers?: number;
  seed?: number;
  /** Chance that a customer comes by on a given day. */
  visitRate?: number;
  /**
   * The near-expiry surge covers the last this many days (default 7). A test comparing calendar
   * weeks sets it so the surge fills the last compared week and stays out of the one before: a
   * surge straddling two weeks is a weaker rise, and the exact test rightly doubts it.
   */
  surgeDays?: number;
}

export interface ChannelLedger {
  conversations: number;
  customerMessages: number;
  escalated: number;
  handoffsCreated: number;
  handoffsClaimed: number;
  ticketsOpened: number;
  ticketsClosed: number;
  csatResponses: number;
  contacts: number;
  repeatContacts: number;
  repeatWithContext: number;
  repeatWithoutContext: number;
}
export interface TrafficLedger {
  channels: Record<string, ChannelLedger>;
  /** Contacts per intent (all channels). */
  intents: Record<string, number>;
  /** Near-expiry questions asked in the last 7 days, and in the 7 days before. */
  nearExpiry: { lastWeek: number; weekBefore: number; total: number };
  /** Minutes from each escalation to the agent claiming it. */
  waitsMin: number[];
  /** Per high-value segment (see `segmentOf`): customers who had a conversation, their conversations and escalations. */
  segments: Record<
    'vip' | 'large_cart' | 'repeat_buyer' | 'other',
    { customers: number; conversations: number; escalated: number }
  >;
  /** Bot replies whose intent was not the one planned (must stay 0: the plan relies on the engine). */
  surprises: string[];
}

/** Which shoppers the merchant's backend marks: every sixth a VIP, the next a repeat buyer, the next with a large cart. */
export function segmentOf(customer: number): 'vip' | 'repeat_buyer' | 'large_cart' | 'other' {
  return (['vip', 'repeat_buyer', 'large_cart'] as const)[customer % 6] ?? 'other';
}

const HOUR = 3600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const CHANNELS = ['web', 'app', 'miniprogram', 'phone'] as const;
/** Channels a handoff code is claimed on (a phone claim asks for a phone check). */
const CLAIM_CHANNELS = ['app', 'miniprogram', 'web'] as const;

/** Each planned intent with a wording the demo store's engine recognises. */
const ASKS: Record<string, string[]> = {
  logistics_query: ['我的快递到哪了', '帮我查一下物流'],
  shipping_time: ['什么时候发货', '今天下单明天能发吗'],
  coupon_usage: ['优惠券怎么用', '两张券能一起用吗'],
  shelf_life: ['保质期多久', '开封后能用多久'],
  ingredients: ['成分是什么', '含酒精吗'],
  invoice: ['能开发票吗', '怎么开发票'],
  membership_points: ['积分怎么用', '我有多少积分'],
  payment_issue: ['付款失败', '支付不了'],
};
const FOLLOW_UPS = Object.keys(ASKS);
const EXCHANGE = { intent: 'exchange_size', text: '衣服尺码不合适，想换大一码' };
const HUMAN = { intent: 'human_agent', text: '转人工' };
/** Near-expiry goods: an intent the shop was taught, with no article behind it. */
export const NEAR_EXPIRY = {
  intent: 'near_expiry',
  examples: ['临期的还卖吗', '快过期了能便宜吗', '临期货打折吗', '快到期的东西还能买吗'],
};
/** Near-expiry questions as shoppers word them. */
export const NEAR_EXPIRY_QUESTIONS = [
  '快过期的货能便宜点吗',
  '快到期的精华打折吗',
  '快过期了还能便宜点吗',
  '你们卖临期货吗',
  '快到期的能打折吗',
  '临期的便宜吗',
];

/** A device's anonymous id (22+ url-safe characters), the same for the same name. */
const deviceId = (name: string) => `sim-device-${name}`.padEnd(24, '0').replace(/[^A-Za-z0-9_-]/g, '_');

/** mulberry32: a small seeded generator, so the same seed plays the same month. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'ask' | 'exchange' | 'human' | 'near_expiry';
interface Visit {
  customer: number;
  at: number;
  channel: string;
  kind: Kind;
  intent: string | null;
  text: string;
  /** Planned repeat of an earlier contact: with its context (same conversation) or without. */
  repeat: 'with' | 'without' | null;
  resolve: boolean;
  handoff: { claimOn: string | null } | null;
  closeTicket: boolean;
  waitMin: number;
  rating: number | null;
}

/** Plans the month: every customer's visits, in time order. Pure: same options, same plan. */
export function planTraffic(options: TrafficOptions): Visit[] {
  const days = options.days ?? 30;
  const customers = options.customers ?? 30;
  const rate = options.visitRate ?? 0.3;
  const rnd = random(options.seed ?? 14);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const visits: Visit[] = [];
  const end = options.start + days * DAY;
  const surgeFrom = end - (options.surgeDays ?? 7) * DAY;
  for (let customer = 0; customer < customers; customer++) {
    const home = CHANNELS[customer % CHANNELS.length]!;
    const away = CHANNELS[(customer + 1 + (customer % 3)) % CHANNELS.length]!;
    const lastAsked = new Map<string, number>();
    let pending: Visit | null = null;
    let freeFrom = options.start;
    const push = (visit: Visit) => {
      visits.push(visit);
      freeFrom = visit.at + 2 * HOUR;
    };
    for (let day = 0; day < days; day++) {
      const comes = rnd() < rate;
      const at =
        options.start + day * DAY + (9 + Math.floor(rnd() * 11)) * HOUR + Math.floor(rnd() * 60) * MINUTE;
      if (pending && pending.at < (comes ? at : options.start + (day + 1) * DAY)) {
        pending.at = Math.max(pending.at, freeFrom);
        if (pending.at < end) {
          push(pending);
          if (pending.intent) lastAsked.set(pending.intent, pending.at);
        }
        pending = null;
      }
      if (!comes || at < freeFrom) continue;
      const channel = rnd() < 0.7 ? home : away;
      const roll = rnd();
      const nearExpiryRate = at >= surgeFrom ? 0.4 : 0.02;
      let kind: Kind = 'ask';
      if (roll < nearExpiryRate) kind = 'near_expiry';
      else if (!pending && roll < nearExpiryRate + 0.1) kind = 'human';
      else if (!pending && roll < nearExpiryRate + 0.16) kind = 'exchange';
      let intent: string | null = null;
      let text: string;
      if (kind === 'ask') {
        // Never the same intent within 72 h unless planned: the repeats are exactly the planned ones.
        const fresh = FOLLOW_UPS.filter(
          (i) => (lastAsked.get(i) ?? -Infinity) < at - REPEAT_WINDOW_MS - HOUR && pending?.intent !== i,
        );
        if (fresh.length === 0) continue;
        intent = pick(fresh);
        text = pick(ASKS[intent]!);
        lastAsked.set(intent, at);
      } else if (kind === 'human') {
        // Asking for a person again within 72 h is an edge of the repeat definition (is "转人工" a
        // matter?): kept out of the plan, so the planned repeats stay the only ones.
        if ((lastAsked.get(HUMAN.intent) ?? -Infinity) >= at - REPEAT_WINDOW_MS - HOUR) continue;
        intent = HUMAN.intent;
        text = HUMAN.text;
        lastAsked.set(intent, at);
      } else if (kind === 'exchange') {
        if ((lastAsked.get(EXCHANGE.intent) ?? -Infinity) >= at - REPEAT_WINDOW_MS - HOUR) continue;
        intent = EXCHANGE.intent;
        text = EXCHANGE.text;
        lastAsked.set(intent, at);
      } else {
        // Near-expiry questions repeat too, like any matter: only after 72 h in this plan.
        if ((lastAsked.get(NEAR_EXPIRY.intent) ?? -Infinity) >= at - REPEAT_WINDOW_MS - HOUR) continue;
        intent = NEAR_EXPIRY.intent;
        text = pick(NEAR_EXPIRY_QUESTIONS);
        lastAsked.set(intent, at);
      }
      const visit: Visit = {
        customer,
        at,
        channel,
        kind,
        intent,
        text,
        repeat: null,
        // Kept open while a follow-up must find the same conversation.
        resolve: pending?.repeat === 'with' ? false : kind === 'human' || rnd() < 0.6,
        handoff:
          kind === 'ask' && rnd() < 0.15 ? { claimOn: rnd() < 0.6 ? pick(CLAIM_CHANNELS) : null } : null,
        closeTicket: kind === 'exchange' && rnd() < 0.5,
        waitMin: kind === 'human' ? 1 + Math.floor(rnd() * 30) : 0,
        rating: rnd() < 0.35 ? 1 + Math.floor(rnd() * 5) : null,
      };
      // A rating counts on the channel the conversation was last on: not after a handoff moved it.
      if (visit.handoff?.claimOn) visit.rating = null;
      if (kind === 'ask' && !pending && rnd() < 0.3) {
        const withContext = rnd() < 0.5;
        visit.resolve = !withContext;
        pending = {
          ...visit,
          at: at + 2 * HOUR + Math.floor(rnd() * 58) * HOUR,
          channel: visit.channel === home ? away : home,
          text: pick(ASKS[intent!]!),
          repeat: withContext ? 'with' : 'without',
          resolve: rnd() < 0.6,
          handoff: null,
          rating: rnd() < 0.35 ? 1 + Math.floor(rnd() * 5) : null,
        };
      }
      push(visit);
    }
  }
  return visits.sort((a, b) => a.at - b.at || a.customer - b.customer);
}

const emptyChannel = (): ChannelLedger => ({
  conversations: 0,
  customerMessages: 0,
  escalated: 0,
  handoffsCreated: 0,
  handoffsClaimed: 0,
  ticketsOpened: 0,
  ticketsClosed: 0,
  csatResponses: 0,
  contacts: 0,
  repeatContacts: 0,
  repeatWithContext: 0,
  repeatWithoutContext: 0,
});

/**
 * Plays the plan through the API: shoppers write through `POST /v1/channels/:channel/messages`
 * (the merchant's backend for each channel) as `shopper-<n>`; a supervisor claims escalations,
 * answers and resolves; handoff codes are created with the secret key and claimed by starting a
 * session on another channel; ratings go through a session of the same customer.
 */
export async function simulateTraffic(
  io: TrafficIo,
  keys: TrafficKeys,
  options: TrafficOptions,
): Promise<TrafficLedger> {
  const visits = planTraffic(options);
  const days = options.days ?? 30;
  const end = options.start + days * DAY;
  const ledger: TrafficLedger = {
    channels: {},
    intents: {},
    nearExpiry: { lastWeek: 0, weekBefore: 0, total: 0 },
    waitsMin: [],
    segments: {
      vip: { customers: 0, conversations: 0, escalated: 0 },
      large_cart: { customers: 0, conversations: 0, escalated: 0 },
      repeat_buyer: { customers: 0, conversations: 0, escalated: 0 },
      other: { customers: 0, conversations: 0, escalated: 0 },
    },
    surprises: [],
  };
  const served = new Set<number>();
  const count = (channel: string) => (ledger.channels[channel] ??= emptyChannel());
  const must = async (method: string, path: string, token: string, body?: unknown) => {
    const answer = await io.request(method, path, token, body);
    if (answer.status >= 300)
      throw new Error(`traffic: ${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  io.clock.set(options.start);
  // The shop knows near-expiry questions as an intent but has no article for it yet: the bot
  // recognises the need and cannot answer it — the merchant's cue to write one.
  await must('POST', '/v1/kb/import', keys.secretKey, {
    articles: [],
    intents: [{ id: NEAR_EXPIRY.intent, name: '临期商品', policy: 'ai', examples: NEAR_EXPIRY.examples }],
  });
  // What the merchant's backend tells about its shoppers: VIPs, order history, carts.
  const customers = options.customers ?? 30;
  for (let n = 0; n < customers; n++) {
    const customer = { externalId: `shopper-${n + 1}` };
    const segment = segmentOf(n);
    if (segment === 'vip')
      await must('POST', '/v1/customers', keys.secretKey, {
        customer,
        attributes: { vip: true, tier: 'vip' },
      });
    else if (segment === 'repeat_buyer')
      await must('POST', '/v1/orders', keys.secretKey, {
        customer,
        orders: [1, 2].map((k) => ({
          id: `sim-${n + 1}-${k}`,
          status: 'delivered',
          items: [{ productId: 'p-hyaluronic-cream', name: '玻尿酸保湿面霜 50ml', quantity: 1, price: 199 }],
          amount: 199,
          currency: 'CNY',
          placedAt: new Date(options.start - k * 20 * DAY).toISOString(),
        })),
      });
    else if (segment === 'large_cart')
      await must('POST', '/v1/customer-events', keys.secretKey, {
        customer,
        events: [{ name: 'add_to_cart', properties: { sku: 'p-hyaluronic-cream', quantity: 4, price: 299 } }],
      });
  }
  const agent = await must('POST', '/v1/agents', keys.secretKey, {
    name: '值班主管 (simulated)',
    role: 'supervisor',
    capacity: 100,
  });
  // Agent tokens live 8 h: the supervisor signs in afresh each shift, as people do.
  let token = '';
  let issuedAt = Number.NEGATIVE_INFINITY;
  const shift = async (at: number) => {
    if (at - issuedAt < 6 * HOUR) return;
    token = (await must('POST', `/v1/agents/${agent.agent.id}/tokens`, keys.secretKey, {})).token as string;
    issuedAt = at;
  };

  const open = new Map<number, { conversationId: string; channel: string }>();
  let seq = 0;
  for (const visit of visits) {
    const externalId = `shopper-${visit.customer + 1}`;
    io.clock.set(visit.at);
    await shift(visit.at);
    const started = !open.has(visit.customer);
    const answer = await must('POST', `/v1/channels/${visit.channel}/messages`, keys.secretKey, {
      from: { externalId, name: `Shopper ${visit.customer + 1}` },
      text: visit.text,
      clientMessageId: `sim-${options.seed ?? 14}-${++seq}`,
    });
    const conversationId = answer.conversation.id as string;
    if (started) {
      count(visit.channel).conversations++;
      ledger.segments[segmentOf(visit.customer)].conversations++;
      served.add(visit.customer);
      open.set(visit.customer, { conversationId, channel: visit.channel });
    }
    // Escalations count where their conversation started (as the conversation figures do).
    const startedOn = open.get(visit.customer)!.channel;
    count(visit.channel).customerMessages++;
    const said = (answer.replies as { intent?: string }[]).find((r) => r.intent)?.intent ?? null;
    if (visit.kind === 'near_expiry') {
      ledger.nearExpiry.total++;
      if (visit.at >= end - 7 * DAY) ledger.nearExpiry.lastWeek++;
      else if (visit.at >= end - 14 * DAY) ledger.nearExpiry.weekBefore++;
    }
    if (visit.kind === 'near_expiry') {
      if (said !== NEAR_EXPIRY.intent) ledger.surprises.push(`${visit.text} → ${said}`);
    } else if (said !== visit.intent)
      ledger.surprises.push(`${visit.text} → ${said} (planned ${visit.intent})`);
    // Asking for a person (an intent whose policy is human) is no matter of its own, and greetings
    // are none either: neither is a contact (rollup.ts, the repeat-contact rules).
    if (visit.intent && visit.kind !== 'human' && visit.intent !== 'greeting' && said === visit.intent) {
      count(visit.channel).contacts++;
      ledger.intents[visit.intent] = (ledger.intents[visit.intent] ?? 0) + 1;
      if (visit.repeat) {
        count(visit.channel).repeatContacts++;
        if (visit.repeat === 'with') count(visit.channel).repeatWithContext++;
        else count(visit.channel).repeatWithoutContext++;
      }
    }
    if (visit.kind === 'human') {
      count(startedOn).escalated++;
      ledger.segments[segmentOf(visit.customer)].escalated++;
      io.clock.set(visit.at + visit.waitMin * MINUTE);
      await must('POST', `/v1/agent/conversations/${conversationId}/claim`, token);
      ledger.waitsMin.push(visit.waitMin);
      io.clock.set(visit.at + (visit.waitMin + 1) * MINUTE);
      await must('POST', `/v1/agent/conversations/${conversationId}/messages`, token, {
        text: '您好，我是值班主管，请问有什么可以帮您？',
        clientMessageId: `sim-agent-${seq}`,
      });
    }
    if (visit.kind === 'exchange') {
      const { tickets } = await must(
        'GET',
        `/v1/tickets?customerId=${answer.customer.id}&status=open`,
        keys.secretKey,
      );
      const opened = (tickets as { id: string; createdAt: string; channel: string }[]).filter(
        (t) => Date.parse(t.createdAt) === visit.at,
      );
      count(visit.channel).ticketsOpened += opened.length;
      if (visit.closeTicket)
        for (const ticket of opened) {
          io.clock.set(visit.at + 5 * MINUTE);
          await must('PATCH', `/v1/tickets/${ticket.id}`, keys.secretKey, { status: 'closed' });
          count(ticket.channel).ticketsClosed++;
        }
    }
    if (visit.handoff) {
      io.clock.set(visit.at + MINUTE);
      const code = await must('POST', '/v1/handoffs', keys.secretKey, {
        customer: { externalId },
        ...(visit.handoff.claimOn ? { toChannel: visit.handoff.claimOn } : {}),
      });
      count(visit.channel).handoffsCreated++;
      if (visit.handoff.claimOn) {
        io.clock.set(visit.at + 3 * MINUTE);
        await must('POST', '/v1/sessions', keys.publishableKey, {
          channel: visit.handoff.claimOn,
          anonymousId: deviceId(`${visit.customer}-${seq}-handoff`),
          handoffCode: code.code,
        });
        count(visit.channel).handoffsClaimed++;
      }
    }
    if (visit.resolve) {
      io.clock.set(visit.at + 40 * MINUTE);
      await must('POST', `/v1/agent/conversations/${conversationId}/resolve`, token);
      open.delete(visit.customer);
      if (visit.rating !== null) {
        io.clock.set(visit.at + 45 * MINUTE);
        const identityToken = await signIdentityToken(
          { sub: externalId, name: `Shopper ${visit.customer + 1}` },
          keys.identitySecret,
          visit.at + 45 * MINUTE,
        );
        const session = await must('POST', '/v1/sessions', keys.publishableKey, {
          channel: visit.channel,
          anonymousId: deviceId(`${visit.customer}-${visit.channel}`),
          identityToken,
        });
        await must('POST', '/v1/csat', session.sessionToken, { conversationId, rating: visit.rating });
        count(visit.channel).csatResponses++;
      }
    }
  }
  for (const n of served) ledger.segments[segmentOf(n)].customers++;
  return ledger;
}
