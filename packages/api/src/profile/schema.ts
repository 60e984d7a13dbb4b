import type { OrderBody } from '@threadline/sdk-core/protocol';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A customer's phone, address and payment detail on file, one sealed row per field. */
export const customerPii = sqliteTable(
  'customer_pii',
  {
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    field: text('field', { enum: ['phone', 'address', 'payment'] }).notNull(),
    /** AES-256-GCM ciphertext (see profile/pii.ts); never stored in the clear. */
    valueEnc: text('value_enc').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.field] })],
);

/** Orders the merchant backend pushes, so agents and the bot can speak about them. */
export const orders = sqliteTable(
  'orders',
  {
    appId: text('app_id').notNull(),
    /** The merchant's order id, unique per app. */
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status').notNull(),
    items: text('items', { mode: 'json' }).$type<OrderBody['items']>().notNull().default([]),
    amount: real('amount').notNull(),
    currency: text('currency').notNull(),
    trackingNumber: text('tracking_number'),
    carrier: text('carrier'),
    /** Sealed shipping address and payment method. */
    addressEnc: text('address_enc'),
    paymentEnc: text('payment_enc'),
    placedAt: integer('placed_at').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.id] }),
    index('orders_recent_by_customer').on(t.customerId, t.placedAt),
  ],
);
