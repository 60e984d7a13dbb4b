import type { InsightsQuery, IntentTrendsAnswer } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import type { ServiceDeps } from '../platform/deps';
import { periodsFor } from './metrics';
import { foldForReader } from './rollup';
import { risingAmong, twoProportionZ } from './significance';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'> & {
  config?: Pick<ServiceDeps['config'], 'insights'>;
};
type Trend = IntentTrendsAnswer['intents'][number];

const TOP = 20;
/** p-values to 6 significant digits: enough to rank, and readable in a CSV. */
const roundP = (p: number) => Number(p.toPrecision(6));

/**
 * GET /v1/insights/intents — contacts per intent and period, for all channels (`channel: null`)
 * and each channel, top first. An intent is rising when its share of the last period's shoppers
 * (those with any contact; each counted once per intent) grew against the period before: Fisher's
 * exact test per intent, decided for all intents of a scope together with Benjamini–Hochberg at
 * 1 % (`risingAmong`), and at least 5 shoppers. `counts`, `share` and `z` are in contacts.
 */
export async function intentTrends(
  deps: Deps,
  app: { id: string; timeZone?: string },
  query: InsightsQuery,
): Promise<IntentTrendsAnswer> {
  const periods = periodsFor(deps, app.timeZone, query);
  const fresh = await foldForReader(deps, app.id);
  const n = periods.labels.length;
  const db = deps.database.db;
  // Read through `insight_contacts_by_app_channel_intent` (app, channel, intent, at, customer),
  // never grouping the window's contacts in one sort: at a million messages that sort was most of
  // the read (~1 s for ~470k contacts). Instead the shop's (channel, intent) pairs are found by
  // skipping along the index (two seeks per pair), and every pair × period is one counted index
  // range — the same rows are visited, in index order, with no temporary b-tree.
  const pairs = sql`ch(channel) AS (
      SELECT min(channel) FROM insight_contacts WHERE app_id = ${app.id}
        ${query.channel ? sql`AND channel = ${query.channel}` : sql``}
      UNION ALL SELECT (SELECT min(channel) FROM insight_contacts WHERE app_id = ${app.id}
          AND channel > ch.channel ${query.channel ? sql`AND channel = ${query.channel}` : sql``})
        FROM ch WHERE ch.channel IS NOT NULL),
    ci(channel, intent) AS (
      SELECT channel, (SELECT min(intent) FROM insight_contacts WHERE app_id = ${app.id} AND channel = ch.channel)
        FROM ch WHERE channel IS NOT NULL
      UNION ALL SELECT channel, (SELECT min(intent) FROM insight_contacts
          WHERE app_id = ${app.id} AND channel = ci.channel AND intent > ci.intent)
        FROM ci WHERE intent IS NOT NULL),
    pairs AS MATERIALIZED (SELECT channel, intent FROM ci WHERE intent IS NOT NULL)`;
  /** The periods from `first` on, as rows (i, lo, hi) of epoch ms, lo inclusive, hi exclusive. */
  const periodRows = (first: number) =>
    sql.raw(
      `per(i, lo, hi) AS MATERIALIZED (VALUES ${periods.bounds
        .slice(first + 1)
        .map((b, k) => `(${first + k}, ${Math.trunc(periods.bounds[first + k]!)}, ${Math.trunc(b)})`)
        .join(', ')})`,
    );
  const rows =
    n === 0
      ? []
      : await db.all<{ p: number; channel: string; intent: string; n: number }>(sql`
    WITH RECURSIVE ${pairs}, ${periodRows(0)}
    SELECT per.i AS p, pairs.channel, pairs.intent, (SELECT count(*) FROM insight_contacts c
        WHERE c.app_id = ${app.id} AND c.channel = pairs.channel AND c.intent = pairs.intent
          AND c.at >= per.lo AND c.at < per.hi) AS n
    FROM pairs, per`);
  // Per scope (all channels '' or one channel): per intent counts, and all contacts per period.
  const series = new Map<string, Map<string, number[]>>();
  const totals = new Map<string, number[]>();
  for (const r of rows) {
    if (r.n === 0) continue;
    const i = r.p;
    for (const scope of ['', r.channel]) {
      const intents = series.get(scope) ?? new Map<string, number[]>();
      series.set(scope, intents);
      const counts = intents.get(r.intent) ?? new Array<number>(n).fill(0);
      intents.set(r.intent, counts);
      counts[i]! += r.n;
      const total = totals.get(scope) ?? new Array<number>(n).fill(0);
      totals.set(scope, total);
      total[i]! += r.n;
    }
  }
  // Rising is decided on shoppers, not contacts: each shopper once per intent and period, among
  // the shoppers with any contact in the period. A contact is a sitting (30 min), so one shopper
  // coming back every hour about the same thing (or one script) made 40 contacts and a "rising"
  // intent out of one voice. Only the two compared periods are read, each distinct count over
  // index ranges of the same index (a channel's or an intent's pairs are several ranges).
  const shoppers = new Map<string, number[]>();
  if (n > 0) {
    const distinct = (where: ReturnType<typeof sql>) => sql`(SELECT count(DISTINCT c.customer_id)
        FROM insight_contacts c WHERE c.app_id = ${app.id} AND ${where}
          AND c.at >= per.lo AND c.at < per.hi)`;
    const rows = await db.all<{ p: number; channel: string; intent: string; n: number }>(sql`
      WITH RECURSIVE ${pairs}, ${periodRows(Math.max(0, n - 2))},
        channels AS MATERIALIZED (SELECT DISTINCT channel FROM pairs),
        intents AS MATERIALIZED (SELECT DISTINCT intent FROM pairs)
      SELECT per.i AS p, pairs.channel, pairs.intent,
          ${distinct(sql`c.channel = pairs.channel AND c.intent = pairs.intent`)} AS n FROM pairs, per
      UNION ALL SELECT per.i, '', intents.intent,
          ${distinct(sql`c.channel IN (SELECT channel FROM channels) AND c.intent = intents.intent`)} FROM intents, per
      UNION ALL SELECT per.i, channels.channel, '',
          ${distinct(sql`c.channel = channels.channel AND c.intent IN (SELECT intent FROM intents)`)}
        FROM channels, per
      UNION ALL SELECT per.i, '', '',
          ${distinct(sql`c.channel IN (SELECT channel FROM channels) AND c.intent IN (SELECT intent FROM intents)`)} FROM per`);
    for (const r of rows) {
      if (r.n === 0) continue;
      const key = `${r.channel}\u0000${r.intent}`;
      const counts = shoppers.get(key) ?? new Array<number>(n).fill(0);
      shoppers.set(key, counts);
      counts[r.p] = r.n;
    }
  }
  const shoppersOf = (scope: string, intent: string) => {
    const counts = shoppers.get(`${scope}\u0000${intent}`);
    return { recent: counts?.[n - 1] ?? 0, previous: n > 1 ? (counts?.[n - 2] ?? 0) : 0 };
  };
  const trends: Trend[] = [];
  for (const [scope, intents] of series) {
    const total = totals.get(scope)!;
    const last = total[n - 1] ?? 0;
    const before = n > 1 ? total[n - 2]! : 0;
    const entries = [...intents].map(([intent, counts]) => ({
      intent,
      counts,
      recent: counts[n - 1] ?? 0,
      previous: n > 1 ? counts[n - 2]! : 0,
    }));
    const everyone = shoppersOf(scope, '');
    const tests = risingAmong(
      entries.map((e) => shoppersOf(scope, e.intent)),
      everyone.recent,
      everyone.previous,
    );
    const list = entries.map(
      ({ intent, counts, recent, previous }, i): Trend => ({
        intent,
        channel: scope || null,
        total: counts.reduce((a, b) => a + b, 0),
        counts,
        share: last ? Math.round((recent / last) * 10_000) / 10_000 : null,
        previousShare: before ? Math.round((previous / before) * 10_000) / 10_000 : null,
        z: twoProportionZ(recent, last, previous, before),
        p: roundP(tests[i]!.p),
        rising: tests[i]!.rising,
      }),
    );
    list.sort((a, b) => b.total - a.total || a.intent.localeCompare(b.intent));
    // The top intents, and any rising one beyond them (a new need starts small).
    trends.push(...list.filter((t, i) => i < TOP || t.rising));
  }
  trends.sort((a, b) => (a.channel ?? '').localeCompare(b.channel ?? '') || b.total - a.total);
  return {
    timeZone: periods.timeZone,
    period: periods.period,
    periods: periods.labels,
    intents: trends,
    rising: trends.filter((t) => t.rising).sort((a, b) => a.p - b.p || (b.z ?? 0) - (a.z ?? 0)),
    ...fresh,
  };
}
