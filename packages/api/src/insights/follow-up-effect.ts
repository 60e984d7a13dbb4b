import {
  FOLLOW_UP_ORDER_WINDOW_DAYS,
  type FollowUpEffectAnswer,
  type FollowUpEffectRow,
  type InsightsQuery,
} from '@threadline/sdk-core/protocol';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { followUpRules } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { periodsFor } from './metrics';

const WINDOW_MS = FOLLOW_UP_ORDER_WINDOW_DAYS * 24 * 3600_000;
const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;

interface Grouped {
  p: number;
  ruleId: string | null;
  channel: string;
  sent: number;
  opened: number;
  opens: number;
  ordered: number;
}

/**
 * GET /v1/insights/follow-ups — what follow-ups did, per period (by send time, in the app's time
 * zone), per send channel and per rule: sent, opened (the card's click-through link followed at
 * least once, see `GET /r/{token}`), and followed by an order within 30 days.
 *
 * Read from the stored rows, grouped in SQL (no rollup needed: `follow_ups` is already one row
 * per send): sent follow-ups of the app by the partial index `follow_ups_sent_by_app`, their
 * opens by primary key in `card_opens`, and orders by `orders_recent_by_customer`. Attribution:
 * the person is the follow-up's customer or the one it was merged into (orders move with a merge,
 * so they are all under that id); an order placed after the send and at most 30 days later counts
 * for it, unless a later follow-up reached the same person before the order — the order then
 * belongs to that one (last touch). So each follow-up counts at most one order and each order at
 * most one follow-up, however often it is pushed again.
 */
export async function followUpEffect(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  app: { id: string; timeZone?: string },
  query: InsightsQuery,
): Promise<FollowUpEffectAnswer> {
  const periods = periodsFor(deps, app.timeZone, query);
  const { from, to } = periods;
  const db = deps.database.db;
  const periodOf = sql.raw(
    `CASE ${periods.bounds
      .slice(1)
      .map((b, i) => `WHEN w.sent_at < ${Math.trunc(b)} THEN ${i}`)
      .join(' ')} END`,
  );
  const grouped = await db.all<Grouped>(sql`
    WITH fu AS (
      SELECT f.id, f.rule_id, f.channel, f.sent_at, f.message_id,
        coalesce(c.merged_into, f.customer_id) AS person
      FROM follow_ups f LEFT JOIN customers c ON c.id = f.customer_id
      WHERE f.app_id = ${app.id} AND f.state = 'sent'
        AND f.sent_at >= ${from} AND f.sent_at < ${to + WINDOW_MS}
    ),
    touched AS (
      SELECT fu.*, lead(sent_at) OVER (PARTITION BY person ORDER BY sent_at, id) AS next_sent FROM fu
    ),
    w AS (
      SELECT t.*, EXISTS (SELECT 1 FROM orders o
          WHERE o.customer_id = t.person AND o.app_id = ${app.id}
            AND o.placed_at > t.sent_at
            AND o.placed_at <= min(t.sent_at + ${WINDOW_MS}, coalesce(t.next_sent, t.sent_at + ${WINDOW_MS}))
        ) AS ordered
      FROM touched t
      WHERE t.sent_at >= ${from} AND t.sent_at < ${to}
        ${query.channel ? sql`AND t.channel = ${query.channel}` : sql``}
    )
    SELECT ${periodOf} AS p, w.rule_id AS ruleId, w.channel AS channel, count(*) AS sent,
      count(co.message_id) AS opened, coalesce(sum(co.opens), 0) AS opens, sum(w.ordered) AS ordered
    FROM w LEFT JOIN card_opens co ON co.message_id = w.message_id
    GROUP BY 1, 2, 3`);

  const ruleIds = [...new Set(grouped.map((g) => g.ruleId).filter((id): id is string => id !== null))];
  const names = new Map(
    ruleIds.length === 0
      ? []
      : (
          await db
            .select({ id: followUpRules.id, name: followUpRules.name })
            .from(followUpRules)
            .where(and(eq(followUpRules.appId, app.id), inArray(followUpRules.id, ruleIds)))
        ).map((r) => [r.id, r.name]),
  );

  type Cell = Pick<FollowUpEffectRow, 'sent' | 'opened' | 'opens' | 'ordered'>;
  const cells = new Map<string, Cell & Pick<FollowUpEffectRow, 'scope' | 'channel' | 'ruleId'>>();
  const add = (p: number, scope: FollowUpEffectRow['scope'], key: string | null, g: Grouped) => {
    const id = `${p}\u0000${scope}\u0000${key ?? ''}`;
    const cell = cells.get(id) ?? {
      scope,
      channel: scope === 'channel' ? key : null,
      ruleId: scope === 'rule' ? key : null,
      sent: 0,
      opened: 0,
      opens: 0,
      ordered: 0,
    };
    cells.set(id, cell);
    cell.sent += g.sent;
    cell.opened += g.opened;
    cell.opens += g.opens;
    cell.ordered += g.ordered;
  };
  for (const g of grouped) {
    add(g.p, 'all', null, g);
    add(g.p, 'channel', g.channel, g);
    add(g.p, 'rule', g.ruleId, g);
  }
  const rows: FollowUpEffectRow[] = [];
  const order = { all: 0, channel: 1, rule: 2 };
  periods.labels.forEach((label, p) => {
    const inPeriod = [...cells.entries()]
      .filter(([id]) => id.startsWith(`${p}\u0000`))
      .map(([, cell]) => cell)
      .sort(
        (a, b) =>
          order[a.scope] - order[b.scope] ||
          (a.channel ?? a.ruleId ?? '').localeCompare(b.channel ?? b.ruleId ?? ''),
      );
    // The all row is always there (a period without sends is a 0, not a gap).
    if (!inPeriod.some((c) => c.scope === 'all'))
      inPeriod.unshift({
        scope: 'all',
        channel: null,
        ruleId: null,
        sent: 0,
        opened: 0,
        opens: 0,
        ordered: 0,
      });
    for (const cell of inPeriod)
      rows.push({
        period: label,
        scope: cell.scope,
        channel: cell.channel,
        ruleId: cell.ruleId,
        ruleName: cell.ruleId ? (names.get(cell.ruleId) ?? null) : null,
        sent: cell.sent,
        opened: cell.opened,
        openRate: ratio(cell.opened, cell.sent),
        opens: cell.opens,
        ordered: cell.ordered,
        conversionRate: ratio(cell.ordered, cell.sent),
      });
  });
  return {
    timeZone: periods.timeZone,
    period: periods.period,
    periods: periods.labels,
    attributionDays: FOLLOW_UP_ORDER_WINDOW_DAYS,
    asOf: iso(deps.clock.now()),
    rows,
  };
}
