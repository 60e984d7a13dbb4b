import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Who did what to whom, for the merchant's records: every unmasking of personal data, agent and
 * token changes, sign-ins. Append-only; the id orders it.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    actorType: text('actor_type', { enum: ['agent', 'merchant', 'system'] }).notNull(),
    actorId: text('actor_id'),
    /** e.g. pii.revealed, agent.created, agent_token.revoked, agent.signed_in */
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    /** Which fields, why — never the values. */
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('audit_log_by_app').on(t.appId, t.id), index('audit_log_by_subject').on(t.subjectId, t.id)],
);
