import { type AppAnswer, DEFAULT_CHANNELS, type UpdateAppBody } from '@threadline/sdk-core/protocol';
import { and, eq, isNull } from 'drizzle-orm';
import { type AppSettings, agents, agentTokens, apiKeys, apps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomSecret, sha256 } from '../platform/secrets';

export type AppRow = typeof apps.$inferSelect;

export interface CreatedApp {
  appId: string;
  publishableKey: string;
  secretKey: string;
  identitySecret: string;
  agentToken: string;
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
      allowedOrigins: options.allowedOrigins ?? [],
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
  return created;
}

/** Finds the app an API key belongs to, or null for an unknown or revoked key. */
export async function findAppByKey(
  deps: Pick<ServiceDeps, 'database'>,
  key: string,
): Promise<{ app: AppRow; kind: 'publishable' | 'secret' } | null> {
  const [row] = await deps.database.db
    .select({ app: apps, kind: apiKeys.kind })
    .from(apiKeys)
    .innerJoin(apps, eq(apps.id, apiKeys.appId))
    .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
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

export const DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC = 7 * 24 * 3600;
export const DEFAULT_HANDOFF_TTL_SEC = 600;

/** Applies a merchant's settings change; omitted fields stay, `null` clears. */
export async function updateMerchantApp(
  deps: ServiceDeps,
  appId: string,
  change: UpdateAppBody,
): Promise<AppRow> {
  return deps.database.write(async (db) => {
    const [current] = await db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    if (!current) throw new ApiError('not_found', 'App not found.');
    const settings: AppSettings = { ...current.settings };
    if (change.identityTokenMaxLifetimeSec !== undefined) {
      settings.identityTokenMaxLifetimeSec = change.identityTokenMaxLifetimeSec;
    }
    if (change.handoffTtlSec !== undefined) settings.handoffTtlSec = change.handoffTtlSec;
    if (change.handoffUrlBase !== undefined) {
      if (change.handoffUrlBase === null) delete settings.handoffUrlBase;
      else settings.handoffUrlBase = change.handoffUrlBase;
    }
    if (change.wechat !== undefined) {
      if (change.wechat === null) delete settings.wechat;
      else
        settings.wechat = { appId: change.wechat.appId, secretEnc: deps.sealer.seal(change.wechat.secret) };
    }
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
    return updated!;
  });
}

/** The app as its merchant sees it: no secrets, effective defaults filled in. */
export function toAppAnswer(app: AppRow): AppAnswer {
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
      wechat: app.settings.wechat ? { appId: app.settings.wechat.appId } : null,
    },
  };
}
