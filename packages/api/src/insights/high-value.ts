import type { HighValueAnswer, InsightsQuery } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import type { ServiceDeps } from '../platform/deps';
import { periodsFor } from './metrics';
import { foldForReader } from './rollup';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'> & {
  config?: Pick<ServiceDeps['config'], 'insights'>;
};
type Segment = HighValueAnswer['segments'][number]['segment'];

const SEGMENTS: Segment[] = ['vip', 'large_cart', 'repeat_buyer', 'other'];

/**
 * GET /v1/insights/high-value — how the customers who matter most were served, against everyone
 * else, over the conversations started in the window. Each customer counts in one segment, the
 * first that fits: `vip` (attribute vip: true or tier: vip — what routing puts first), `large_cart`
 * (the tracked cart's lines, quantity × price, worth at least `largeCart`: the worth is folded
 * from the cart events, `insightCarts`), `repeat_buyer` (two or more orders pushed), else `other`.
 * One SQL query per figure over the window's conversations, whatever the number of customers:
 * no cap, so nothing is left out.
 */
export async function highValueInsights(
  deps: Deps,
  app: { id: string; timeZone?: string },
  query: InsightsQuery & { largeCart?: number },
): Promise<HighValueAnswer> {
  const periods = periodsFor(deps, app.timeZone, query);
  const fresh = await foldForReader(deps, app.id);
  const db = deps.database.db;
  const threshold = query.largeCart ?? 1000;
  // The window's conversations, each with its customer's segment (decided in SQL).
  const window = sql`c AS (
    SELECT ic.conversation_id AS id, ic.customer_id AS customer, ic.bot_messages AS bot,
      ic.agent_messages AS agent, ic.escalated_at AS escalated,
      ic.first_response_at - ic.first_customer_at AS firstResponse,
      CASE
        WHEN json_type(cu.attributes, '$.vip') = 'true' OR json_extract(cu.attributes, '$.tier') = 'vip' THEN 'vip'
        WHEN ca.worth >= ${threshold} THEN 'large_cart'
        WHEN (SELECT count(*) FROM orders o WHERE o.app_id = ic.app_id AND o.customer_id = ic.customer_id) >= 2
          THEN 'repeat_buyer'
        ELSE 'other' END AS segment
    FROM insight_conversations ic
    LEFT JOIN customers cu ON cu.id = ic.customer_id AND cu.app_id = ic.app_id
    LEFT JOIN insight_carts ca ON ca.customer_id = ic.customer_id AND ca.app_id = ic.app_id
    WHERE ic.app_id = ${app.id} AND ic.started_at >= ${periods.from} AND ic.started_at < ${periods.to}
      ${query.channel ? sql`AND ic.channel = ${query.channel}` : sql``})`;
  /** Nearest-rank p50 and p90 of `values` (rows of segment, v) per segment. */
  const percentiles = (values: ReturnType<typeof sql>) => sql`WITH ${window}, d AS (${values}),
      r AS (SELECT segment, v, row_number() OVER (PARTITION BY segment ORDER BY v) AS rn,
        count(*) OVER (PARTITION BY segment) AS n FROM d)
    SELECT segment, max(CASE WHEN rn = (n * 50 + 99) / 100 THEN v END) AS p50,
      max(CASE WHEN rn = (n * 90 + 99) / 100 THEN v END) AS p90
    FROM r GROUP BY segment`;
  type Spread = { segment: Segment; p50: number | null; p90: number | null };
  const [totals, firstResponse, toAgent] = await Promise.all([
    db.all<{
      segment: Segment;
      customers: number;
      conversations: number;
      ai: number;
      escalated: number;
      csat: number | null;
    }>(sql`WITH ${window}
      SELECT segment, count(DISTINCT customer) AS customers, count(*) AS conversations,
        sum(bot > 0 AND agent = 0 AND escalated IS NULL) AS ai, sum(escalated IS NOT NULL) AS escalated,
        avg(r.rating) AS csat
      FROM c LEFT JOIN (
        -- The latest rating of each of the app's rated conversations, read once (not per row).
        SELECT conversation_id, rating FROM (SELECT conversation_id, rating,
            row_number() OVER (PARTITION BY conversation_id ORDER BY created_at DESC) AS rn
          FROM csat_ratings WHERE app_id = ${app.id})
        WHERE rn = 1) r ON r.conversation_id = c.id
      GROUP BY segment`),
    db.all<Spread>(
      percentiles(sql`SELECT segment, firstResponse AS v FROM c WHERE firstResponse IS NOT NULL`),
    ),
    db.all<Spread>(
      percentiles(sql`SELECT c.segment, a.assigned_at - a.queued_at AS v FROM c
        JOIN assignments a ON a.conversation_id = c.id
        WHERE a.queued_at IS NOT NULL AND a.how <> 'transferred'`),
    ),
  ]);
  const spread = (rows: Spread[], segment: Segment) => {
    const row = rows.find((r) => r.segment === segment);
    return { p50: row?.p50 ?? null, p90: row?.p90 ?? null };
  };
  const segments = SEGMENTS.map((segment) => {
    const t = totals.find((r) => r.segment === segment);
    return {
      segment,
      customers: t?.customers ?? 0,
      conversations: t?.conversations ?? 0,
      aiAnswered: t?.ai ?? 0,
      escalated: t?.escalated ?? 0,
      firstResponseMs: spread(firstResponse, segment),
      escalationToAgentMs: spread(toAgent, segment),
      csatAverage: t?.csat === null || t?.csat === undefined ? null : Math.round(t.csat * 100) / 100,
    };
  });
  return {
    since: periods.labels[0]!,
    until: periods.labels[periods.labels.length - 1]!,
    largeCartThreshold: threshold,
    segments,
    ...fresh,
  };
}
