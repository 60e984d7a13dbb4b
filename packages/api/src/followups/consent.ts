import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { customers, followUps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { MARKETING_OPT_OUT } from './hooks';

/**
 * Replies that mean "no more of this": English, Simplified and Traditional Chinese, and the SMS
 * convention of replying TD (退订). Matched on the whole message, so "stop the order" is not one.
 */
const STOP_WORDS = new Set([
  'stop',
  'stopall',
  'unsubscribe',
  'opt out',
  'optout',
  'td',
  '退订',
  '退訂',
  '取消订阅',
  '取消訂閱',
  '退订推送',
  '不要再发了',
  '别再发了',
]);

/**
 * Whether a shopper's message is a stop reply. A length check, then one normalisation and one
 * set look-up: it runs on every send, so it costs nothing measurable and touches no database.
 */
export function isStopReply(text: string): boolean {
  if (text.length > 24) return false;
  const word = text
    .trim()
    .toLowerCase()
    .replace(/[\s。.!！~～,，、]+$/u, '')
    .replace(/^["'“‘]|["'”’]$/gu, '');
  return STOP_WORDS.has(word);
}

/** Whether the customer's attributes say they opted out of proactive messages. */
export const hasOptedOut = (attributes: Record<string, unknown> | null | undefined) =>
  attributes?.[MARKETING_OPT_OUT] === true;

/** Cancels the customers' scheduled follow-ups (an opt-out, an erase), in the caller's transaction. */
export async function cancelScheduledFollowUps(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  customerIds: string[],
  reason: 'opted_out' | 'erased',
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const cancelled = await db
    .update(followUps)
    .set({ state: 'cancelled', reason, updatedAt: deps.clock.now() })
    .where(and(inArray(followUps.customerId, customerIds), eq(followUps.state, 'scheduled')))
    .returning({ id: followUps.id });
  return cancelled.length;
}

/**
 * Records an opt-out (or opt-in) on the customer's profile attribute `marketingOptOut` and, on an
 * opt-out, cancels what was scheduled. Opting back in removes the attribute; nothing cancelled
 * comes back.
 */
export async function setMarketingOptOut(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  customer: { appId: string; customerId: string },
  optOut: boolean,
): Promise<void> {
  const [row] = await db
    .select({ attributes: customers.attributes })
    .from(customers)
    .where(and(eq(customers.id, customer.customerId), eq(customers.appId, customer.appId)))
    .limit(1);
  if (!row) return;
  if (hasOptedOut(row.attributes) !== optOut) {
    const attributes = { ...row.attributes };
    if (optOut) attributes[MARKETING_OPT_OUT] = true;
    else delete attributes[MARKETING_OPT_OUT];
    await db
      .update(customers)
      .set({ attributes, updatedAt: deps.clock.now() })
      .where(eq(customers.id, customer.customerId));
  }
  if (optOut) await cancelScheduledFollowUps(deps, db, [customer.customerId], 'opted_out');
}
