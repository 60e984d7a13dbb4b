import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordUnanswered } from '../src/insights';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Emerging needs at volume and with personal data in the questions: each window is counted on its
 * own (never "the newest N of both", which cut the older window short), shares are compared rather
 * than raw counts (traffic growth raises nothing), the clustering work is bounded, and no phone or
 * order number leaves through a sample, a label, a CSV or an article draft.
 */
const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 10, 30, 4);
const clock = createManualClock(NOW);
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
}, 60_000);
afterAll(() => api?.close());

type Row = Record<string, any>;

let shopper = 0;
/**
 * Stores unanswered questions straight into the table (plain text reads as itself), 500 a
 * statement; each from a shopper of its own unless `customer` is given.
 */
async function storeQuestions(
  appId: string,
  questions: { text: string; at: number; intent?: string; customer?: string }[],
) {
  for (let i = 0; i < questions.length; i += 500) {
    const chunk = questions.slice(i, i + 500);
    await api.rows(
      `insert into unanswered_questions (app_id, customer_id, conversation_id, channel, text, kind, confidence, best_intent, best_article_id, created_at) values ${chunk.map(() => "(?, ?, null, 'web', ?, 'low_confidence', ?, ?, null, ?)").join(', ')}`,
      chunk.flatMap((q) => [
        appId,
        q.customer ?? `cus_sim_${shopper++}`,
        q.text,
        q.intent ? 0.6 : 0.1,
        q.intent ?? null,
        q.at,
      ]),
    );
  }
}

const WORDINGS = ['周末发货吗', '支持花呗分期付款吗', '礼盒能刻字吗'];

describe('emerging needs at volume', () => {
  it('counts both windows of a steady shop alike: 12,000 questions over 14 days, nothing rising', async () => {
    const shop = await api.createShop();
    await storeQuestions(
      shop.appId,
      Array.from({ length: 12_000 }, (_, i) => ({
        text: WORDINGS[i % 3]!,
        at: NOW - 14 * DAY + Math.floor((i + 0.5) * ((14 * DAY) / 12_000)),
      })),
    );
    const answer = await api.call('GET', '/v1/insights/emerging?windowDays=7', { token: shop.secretKey });
    expect(answer.status).toBe(200);
    expect([answer.body.recentTotal, answer.body.previousTotal, answer.body.total]).toEqual([
      6000, 6000, 12_000,
    ]);
    expect(answer.body.truncated).toBe(true);
    expect(answer.body.clusters).toHaveLength(3);
    for (const cluster of answer.body.clusters as Row[]) {
      expect(cluster.rising, cluster.label).toBe(false);
      // Estimated from a hashed sample of each window (about 900 of its 6,000): a third each.
      expect(Math.abs(cluster.recent - 2000)).toBeLessThanOrEqual(300);
      expect(Math.abs(cluster.previous - 2000)).toBeLessThanOrEqual(300);
    }
    // The CSV says the same.
    const csv = await api.call('GET', '/v1/insights/export/emerging?windowDays=7', { token: shop.secretKey });
    expect(csv.status).toBe(200);
    expect(csv.text).not.toMatch(/,true,/);
  });

  it('raises nothing when all traffic triples (Double 11), and still finds a need that grows faster', async () => {
    const shop = await api.createShop();
    const spread = (n: number, from: number, text: string) =>
      Array.from({ length: n }, (_, i) => ({ text, at: from + Math.floor((i + 0.5) * ((7 * DAY) / n)) }));
    await storeQuestions(shop.appId, [
      ...WORDINGS.flatMap((w) => spread(100, NOW - 14 * DAY, w)),
      ...WORDINGS.flatMap((w) => spread(300, NOW - 7 * DAY, w)),
    ]);
    const tripled = await api.call('GET', '/v1/insights/emerging?windowDays=7', { token: shop.secretKey });
    expect(tripled.status).toBe(200);
    expect(tripled.body.truncated).toBe(false);
    expect(tripled.body.clusters.map((c: Row) => [c.label, c.recent, c.previous, c.rising]).sort()).toEqual(
      WORDINGS.map((w) => [w, 300, 100, false]).sort(),
    );
    // A new need among the tripled traffic: 40 questions this week, none before.
    await storeQuestions(shop.appId, spread(40, NOW - 7 * DAY, '临期面霜还有货吗'));
    const withNeed = await api.call('GET', '/v1/insights/emerging?windowDays=7', { token: shop.secretKey });
    const rising = withNeed.body.clusters.filter((c: Row) => c.rising).map((c: Row) => c.label);
    expect(rising).toEqual(['临期面霜还有货吗']);
  });

  it('counts shoppers, not questions: one shopper (or script) repeating a question never makes a need rise', async () => {
    const shop = await api.createShop();
    const spread = (n: number, from: number, text: string, customer?: string) =>
      Array.from({ length: n }, (_, i) => ({
        text,
        customer,
        at: from + Math.floor((i + 0.5) * ((7 * DAY) / n)),
      }));
    await storeQuestions(shop.appId, [
      ...WORDINGS.flatMap((w) => spread(100, NOW - 14 * DAY, w)),
      ...WORDINGS.flatMap((w) => spread(100, NOW - 7 * DAY, w)),
      // One script, 60 times this week: its wording would be the top need and the article draft.
      ...spread(60, NOW - 7 * DAY, '加我微信领红包返现', 'cus_spammer'),
      // 20 shoppers, once each, this week: a real new need.
      ...spread(20, NOW - 7 * DAY, '临期面霜还有货吗'),
    ]);
    const answer = await api.call('GET', '/v1/insights/emerging?windowDays=7', { token: shop.secretKey });
    expect(answer.status).toBe(200);
    const byLabel = new Map((answer.body.clusters as Row[]).map((c) => [c.label, c]));
    const spam = byLabel.get('加我微信领红包返现')!;
    expect([spam.recent, spam.recentCustomers, spam.rising]).toEqual([60, 1, false]);
    const need = byLabel.get('临期面霜还有货吗')!;
    expect([need.recent, need.recentCustomers, need.rising]).toEqual([20, 20, true]);
    // Ranked by shoppers: the real need first, the script's 60 questions below the steady needs.
    expect(answer.body.clusters[0].label).toBe('临期面霜还有货吗');
    expect((answer.body.clusters as Row[]).at(-1)!.label).toBe('加我微信领红包返现');
  });

  it('bounds the clustering work: 10,000 distinct texts give at most 200 wording clusters and say so', async () => {
    const shop = await api.createShop();
    // Distinct made-up words (a script posting gibberish): no two texts share a word.
    const letters = (n: number) => {
      let out = '';
      for (let k = 0; k < 5; k++, n = Math.floor(n / 26)) out += String.fromCharCode(97 + (n % 26));
      return out;
    };
    const word = (i: number) => `${letters(i)}q ${letters(i + 20_000)}x ${letters(i + 40_000)}z`;
    await storeQuestions(
      shop.appId,
      Array.from({ length: 10_000 }, (_, i) => ({ text: word(i), at: NOW - 3 * DAY + i * 1000 })),
    );
    const answer = await api.call('GET', '/v1/insights/emerging?windowDays=7&limit=100', {
      token: shop.secretKey,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.recentTotal).toBe(10_000);
    expect(answer.body.truncated).toBe(true);
    // At most 1,000 of the 10,000 were read (a hashed sample, about 850); 200 clusters formed from
    // them, and the rest are left out, counted.
    expect(answer.body.unclustered).toBeGreaterThan(500);
    expect(answer.body.unclustered).toBeLessThanOrEqual(1000 - 200);
    expect(answer.body.clusters.length).toBeLessThanOrEqual(100);
    const unanswered = await api.call('GET', '/v1/insights/unanswered?limit=100', { token: shop.secretKey });
    expect(unanswered.status).toBe(200);
    expect(unanswered.body.truncated).toBe(true);
  });
});

describe('shopper text in insights is redacted', () => {
  const PII = /1391234|2026111500|13912345678|2026111500\d+/;

  it('keeps phone and order numbers out of /emerging, its CSV, article drafts and /unanswered', async () => {
    const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
    await seedDemoStore(api.app.deps, shop.appId);
    const imported = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: {
        articles: [],
        intents: [
          {
            id: 'near_expiry',
            name: '临期商品',
            policy: 'ai',
            examples: ['临期的还卖吗', '快过期了能便宜吗', '临期货打折吗', '快到期的东西还能买吗'],
          },
        ],
      },
    });
    expect(imported.status).toBeLessThan(300);
    // Shoppers write through the real send path; the bot cannot answer, so the questions are kept.
    const asks = [
      '临期的还能买吗 我手机+8613912345678',
      '临期的还能买吗 我手机+8613912345678',
      '订单 202611150001 临期能退吗',
      '快过期了能便宜吗 电话 139 1234 5678',
      '临期货打折吗 订单202611150001',
    ];
    for (const [i, text] of asks.entries()) {
      const session = await shop.startSession({ channel: 'web' });
      clock.set(NOW - DAY + i * 60_000);
      expect((await shop.send(session.sessionToken, text)).status).toBeLessThan(300);
    }
    clock.set(NOW);
    const [stored] = await api.rows<{ n: number }>(
      'select count(*) n from unanswered_questions where app_id = ?',
      [shop.appId],
    );
    expect(Number(stored!.n)).toBeGreaterThanOrEqual(2);
    // The engine answers some of these (an order number is looked up): every shape is also kept
    // the way the send path keeps it, sealed with the shopper's key.
    const [{ customer_id: customerId }] = (await api.rows<{ customer_id: string }>(
      'select customer_id from unanswered_questions where app_id = ? limit 1',
      [shop.appId],
    )) as [{ customer_id: string }];
    for (const [i, text] of asks.entries())
      await recordUnanswered(api.app.deps, {
        appId: shop.appId,
        customerId,
        conversationId: null,
        channel: 'web',
        text,
        kind: 'low_confidence',
        confidence: i % 2 ? 0.6 : 0.1,
        bestIntent: i % 2 ? 'near_expiry' : null,
        bestArticleId: null,
      });

    const token = shop.secretKey;
    const emerging = await api.call('GET', '/v1/insights/emerging?windowDays=7', { token });
    expect(emerging.status).toBe(200);
    expect(emerging.body.clusters.length).toBeGreaterThan(0);
    expect(JSON.stringify(emerging.body)).not.toMatch(PII);
    expect(JSON.stringify(emerging.body)).toMatch(/\[phone\]/);
    expect(JSON.stringify(emerging.body)).toMatch(/\[order number\]/);
    const csv = await api.call('GET', '/v1/insights/export/emerging?windowDays=7', { token });
    expect(csv.status).toBe(200);
    expect(csv.text).not.toMatch(PII);
    for (const cluster of emerging.body.clusters as Row[]) {
      const draft = await api.call('GET', `/v1/insights/emerging/${cluster.id}/article?windowDays=7`, {
        token,
      });
      expect(draft.status).toBe(200);
      expect(JSON.stringify(draft.body)).not.toMatch(PII);
      // The title other shoppers may see is the intent's name, never a shopper's words.
      if (cluster.nearestIntent === 'near_expiry') expect(draft.body.draft.title).toBe('临期商品');
    }
    const unanswered = await api.call('GET', '/v1/insights/unanswered', { token });
    expect(unanswered.status).toBe(200);
    expect(unanswered.body.clusters.length).toBeGreaterThan(0);
    expect(JSON.stringify(unanswered.body)).not.toMatch(PII);
  });

  it('titles a draft without an intent by its shortest redacted wording', async () => {
    const shop = await api.createShop();
    await storeQuestions(shop.appId, [
      // Near an intent the shop has no name for (not in its knowledge base): one need, two wordings.
      { text: '我的邮箱 amy@example.com 能收到发票吗 13912345678', at: NOW - DAY, intent: 'invoice_email' },
      { text: '发票发到 amy@example.com 可以吗', at: NOW - DAY + 1, intent: 'invoice_email' },
    ]);
    const emerging = await api.call('GET', '/v1/insights/emerging', { token: shop.secretKey });
    const [cluster] = emerging.body.clusters as Row[];
    const draft = await api.call('GET', `/v1/insights/emerging/${cluster!.id}/article`, {
      token: shop.secretKey,
    });
    expect(draft.status).toBe(200);
    expect(draft.body.draft.title).toBe('发票发到 [email] 可以吗');
    expect(JSON.stringify(draft.body)).not.toMatch(/amy@|13912345678/);
  });
});

describe('rising intents count shoppers', () => {
  /** Contacts straight into the rollup table, as folded contacts look. */
  async function storeContacts(
    appId: string,
    contacts: { customer: string; intent: string; at: number; channel?: string }[],
  ) {
    for (let i = 0; i < contacts.length; i += 500) {
      const chunk = contacts.slice(i, i + 500);
      await api.rows(
        `insert into insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context) values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, 0, null)').join(', ')}`,
        chunk.flatMap((c, k) => [
          appId,
          c.customer,
          `conv_${i + k}`,
          c.channel ?? 'web',
          c.intent,
          c.at,
          c.at,
        ]),
      );
    }
  }

  it('one shopper coming back every few hours about one thing is not a rising intent; fifteen shoppers are', async () => {
    const shop = await api.createShop();
    // Two full ISO weeks in Shanghai: 16–22 and 23–29 November 2026 (Monday midnight = Sunday 16:00 UTC).
    const weekBefore = Date.UTC(2026, 10, 15, 16);
    const lastWeek = weekBefore + 7 * DAY;
    const steady = ['shipping', 'returns', 'size_guide', 'payment'];
    const contacts: { customer: string; intent: string; at: number }[] = [];
    for (const [w, from] of [weekBefore, lastWeek].entries())
      for (let c = 0; c < 80; c++)
        contacts.push({ customer: `cus_${w}_${c}`, intent: steady[c % 4]!, at: from + DAY + c * 3600_000 });
    // One shopper, 30 sittings about a refund last week (a contact every 5 hours).
    for (let k = 0; k < 30; k++)
      contacts.push({ customer: 'cus_angry', intent: 'refund', at: lastWeek + k * 5 * 3600_000 });
    // Fifteen shoppers, once each, about near-expiry goods last week; none the week before.
    for (let c = 0; c < 15; c++)
      contacts.push({
        customer: `cus_near_${c}`,
        intent: 'near_expiry',
        at: lastWeek + 2 * DAY + c * 3600_000,
      });
    await storeContacts(shop.appId, contacts);
    const answer = await api.call(
      'GET',
      '/v1/insights/intents?period=week&since=2026-11-16&until=2026-11-29',
      {
        token: shop.secretKey,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.periods).toHaveLength(2);
    const all = (intent: string) =>
      (answer.body.intents as Row[]).find((t) => t.channel === null && t.intent === intent)!;
    expect(all('refund').counts).toEqual([0, 30]);
    expect(all('refund').rising).toBe(false);
    expect(all('near_expiry').counts).toEqual([0, 15]);
    expect(all('near_expiry').rising).toBe(true);
    expect((answer.body.rising as Row[]).map((t) => [t.channel, t.intent])).toEqual([
      [null, 'near_expiry'],
      ['web', 'near_expiry'],
    ]);
  });
});
