import type { FollowUpContent } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * A merchant's follow-up rule: when a conversation on `when_channel` ends with `intent` (and
 * `product_id` came up), send `content` on `send_channel` after `delay_sec`.
 */
export const followUpRules = sqliteTable(
  'follow_up_rules',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** Null: a conversation on any channel. */
    whenChannel: text('when_channel'),
    intent: text('intent').notNull(),
    productId: text('product_id'),
    delaySec: integer('delay_sec').notNull(),
    expiresAfterSec: integer('expires_after_sec').notNull(),
    sendChannel: text('send_channel').notNull(),
    content: text('content', { mode: 'json' }).$type<FollowUpContent>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('follow_up_rules_by_app').on(t.appId, t.enabled)],
);

/**
 * One follow-up due for one customer. The worker claims a row by moving it out of `scheduled` in
 * the same transaction that stores the message (or the webhook event): a crash before COMMIT
 * leaves it scheduled, a COMMIT makes it sent, so it is sent once. The content is copied from the
 * rule when scheduled; at send time the rule's current content replaces it (a merchant fixing a
 * wrong link fixes the backlog too), and a rule turned off or moved to another channel cancels it.
 */
export const followUps = sqliteTable(
  'follow_ups',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    /** Null once the rule is deleted (its scheduled follow-ups are cancelled with it). */
    ruleId: text('rule_id'),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    channel: text('channel').notNull(),
    content: text('content', { mode: 'json' }).$type<FollowUpContent>().notNull(),
    state: text('state', { enum: ['scheduled', 'sent', 'skipped', 'cancelled'] }).notNull(),
    reason: text('reason'),
    dueAt: integer('due_at').notNull(),
    /** Held back (quiet hours, an agent helping) past this, it is skipped as expired. */
    expiresAt: integer('expires_at').notNull(),
    deferrals: integer('deferrals').notNull().default(0),
    sentAt: integer('sent_at'),
    messageId: text('message_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // One follow-up per rule and conversation, however often the conversation is ended.
    uniqueIndex('follow_ups_once_per_conversation').on(t.ruleId, t.conversationId),
    // The worker's scan: scheduled rows by due time.
    index('follow_ups_due').on(t.dueAt).where(sql`${t.state} = 'scheduled'`),
    // The weekly cap and the customer's list; opt-out and erase cancel by customer.
    index('follow_ups_by_customer').on(t.customerId, t.state, t.sentAt),
    index('follow_ups_by_rule').on(t.ruleId, t.state),
    // Insights on follow-ups (sent per period, rule and channel): the app's sent rows by send time.
    index('follow_ups_sent_by_app').on(t.appId, t.sentAt).where(sql`${t.state} = 'sent'`),
  ],
);

/**
 * Opens of a link card through its click-through link (`GET /r/{token}`), one row per card
 * message (follow-ups and agents' cards alike): the first open's time, kept once, and every
 * open counted. The row goes with the message when the customer is erased.
 */
export const cardOpens = sqliteTable('card_opens', {
  messageId: text('message_id').primaryKey(),
  appId: text('app_id').notNull(),
  customerId: text('customer_id').notNull(),
  /** The follow-up that sent the card; null for an agent's card. */
  followUpId: text('follow_up_id'),
  openedAt: integer('opened_at').notNull(),
  lastOpenedAt: integer('last_opened_at').notNull(),
  opens: integer('opens').notNull(),
});
