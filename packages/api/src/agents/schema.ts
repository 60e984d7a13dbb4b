import type { RoutingSettings } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
// The table itself, not the apps domain's index: schema files load while db/schema.ts is still
// evaluating, and the index would pull in services whose module-level code reads tables not
// defined yet (an import cycle through http/auth).
import { apps } from '../apps/schema';

/** Human agents of an app: skills, how many conversations they may own at once, presence. */
export const agents = sqliteTable(
  'agents',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id),
    name: text('name').notNull(),
    /** Sign-in name for password sign-in; unique per app. */
    email: text('email'),
    /** `scrypt$N$r$p$salt$hash` — never the password. */
    passwordHash: text('password_hash'),
    role: text('role', { enum: ['agent', 'supervisor'] })
      .notNull()
      .default('agent'),
    skills: text('skills', { mode: 'json' }).$type<string[]>().notNull().default([]),
    capacity: integer('capacity').notNull().default(5),
    presence: text('presence', { enum: ['online', 'away', 'offline'] })
      .notNull()
      .default('offline'),
    presenceChangedAt: integer('presence_changed_at'),
    /** Last request or stream heartbeat; the presence sweep turns silent agents offline. */
    lastSeenAt: integer('last_seen_at'),
    /** Breaks ties between equally loaded agents: the one who waited longest gets the next. */
    lastAssignedAt: integer('last_assigned_at'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    deactivatedAt: integer('deactivated_at'),
    /**
     * Before agent tokens had their own table the first token's hash lived here. A data migration
     * moves it to agent_tokens and clears it; nothing reads it.
     */
    legacyTokenHash: text('token_hash'),
    /** The same, for the token before a rotation (moved to agent_tokens with its end as expiry). */
    legacyPreviousTokenHash: text('previous_token_hash'),
    legacyPreviousTokenValidUntil: integer('previous_token_valid_until'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull().default(0),
  },
  (t) => [
    index('agents_by_app').on(t.appId),
    uniqueIndex('agents_by_app_email').on(t.appId, t.email).where(sql`${t.email} is not null`),
  ],
);

/** Bearer tokens of agents (`at_…`), stored as SHA-256 hashes; each can expire and be revoked. */
export const agentTokens = sqliteTable(
  'agent_tokens',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    tokenHash: text('token_hash').notNull(),
    label: text('label'),
    /** merchant (secret key), sign_in (password), app_create, cli. */
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Null: no expiry (the first token of an app, which `npm start` keeps printing). */
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('agent_tokens_by_hash').on(t.tokenHash), index('agent_tokens_by_agent').on(t.agentId)],
);

/**
 * Who owned a conversation when: one row per stretch of ownership. Insights read time from
 * escalation to an agent (assignedAt − queuedAt) and to the first agent answer (firstResponseAt).
 */
export const assignments = sqliteTable(
  'assignments',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    customerId: text('customer_id').notNull(),
    agentId: text('agent_id').notNull(),
    how: text('how', { enum: ['routed', 'claimed', 'transferred'] }).notNull(),
    /** The agent who claimed over someone or transferred it here; null for routing. */
    byAgentId: text('by_agent_id'),
    skill: text('skill'),
    /** When the wait that ended with this assignment began (null for a claim straight from the bot). */
    queuedAt: integer('queued_at'),
    assignedAt: integer('assigned_at').notNull(),
    firstResponseAt: integer('first_response_at'),
    endedAt: integer('ended_at'),
    /** released, resolved, transferred, agent_offline, agent_deactivated, claimed_over. */
    endReason: text('end_reason'),
  },
  (t) => [
    index('assignments_by_conversation').on(t.conversationId, t.assignedAt),
    index('assignments_open_by_agent').on(t.agentId, t.endedAt),
    index('assignments_by_app_recent').on(t.appId, t.assignedAt),
  ],
);

/** Per app: which skill a queued conversation needs (by intent, channel or product category). */
export const routingSettings = sqliteTable('routing_settings', {
  appId: text('app_id').primaryKey(),
  settings: text('settings', { mode: 'json' }).$type<RoutingSettings>().notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Internal notes on a conversation: staff only, never on the customer's timeline or stream. */
export const conversationNotes = sqliteTable(
  'conversation_notes',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    customerId: text('customer_id').notNull(),
    agentId: text('agent_id').notNull(),
    /** Sealed: agents write phone numbers and addresses into notes. */
    textEnc: text('text_enc').notNull(),
    /** The console's id for the note, so a retried POST adds nothing. */
    clientNoteId: text('client_note_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('conversation_notes_by_customer').on(t.customerId, t.createdAt),
    index('conversation_notes_by_conversation').on(t.conversationId, t.createdAt),
    uniqueIndex('conversation_notes_one_per_client_id')
      .on(t.agentId, t.clientNoteId)
      .where(sql`${t.clientNoteId} is not null`),
  ],
);
