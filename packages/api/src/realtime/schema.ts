import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The realtime event log. Its integer id is the cursor SSE and long-poll resume from: ids grow
 * monotonically, so "after N" has no gap and no duplicate. `customer_id` is the customer an event
 * is about — or, for staff events about no customer (agent presence), the app topic `app:<appId>`.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    type: text('type').notNull(),
    /**
     * `customer`: the customer's sessions and the app's agents see it. `staff`: only agents (inbox
     * changes, notes, presence) — never a customer stream.
     */
    audience: text('audience', { enum: ['customer', 'staff'] })
      .notNull()
      .default('customer'),
    data: text('data', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('events_resume_by_customer').on(t.customerId, t.id),
    // The app-wide stream agents (and later webhooks) read.
    index('events_resume_by_app').on(t.appId, t.id),
  ],
);
