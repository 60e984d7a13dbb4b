import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Insights are rollups folded from rows already persisted (messages by `seq`, the event log by
 * `id`), never written by the send path. Each source has a high-water mark here: the fold reads
 * what lies after it, updates the rollups and moves the mark in one transaction, so a crash
 * between batches repeats nothing and loses nothing.
 */
export const insightCursors = sqliteTable('insight_cursors', {
  /** `messages` (messages.seq), `events` (events.id) or `carts` (customer_events.id). */
  source: text('source').primaryKey(),
  position: integer('position').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * One row per conversation: what its messages said about how it was served. `channel` is where it
 * started; times are epoch ms. Figures per period read these rows (index `(app_id, started_at)`).
 */
export const insightConversations = sqliteTable(
  'insight_conversations',
  {
    conversationId: text('conversation_id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    channel: text('channel').notNull(),
    startedAt: integer('started_at').notNull(),
    customerMessages: integer('customer_messages').notNull().default(0),
    botMessages: integer('bot_messages').notNull().default(0),
    agentMessages: integer('agent_messages').notNull().default(0),
    /** The first customer message, and the first bot or agent reply after it. */
    firstCustomerAt: integer('first_customer_at'),
    firstResponseAt: integer('first_response_at'),
    /** When it first asked for a person (event log: conversation.updated → queued). */
    escalatedAt: integer('escalated_at'),
  },
  (t) => [
    // Covering: the period figures read this index alone, never the rows.
    index('insight_conversations_by_app_start').on(
      t.appId,
      t.startedAt,
      t.channel,
      t.escalatedAt,
      t.botMessages,
      t.agentMessages,
      t.firstCustomerAt,
      t.firstResponseAt,
    ),
    // Covering, per customer: high-value segments skip from customer to customer along it and sum
    // each one's conversations in the window over one range (high-value.ts).
    index('insight_conversations_by_app_customer').on(
      t.appId,
      t.customerId,
      t.startedAt,
      t.channel,
      t.botMessages,
      t.agentMessages,
      t.escalatedAt,
      t.firstCustomerAt,
      t.firstResponseAt,
    ),
  ],
);

/**
 * A contact: a customer raising an intent (the bot reply's intent labels the customer's message).
 * Messages of the same customer and intent less than 30 min apart are one contact (one matter, one
 * sitting); raising it again later is a new contact. A contact within 72 h of the previous one of
 * the same customer and intent is a repeat, and `withContext` says whether it came in the same
 * conversation — the one open conversation, carried to whatever channel by identity or a handoff
 * code, so the bot's memory and the agent's handoff summary held the earlier contact — or in a new
 * conversation that started without it (the earlier one was resolved).
 */
export const insightContacts = sqliteTable(
  'insight_contacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    /** The channel of the contact's first message. */
    channel: text('channel').notNull(),
    intent: text('intent').notNull(),
    at: integer('at').notNull(),
    /** The contact's latest message. */
    lastAt: integer('last_at').notNull(),
    /** Within 72 h after the previous contact of the same customer and intent. */
    isRepeat: integer('is_repeat', { mode: 'boolean' }).notNull(),
    /** For a repeat: the previous contact was in the same conversation; null when not a repeat. */
    withContext: integer('with_context', { mode: 'boolean' }),
  },
  (t) => [
    index('insight_contacts_by_app').on(t.appId, t.at),
    // Covering, per (channel, intent): intent trends count each pair's contacts and shoppers per
    // period as index ranges, never sorting the window's contacts (intent-trends.ts).
    index('insight_contacts_by_app_channel_intent').on(t.appId, t.channel, t.intent, t.at, t.customerId),
    index('insight_contacts_by_customer').on(t.customerId, t.lastAt),
  ],
);

/** Messages per channel and author in 15-minute UTC slots (every real time zone offset is a multiple of 15 min). */
export const insightMessageCounts = sqliteTable(
  'insight_message_counts',
  {
    appId: text('app_id').notNull(),
    channel: text('channel').notNull(),
    authorType: text('author_type').notNull(),
    slot: integer('slot').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.slot, t.channel, t.authorType] })],
);

/**
 * Handoff codes the sweep deleted (expired unclaimed ones, to free their short codes; claimed ones
 * after their retention): the sweep keeps this line, so "codes created vs claimed" stays exact.
 */
export const insightSweptHandoffs = sqliteTable(
  'insight_swept_handoffs',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    fromChannel: text('from_channel').notNull(),
    createdAt: integer('created_at').notNull(),
    claimedAt: integer('claimed_at'),
  },
  (t) => [index('insight_swept_handoffs_by_app').on(t.appId, t.createdAt)],
);

/**
 * What each customer's tracked cart is worth now (Σ quantity × price of its lines, in the shop's
 * currency), folded from the tracked cart events (`customer_events`, cursor `carts`) so the
 * high-value segments are one SQL query over any number of customers, never a cart opened per
 * customer per read. A merge keeps the larger of the two until the next cart event recomputes it.
 */
export const insightCarts = sqliteTable(
  'insight_carts',
  {
    customerId: text('customer_id').primaryKey(),
    appId: text('app_id').notNull(),
    worth: real('worth').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('insight_carts_by_app').on(t.appId, t.worth)],
);

/**
 * The first message an agent wrote in each conversation (epoch ms), folded from the messages with
 * their own cursor (`insight_cursors.source = 'first_agent_messages'`), so the human first response
 * (escalation → this) outlives the retention sweep like the other rollups.
 */
export const insightFirstAgentMessages = sqliteTable('insight_first_agent_messages', {
  conversationId: text('conversation_id').primaryKey(),
  appId: text('app_id').notNull(),
  at: integer('at').notNull(),
});

/**
 * The additive figures of `insight_conversations` and `insight_contacts` per app, 15-minute UTC
 * slot (of `started_at` / `at`) and channel, so a metrics read sums at most 96 × days × channels
 * rows instead of grouping every conversation and contact of the range (every real time zone's
 * day starts on a slot, so any zone's periods are whole slots, as for `insight_message_counts`).
 * Kept by SQL triggers on the two tables (migration 0019): every writer — the fold, a customer or
 * conversation merge, an erasure's pseudonymisation — moves the totals in its own transaction, so
 * they never drift from the rows. A slot whose totals reach zero is deleted. Rows folded before
 * the upgrade are added in the background (`backfillSlotTotals`); until then metrics group the rows.
 */
export const insightSlotTotals = sqliteTable(
  'insight_slot_totals',
  {
    appId: text('app_id').notNull(),
    slot: integer('slot').notNull(),
    channel: text('channel').notNull(),
    /** Conversations that started in the slot; of them escalated, and answered by the bot alone. */
    conversations: integer('conversations').notNull().default(0),
    escalated: integer('escalated').notNull().default(0),
    aiAnswered: integer('ai_answered').notNull().default(0),
    /** Contacts raised in the slot; of them repeats, with and without the earlier one's context. */
    contacts: integer('contacts').notNull().default(0),
    repeatContacts: integer('repeat_contacts').notNull().default(0),
    repeatWithContext: integer('repeat_with_context').notNull().default(0),
    repeatWithoutContext: integer('repeat_without_context').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.appId, t.slot, t.channel] })],
);
