import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A merchant's webhook subscription: where to POST which event types, signed with its secret. */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    url: text('url').notNull(),
    /** Event types wanted (`message.created`, …) or `['*']` for all. */
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** The signing secret sealed with the master key (it must be read back to sign). */
    secretEnc: text('secret_enc').notNull(),
    description: text('description'),
    /** `failing`: a delivery gave up after the retry window; back to `ok` on the next success. */
    health: text('health', { enum: ['ok', 'failing'] })
      .notNull()
      .default('ok'),
    /** Why it is disabled: the merchant, or the receiver answered 410 Gone. */
    disabledReason: text('disabled_reason', { enum: ['merchant', 'gone'] }),
    failingSince: integer('failing_since'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhooks_by_app').on(t.appId, t.createdAt)],
);

/**
 * The outbox: one row per event, written in the transaction of the change that caused it. `seq`
 * orders events; `data` is sealed with the customer's data key when the event is about one.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    type: text('type').notNull(),
    customerId: text('customer_id'),
    conversationId: text('conversation_id'),
    data: text('data').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_events_by_id').on(t.id),
    index('webhook_events_by_customer').on(t.customerId),
    index('webhook_events_by_age').on(t.createdAt),
  ],
);

/**
 * One event for one subscription. Per `(webhook_id, order_key)` — a conversation, else a
 * customer, else the event itself — only the oldest pending delivery (the head) has a
 * `next_attempt_at`; the rest wait with null and are promoted one by one, which keeps a
 * conversation's events in order without holding up any other conversation.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    webhookId: text('webhook_id').notNull(),
    eventSeq: integer('event_seq').notNull(),
    orderKey: text('order_key').notNull(),
    state: text('state', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the head is next tried (also its lease while an attempt runs); null behind a head. */
    nextAttemptAt: integer('next_attempt_at'),
    /** Retries stop after this (the event's time + the retry window, 3 days by default). */
    giveUpAt: integer('give_up_at').notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    /** A redelivery asked for by the merchant (sent out of the conversation's order). */
    redelivery: integer('redelivery', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_by_id').on(t.id),
    index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    index('webhook_deliveries_queue').on(t.webhookId, t.orderKey, t.state, t.seq),
    index('webhook_deliveries_log').on(t.webhookId, t.seq),
    index('webhook_deliveries_by_event').on(t.eventSeq),
  ],
);

/** Every attempt: status code, latency and the start of the receiver's answer. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliverySeq: integer('delivery_seq').notNull(),
    at: integer('at').notNull(),
    /** Null when no HTTP answer came (refused, timed out, unreachable). */
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_by_delivery').on(t.deliverySeq, t.id)],
);
