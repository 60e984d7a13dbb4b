import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../src/insights/metrics';
import { backfillSlotTotals, slotTotalsReady } from '../src/insights/slot-totals';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

/**
 * A fresh reviewer's check of `GET /v1/insights/metrics` (per-slot totals, SQL-sorted first
 * responses) against a brute-force reading of the raw rollup rows: seeded random conversations and
 * contacts for two shops, dense around 15-minute slot bounds (±1 ms) and around the days clocks
 * change, read in zones with 30- and 45-minute offsets (Kathmandu, Adelaide, Chatham, Lord Howe),
 * St John's −3:30/−2:30, a zone whose day starts at 01:00 on its DST day (Santiago), and +14
 * (Kiritimati). (Zones whose offset was not whole quarters of an hour — Monrovia until 1972,
 * Kiritimati until 1979 — lie before the 2000–2100 dates a query accepts.) Each row's
 * period is found here with its own Intl formatter, not with the code under test. The same answers
 * are asked with the totals done, after an upgrade (rows path) and mid-backfill, and the CSV
 * export must say what the JSON says.
 */
const SLOT = 15 * 60_000;
const clock = createManualClock(Date.UTC(2026, 10, 1));
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
let other: Awaited<ReturnType<TestApi['createShop']>>;

function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Windows the rows fall in: DST ends (April) and starts (Sept/Oct) of 2026. */
const WINDOWS = [
  [Date.UTC(2026, 3, 1), Date.UTC(2026, 3, 9)],
  [Date.UTC(2026, 8, 3), Date.UTC(2026, 8, 9)],
  [Date.UTC(2026, 8, 25), Date.UTC(2026, 9, 6)],
] as const;
const CHANNELS = ['web', 'app', 'phone'];

interface Conversation {
  app: string;
  channel: string;
  startedAt: number;
  bot: number;
  agent: number;
  escalatedAt: number | null;
  firstResponse: number | null;
}
interface Contact {
  app: string;
  channel: string;
  at: number;
  isRepeat: boolean;
  withContext: boolean | null;
}
const conversations: Conversation[] = [];
const contacts: Contact[] = [];

async function seed(rnd: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const instant = () => {
    const [lo, hi] = pick(WINDOWS);
    const at = lo + Math.floor(rnd() * (hi - lo));
    // Most on or beside a slot bound (where a period could be cut), the rest anywhere.
    return rnd() < 0.6 ? at - (at % SLOT) + pick([0, -1, 1, SLOT / 2]) : at;
  };
  const statements: { sql: string; args: (string | number | null)[] }[] = [];
  for (let i = 0; i < 1500; i++) {
    const startedAt = instant();
    const escalated = rnd() < 0.3;
    const c: Conversation = {
      app: rnd() < 0.75 ? shop.appId : other.appId,
      channel: pick(CHANNELS),
      startedAt,
      bot: rnd() < 0.8 ? 1 : 0,
      agent: escalated && rnd() < 0.6 ? 1 : 0,
      escalatedAt: escalated ? startedAt + 1000 : null,
      firstResponse: rnd() < 0.85 ? Math.floor(rnd() * 20_000) : null,
    };
    conversations.push(c);
    statements.push({
      sql: `INSERT INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at,
          customer_messages, bot_messages, agent_messages, first_customer_at, first_response_at, escalated_at)
        VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
      args: [
        `cnv_${i}`,
        c.app,
        `cus_${i % 50}`,
        c.channel,
        startedAt,
        c.bot,
        c.agent,
        startedAt,
        c.firstResponse === null ? null : startedAt + c.firstResponse,
        c.escalatedAt,
      ],
    });
  }
  for (let i = 0; i < 1500; i++) {
    const isRepeat = rnd() < 0.4;
    const k: Contact = {
      app: rnd() < 0.75 ? shop.appId : other.appId,
      channel: pick(CHANNELS),
      at: instant(),
      isRepeat,
      withContext: isRepeat ? rnd() < 0.5 : null,
    };
    contacts.push(k);
    statements.push({
      sql: `INSERT INTO insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
        VALUES (?, ?, ?, ?, 'refund', ?, ?, ?, ?)`,
      args: [
        k.app,
        `cus_${i % 50}`,
        `cnv_${i}`,
        k.channel,
        k.at,
        k.at,
        isRepeat ? 1 : 0,
        k.withContext === null ? null : k.withContext ? 1 : 0,
      ],
    });
  }
  await api.database.client.batch(statements, 'write');
}

/** The local calendar date of an instant, by a formatter of this test's own. */
function localDateOf(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}
function labelOf(ms: number, query: { timeZone: string; period: string; since: string; until: string }) {
  const date = localDateOf(ms, query.timeZone);
  const { period } = query;
  // The whole window as one period, labelled by its first date.
  if (period === 'all') return date >= query.since && date <= query.until ? query.since : null;
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 7)}-01`;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utc = new Date(Date.UTC(y, m - 1, d));
  utc.setUTCDate(utc.getUTCDate() - ((utc.getUTCDay() + 6) % 7));
  return utc.toISOString().slice(0, 10);
}

/** What the raw rows say per (period label, channel or '' for all). */
function bruteForce(query: Query, labels: string[]) {
  type Cell = {
    conversations: number;
    escalated: number;
    aiAnswered: number;
    contacts: number;
    repeatContacts: number;
    repeatWithContext: number;
    repeatWithoutContext: number;
    fr: number[];
  };
  const cells = new Map<string, Cell>();
  const cell = (label: string, channel: string) => {
    const key = `${label}|${channel}`;
    let c = cells.get(key);
    if (!c) {
      c = {
        conversations: 0,
        escalated: 0,
        aiAnswered: 0,
        contacts: 0,
        repeatContacts: 0,
        repeatWithContext: 0,
        repeatWithoutContext: 0,
        fr: [],
      };
      cells.set(key, c);
    }
    return c;
  };
  const wanted = new Set(labels);
  for (const c of conversations) {
    if (c.app !== shop.appId) continue;
    const label = labelOf(c.startedAt, query);
    if (label === null || !wanted.has(label)) continue;
    for (const x of [cell(label, c.channel), cell(label, '')]) {
      x.conversations++;
      if (c.escalatedAt !== null) x.escalated++;
      if (c.bot > 0 && c.agent === 0 && c.escalatedAt === null) x.aiAnswered++;
      if (c.firstResponse !== null) x.fr.push(c.firstResponse);
    }
  }
  for (const k of contacts) {
    if (k.app !== shop.appId) continue;
    const label = labelOf(k.at, query);
    if (label === null || !wanted.has(label)) continue;
    for (const x of [cell(label, k.channel), cell(label, '')]) {
      x.contacts++;
      if (k.isRepeat) x.repeatContacts++;
      if (k.isRepeat && k.withContext) x.repeatWithContext++;
      if (k.isRepeat && k.withContext === false) x.repeatWithoutContext++;
    }
  }
  return cells;
}

const QUERIES = [
  ...[
    'Asia/Kathmandu',
    'Australia/Adelaide',
    'Pacific/Chatham',
    'Australia/Lord_Howe',
    'America/Santiago',
  ].flatMap((timeZone) => [
    { timeZone, period: 'day' as string, since: '2026-04-01', until: '2026-04-08' },
    { timeZone, period: 'day' as string, since: '2026-09-03', until: '2026-09-08' },
    { timeZone, period: 'week' as string, since: '2026-09-24', until: '2026-10-05' },
    { timeZone, period: 'month' as string, since: '2026-03-01', until: '2026-10-31' },
  ]),
  { timeZone: 'Pacific/Kiritimati', period: 'day' as string, since: '2026-09-25', until: '2026-10-06' },
  { timeZone: 'America/St_Johns', period: 'week' as string, since: '2026-03-30', until: '2026-10-06' },
  { timeZone: 'Asia/Kathmandu', period: 'all' as string, since: '2026-04-02', until: '2026-09-05' },
];
type Query = (typeof QUERIES)[number];

async function metrics(query: Query, extra = '') {
  const q = new URLSearchParams({ ...query }).toString();
  const res = await api.call('GET', `/v1/insights/metrics?${q}${extra}`, { token: shop.secretKey });
  expect(res.status, res.text).toBe(200);
  return res.body as {
    periods: string[];
    rows: (Record<string, unknown> & {
      period: string;
      channel: string | null;
      firstResponseMs: { p50: number | null; p90: number | null };
    })[];
  };
}

async function expectMatchesRows(query: Query, state: string) {
  const answer = await metrics(query);
  const expected = bruteForce(query, answer.periods);
  const label = `${state}: ${JSON.stringify(query)}`;
  const FIGURES = [
    'conversations',
    'escalated',
    'aiAnswered',
    'contacts',
    'repeatContacts',
    'repeatWithContext',
    'repeatWithoutContext',
  ] as const;
  const got = new Map(answer.rows.map((r) => [`${r.period}|${r.channel ?? ''}`, r]));
  let seen = 0;
  for (const [key, cell] of expected) {
    const row = got.get(key);
    seen += cell.conversations + cell.contacts;
    expect(row, `${label} ${key}`).toBeDefined();
    const figures = Object.fromEntries(FIGURES.map((f) => [f, row![f]]));
    expect(figures, `${label} ${key}`).toEqual(Object.fromEntries(FIGURES.map((f) => [f, cell[f]])));
    const sorted = [...cell.fr].sort((a, b) => a - b);
    expect(row!.firstResponseMs, `${label} ${key}`).toEqual({
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
    });
  }
  // Nothing more than the rows: every other row of the answer is empty.
  for (const [key, row] of got)
    if (!expected.has(key)) for (const f of FIGURES) expect(row[f], `${label} ${key} ${f}`).toBe(0);
  return seen;
}

beforeAll(async () => {
  api = await createTestApi({ clock });
  shop = await api.createShop({ name: 'Zones shop' });
  other = await api.createShop({ name: 'Other shop' });
  await seed(random(14));
}, 60_000);
afterAll(() => api?.close());

describe('metrics equal the raw rows, in every zone, whatever state the per-slot totals are in', () => {
  it('with the totals done', async () => {
    expect(await slotTotalsReady(api.database.db)).toBe(true);
    let seen = 0;
    for (const query of QUERIES) seen += await expectMatchesRows(query, 'totals');
    expect(seen).toBeGreaterThan(1000);
  });

  it('after an upgrade (rows path) and mid-backfill, the same answers', async () => {
    const client = api.database.client;
    await client.execute('DELETE FROM insight_slot_totals');
    await client.execute(
      "UPDATE insight_cursors SET position = 0 WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts')",
    );
    // Readers fold nothing (no backfill chunk either): the upgrade state stays while asking.
    api.deps.config.insights = { readerBatches: 0 };
    for (const query of QUERIES.slice(0, 6)) await expectMatchesRows(query, 'upgrade');
    await backfillSlotTotals(api.deps, 700);
    expect(await slotTotalsReady(api.database.db)).toBe(false);
    for (const query of QUERIES.slice(-4)) await expectMatchesRows(query, 'mid-backfill');
    for (let round = 0; round < 100 && (await backfillSlotTotals(api.deps)) > 0; round++);
    expect(await slotTotalsReady(api.database.db)).toBe(true);
    api.deps.config.insights = {};
    for (const query of QUERIES.filter((_, i) => i % 4 === 1)) await expectMatchesRows(query, 'refilled');
  });

  it('the CSV export says what the JSON says', async () => {
    for (const query of [QUERIES[0]!, QUERIES[QUERIES.length - 3]!]) {
      const json = await metrics(query);
      const q = new URLSearchParams({ ...query }).toString();
      const res = await api.call('GET', `/v1/insights/export/metrics?${q}`, { token: shop.secretKey });
      expect(res.status).toBe(200);
      const [head, ...lines] = res.text
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      const columns = head!.split(',');
      expect(lines).toHaveLength(json.rows.length);
      lines.forEach((line, i) => {
        const cells = Object.fromEntries(line.split(',').map((v, j) => [columns[j]!, v]));
        const row = json.rows[i]!;
        expect(cells.period).toBe(row.period);
        expect(cells.scope).toBe(row.channel === null ? 'all' : 'channel');
        expect(cells.channel).toBe(row.channel ?? '');
        for (const f of [
          'conversations',
          'messages',
          'escalated',
          'aiAnswered',
          'contacts',
          'repeatContacts',
        ])
          expect(cells[f], f).toBe(String(row[f]));
        expect(cells.firstResponseMs_p50).toBe(String(row.firstResponseMs.p50 ?? ''));
        expect(cells.firstResponseMs_p90).toBe(String(row.firstResponseMs.p90 ?? ''));
        expect(cells.aiShare).toBe(row.aiShare === null ? '' : String(row.aiShare));
      });
    }
  });
});
