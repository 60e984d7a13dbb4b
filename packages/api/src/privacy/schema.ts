import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What stays of an erased customer: counts for insights, nothing that identifies a person. The
 * id is the erased customer id (random, meaningless once everything it pointed at is gone) so
 * erase stays idempotent.
 */
export const erasedCustomers = sqliteTable(
  'erased_customers',
  {
    customerId: text('customer_id').primaryKey(),
    appId: text('app_id').notNull(),
    /** `{conversations, messages: {[channel]: n}, tickets, handoffs, aliases}` */
    counts: text('counts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    messages: text('messages', { enum: ['delete', 'redact'] }).notNull(),
    erasedAt: integer('erased_at').notNull(),
  },
  (t) => [index('erased_customers_by_app').on(t.appId, t.erasedAt)],
);
