import type { ConversationRef } from '@threadline/sdk-core/protocol';
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/database';
import { conversations } from '../db/schema';
import { refuseErased, sealForCustomer, survivingCustomerId } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { appendEvent } from '../realtime';
import { refreshHandoffSummary } from './handoff-summary';

export type ConversationRow = typeof conversations.$inferSelect;

export const toConversationRef = (c: Pick<ConversationRow, 'id' | 'status'>): ConversationRef => ({
  id: c.id,
  status: c.status,
});

export async function findOpenConversation(db: Db, customerId: string): Promise<ConversationRow | null> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.customerId, customerId), ne(conversations.status, 'resolved')))
    .limit(1);
  return row ?? null;
}

/** The customer's open conversation, opened on `channel` if there is none (a message after `resolved` starts anew). */
export async function openConversation(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  appId: string,
  customerId: string,
  channel: string,
): Promise<ConversationRow> {
  const existing = await findOpenConversation(db, customerId);
  if (existing) return existing;
  const now = deps.clock.now();
  const [row] = await db
    .insert(conversations)
    .values({
      id: createSortableId('cnv', now),
      appId,
      customerId,
      status: 'bot',
      channel,
      lastChannel: channel,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

/**
 * `openConversation` for a customer id decided before this transaction (a session's, read at
 * authentication): a merge that committed since moved every conversation of the merged-away id, so
 * only when it has no open one is the survivor looked up (the usual case pays nothing) — and the
 * survivor's conversation is used, or opened, never a new one for a customer nobody sees again.
 */
export async function openConversationAfterMerges(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  appId: string,
  customerId: string,
  channel: string,
): Promise<ConversationRow> {
  const existing = await findOpenConversation(db, customerId);
  if (existing) return existing;
  // No open conversation: a merge, or an erase, may have committed since the caller decided the
  // customer. An erased person gets no new conversation (a ghost in the agents' queue).
  await refuseErased(db, [customerId]);
  const survivor = await survivingCustomerId(db, appId, customerId);
  return survivor === customerId
    ? openConversation(deps, db, appId, customerId, channel)
    : ((await findOpenConversation(db, survivor)) ?? openConversation(deps, db, appId, survivor, channel));
}

/** Asks for a human: `bot` → `queued`. Already queued or assigned stays as it is. */
export async function escalateConversation(
  deps: ServiceDeps,
  input: { appId: string; customerId: string; channel: string; reason?: string },
): Promise<ConversationRow> {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await openConversationAfterMerges(
      deps,
      db,
      input.appId,
      input.customerId,
      input.channel,
    );
    if (conversation.status !== 'bot') return conversation;
    const now = deps.clock.now();
    const [updated] = await db
      .update(conversations)
      .set({
        status: 'queued',
        waitingSince: now,
        updatedAt: now,
        lastChannel: input.channel,
        context: {
          ...conversation.context,
          // A reason the client wrote is the shopper's words: sealed with their data key (open it
          // with openForCustomer); the default is a plain code.
          escalationReason: input.reason
            ? await sealForCustomer(
                deps,
                db,
                onCommit,
                { appId: input.appId, customerId: conversation.customerId },
                input.reason,
              )
            : 'customer_request',
        },
      })
      .where(eq(conversations.id, conversation.id))
      .returning();
    // The agent who picks it up reads this first.
    updated!.summary = await refreshHandoffSummary(deps, db, onCommit, updated!, {
      reason: 'escalation',
      fromChannel: input.channel,
      now,
    });
    return announceQueued(deps, db, onCommit, updated!, {
      channel: input.channel,
      reason: input.reason ?? 'customer_request',
    });
  });
}

/**
 * A conversation has just become `queued`: routing (when the agents domain is plugged in) ranks it
 * and may hand it to an agent at once; then every session of the customer hears the outcome.
 */
export async function announceQueued(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  queued: ConversationRow,
  cause: { channel: string; reason: string },
): Promise<ConversationRow> {
  const routed = deps.routing
    ? await deps.routing.queued(db, onCommit, queued, cause)
    : { conversation: queued, assignedAgent: null };
  await appendEvent(deps, db, onCommit, {
    appId: queued.appId,
    customerId: queued.customerId,
    type: 'conversation.updated',
    data: {
      ...toConversationRef(routed.conversation),
      channel: cause.channel,
      ...(routed.assignedAgent ? { assignedAgent: routed.assignedAgent } : {}),
    },
  });
  return routed.conversation;
}
