import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Labels agents put on conversations (`退货`, `urgent`); one row per label. */
export const conversationLabels = sqliteTable(
  'conversation_labels',
  {
    appId: text('app_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    label: text('label').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.label] }),
    index('conversation_labels_by_app_label').on(t.appId, t.label),
  ],
);

/**
 * A conversation snoozed by an agent: hidden from their "mine" until `until`, or until the
 * customer writes again (a message after `snoozedAt` wakes it).
 */
export const conversationSnoozes = sqliteTable('conversation_snoozes', {
  conversationId: text('conversation_id').primaryKey(),
  appId: text('app_id').notNull(),
  agentId: text('agent_id').notNull(),
  until: integer('until').notNull(),
  snoozedAt: integer('snoozed_at').notNull(),
});

/** CSAT: the customer's 1–5 rating of a resolved conversation, once per conversation. */
export const csatRatings = sqliteTable(
  'csat_ratings',
  {
    conversationId: text('conversation_id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** The channel the rating was given on. */
    channel: text('channel').notNull(),
    /** The agent who owned the conversation last (null: only the bot served it). */
    agentId: text('agent_id'),
    rating: integer('rating').notNull(),
    comment: text('comment'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('csat_by_app_time').on(t.appId, t.createdAt)],
);
