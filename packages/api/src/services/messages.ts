import type { Message, TimelinePage } from '@threadline/sdk-core/protocol';
import { and, asc, desc, eq, lt, ne } from 'drizzle-orm';
import { iso } from '../clock';
import type { Db } from '../db/database';
import { conversations, messages } from '../db/schema/index';
import type { ServiceDeps } from '../deps';
import { ApiError } from '../errors';
import { createSortableId } from '../secrets';
import { type ConversationRow, openConversation, toConversationRef } from './conversations';
import { type CustomerRow, getCustomer } from './customers';
import { appendEvent } from './events';
import type { BotReply, Responder } from './replies';

export type MessageRow = typeof messages.$inferSelect;

export function toWireMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversationId,
    channel: row.channel,
    author: {
      type: row.authorType,
      ...(row.authorId ? { id: row.authorId } : {}),
      ...(row.authorName ? { name: row.authorName } : {}),
    },
    text: row.text,
    createdAt: iso(row.createdAt),
    ...(row.clientMessageId ? { clientMessageId: row.clientMessageId } : {}),
    ...(row.intent ? { intent: row.intent } : {}),
    ...(row.meta ? { meta: row.meta } : {}),
  };
}

export interface CustomerMessageInput {
  appId: string;
  customerId: string;
  channel: string;
  text: string;
  clientMessageId?: string;
  authorName?: string;
}

export interface PostedMessage {
  message: MessageRow;
  replies: MessageRow[];
  conversation: ConversationRow;
  /** False when the clientMessageId had been seen: the first result is returned as it was. */
  created: boolean;
}

async function findByClientMessageId(db: Db, customerId: string, clientMessageId: string) {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.customerId, customerId), eq(messages.clientMessageId, clientMessageId)))
    .limit(1);
  return row ?? null;
}

async function previousResult(db: Db, message: MessageRow): Promise<Omit<PostedMessage, 'created'>> {
  const replies = await db
    .select()
    .from(messages)
    .where(eq(messages.inReplyTo, message.id))
    .orderBy(asc(messages.seq));
  const [conversation] = await db
    .select()
    .from(conversations)
    .where(eq(conversations.id, message.conversationId));
  return { message, replies, conversation: conversation! };
}

/** Sends still being answered in this process, per database, by customer and clientMessageId. */
const sendsInFlight = new WeakMap<ServiceDeps['database'], Map<string, Promise<PostedMessage>>>();

/**
 * Stores a customer's message (from a session or a server channel) in the open conversation,
 * publishes it to every session of the customer, then lets the responder answer if the bot owns
 * the conversation. The same clientMessageId again returns the first result and stores nothing.
 */
export async function postCustomerMessage(
  deps: ServiceDeps & { responder: Responder },
  input: CustomerMessageInput,
): Promise<PostedMessage> {
  if (!input.clientMessageId) return storeAndAnswer(deps, input);
  const pending = sendsInFlight.get(deps.database) ?? new Map<string, Promise<PostedMessage>>();
  sendsInFlight.set(deps.database, pending);
  const key = `${input.customerId}\n${input.clientMessageId}`;
  // A retry arriving while the bot is still answering the first send waits for that same answer,
  // replies included, instead of reading the message before its replies exist.
  const running = pending.get(key);
  if (running) return { ...(await running), created: false };
  const work = storeAndAnswer(deps, input).finally(() => pending.delete(key));
  pending.set(key, work);
  return work;
}

async function storeAndAnswer(
  deps: ServiceDeps & { responder: Responder },
  input: CustomerMessageInput,
): Promise<PostedMessage> {
  const stored = await deps.database
    .write(async (db, onCommit) => {
      if (input.clientMessageId) {
        const existing = await findByClientMessageId(db, input.customerId, input.clientMessageId);
        if (existing) return { ...(await previousResult(db, existing)), created: false };
      }
      const now = deps.clock.now();
      // The usual case in one statement: touch the open conversation and read it back.
      const [touched] = await db
        .update(conversations)
        .set({ lastChannel: input.channel, updatedAt: now })
        .where(and(eq(conversations.customerId, input.customerId), ne(conversations.status, 'resolved')))
        .returning();
      const conversation =
        touched ?? (await openConversation(deps, db, input.appId, input.customerId, input.channel));
      const [message] = await db
        .insert(messages)
        .values({
          id: createSortableId('msg', now),
          appId: input.appId,
          customerId: input.customerId,
          conversationId: conversation.id,
          channel: input.channel,
          authorType: 'customer',
          authorName: input.authorName ?? null,
          text: input.text,
          clientMessageId: input.clientMessageId ?? null,
          createdAt: now,
        })
        .returning();
      await appendEvent(deps, db, onCommit, {
        appId: input.appId,
        customerId: input.customerId,
        type: 'message.created',
        data: toWireMessage(message!),
      });
      return { message: message!, replies: [] as MessageRow[], conversation, created: true };
    })
    .catch(async (error: unknown) => {
      // Another process raced us to the same clientMessageId: the unique index kept one.
      if (input.clientMessageId && String((error as Error)?.message).includes('UNIQUE')) {
        const existing = await findByClientMessageId(
          deps.database.db,
          input.customerId,
          input.clientMessageId,
        );
        if (existing) return { ...(await previousResult(deps.database.db, existing)), created: false };
      }
      throw error;
    });

  if (!stored.created || stored.conversation.status !== 'bot') return stored;

  const customer = await getCustomer(deps.database.db, input.appId, input.customerId);
  let decision: Awaited<ReturnType<Responder['respond']>>;
  try {
    decision = await deps.responder.respond({
      appId: input.appId,
      customer,
      conversation: stored.conversation,
      message: stored.message,
    });
  } catch (error) {
    // The customer's message is stored and acknowledged; a failing bot must not turn that into an error.
    deps.logger.error('responder failed', { error: String(error) });
    return stored;
  }
  if (decision.replies.length === 0 && !decision.escalate && !decision.context) return stored;
  return { ...stored, ...(await postBotReplies(deps, customer, stored, decision)) };
}

async function postBotReplies(
  deps: ServiceDeps,
  customer: CustomerRow,
  stored: PostedMessage,
  decision: { replies: BotReply[]; escalate?: boolean; context?: Record<string, unknown> },
): Promise<Pick<PostedMessage, 'replies' | 'conversation'>> {
  return deps.database.write(async (db, onCommit) => {
    const [current] = await db
      .select()
      .from(conversations)
      .where(eq(conversations.id, stored.conversation.id));
    // An agent may have claimed the conversation while the bot was thinking: then it stays quiet.
    if (!current || current.status !== 'bot')
      return { replies: [], conversation: current ?? stored.conversation };
    const replies: MessageRow[] = [];
    for (const reply of decision.replies) {
      const now = deps.clock.now();
      const [row] = await db
        .insert(messages)
        .values({
          id: reply.id ?? createSortableId('msg', now),
          appId: customer.appId,
          customerId: customer.id,
          conversationId: current.id,
          channel: stored.message.channel,
          authorType: 'bot',
          text: reply.text,
          inReplyTo: stored.message.id,
          intent: reply.intent ?? null,
          meta: reply.meta ?? null,
          createdAt: now,
        })
        .returning();
      replies.push(row!);
      await appendEvent(deps, db, onCommit, {
        appId: customer.appId,
        customerId: customer.id,
        type: 'message.created',
        data: toWireMessage(row!),
      });
    }
    const now = deps.clock.now();
    const patch: Partial<ConversationRow> = { updatedAt: now };
    if (decision.context) patch.context = { ...current.context, ...decision.context };
    if (decision.escalate) Object.assign(patch, { status: 'queued', waitingSince: now });
    const [updated] = await db
      .update(conversations)
      .set(patch)
      .where(eq(conversations.id, current.id))
      .returning();
    if (decision.escalate) {
      await appendEvent(deps, db, onCommit, {
        appId: customer.appId,
        customerId: customer.id,
        type: 'conversation.updated',
        data: { ...toConversationRef(updated!), channel: stored.message.channel },
      });
    }
    return { replies, conversation: updated! };
  });
}

/** One page of the customer's cross-channel timeline, oldest first; `before` walks back. */
export async function timelinePage(
  db: Db,
  customerId: string,
  options: { before?: string; limit: number },
): Promise<TimelinePage> {
  let beforeSeq: number | undefined;
  if (options.before !== undefined) {
    if (!/^\d{1,15}$/.test(options.before)) {
      throw new ApiError('validation_failed', 'before must be a cursor returned as nextBefore.');
    }
    beforeSeq = Number(options.before);
  }
  const rows = await db
    .select()
    .from(messages)
    .where(
      beforeSeq === undefined
        ? eq(messages.customerId, customerId)
        : and(eq(messages.customerId, customerId), lt(messages.seq, beforeSeq)),
    )
    .orderBy(desc(messages.seq))
    .limit(options.limit + 1);
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit).reverse();
  return {
    messages: page.map(toWireMessage),
    nextBefore: hasMore && page[0] ? String(page[0].seq) : null,
  };
}
