import { and, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { recordAudit } from '../audit';
import { type Db, truncateWriteAheadLog } from '../db/database';
import {
  assignments,
  cardOpens,
  conversationNotes,
  conversations,
  csatRatings,
  customerEvents,
  customerPii,
  customers,
  erasedCustomers,
  events,
  followUps,
  handoffCodes,
  identities,
  insightCarts,
  insightContacts,
  insightConversations,
  insightFirstAgentMessages,
  messages,
  orders,
  sessions,
  tickets,
  unansweredQuestions,
  voiceCalls,
  webhookAttempts,
  webhookDeliveries,
  webhookEvents,
} from '../db/schema';
import { deleteHandoffCodesOf } from '../handoffs';
import { destroyCustomerKeys, revokeSessions } from '../identity';
import { foldInsights, foldInsightsIn } from '../insights';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createErasedId } from '../platform/secrets';
import { eraseLiveViewer } from './livestream';
import { personOf, wasErased } from './people';

type OnCommit = (callback: () => void) => void;

/** The customer id an erased person's follow-up rows keep (counted per rule, linked to nobody). */
export const ERASED_FOLLOW_UP_CUSTOMER = 'erased';

/** What an erased message's text becomes when the merchant keeps the conversation's shape. */
export const REDACTED_TEXT = '[erased]';

/**
 * Erases a person (GDPR art. 17), in one transaction, across every channel and every customer id
 * merged into them:
 * - their data keys are destroyed, so any sealed copy left anywhere (backups included) is unreadable;
 * - identities, sessions (their streams end), contact details, orders, tracked events, handoff
 *   codes, notes, unanswered questions, the realtime event log and queued webhook events are
 *   deleted; aliases are deleted;
 * - tickets and CSAT ratings stay for the app's figures, pseudonymised: the pseudonym below, no
 *   conversation, no words, order, product or comment; open tickets are closed;
 * - messages are deleted with their conversations (`delete`), or kept as `[erased]` with no author
 *   name, meta or client id, their conversations closed and emptied of context (`redact`);
 * - insights keep their figures and lose the person: what is stored is folded into the rollups
 *   first (as retention does), then the rollups' rows and the assignments (agents' waits and
 *   workload) name a fresh pseudonym instead of the person and a fresh one per conversation instead
 *   of its id — with `redact` too, where the conversation itself stays: no kept figure (rollup,
 *   assignment, rating) leads back to it, and a rating still reaches its pseudonymised rollup
 *   (high-value CSAT); deleted handoff codes leave their insights line;
 * - a tombstone keeps counts (messages per channel and author, conversations, tickets, handoffs)
 *   and nothing that identifies a person; the audit log records who erased and from where; a
 *   `customer.erased` webhook event goes out.
 * With `secure_delete` on and the WAL truncated afterwards, the removed bytes leave the local
 * database files too. Idempotent: erasing an erased id answers the same.
 */
export async function eraseCustomer(
  deps: ServiceDeps,
  appId: string,
  customerId: string,
  options: { messages: 'delete' | 'redact'; address: string },
): Promise<{ erased: true }> {
  // Most of the fold outside the erase's transaction (it is short); the rest inside it.
  await foldInsights(deps);
  await deps.database.write(async (db, onCommit) => {
    if (await wasErased(db, appId, customerId)) return;
    const person = await personOf(db, appId, customerId);
    if (!person) throw new ApiError('not_found', 'No such customer.');
    await erasePerson(deps, db, onCommit, appId, person, options);
  });
  // Page images of the deleted rows may still sit in the write-ahead log: fold it in and empty it.
  // On a repeat too: the first call may have committed and then been answered 503 because the log
  // stayed busy (another connection's old snapshot); its retry must finish the job (review-p).
  await truncateWriteAheadLog(deps.database);
  return { erased: true };
}

async function erasePerson(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  appId: string,
  person: NonNullable<Awaited<ReturnType<typeof personOf>>>,
  options: { messages: 'delete' | 'redact'; address: string },
) {
  const ids = person.ids;
  const primaryId = person.primary.id;
  const now = deps.clock.now();

  // Insights first: everything stored is in the rollups before any of it is deleted, so the
  // figures are the same whether or not a read (which folds) came before the erase.
  await foldInsightsIn(deps, db);
  const { pseudonym, renamed } = await pseudonymiseInsights(db, ids, now);

  // Counts first: what insights keep.
  const byChannel = await db
    .select({ channel: messages.channel, author: messages.authorType, n: count() })
    .from(messages)
    .where(inArray(messages.customerId, ids))
    .groupBy(messages.channel, messages.authorType);
  const [conversationCount] = await db
    .select({ n: count() })
    .from(conversations)
    .where(inArray(conversations.customerId, ids));
  const ticketCounts = await db
    .select({ type: tickets.type, n: count() })
    .from(tickets)
    .where(inArray(tickets.customerId, ids))
    .groupBy(tickets.type);
  const [handoffCount] = await db
    .select({ n: count() })
    .from(handoffCodes)
    .where(inArray(handoffCodes.customerId, ids));
  const messageCounts: Record<string, Record<string, number>> = {};
  for (const row of byChannel) {
    messageCounts[row.channel] ??= {};
    messageCounts[row.channel]![row.author] = row.n;
  }

  // Keys go first: from here on nothing sealed for this person opens, wherever a copy is.
  await destroyCustomerKeys(deps, db, onCommit, { appId, customerId: primaryId });
  await revokeSessions(deps, db, onCommit, { appId, customerId: primaryId });
  for (const id of person.aliasIds) await revokeSessions(deps, db, onCommit, { appId, customerId: id });

  const byPerson = (column: SQLiteColumn) => inArray(column, ids);
  await db.delete(identities).where(byPerson(identities.customerId));
  await db.delete(sessions).where(byPerson(sessions.customerId));
  await db.delete(customerPii).where(byPerson(customerPii.customerId));
  await db.delete(orders).where(and(eq(orders.appId, appId), byPerson(orders.customerId)));
  await db.delete(customerEvents).where(byPerson(customerEvents.customerId));
  await db.delete(cardOpens).where(byPerson(cardOpens.customerId));
  await deleteHandoffCodesOf(db, ids);
  // Tickets and ratings are the app's past figures too (tickets opened and closed, CSAT): they
  // stay, pseudonymised, with nothing of the person — no words, order, product, size, comment or
  // conversation. A ticket still open is closed now: nobody is left to serve.
  await db
    .update(tickets)
    .set({
      customerId: pseudonym,
      conversationId: null,
      orderId: null,
      productId: null,
      reason: null,
      wantedSize: null,
      details: {},
      status: sql`CASE WHEN ${tickets.status} IN ('open', 'in_progress') THEN 'closed' ELSE ${tickets.status} END`,
      updatedAt: sql`CASE WHEN ${tickets.status} IN ('open', 'in_progress') THEN ${now} ELSE ${tickets.updatedAt} END`,
    })
    .where(byPerson(tickets.customerId));
  await db.delete(conversationNotes).where(byPerson(conversationNotes.customerId));
  for (const { conversationId } of await db
    .select({ conversationId: csatRatings.conversationId })
    .from(csatRatings)
    .where(byPerson(csatRatings.customerId)))
    await db
      .update(csatRatings)
      // The rating takes its conversation's rollup pseudonym (both modes): high-value segments read
      // a rating through its conversation, and a rating cut loose from it dropped out of its
      // segment's CSAT while the metrics kept it. A conversation with no rollup row gets a fresh one.
      .set({
        conversationId: renamed.get(conversationId) ?? createErasedId(),
        customerId: pseudonym,
        comment: null,
      })
      .where(eq(csatRatings.conversationId, conversationId));
  // Phone calls on the voice webhook (their last answer is sealed, and the row names the caller).
  await db.delete(voiceCalls).where(byPerson(voiceCalls.customerId));
  await db.delete(unansweredQuestions).where(byPerson(unansweredQuestions.customerId));
  await db.delete(events).where(byPerson(events.customerId));
  // Queued webhook events about the person (sealed, now unreadable) go with their deliveries.
  const eventSeqs = db
    .select({ seq: webhookEvents.seq })
    .from(webhookEvents)
    .where(byPerson(webhookEvents.customerId));
  const deliverySeqs = db
    .select({ seq: webhookDeliveries.seq })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.eventSeq, eventSeqs));
  await db.delete(webhookAttempts).where(inArray(webhookAttempts.deliverySeq, deliverySeqs));
  await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.eventSeq, eventSeqs));
  await db.delete(webhookEvents).where(byPerson(webhookEvents.customerId));
  // Proactive follow-ups still scheduled for the person are never sent; then every follow-up row
  // of theirs loses what links it to them (customer, conversation, message), so "customer X was
  // sent the allergy card after a call" cannot be read back. The rows stay for the rules' counts.
  await db
    .update(followUps)
    .set({ state: 'cancelled', reason: 'erased', updatedAt: now })
    .where(and(byPerson(followUps.customerId), eq(followUps.state, 'scheduled')));
  await db
    .update(followUps)
    .set({
      customerId: ERASED_FOLLOW_UP_CUSTOMER,
      // Its own id keeps (rule_id, conversation_id) unique without naming a conversation.
      conversationId: sql`${followUps.id}`,
      messageId: null,
      updatedAt: now,
    })
    .where(byPerson(followUps.customerId));
  // Livestream: their comments, @-mentions and handle in room replies.
  await eraseLiveViewer(db, appId, ids);

  if (options.messages === 'delete') {
    await db.delete(messages).where(byPerson(messages.customerId));
    await db.delete(conversations).where(byPerson(conversations.customerId));
    await db.delete(customers).where(and(eq(customers.appId, appId), byPerson(customers.id)));
  } else {
    // The conversations keep their shape (agents' history, insights' counts); nothing of the person stays.
    await db
      .update(messages)
      .set({ text: REDACTED_TEXT, authorName: null, clientMessageId: null, meta: null })
      .where(byPerson(messages.customerId));
    await db
      .update(messages)
      .set({ customerId: primaryId })
      .where(and(byPerson(messages.customerId), ne(messages.customerId, primaryId)));
    await db
      .update(conversations)
      .set({
        customerId: primaryId,
        context: {},
        summary: null,
        status: 'resolved',
        resolvedAt: sql`coalesce(${conversations.resolvedAt}, ${now})`,
        waitingSince: null,
        updatedAt: now,
      })
      .where(byPerson(conversations.customerId));
    // (Assignments were pseudonymised and ended with the rollups, above: the kept conversation
    // shows no assignment history, since an assignment naming it would tie the figures to it.)
    await db
      .update(customers)
      .set({ name: null, attributes: {}, identified: false, sessionsRevokedAt: now, updatedAt: now })
      .where(eq(customers.id, primaryId));
    if (person.aliasIds.length > 0)
      await db
        .delete(customers)
        .where(and(eq(customers.appId, appId), inArray(customers.id, person.aliasIds)));
  }

  await db.insert(erasedCustomers).values(
    ids.map((id) => ({
      customerId: id,
      appId,
      counts:
        id === primaryId
          ? {
              conversations: conversationCount?.n ?? 0,
              messages: messageCounts,
              tickets: Object.fromEntries(ticketCounts.map((t) => [t.type, t.n])),
              handoffs: handoffCount?.n ?? 0,
              aliases: person.aliasIds.length,
            }
          : { mergedInto: primaryId },
      messages: options.messages,
      erasedAt: now,
    })),
  );
  await recordAudit(deps, db, {
    appId,
    actor: { type: 'merchant', id: null },
    action: 'customer.erased',
    subject: { type: 'customer', id: primaryId },
    details: { from: options.address, messages: options.messages, aliases: person.aliasIds.length },
  });
  // Not sealed with the person's key (it is gone): the event holds ids only.
  await deps.outbox?.record(db, onCommit, [
    {
      appId,
      type: 'customer.erased',
      data: {
        customerId: primaryId,
        mergedIds: person.aliasIds,
        messages: options.messages,
        erasedAt: new Date(now).toISOString(),
      },
    },
  ]);
}

/**
 * The rollups' rows and the assignments of an erased person name a fresh pseudonym per erasure
 * instead of any of their customer ids, and each of their conversations gets a fresh id as well,
 * the same in every table so the figures that join them (a wait's channel, a repeat's context, a
 * rating's segment) are unchanged. Open assignments end ('erased'). In both modes: with `redact`
 * the conversation row keeps its id, and nothing kept for the figures names it.
 */
async function pseudonymiseInsights(
  db: Db,
  ids: string[],
  now: number,
): Promise<{ pseudonym: string; renamed: Map<string, string> }> {
  const pseudonym = createErasedId();
  /** Each conversation's pseudonym in the rollups, by its real id. */
  const renamed = new Map<string, string>();
  const conversationIds = new Set<string>();
  for (const table of [insightConversations, insightContacts, assignments])
    for (const row of await db
      .selectDistinct({ id: table.conversationId })
      .from(table)
      .where(inArray(table.customerId, ids)))
      conversationIds.add(row.id);
  for (const id of conversationIds) {
    const erasedId = createErasedId();
    renamed.set(id, erasedId);
    await db
      .update(insightConversations)
      .set({ conversationId: erasedId })
      .where(eq(insightConversations.conversationId, id));
    await db
      .update(insightContacts)
      .set({ conversationId: erasedId })
      .where(eq(insightContacts.conversationId, id));
    await db.update(assignments).set({ conversationId: erasedId }).where(eq(assignments.conversationId, id));
    await db
      .update(insightFirstAgentMessages)
      .set({ conversationId: erasedId })
      .where(eq(insightFirstAgentMessages.conversationId, id));
  }
  await db
    .update(assignments)
    .set({
      customerId: pseudonym,
      endedAt: sql`coalesce(${assignments.endedAt}, ${now})`,
      endReason: sql`coalesce(${assignments.endReason}, 'erased')`,
    })
    .where(inArray(assignments.customerId, ids));
  // What their cart is worth is about them, not the app's figures: it goes.
  await db.delete(insightCarts).where(inArray(insightCarts.customerId, ids));
  await db
    .update(insightConversations)
    .set({ customerId: pseudonym })
    .where(inArray(insightConversations.customerId, ids));
  await db
    .update(insightContacts)
    .set({ customerId: pseudonym })
    .where(inArray(insightContacts.customerId, ids));
  return { pseudonym, renamed };
}
