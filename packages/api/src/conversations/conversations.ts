import type { ConversationRef } from '@threadline/sdk-core/protocol';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { conversations } from '../db/schema';
import { refuseErased, sealForCustomer, survivingCustomerId } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { appendEvent, appendEvents } from '../realtime';
import { refreshHandoffSummaries, refreshHandoffSummary } from './handoff-summary';

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

/**
 * The customer's open conversation, opened on `channel` if there is none (a message after
 * `resolved` starts anew). One implementation: `openConversations` for one customer.
 */
export async function openConversation(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  appId: string,
  customerId: string,
  channel: string,
): Promise<ConversationRow> {
  return (await openConversations(deps, db, appId, [customerId], channel)).get(customerId)!;
}

/**
 * Each customer's open conversation (customers of one app; a bulk writer such as a livestream
 * batch's escalations): found in one query, the missing ones opened on `channel` in one multi-row
 * insert.
 */
export async function openConversations(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  appId: string,
  customerIds: Iterable<string>,
  channel: string,
): Promise<Map<string, ConversationRow>> {
  const ids = [...new Set(customerIds)];
  const open = new Map<string, ConversationRow>();
  if (ids.length === 0) return open;
  const rows = await db
    .select()
    .from(conversations)
    .where(and(inArray(conversations.customerId, ids), ne(conversations.status, 'resolved')));
  for (const row of rows) if (!open.has(row.customerId)) open.set(row.customerId, row);
  const missing = ids.filter((id) => !open.has(id));
  if (missing.length === 0) return open;
  const now = deps.clock.now();
  const opened = await db
    .insert(conversations)
    .values(
      missing.map((customerId) => ({
        id: createSortableId('cnv', now),
        appId,
        customerId,
        status: 'bot' as const,
        channel,
        lastChannel: channel,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning();
  for (const row of opened) open.set(row.customerId, row);
  return open;
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

/** The context of a conversation being escalated: with why. */
async function escalatedContext(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  conversation: ConversationRow,
  input: { appId: string; reason?: string },
): Promise<Record<string, unknown>> {
  return {
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
  };
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
        context: await escalatedContext(deps, db, onCommit, conversation, input),
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
 * `escalateConversation` for many customers at once (a bulk writer: a livestream batch's
 * complaints), in one transaction: their open conversations read in one query, the ones still
 * with the bot queued in one statement, their handoff summaries built and stored together
 * (`refreshHandoffSummaries`), routing told of them together, the customers told in one append.
 * Each conversation ends as `escalateConversation` would leave it. The same customer twice in
 * one call is taken one at a time (the second finds the first's queue).
 */
export async function escalateConversations(
  deps: ServiceDeps,
  inputs: { appId: string; customerId: string; channel: string; reason?: string }[],
): Promise<ConversationRow[]> {
  if (new Set(inputs.map((i) => i.customerId)).size < inputs.length || inputs.length <= 1) {
    const done: ConversationRow[] = [];
    for (const input of inputs) done.push(await escalateConversation(deps, input));
    return done;
  }
  return deps.database.write(async (db, onCommit) => {
    const found = await db
      .select()
      .from(conversations)
      .where(
        and(
          inArray(
            conversations.customerId,
            inputs.map((i) => i.customerId),
          ),
          ne(conversations.status, 'resolved'),
        ),
      );
    const open = new Map<string, ConversationRow>();
    for (const row of found) if (!open.has(row.customerId)) open.set(row.customerId, row);
    const list: ConversationRow[] = [];
    for (const input of inputs)
      list.push(
        open.get(input.customerId) ??
          (await openConversationAfterMerges(deps, db, input.appId, input.customerId, input.channel)),
      );
    // Each conversation queued once: two ids can reach one conversation (a merged-away id and its
    // survivor), and the first input that reaches it is the one it is queued for (review-x).
    const seen = new Set<string>();
    const queue = list.flatMap((conversation, i) => {
      if (conversation.status !== 'bot' || seen.has(conversation.id)) return [];
      seen.add(conversation.id);
      return [{ conversation, input: inputs[i]! }];
    });
    if (queue.length === 0) return list;
    const now = deps.clock.now();
    const contexts: string[] = [];
    for (const { conversation, input } of queue) {
      contexts.push(JSON.stringify(await escalatedContext(deps, db, onCommit, conversation, input)));
    }
    const id = sql.identifier(conversations.id.name);
    const updated = await db
      .update(conversations)
      .set({
        status: 'queued',
        waitingSince: now,
        updatedAt: now,
        lastChannel: sql`case ${id} ${sql.join(
          queue.map((q) => sql`when ${q.conversation.id} then ${q.input.channel}`),
          sql` `,
        )} end`,
        context: sql`case ${id} ${sql.join(
          queue.map((q, i) => sql`when ${q.conversation.id} then ${contexts[i]}`),
          sql` `,
        )} end`,
      })
      .where(
        inArray(
          conversations.id,
          queue.map((q) => q.conversation.id),
        ),
      )
      .returning();
    const byId = new Map(updated.map((row) => [row.id, row]));
    const queued = queue.map((q) => byId.get(q.conversation.id)!);
    // The agent who picks it up reads this first.
    const summaries = await refreshHandoffSummaries(
      deps,
      db,
      onCommit,
      queued.map((conversation, i) => ({
        conversation,
        handoff: { reason: 'escalation' as const, fromChannel: queue[i]!.input.channel, now },
      })),
    );
    queued.forEach((row, i) => {
      row.summary = summaries[i]!;
    });
    const announced = await announceQueuedMany(
      deps,
      db,
      onCommit,
      queued.map((conversation, i) => ({
        conversation,
        cause: { channel: queue[i]!.input.channel, reason: queue[i]!.input.reason ?? 'customer_request' },
      })),
    );
    const after = new Map(announced.map((row) => [row.id, row]));
    return list.map((row) => after.get(row.id) ?? row);
  });
}

/** `announceQueued` for many conversations: routing told of each in order, the customers in one append. */
export async function announceQueuedMany(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  list: { conversation: ConversationRow; cause: { channel: string; reason: string } }[],
): Promise<ConversationRow[]> {
  const routed: { conversation: ConversationRow; assignedAgent: { id: string; name: string } | null }[] = [];
  if (deps.routing?.queuedMany) routed.push(...(await deps.routing.queuedMany(db, onCommit, list)));
  else
    for (const { conversation, cause } of list)
      routed.push(
        deps.routing
          ? await deps.routing.queued(db, onCommit, conversation, cause)
          : { conversation, assignedAgent: null },
      );
  await appendEvents(
    deps,
    db,
    onCommit,
    routed.map((r, i) => ({
      appId: list[i]!.conversation.appId,
      customerId: list[i]!.conversation.customerId,
      type: 'conversation.updated',
      data: {
        ...toConversationRef(r.conversation),
        channel: list[i]!.cause.channel,
        ...(r.assignedAgent ? { assignedAgent: r.assignedAgent } : {}),
      },
    })),
  );
  return routed.map((r) => r.conversation);
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
