import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Return / exchange (and other) tickets the bot opens from intents, worked by agents. */
export const tickets = sqliteTable(
  'tickets',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id'),
    type: text('type').notNull(),
    status: text('status', { enum: ['open', 'in_progress', 'resolved', 'closed'] }).notNull(),
    intent: text('intent'),
    channel: text('channel').notNull(),
    orderId: text('order_id'),
    productId: text('product_id'),
    reason: text('reason'),
    wantedSize: text('wanted_size'),
    /** The shopper's words that opened it, and anything else extracted. */
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('tickets_open_by_customer').on(t.customerId, t.status),
    index('tickets_by_app_recent').on(t.appId, t.status, t.updatedAt),
  ],
);
