import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
// A schema module imports other schema modules only, never a domain's index: db/schema gathers every
// table, and going through an index would run services and routers while the tables are half
// defined (in the bundle, knowledge's table map captured undefined and every DELETE /v1/kb/* was a 500).
import { apps } from '../apps/schema';

/** One person per app. A merged-away customer keeps its row with `mergedInto` set: an alias. */
export const customers = sqliteTable(
  'customers',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id),
    identified: integer('identified', { mode: 'boolean' }).notNull().default(false),
    mergedInto: text('merged_into'),
    name: text('name'),
    /** Profile attributes (skin type, VIP, …) from identity claims, the merchant and events. */
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    /**
     * Set by "revoke all sessions": identity tokens issued (iat) before it no longer start or
     * identify sessions of this customer, so a stored token cannot quietly sign the device back in.
     */
    sessionsRevokedAt: integer('sessions_revoked_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('customers_by_app').on(t.appId), index('customers_by_alias').on(t.mergedInto)],
);

/**
 * Per-customer data keys (AES-256), each wrapped by the server's master key. Ciphertexts name the
 * key id they were sealed with, so rows moved by a merge still open; erasing a customer deletes
 * its keys (and its aliases'), which leaves every copy of its sealed text unreadable.
 */
export const customerKeys = sqliteTable(
  'customer_keys',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** The data key sealed with the master key (AES-256-GCM). */
    wrappedKey: text('wrapped_key').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('customer_keys_by_customer').on(t.customerId, t.createdAt)],
);

/** `(kind, value)` → customer. Verified identities come only from tokens, the secret key or WeChat. */
export const identities = sqliteTable(
  'identities',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    kind: text('kind').notNull(),
    /** Plain value for lookups of non-PII kinds; for phone/email this is a keyed hash. */
    value: text('value').notNull(),
    /** AES-256-GCM ciphertext of PII values (phone, email), for masked display. */
    valueEnc: text('value_enc'),
    verified: integer('verified', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('identities_by_app_kind_value').on(t.appId, t.kind, t.value),
    index('identities_by_customer').on(t.customerId),
  ],
);

/**
 * One row (`id` 1): a counter that triggers on `identities` raise whenever an identity stops pointing
 * where it pointed — moved to another customer (a merge, a re-link) or deleted (an erase, a forgotten
 * device) — in the same transaction, whoever the writer is (any domain, any process, raw SQL). A
 * cache of identity → customer (the livestream viewers' cache) reads it in its own write
 * transaction and starts over when it moved. New identities do not raise it: a cache never holds an
 * identity that did not exist. Migration `identity_changes_triggers` adds the row and the triggers.
 */
export const identityChanges = sqliteTable('identity_changes', {
  id: integer('id').primaryKey(),
  changes: integer('changes').notNull(),
});

/** A session per channel instance: a tab, an app install, a mini-program launch, a call. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    channel: text('channel').notNull(),
    anonymousId: text('anonymous_id'),
    /** True once an identity token, WeChat exchange or handoff bound the session to a verified customer. */
    verified: integer('verified', { mode: 'boolean' }).notNull().default(false),
    device: text('device', { mode: 'json' }).$type<Record<string, unknown>>(),
    /**
     * True when the session reached its customer by claiming a handoff code: it shares that
     * customer with the code's creator, so it never merges the customer into a verified account.
     */
    viaHandoff: integer('via_handoff', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Set when the session was revoked (logout, merchant, a merge that left it behind). */
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_by_customer').on(t.customerId)],
);

/** What customers do outside the chat (`/v1/track`): views, carts, orders. Feeds the profile. */
export const customerEvents = sqliteTable(
  'customer_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    sessionId: text('session_id'),
    channel: text('channel'),
    name: text('name').notNull(),
    /**
     * Sealed with the customer's data key (a JSON string holding the ciphertext of the properties'
     * JSON: they may hold an address or a name); rows written before that hold the object itself.
     * Read through `openTrackedEvents` (profile/track.ts).
     */
    properties: text('properties', { mode: 'json' })
      .$type<Record<string, unknown> | string>()
      .notNull()
      .default({}),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('customer_events_by_customer_recent').on(t.customerId, sql`${t.id} desc`)],
);
