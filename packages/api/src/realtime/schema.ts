import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The realtime event log. Its integer id is the cursor SSE and long-poll resume from:
 * ids grow monotonically, so "after N" has no gap and no duplicate.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    type: text('type').notNull(),
    data: text('data', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('events_resume_by_customer').on(t.customerId, t.id)],
);
