import type { InsightsQuery, MetricsAnswer, MetricsRow } from '@threadline/sdk-core/protocol';
import { and, eq, gte, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { DEFAULT_APP_TIME_ZONE } from '../apps';
import {
  agents,
  assignments,
  csatRatings,
  handoffCodes,
  insightConversations,
  insightSweptHandoffs,
  tickets,
} from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { type Periods, periodIndex, periodsOf } from './periods';
import { foldForReader } from './rollup';
import { slotTotalsReady } from './slot-totals';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'> & {
  config?: Pick<ServiceDeps['config'], 'insights'>;
};

/** The time zone of an app that never set one (the apps domain owns the default). */
export const DEFAULT_TIME_ZONE = DEFAULT_APP_TIME_ZONE;

/** The periods of a query, in its time zone (the query's, else the app's, else Asia/Shanghai). */
export function periodsFor(
  deps: Pick<ServiceDeps, 'clock'>,
  appTimeZone: string | undefined,
  query: InsightsQuery,
): Periods {
  const timeZone = query.timeZone ?? appTimeZone ?? DEFAULT_TIME_ZONE;
  return periodsOf(query, timeZone, deps.clock.now());
}

/** Mean of ratings to two decimals; null for none. */
const average = (ratings: number[]) =>
  ratings.length ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100 : null;

/** Nearest-rank percentile of ascending values; null for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
/** Nearest-rank p50 and p90 of unsorted values (sorted as doubles: exact for integer ms). */
const nearestRanks = (values: number[]) => {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90) };
};
const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;

interface Cell {
  conversations: number;
  messages: number;
  customerMessages: number;
  aiAnswered: number;
  escalated: number;
  toAgent: number[];
  humanFirstResponse: number[];
  handoffsCreated: number;
  handoffsClaimed: number;
  ticketsOpened: number;
  ticketsClosed: number;
  csat: number[];
  contacts: number;
  repeatContacts: number;
  repeatWithContext: number;
  repeatWithoutContext: number;
}
const emptyCell = (): Cell => ({
  conversations: 0,
  messages: 0,
  customerMessages: 0,
  aiAnswered: 0,
  escalated: 0,
  toAgent: [],
  humanFirstResponse: [],
  handoffsCreated: 0,
  handoffsClaimed: 0,
  ticketsOpened: 0,
  ticketsClosed: 0,
  csat: [],
  contacts: 0,
  repeatContacts: 0,
  repeatWithContext: 0,
  repeatWithoutContext: 0,
});

/**
 * GET /v1/insights/metrics — how the app served its customers, per period and channel. Reads the
 * rollups (folded from the messages and the event log first, so the answer covers everything
 * committed) and the small tables that already hold their own times: assignments, handoff codes,
 * tickets, CSAT ratings. See the answer schema for each figure's definition.
 */
export async function metricsInsights(
  deps: Deps,
  app: { id: string; timeZone?: string },
  query: InsightsQuery,
): Promise<MetricsAnswer> {
  const periods = periodsFor(deps, app.timeZone, query);
  const fresh = await foldForReader(deps, app.id);
  const db = deps.database.db;
  const { from, to } = periods;
  const cells = new Map<string, Cell>();
  const channels = new Set<string>();
  /** Adds to the channel's cell and to the all-channel cell of the period an instant falls in. */
  const add = (at: number | null, channel: string, fill: (cell: Cell) => void) => {
    if (at === null) return;
    const i = periodIndex(periods, at);
    if (i < 0) return;
    if (query.channel && channel !== query.channel) return;
    channels.add(channel);
    for (const key of [`${i}\u0000${channel}`, `${i}\u0000`]) {
      const cell = cells.get(key) ?? emptyCell();
      cells.set(key, cell);
      fill(cell);
    }
  };
  const inRange = (column: AnySQLiteColumn) => and(gte(column, from), lt(column, to));
  // The big rollups are grouped in SQL (a CASE maps each instant to its period), so an answer
  // moves a few hundred rows whatever the traffic; the per-event tables read below are small.
  const periodOf = (column: string) =>
    sql.raw(
      `CASE ${periods.bounds
        .slice(1)
        .map((b, i) => `WHEN ${column} < ${Math.trunc(b)} THEN ${i}`)
        .join(' ')} END`,
    );
  const within = (column: string) =>
    sql`app_id = ${app.id} AND ${sql.raw(column)} >= ${from} AND ${sql.raw(column)} < ${to}${
      query.channel ? sql` AND channel = ${query.channel}` : sql``
    }`;
  type Grouped = { p: number; channel: string; n: number } & Record<string, number>;
  const [totals, counts, firstResponses, humanResponses, waits, codes, swept, ticketRows, ratings] =
    await Promise.all([
      // Conversations and contacts from their per-slot totals (kept by triggers, see
      // insightSlotTotals): periods start on slots in every real zone, so the sums are exact. Until
      // an upgrade's backfill is done, grouped from the rows themselves (the same figures, slower).
      (await slotTotalsReady(db))
        ? db.all<Grouped>(sql`SELECT ${periodOf('slot')} AS p, channel, sum(conversations) AS n,
          sum(escalated) AS escalated, sum(ai_answered) AS ai, sum(contacts) AS contacts,
          sum(repeat_contacts) AS repeats, sum(repeat_with_context) AS withContext,
          sum(repeat_without_context) AS withoutContext
        FROM insight_slot_totals WHERE ${within('slot')} GROUP BY 1, 2`)
        : db.all<Grouped>(sql`SELECT p, channel, sum(n) AS n, sum(escalated) AS escalated, sum(ai) AS ai,
          sum(contacts) AS contacts, sum(repeats) AS repeats, sum(withContext) AS withContext,
          sum(withoutContext) AS withoutContext FROM (
            SELECT ${periodOf('started_at')} AS p, channel, count(*) AS n,
              sum(escalated_at IS NOT NULL) AS escalated,
              sum(bot_messages > 0 AND agent_messages = 0 AND escalated_at IS NULL) AS ai,
              0 AS contacts, 0 AS repeats, 0 AS withContext, 0 AS withoutContext
            FROM insight_conversations WHERE ${within('started_at')} GROUP BY 1, 2
            UNION ALL
            SELECT ${periodOf('at')} AS p, channel, 0, 0, 0, count(*), sum(is_repeat <> 0),
              sum(coalesce(is_repeat AND with_context, 0)), sum(coalesce(is_repeat AND NOT with_context, 0))
            FROM insight_contacts WHERE ${within('at')} GROUP BY 1, 2)
          GROUP BY 1, 2`),
      db.all<Grouped>(sql`SELECT ${periodOf('slot')} AS p, channel, sum(count) AS n,
          sum(CASE author_type WHEN 'customer' THEN count ELSE 0 END) AS customers
        FROM insight_message_counts WHERE ${within('slot')} GROUP BY 1, 2`),
      // Nearest-rank p50 and p90 need every value. They come as one string of (start, time,
      // channel) records: the client costs microseconds per row, the window functions this replaced
      // sorted every row twice (1.5 s at 121,000 conversations), and grouping the records per period
      // and channel in SQL still sorted them all (~270 ms against ~65 ms for this one pass, both
      // profiled on the bench's 1 M-message month). JS puts each value in its period and sorts each
      // group; the all-channel group merges its channels. char(30)/char(31) separate records/fields.
      db.all<{ ds: string | null }>(sql`
        SELECT group_concat(started_at || char(31) || (first_response_at - first_customer_at) || char(31) || channel,
            char(30)) AS ds
        FROM insight_conversations WHERE ${within('started_at')}
          AND first_response_at IS NOT NULL AND first_customer_at IS NOT NULL`),
      // The first agent message (folded, so it outlives the retention sweep) after the escalation.
      db.all<{ at: number; channel: string; d: number }>(sql`
        SELECT c.started_at AS at, c.channel AS channel, f.at - c.escalated_at AS d
        FROM insight_conversations c JOIN insight_first_agent_messages f ON f.conversation_id = c.conversation_id
        WHERE c.app_id = ${app.id} AND c.started_at >= ${from} AND c.started_at < ${to}${
          query.channel ? sql` AND c.channel = ${query.channel}` : sql``
        } AND c.escalated_at IS NOT NULL AND f.at >= c.escalated_at`),
      db
        .select({
          queuedAt: assignments.queuedAt,
          assignedAt: assignments.assignedAt,
          channel: insightConversations.channel,
        })
        .from(assignments)
        .leftJoin(insightConversations, eq(insightConversations.conversationId, assignments.conversationId))
        .where(
          and(
            eq(assignments.appId, app.id),
            inRange(assignments.assignedAt),
            isNotNull(assignments.queuedAt),
            ne(assignments.how, 'transferred'),
          ),
        ),
      db
        .select({
          channel: handoffCodes.fromChannel,
          createdAt: handoffCodes.createdAt,
          claimedAt: handoffCodes.claimedAt,
        })
        .from(handoffCodes)
        .where(and(eq(handoffCodes.appId, app.id), inRange(handoffCodes.createdAt))),
      db
        .select({
          channel: insightSweptHandoffs.fromChannel,
          createdAt: insightSweptHandoffs.createdAt,
          claimedAt: insightSweptHandoffs.claimedAt,
        })
        .from(insightSweptHandoffs)
        .where(and(eq(insightSweptHandoffs.appId, app.id), inRange(insightSweptHandoffs.createdAt))),
      db
        .select({
          channel: tickets.channel,
          createdAt: tickets.createdAt,
          updatedAt: tickets.updatedAt,
          status: tickets.status,
        })
        .from(tickets)
        .where(and(eq(tickets.appId, app.id), or(inRange(tickets.createdAt), inRange(tickets.updatedAt)))),
      db
        .select({
          channel: csatRatings.channel,
          rating: csatRatings.rating,
          createdAt: csatRatings.createdAt,
          agentId: csatRatings.agentId,
          agentName: agents.name,
        })
        .from(csatRatings)
        .leftJoin(agents, eq(agents.id, csatRatings.agentId))
        .where(and(eq(csatRatings.appId, app.id), inRange(csatRatings.createdAt))),
    ]);

  const at = (i: number) => periods.bounds[i]!;
  for (const t of totals)
    add(at(t.p), t.channel, (cell) => {
      cell.conversations += t.n;
      cell.escalated += t.escalated!;
      cell.aiAnswered += t.ai!;
      cell.contacts += t.contacts!;
      cell.repeatContacts += t.repeats!;
      cell.repeatWithContext += t.withContext!;
      cell.repeatWithoutContext += t.withoutContext!;
    });
  for (const m of counts)
    add(at(m.p), m.channel, (cell) => {
      cell.messages += m.n;
      cell.customerMessages += m.customers!;
    });
  const firstResponse = new Map<string, { p50: number | null; p90: number | null }>();
  const responseTimes = new Map<string, number[]>();
  for (const record of firstResponses[0]?.ds?.split('\u001e') ?? []) {
    const a = record.indexOf('\u001f');
    const b = record.indexOf('\u001f', a + 1);
    const i = periodIndex(periods, Number(record.slice(0, a)));
    if (i < 0) continue;
    const value = Number(record.slice(a + 1, b));
    for (const key of [`${i}\u0000${record.slice(b + 1)}`, `${i}\u0000`]) {
      const values = responseTimes.get(key) ?? [];
      responseTimes.set(key, values);
      values.push(value);
    }
  }
  for (const [key, values] of responseTimes) firstResponse.set(key, nearestRanks(values));
  for (const h of humanResponses) add(h.at, h.channel, (cell) => cell.humanFirstResponse.push(h.d));
  for (const w of waits)
    add(w.assignedAt, w.channel ?? 'unknown', (cell) => cell.toAgent.push(w.assignedAt - w.queuedAt!));
  for (const h of [...codes, ...swept])
    add(h.createdAt, h.channel, (cell) => {
      cell.handoffsCreated++;
      if (h.claimedAt !== null) cell.handoffsClaimed++;
    });
  for (const t of ticketRows) {
    add(t.createdAt, t.channel, (cell) => cell.ticketsOpened++);
    if (t.status === 'resolved' || t.status === 'closed')
      add(t.updatedAt, t.channel, (cell) => cell.ticketsClosed++);
  }
  for (const r of ratings) add(r.createdAt, r.channel, (cell) => cell.csat.push(r.rating));
  const byAgent = new Map<
    string,
    { i: number; agent: { id: string; name: string } | null; csat: number[] }
  >();
  for (const r of ratings) {
    const i = periodIndex(periods, r.createdAt);
    if (i < 0 || (query.channel && r.channel !== query.channel)) continue;
    const key = `${i}\u0000${r.agentId ?? ''}`;
    const group = byAgent.get(key) ?? {
      i,
      agent: r.agentId ? { id: r.agentId, name: r.agentName ?? '' } : null,
      csat: [],
    };
    byAgent.set(key, group);
    group.csat.push(r.rating);
  }
  const rows: MetricsRow[] = [];
  const channelList = [...channels].sort();
  periods.labels.forEach((label, i) => {
    for (const channel of [null, ...channelList]) {
      const cell = cells.get(`${i}\u0000${channel ?? ''}`) ?? emptyCell();
      // The all-channel row is always there (a period with nothing is a 0, not a gap); a channel's
      // only where it had something.
      if (channel !== null && !cells.has(`${i}\u0000${channel}`)) continue;
      rows.push(toRow(label, channel, cell, firstResponse.get(`${i}\u0000${channel ?? ''}`)));
    }
  });
  return {
    timeZone: periods.timeZone,
    period: periods.period,
    periods: periods.labels,
    ...fresh,
    rows,
    agents: [...byAgent.values()]
      .sort((a, b) => a.i - b.i || b.csat.length - a.csat.length)
      .map(({ i, agent, csat }) => ({
        period: periods.labels[i]!,
        agent,
        csatResponses: csat.length,
        csatAverage: average(csat)!,
      })),
  };
}

function toRow(
  period: string,
  channel: string | null,
  cell: Cell,
  firstResponse: { p50: number | null; p90: number | null } = { p50: null, p90: null },
): MetricsRow {
  const wait = [...cell.toAgent].sort((a, b) => a - b);
  const human = [...cell.humanFirstResponse].sort((a, b) => a - b);
  return {
    period,
    channel,
    conversations: cell.conversations,
    messages: cell.messages,
    customerMessages: cell.customerMessages,
    aiAnswered: cell.aiAnswered,
    aiShare: ratio(cell.aiAnswered, cell.conversations),
    escalated: cell.escalated,
    escalationRate: ratio(cell.escalated, cell.conversations),
    firstResponseMs: firstResponse,
    humanFirstResponseMs: { p50: percentile(human, 50), p90: percentile(human, 90) },
    escalationToAgentMs: { p50: percentile(wait, 50), p90: percentile(wait, 90) },
    handoffsCreated: cell.handoffsCreated,
    handoffsClaimed: cell.handoffsClaimed,
    continuationRate: ratio(cell.handoffsClaimed, cell.handoffsCreated),
    ticketsOpened: cell.ticketsOpened,
    ticketsClosed: cell.ticketsClosed,
    csatResponses: cell.csat.length,
    csatAverage: average(cell.csat),
    contacts: cell.contacts,
    repeatContacts: cell.repeatContacts,
    repeatWithContext: cell.repeatWithContext,
    repeatWithoutContext: cell.repeatWithoutContext,
    repeatRate: ratio(cell.repeatContacts, cell.contacts),
  };
}
