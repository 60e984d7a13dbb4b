import type { RateLimitSettings } from '@threadline/sdk-core/protocol';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A merchant's app: one tenant. Every other row carries its app id. */
export const apps = sqliteTable('apps', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** AES-256-GCM ciphertext of the HS256 secret the merchant signs identity tokens with. */
  identitySecretEnc: text('identity_secret_enc').notNull(),
  /** Origins allowed to start sessions with the publishable key; empty = any. */
  allowedOrigins: text('allowed_origins', { mode: 'json' }).$type<string[]>().notNull().default([]),
  /** Channel slugs beyond the 12 defaults. */
  extraChannels: text('extra_channels', { mode: 'json' }).$type<string[]>().notNull().default([]),
  settings: text('settings', { mode: 'json' }).$type<AppSettings>().notNull().default({}),
  createdAt: integer('created_at').notNull(),
});

export interface AppSettings {
  /** Longest identity-token lifetime accepted (exp − iat), seconds. Default 7 days. */
  identityTokenMaxLifetimeSec?: number;
  /** Handoff code lifetime, seconds. Default 10 minutes. */
  handoffTtlSec?: number;
  /** Base of the link put in handoff QR codes, e.g. https://shop.example/continue */
  handoffUrlBase?: string;
  wechat?: { appId: string; secretEnc: string };
  sessionTtlSec?: number;
  /** ISO 3166 region for phone numbers given without a country code. Default CN. */
  phoneRegion?: string;
  /** The app's own rate limits over the defaults. */
  rateLimits?: Partial<RateLimitSettings>;
  /** Messages older than this many days are deleted by the retention sweep; unset keeps them. */
  messageRetentionDays?: number;
  /**
   * The shop's language (BCP 47, e.g. `en-US`, `zh-CN`): what the web widget speaks when the page
   * does not choose one itself (before the page's `<html lang>` and the browser's). Unset: no opinion.
   */
  language?: string;
  /** The app's IANA time zone (canonical name): insights periods, follow-up quiet hours. Default Asia/Shanghai. */
  timeZone?: string;
  /** Identity secrets replaced by a rotation, each still accepted until `validUntil` (epoch ms). */
  previousIdentitySecrets?: { secretEnc: string; validUntil: number }[];
  /** The phone line's voice bot and brand voices (secrets sealed). */
  voice?: VoiceSettings;
  /** Proactive follow-ups: quiet hours, weekly cap, idle end, card hosts, and a time zone that overrides the app's (see followups/rules.ts). */
  followUps?: {
    timeZone?: string;
    quietHours?: { start: string; end: string } | null;
    weeklyCap?: number;
    cardHosts?: string[];
    idleEndMinutes?: number;
  };
}

export interface VoiceSettings {
  twilioAuthTokenEnc?: string;
  /** E.164 number, queue:<name> or sip:<address>. */
  transferTo?: string;
  voices?: Record<string, string>;
  greeting?: string;
  smsWebhookUrl?: string;
  smsWebhookSecretEnc?: string;
}

/** Publishable and secret keys, stored as SHA-256 hashes; the key itself is shown once. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id),
    kind: text('kind', { enum: ['publishable', 'secret'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    /** First characters, to tell keys apart in a listing. */
    prefix: text('prefix').notNull(),
    createdAt: integer('created_at').notNull(),
    /** When the key stops working: set by rotation (after the overlap) or revocation. */
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_by_hash').on(t.keyHash), index('api_keys_by_app').on(t.appId)],
);

/** Server-wide settings that must survive restarts (e.g. the session-signing key id). */
export const serverSettings = sqliteTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
