import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/database';
import { webhookDeliveries, webhookEvents } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';

/**
 * Recalls the pending deliveries of one event type about some customers, in the caller's
 * transaction: they end `failed` with `lastError: 'recalled'` and are never (re)tried. Used when a
 * change makes an event already queued wrong to act on — an opt-out recalls `follow_up.sent`, so a
 * merchant's SMS gateway that was down does not text an opted-out shopper once it is back. A
 * recalled head hands its place to the next delivery of its queue, so the customer's other events
 * still go, in order. A delivery already being POSTed cannot be called back (its lease runs); the
 * worker's finish finds it no longer pending and records nothing. Returns how many were recalled.
 */
export async function recallPendingDeliveries(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  recall: { appId: string; customerIds: string[]; type: string },
): Promise<number> {
  if (recall.customerIds.length === 0) return 0;
  const now = deps.clock.now();
  const eventSeqs = db
    .select({ seq: webhookEvents.seq })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.appId, recall.appId),
        eq(webhookEvents.type, recall.type),
        inArray(webhookEvents.customerId, recall.customerIds),
      ),
    );
  const recalled = await db
    .update(webhookDeliveries)
    .set({ state: 'failed', lastError: 'recalled', nextAttemptAt: null, finishedAt: now })
    .where(and(inArray(webhookDeliveries.eventSeq, eventSeqs), eq(webhookDeliveries.state, 'pending')))
    .returning({ webhookId: webhookDeliveries.webhookId, orderKey: webhookDeliveries.orderKey });
  // Bounded by the rows just recalled; only queues that lost their head need a new one.
  const queues = new Map<string, { webhookId: string; orderKey: string }>();
  for (const row of recalled) queues.set(`${row.webhookId}\u0000${row.orderKey}`, row);
  for (const queue of queues.values()) {
    const [head] = await db
      .select({ seq: webhookDeliveries.seq })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.webhookId, queue.webhookId),
          eq(webhookDeliveries.orderKey, queue.orderKey),
          eq(webhookDeliveries.state, 'pending'),
        ),
      )
      .orderBy(asc(webhookDeliveries.seq))
      .limit(1);
    // The oldest pending one of the queue is due now unless it already is (had its own time).
    if (head)
      await db
        .update(webhookDeliveries)
        .set({ nextAttemptAt: now })
        .where(and(eq(webhookDeliveries.seq, head.seq), isNull(webhookDeliveries.nextAttemptAt)));
  }
  return recalled.length;
}
