import type { HighValueAnswer, InsightsQuery } from '@threadline/sdk-core/protocol';
import { and, count, eq, gte, inArray, isNotNull, lt, ne } from 'drizzle-orm';
import { assignments, csatRatings, customers, insightConversations, orders } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { currentCart, isVipCustomer } from '../profile';
import { percentile, periodsFor } from './metrics';
import { foldInsights } from './rollup';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'>;
type Segment = HighValueAnswer['segments'][number]['segment'];

/** Carts are read from sealed tracking events per customer: at most this many customers' per answer. */
const MAX_CARTS = 2000;
const IN_CHUNK = 400;
const SEGMENTS: Segment[] = ['vip', 'large_cart', 'repeat_buyer', 'other'];

const chunks = <T>(list: T[]) =>
  Array.from({ length: Math.ceil(list.length / IN_CHUNK) }, (_, i) =>
    list.slice(i * IN_CHUNK, (i + 1) * IN_CHUNK),
  );

/**
 * GET /v1/insights/high-value — how the customers who matter most were served, against everyone
 * else, over the conversations started in the window. Each customer counts in one segment, the
 * first that fits: `vip` (attribute vip: true or tier: vip — what routing puts first), `large_cart`
 * (the tracked cart's lines, quantity × price, worth at least `largeCart`; carts are opened for at
 * most 2,000 customers per answer), `repeat_buyer` (two or more orders pushed), else `other`.
 */
export async function highValueInsights(
  deps: Deps,
  app: { id: string; timeZone?: string },
  query: InsightsQuery & { largeCart?: number },
): Promise<HighValueAnswer> {
  const periods = periodsFor(deps, app.timeZone, query);
  await foldInsights(deps);
  const db = deps.database.db;
  const threshold = query.largeCart ?? 1000;
  const conversations = await db
    .select()
    .from(insightConversations)
    .where(
      and(
        eq(insightConversations.appId, app.id),
        gte(insightConversations.startedAt, periods.from),
        lt(insightConversations.startedAt, periods.to),
        query.channel ? eq(insightConversations.channel, query.channel) : undefined,
      ),
    );
  const customerIds = [...new Set(conversations.map((c) => c.customerId))];
  const segmentOf = new Map<string, Segment>();
  const repeatBuyers = new Set<string>();
  for (const part of chunks(customerIds)) {
    for (const row of await db
      .select({ id: customers.id, attributes: customers.attributes })
      .from(customers)
      .where(inArray(customers.id, part)))
      if (isVipCustomer(row.attributes)) segmentOf.set(row.id, 'vip');
    for (const row of await db
      .select({ customerId: orders.customerId, n: count() })
      .from(orders)
      .where(and(eq(orders.appId, app.id), inArray(orders.customerId, part)))
      .groupBy(orders.customerId))
      if (row.n >= 2) repeatBuyers.add(row.customerId);
  }
  let cartsRead = 0;
  for (const id of customerIds) {
    if (segmentOf.has(id)) continue;
    if (cartsRead < MAX_CARTS) {
      cartsRead++;
      const cart = await currentCart(deps, db, id);
      const worth = cart.reduce(
        (sum, line) => sum + line.quantity * (typeof line.price === 'number' ? line.price : 0),
        0,
      );
      if (worth >= threshold) {
        segmentOf.set(id, 'large_cart');
        continue;
      }
    }
    segmentOf.set(id, repeatBuyers.has(id) ? 'repeat_buyer' : 'other');
  }

  const conversationIds = conversations.map((c) => c.conversationId);
  const waits = new Map<string, number[]>();
  const ratings = new Map<string, number>();
  for (const part of chunks(conversationIds)) {
    for (const a of await db
      .select({
        conversationId: assignments.conversationId,
        queuedAt: assignments.queuedAt,
        assignedAt: assignments.assignedAt,
      })
      .from(assignments)
      .where(
        and(
          inArray(assignments.conversationId, part),
          isNotNull(assignments.queuedAt),
          ne(assignments.how, 'transferred'),
        ),
      ))
      waits.set(a.conversationId, [...(waits.get(a.conversationId) ?? []), a.assignedAt - a.queuedAt!]);
    for (const r of await db
      .select({ conversationId: csatRatings.conversationId, rating: csatRatings.rating })
      .from(csatRatings)
      .where(inArray(csatRatings.conversationId, part)))
      ratings.set(r.conversationId, r.rating);
  }

  const segments = SEGMENTS.map((segment) => {
    const mine = conversations.filter((c) => segmentOf.get(c.customerId) === segment);
    const fr = mine
      .flatMap((c) =>
        c.firstCustomerAt !== null && c.firstResponseAt !== null
          ? [c.firstResponseAt - c.firstCustomerAt]
          : [],
      )
      .sort((a, b) => a - b);
    const toAgent = mine.flatMap((c) => waits.get(c.conversationId) ?? []).sort((a, b) => a - b);
    const rated = mine.flatMap((c) =>
      ratings.has(c.conversationId) ? [ratings.get(c.conversationId)!] : [],
    );
    return {
      segment,
      customers: new Set(mine.map((c) => c.customerId)).size,
      conversations: mine.length,
      aiAnswered: mine.filter((c) => c.botMessages > 0 && c.agentMessages === 0 && c.escalatedAt === null)
        .length,
      escalated: mine.filter((c) => c.escalatedAt !== null).length,
      firstResponseMs: { p50: percentile(fr, 50), p90: percentile(fr, 90) },
      escalationToAgentMs: { p50: percentile(toAgent, 50), p90: percentile(toAgent, 90) },
      csatAverage: rated.length
        ? Math.round((rated.reduce((a, b) => a + b, 0) / rated.length) * 100) / 100
        : null,
    };
  });
  return {
    since: periods.labels[0]!,
    until: periods.labels[periods.labels.length - 1]!,
    largeCartThreshold: threshold,
    segments,
  };
}
