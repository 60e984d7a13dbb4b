import type { HandoffSummary } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One open conversation per customer at a time, across channels. */
export const conversations = sqliteTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status', { enum: ['bot', 'queued', 'assigned', 'resolved'] }).notNull(),
    /** Channel the conversation started on, and the one that spoke last. */
    channel: text('channel').notNull(),
    lastChannel: text('last_channel').notNull(),
    assignedAgentId: text('assigned_agent_id'),
    /** When the current owner got it; null unless `assigned`. */
    assignedAt: integer('assigned_at'),
    /** Higher is served first: VIP customers get 1. */
    priority: integer('priority').notNull().default(0),
    /** When the current wait for an agent began; null unless `queued`. */
    waitingSince: integer('waiting_since'),
    /** The skill routing looks for (from the app's routing rules or a transfer); null = any agent. */
    skill: text('skill'),
    /** What the bot remembers across channels: last product, order, intents. */
    context: text('context', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    /** Structured handoff summary, refreshed whenever the conversation changes hands. */
    summary: text('summary', { mode: 'json' }).$type<HandoffSummary>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    // The "one open conversation" rule, enforced by the database itself.
    uniqueIndex('conversations_one_open_per_customer').on(t.customerId).where(sql`${t.status} <> 'resolved'`),
    // The queue in serving order (VIP first, then the longest wait), covering the skill and channel
    // so routing's skill filter and the queue figures read the index alone.
    index('conversations_queue').on(
      t.appId,
      t.status,
      sql`${t.priority} desc`,
      t.waitingSince,
      t.skill,
      t.lastChannel,
    ),
    index('conversations_inbox_recent').on(t.appId, t.status, t.updatedAt),
    // An agent's load and "mine".
    index('conversations_by_agent').on(t.assignedAgentId, t.status),
  ],
);

/** Every message of every channel. `seq` orders the timeline and backs its cursor. */
export const messages = sqliteTable(
  'messages',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    channel: text('channel').notNull(),
    authorType: text('author_type', { enum: ['customer', 'bot', 'agent', 'system'] }).notNull(),
    authorId: text('author_id'),
    authorName: text('author_name'),
    text: text('text').notNull(),
    clientMessageId: text('client_message_id'),
    /**
     * For bot replies: the customer message answered, so a retried send returns the same replies.
     * Not indexed: a retry finds them among the customer's messages after the one answered
     * (`messages_timeline_page`), which spares every send an index entry (issue 18).
     */
    inReplyTo: text('in_reply_to'),
    intent: text('intent'),
    meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('messages_by_id').on(t.id),
    index('messages_timeline_page').on(t.customerId, t.seq),
    index('messages_by_conversation').on(t.conversationId, t.seq),
    // Idempotency: one customer message per clientMessageId.
    uniqueIndex('messages_one_per_client_message_id')
      .on(t.customerId, t.clientMessageId)
      .where(sql`${t.clientMessageId} is not null`),
  ],
);

/** Single-use codes that move a live conversation to another channel. */
export const handoffCodes = sqliteTable(
  'handoff_codes',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id'),
    fromChannel: text('from_channel').notNull(),
    toChannel: text('to_channel'),
    /** SHA-256 of the long code; the code itself is never stored. */
    codeHash: text('code_hash').notNull(),
    shortCode: text('short_code').notNull(),
    /** Wrong phone checks presented with the short code; at the limit the short code is withdrawn. */
    checkFailures: integer('check_failures').notNull().default(0),
    createdBy: text('created_by').notNull(),
    expiresAt: integer('expires_at').notNull(),
    claimedAt: integer('claimed_at'),
    claimedBySessionId: text('claimed_by_session_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('handoff_codes_by_hash').on(t.codeHash),
    // A short code is unique among the app's unclaimed codes, so voice entry finds one match;
    // expired unclaimed codes are deleted (swept) to free their short code.
    uniqueIndex('handoff_codes_live_short_code').on(t.appId, t.shortCode).where(sql`${t.claimedAt} is null`),
    index('handoff_codes_by_expiry').on(t.expiresAt),
    index('handoff_codes_live_by_customer').on(t.customerId, t.expiresAt),
  ],
);
