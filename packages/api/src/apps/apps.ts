import {
  type AppAnswer,
  appOrigin,
  DEFAULT_CHANNELS,
  linkBase,
  type RateLimitSettings,
  type RotateKeyAnswer,
  type RotateKeyBody,
  type UpdateAppBody,
} from '@threadline/sdk-core/protocol';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
// The audit log's own module, not the audit index: the index brings its router, whose imports
// reach insights/metrics, which reads DEFAULT_APP_TIME_ZONE from this module (a cycle that a
// worker importing the sources meets before this module has run).
import { type AuditActor, MERCHANT_ACTOR, recordAudit } from '../audit/audit-log';
import type { Db } from '../db/database';
import { type AppSettings, agents, agentTokens, apiKeys, apps, type VoiceSettings } from '../db/schema';
import { DEFAULT_RATE_LIMITS } from '../http/rate-limits';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomSecret, sha256 } from '../platform/secrets';
import { ianaZoneName } from '../platform/time-zones';

export type AppRow = typeof apps.$inferSelect;

export interface CreatedApp {
  appId: string;
  publishableKey: string;
  secretKey: string;
  identitySecret: string;
  agentToken: string;
  /** Things the merchant should fix (e.g. no allowed origin); the CLI prints them. */
  warnings?: string[];
}

export interface CreateMerchantAppOptions {
  name: string;
  allowedOrigins?: string[];
  settings?: Omit<AppSettings, 'wechat'>;
  extraChannels?: string[];
  agentName?: string;
  agentSkills?: string[];
  /** The mini-program's appid and secret; the secret is sealed at rest. */
  wechat?: { appId: string; secret: string };
}

/** Creates an app with its keys and a first agent (a supervisor). The plain keys are returned once, never stored. */
export async function createMerchantApp(
  deps: ServiceDeps,
  options: CreateMerchantAppOptions,
): Promise<CreatedApp> {
  const origins = (options.allowedOrigins ?? []).map((origin) => {
    const parsed = appOrigin.safeParse(origin);
    if (!parsed.success)
      throw new ApiError(
        'validation_failed',
        `"${origin}" is not an origin: use scheme://host[:port], e.g. https://shop.example.`,
      );
    return parsed.data;
  });
  if (
    options.settings?.handoffUrlBase !== undefined &&
    !linkBase.safeParse(options.settings.handoffUrlBase).success
  )
    throw new ApiError('validation_failed', 'handoffUrlBase must be an http(s) URL.');
  const warnings: string[] = [];
  if (origins.length === 0)
    warnings.push(
      'No allowed origin: any website can start sessions with this publishable key. Set one with --origin https://your-shop.example (or PATCH /v1/app allowedOrigins).',
    );
  const now = deps.clock.now();
  const created: CreatedApp = {
    appId: createId('app'),
    publishableKey: randomSecret('pk'),
    secretKey: randomSecret('sk', 32),
    identitySecret: randomSecret('is', 32),
    agentToken: randomSecret('at', 32),
  };
  await deps.database.write(async (db) => {
    await db.insert(apps).values({
      id: created.appId,
      name: options.name,
      identitySecretEnc: deps.sealer.seal(created.identitySecret),
      allowedOrigins: origins,
      extraChannels: options.extraChannels ?? [],
      settings: {
        ...options.settings,
        ...(options.wechat
          ? { wechat: { appId: options.wechat.appId, secretEnc: deps.sealer.seal(options.wechat.secret) } }
          : {}),
      },
      createdAt: now,
    });
    for (const [kind, key] of [
      ['publishable', created.publishableKey],
      ['secret', created.secretKey],
    ] as const) {
      await db.insert(apiKeys).values({
        id: createId('key'),
        appId: created.appId,
        kind,
        keyHash: sha256(key),
        prefix: key.slice(0, 8),
        createdAt: now,
      });
    }
    // The shop's first agent is its supervisor; its token does not expire (it can be revoked).
    const agentId = createId('agt');
    await db.insert(agents).values({
      id: agentId,
      appId: created.appId,
      name: options.agentName ?? 'Agent',
      role: 'supervisor',
      skills: options.agentSkills ?? [],
      createdAt: now,
      updatedAt: now,
    });
    await db.insert(agentTokens).values({
      id: createId('atk'),
      appId: created.appId,
      agentId,
      tokenHash: sha256(created.agentToken),
      label: 'first agent token',
      createdBy: 'app_create',
      createdAt: now,
    });
  });
  return warnings.length > 0 ? { ...created, warnings } : created;
}

/** Finds the app an API key belongs to, or null for an unknown key or one past its end (rotation). */
export async function findAppByKey(
  deps: Pick<ServiceDeps, 'database'>,
  key: string,
  now: number,
): Promise<{ app: AppRow; kind: 'publishable' | 'secret' } | null> {
  const [row] = await deps.database.db
    .select({ app: apps, kind: apiKeys.kind })
    .from(apiKeys)
    .innerJoin(apps, eq(apps.id, apiKeys.appId))
    .where(and(eq(apiKeys.keyHash, sha256(key)), or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now))))
    .limit(1);
  return row ?? null;
}

/** How long a rotated credential keeps working by default: long enough to roll out the new one. */
export const DEFAULT_ROTATION_OVERLAP_SEC = 24 * 3600;

/**
 * Issues a new publishable key, secret key, agent token or identity secret. The ones it replaces
 * keep working for `overlapSec` (default one day, 0 = stop now), so deployments can switch without
 * downtime; a leaked one is ended at once with 0. Audited as `app.key_rotated` (the kind, the
 * agent for an agent token, an API key's public prefix, the overlap and the caller's address;
 * never a key or secret) in the rotation's own transaction.
 */
export async function rotateCredential(
  deps: ServiceDeps,
  appId: string,
  body: RotateKeyBody,
  by: ChangedBy = BY_MERCHANT,
): Promise<RotateKeyAnswer> {
  const now = deps.clock.now();
  const until = now + (body.overlapSec ?? DEFAULT_ROTATION_OVERLAP_SEC) * 1000;
  const key =
    body.kind === 'publishable'
      ? randomSecret('pk')
      : body.kind === 'secret'
        ? randomSecret('sk', 32)
        : body.kind === 'identity'
          ? randomSecret('is', 32)
          : randomSecret('at', 32);
  await deps.database.write(async (db) => {
    await recordAudit(deps, db, {
      appId,
      actor: by.actor,
      action: 'app.key_rotated',
      subject: body.kind === 'agent' ? { type: 'agent', id: body.agentId! } : { type: 'app', id: appId },
      details: {
        kind: body.kind,
        // Only API keys keep a public prefix (stored beside their hash, shown in key lists); an
        // agent token or identity secret has none worth giving away.
        prefix: body.kind === 'publishable' || body.kind === 'secret' ? key.slice(0, 8) : null,
        overlapSec: (until - now) / 1000,
        previousValidUntil: iso(until),
        from: by.from,
      },
    });
    if (body.kind === 'identity') {
      const [app] = await db.select().from(apps).where(eq(apps.id, appId));
      if (!app) throw new ApiError('not_found', 'App not found.');
      // Every secret still accepted ends after this overlap (never later than it already would).
      const previous = [
        { secretEnc: app.identitySecretEnc, validUntil: until },
        ...(app.settings.previousIdentitySecrets ?? []).map((p) => ({
          ...p,
          validUntil: Math.min(p.validUntil, until),
        })),
      ]
        .filter((p) => p.validUntil > now)
        .slice(0, MAX_PREVIOUS_IDENTITY_SECRETS);
      await db
        .update(apps)
        .set({
          identitySecretEnc: deps.sealer.seal(key),
          settings: { ...app.settings, previousIdentitySecrets: previous },
        })
        .where(eq(apps.id, appId));
      return;
    }
    if (body.kind === 'agent') {
      const [agent] = await db
        .select()
        .from(agents)
        .where(and(eq(agents.id, body.agentId!), eq(agents.appId, appId)));
      if (!agent) throw new ApiError('not_found', 'No such agent.');
      // Every live token of the agent ends after the overlap (never later than it already would).
      await db
        .update(agentTokens)
        .set({ expiresAt: until })
        .where(
          and(
            eq(agentTokens.agentId, agent.id),
            isNull(agentTokens.revokedAt),
            or(isNull(agentTokens.expiresAt), gt(agentTokens.expiresAt, until)),
          ),
        );
      await db.insert(agentTokens).values({
        id: createId('atk'),
        appId,
        agentId: agent.id,
        tokenHash: sha256(key),
        label: 'rotated',
        createdBy: 'merchant',
        createdAt: now,
      });
      return;
    }
    // Every live key of the kind ends after the overlap (never later than it already would).
    await db
      .update(apiKeys)
      .set({ revokedAt: until })
      .where(
        and(
          eq(apiKeys.appId, appId),
          eq(apiKeys.kind, body.kind),
          or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, until)),
        ),
      );
    await db.insert(apiKeys).values({
      id: createId('key'),
      appId,
      kind: body.kind,
      keyHash: sha256(key),
      prefix: key.slice(0, 8),
      createdAt: now,
    });
  });
  return { kind: body.kind, key, prefix: key.slice(0, 8), previousValidUntil: iso(until) };
}

export async function getApp(deps: Pick<ServiceDeps, 'database'>, appId: string): Promise<AppRow> {
  const [row] = await deps.database.db.select().from(apps).where(eq(apps.id, appId)).limit(1);
  if (!row) throw new ApiError('not_found', 'App not found.');
  return row;
}

/** The 12 defaults plus the app's own slugs. */
export function appChannels(app: AppRow): string[] {
  return [...DEFAULT_CHANNELS, ...app.extraChannels];
}

export function assertKnownChannel(app: AppRow, channel: string): void {
  if (!appChannels(app).includes(channel)) {
    throw new ApiError('unknown_channel', `Channel "${channel}" is not enabled for this app.`);
  }
}

export function identitySecretOf(deps: Pick<ServiceDeps, 'sealer'>, app: AppRow): string {
  return deps.sealer.open(app.identitySecretEnc);
}

/** Identity secrets a rotation replaced that are still inside their overlap at `now`. */
export function previousIdentitySecretsOf(
  deps: Pick<ServiceDeps, 'sealer'>,
  app: AppRow,
  now: number,
): string[] {
  return (app.settings.previousIdentitySecrets ?? [])
    .filter((previous) => previous.validUntil > now)
    .map((previous) => deps.sealer.open(previous.secretEnc));
}

/** Who made a change and from which address, for the audit log. */
type ChangedBy = { actor: AuditActor; from: string | null };
/** The merchant's backend with no address known (the CLI, or a caller that passes none). */
const BY_MERCHANT: ChangedBy = { actor: MERCHANT_ACTOR, from: null };

/** Records a change of the shop's language, whichever route made it (`app.language_updated`). */
function recordLanguageChange(
  deps: ServiceDeps,
  db: Db,
  appId: string,
  by: ChangedBy,
  previous: string | null,
  language: string | null,
) {
  return recordAudit(deps, db, {
    appId,
    actor: by.actor,
    action: 'app.language_updated',
    subject: { type: 'app', id: appId },
    details: { previous, language, from: by.from },
  });
}

/** Rotations kept in their overlap at once; older ones end (a rotation never extends another). */
const MAX_PREVIOUS_IDENTITY_SECRETS = 4;

export const DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC = 7 * 24 * 3600;
export const DEFAULT_HANDOFF_TTL_SEC = 600;
/** The region for phone numbers written without a country code when an app sets none. */
export const DEFAULT_PHONE_REGION = 'CN';

/**
 * An app's settings as the audit log may show them: every field but the sealed secrets and the
 * identity secrets a rotation keeps, which appear only as the names of secrets set or cleared.
 */
function auditableSettings(app: Pick<AppRow, 'name' | 'allowedOrigins' | 'extraChannels' | 'settings'>) {
  const { previousIdentitySecrets: _kept, wechat, voice, ...plain } = app.settings;
  const { twilioAuthTokenEnc: _token, smsWebhookSecretEnc: _secret, ...voicePlain } = voice ?? {};
  return {
    name: app.name,
    allowedOrigins: app.allowedOrigins,
    extraChannels: app.extraChannels,
    ...plain,
    wechat: wechat ? { appId: wechat.appId } : null,
    voice: voice ? voicePlain : null,
  } as Record<string, unknown>;
}

/** The names of the secrets a change set or cleared (their values are never recorded). */
function secretsTouched(change: UpdateAppBody): string[] {
  const touched: string[] = [];
  if (change.wechat !== undefined) touched.push('wechat.secret');
  if (change.voice === null) touched.push('voice.twilioAuthToken', 'voice.smsWebhookSecret');
  else if (change.voice) {
    if (change.voice.twilioAuthToken !== undefined) touched.push('voice.twilioAuthToken');
    if (change.voice.smsWebhookSecret !== undefined) touched.push('voice.smsWebhookSecret');
  }
  return touched;
}

/**
 * Applies a merchant's settings change; omitted fields stay, `null` clears. A change that moved
 * anything is audited as `app.updated` (the fields changed, each one's previous and new value,
 * the names of secrets set or cleared, never their values, and the caller's address); a language
 * change is also recorded as `app.language_updated`, as the console's language page records it, so
 * one action answers "who changed the shop's language" whichever way it was changed.
 */
export async function updateMerchantApp(
  deps: ServiceDeps,
  appId: string,
  change: UpdateAppBody,
  by: ChangedBy = BY_MERCHANT,
): Promise<AppRow> {
  return deps.database.write(async (db) => {
    const [current] = await db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    if (!current) throw new ApiError('not_found', 'App not found.');
    const settings: AppSettings = { ...current.settings };
    if (change.identityTokenMaxLifetimeSec !== undefined) {
      settings.identityTokenMaxLifetimeSec = change.identityTokenMaxLifetimeSec;
    }
    if (change.handoffTtlSec !== undefined) settings.handoffTtlSec = change.handoffTtlSec;
    if (change.phoneRegion !== undefined) settings.phoneRegion = change.phoneRegion;
    if (change.timeZone !== undefined) settings.timeZone = canonicalZone(change.timeZone);
    if (change.language !== undefined) {
      if (change.language === null) delete settings.language;
      else settings.language = change.language;
    }
    if (change.rateLimits !== undefined) {
      if (change.rateLimits === null) delete settings.rateLimits;
      else settings.rateLimits = { ...settings.rateLimits, ...change.rateLimits };
    }
    if (change.messageRetentionDays !== undefined) {
      if (change.messageRetentionDays === null) delete settings.messageRetentionDays;
      else settings.messageRetentionDays = change.messageRetentionDays;
    }
    if (change.handoffUrlBase !== undefined) {
      if (change.handoffUrlBase === null) delete settings.handoffUrlBase;
      else settings.handoffUrlBase = change.handoffUrlBase;
    }
    if (change.wechat !== undefined) {
      if (change.wechat === null) delete settings.wechat;
      else
        settings.wechat = { appId: change.wechat.appId, secretEnc: deps.sealer.seal(change.wechat.secret) };
    }
    if (change.voice !== undefined) settings.voice = applyVoiceChange(deps, settings.voice, change.voice);
    const [updated] = await db
      .update(apps)
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.allowedOrigins !== undefined ? { allowedOrigins: change.allowedOrigins } : {}),
        ...(change.extraChannels !== undefined
          ? {
              extraChannels: [...new Set(change.extraChannels)].filter(
                (c) => !DEFAULT_CHANNELS.includes(c as never),
              ),
            }
          : {}),
        settings,
      })
      .where(eq(apps.id, appId))
      .returning();
    const previousView = auditableSettings(current);
    const nowView = auditableSettings(updated!);
    const changed = Object.keys({ ...previousView, ...nowView }).filter(
      (key) => JSON.stringify(previousView[key]) !== JSON.stringify(nowView[key]),
    );
    const secrets = secretsTouched(change);
    if (changed.length > 0 || secrets.length > 0) {
      await recordAudit(deps, db, {
        appId,
        actor: by.actor,
        action: 'app.updated',
        subject: { type: 'app', id: appId },
        details: {
          changed,
          previous: Object.fromEntries(changed.map((key) => [key, previousView[key] ?? null])),
          now: Object.fromEntries(changed.map((key) => [key, nowView[key] ?? null])),
          secretsSet: secrets,
          from: by.from,
        },
      });
    }
    if (changed.includes('language')) {
      await recordLanguageChange(
        deps,
        db,
        appId,
        by,
        (previousView.language as string | undefined) ?? null,
        (nowView.language as string | undefined) ?? null,
      );
    }
    return updated!;
  });
}

/**
 * Sets the shop's language alone (a supervisor in the console, or the secret key). The apps row is
 * rewritten, which also empties the verified-session cache, so the widget's next
 * GET /v1/conversation speaks it. A real change is audited with who made it and from where; saving
 * the same value again changes nothing and records nothing.
 */
export async function setAppLanguage(
  deps: ServiceDeps,
  appId: string,
  language: string | null,
  by: ChangedBy,
): Promise<{ language: string | null }> {
  return deps.database.write(async (db) => {
    const [current] = await db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    if (!current) throw new ApiError('not_found', 'App not found.');
    const before = current.settings.language ?? null;
    if (before === language) return { language };
    const settings: AppSettings = { ...current.settings };
    if (language === null) delete settings.language;
    else settings.language = language;
    await db.update(apps).set({ settings }).where(eq(apps.id, appId));
    await recordLanguageChange(deps, db, appId, by, before, language);
    return { language };
  });
}

/** The app as its merchant sees it: no secrets, effective defaults filled in. */
export function toAppAnswer(
  app: AppRow,
  limits: RateLimitSettings = { ...DEFAULT_RATE_LIMITS, ...app.settings.rateLimits },
): AppAnswer {
  return {
    app: {
      id: app.id,
      name: app.name,
      allowedOrigins: app.allowedOrigins,
      channels: appChannels(app),
      identityTokenMaxLifetimeSec:
        app.settings.identityTokenMaxLifetimeSec ?? DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
      handoffTtlSec: app.settings.handoffTtlSec ?? DEFAULT_HANDOFF_TTL_SEC,
      handoffUrlBase: app.settings.handoffUrlBase ?? null,
      phoneRegion: app.settings.phoneRegion ?? DEFAULT_PHONE_REGION,
      rateLimits: limits,
      wechat: app.settings.wechat ? { appId: app.settings.wechat.appId } : null,
      voice: {
        twilioConfigured: !!app.settings.voice?.twilioAuthTokenEnc,
        transferTo: app.settings.voice?.transferTo ?? null,
        voices: app.settings.voice?.voices ?? {},
        greeting: app.settings.voice?.greeting ?? null,
        smsWebhookUrl: app.settings.voice?.smsWebhookUrl ?? null,
      },
      messageRetentionDays: app.settings.messageRetentionDays ?? null,
      timeZone: app.settings.timeZone ?? DEFAULT_APP_TIME_ZONE,
      language: app.settings.language ?? null,
    },
  };
}

/** Voice settings after a change: omitted fields stay, null clears one (or, for the whole, all). */
function applyVoiceChange(
  deps: Pick<ServiceDeps, 'sealer'>,
  current: VoiceSettings | undefined,
  change: UpdateAppBody['voice'],
): VoiceSettings | undefined {
  if (change === null || change === undefined) return change === null ? undefined : current;
  const next: VoiceSettings = { ...current };
  const set = <K extends keyof VoiceSettings>(key: K, value: VoiceSettings[K] | null | undefined) => {
    if (value === undefined) return;
    if (value === null) delete next[key];
    else next[key] = value;
  };
  set('twilioAuthTokenEnc', change.twilioAuthToken && deps.sealer.seal(change.twilioAuthToken));
  set('transferTo', change.transferTo);
  set('voices', change.voices);
  set('greeting', change.greeting);
  set('smsWebhookUrl', change.smsWebhookUrl);
  set('smsWebhookSecretEnc', change.smsWebhookSecret && deps.sealer.seal(change.smsWebhookSecret));
  return next;
}

/** The time zone of an app that never set one: the demo store (and our first market) is in China. */
export const DEFAULT_APP_TIME_ZONE = 'Asia/Shanghai';

/**
 * The canonical IANA spelling of a zone the protocol already validated (`asia/shanghai` →
 * `Asia/Shanghai`, `europe/kiev` → `Europe/Kyiv`), so settings and answers carry one name per zone.
 */
export function canonicalZone(timeZone: string): string {
  return ianaZoneName(new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone);
}
