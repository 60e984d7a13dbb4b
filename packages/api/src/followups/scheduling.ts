import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { conversations, customers, followUpRules, followUps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { applyOptOut, hasOptedOut, isStopReply, setMarketingOptOut, stopConfirmation } from './consent';
import type { EndedConversation, FollowUpHooks } from './hooks';

const strings = (...values: unknown[]): string[] =>
  values.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === 'string');

/**
 * Schedules the follow-ups an ended conversation matches: a rule matches when the conversation
 * was on its channel (started or last spoke there), the rule's intent was recognised in it, and
 * (when the rule names one) its product came up. One follow-up per rule and conversation, however
 * often the conversation ends; none for a customer who opted out.
 */
export async function scheduleFollowUps(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  conversation: EndedConversation,
): Promise<number> {
  // On every resolve and hang-up: one prepared read over the app's index, usually empty.
  const rules = await hotQuery(db, 'followUps.enabledRules', (d) =>
    d
      .select()
      .from(followUpRules)
      .where(and(eq(followUpRules.appId, slot('appId')), eq(followUpRules.enabled, true)))
      .prepare(),
  ).all({ appId: conversation.appId });
  if (rules.length === 0) return 0;
  const context = conversation.context ?? {};
  const intents = new Set(strings(context.intents, context.lastIntent));
  const products = new Set(strings(context.productIds, context.lastProductId));
  const channels = new Set([conversation.channel, conversation.lastChannel]);
  const matching = rules.filter(
    (rule) =>
      intents.has(rule.intent) &&
      (!rule.whenChannel || channels.has(rule.whenChannel)) &&
      (!rule.productId || products.has(rule.productId)),
  );
  if (matching.length === 0) return 0;
  const [customer] = await db
    .select({ attributes: customers.attributes })
    .from(customers)
    .where(eq(customers.id, conversation.customerId))
    .limit(1);
  if (!customer || hasOptedOut(customer.attributes)) return 0;
  const already = await rulesScheduledForMergedConversations(
    db,
    conversation,
    matching.map((r) => r.id),
  );
  const now = deps.clock.now();
  let scheduled = 0;
  for (const rule of matching) {
    if (already.has(rule.id)) continue;
    const dueAt = now + rule.delaySec * 1000;
    const inserted = await db
      .insert(followUps)
      .values({
        id: createSortableId('fup', now),
        appId: conversation.appId,
        ruleId: rule.id,
        customerId: conversation.customerId,
        conversationId: conversation.id,
        channel: rule.sendChannel,
        content: rule.content,
        state: 'scheduled',
        dueAt,
        expiresAt: dueAt + rule.expiresAfterSec * 1000,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: followUps.id });
    scheduled += inserted.length;
  }
  return scheduled;
}

/**
 * The rules among `ruleIds` already scheduled for a conversation merged into this one (when two
 * customers merge, the `from` side's open conversation is resolved into the `into` one, which
 * inherits its intents). The call about care that scheduled the card and the conversation it was
 * merged into are one matter: ending the second must not send the card again. Follows merges of
 * merges, bounded.
 */
async function rulesScheduledForMergedConversations(
  db: Db,
  conversation: EndedConversation,
  ruleIds: string[],
): Promise<Set<string>> {
  const merged: string[] = [];
  let frontier = [conversation.id];
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const rows = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.customerId, conversation.customerId),
          inArray(sql`json_extract(${conversations.context}, '$.mergedIntoConversation')`, frontier),
        ),
      )
      .limit(64);
    frontier = rows.map((r) => r.id).filter((id) => !merged.includes(id));
    merged.push(...frontier);
  }
  if (merged.length === 0) return new Set();
  const rows = await db
    .select({ ruleId: followUps.ruleId })
    .from(followUps)
    .where(and(inArray(followUps.conversationId, merged), inArray(followUps.ruleId, ruleIds)));
  return new Set(rows.map((r) => r.ruleId).filter((id): id is string => id !== null));
}

/** The hooks other domains call inside their writes (see `FollowUpHooks`). */
export function createFollowUpHooks(deps: Pick<ServiceDeps, 'clock' | 'outbox'>): FollowUpHooks {
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  return {
    async conversationEnded(db, onCommit, conversation) {
      const scheduled = await scheduleFollowUps(deps, db, conversation);
      if (scheduled > 0) onCommit(notify);
      return scheduled;
    },
    isStopReply,
    stopConfirmation,
    setMarketingOptOut: (db, onCommit, customer, optOut) =>
      setMarketingOptOut(deps, db, onCommit, customer, optOut),
    async attributesChanged(db, customer, attributes) {
      // The profile route sends its own customer.updated; here only what an opt-out undoes.
      if (hasOptedOut(attributes)) await applyOptOut(deps, db, customer);
    },
    onScheduled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
