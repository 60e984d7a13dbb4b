import type {
  LiveAnswerSettings,
  LiveHotSettings,
  LiveRoom,
  LiveSettingsAnswer,
  LiveSettingsBody,
} from '@threadline/sdk-core/protocol';
import { and, eq, inArray } from 'drizzle-orm';
import { type AppRow, assertKnownChannel } from '../apps';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { kbProducts } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId, randomSecret } from '../platform/secrets';
import { liveRooms, liveSettings } from './schema';

export type LiveRoomRow = typeof liveRooms.$inferSelect;

export const DEFAULT_HOT: LiveHotSettings = { minAskers: 5, minShare: 0.2, maxHot: 3, maxListed: 10 };
export const DEFAULT_ANSWERS: LiveAnswerSettings = { enabled: true, mentionsPerMessage: 20, intervalSec: 15 };

/**
 * Livestream channels are the ones named `<platform>_live` (douyin_live, taobao_live, or an app's
 * own such as kuaishou_live); their viewers are identities of kind `<platform>`.
 */
export function viewerKindOf(app: AppRow, channel: string): string {
  assertKnownChannel(app, channel);
  const match = /^([a-z][a-z0-9]*)_live$/.exec(channel);
  if (!match) {
    throw new ApiError(
      'not_a_livestream_channel',
      `Channel "${channel}" is not a livestream channel (livestream channels are named <platform>_live, e.g. douyin_live).`,
    );
  }
  return match[1]!;
}

/** The room of a channel, created on first sight. */
export async function ensureRoom(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  app: AppRow,
  channel: string,
  platformRoomId: string,
): Promise<LiveRoomRow> {
  viewerKindOf(app, channel);
  const found = await findRoom(deps.database.db, app.id, channel, platformRoomId);
  if (found) return found;
  const now = deps.clock.now();
  await deps.database.write(async (db) => {
    await db
      .insert(liveRooms)
      .values({
        id: createSortableId('lrm', now),
        appId: app.id,
        channel,
        platformRoomId,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();
  });
  return (await findRoom(deps.database.db, app.id, channel, platformRoomId))!;
}

/** The room, read fresh (its shelf moves during the show, possibly through another process). */
export async function findRoom(
  db: Db,
  appId: string,
  channel: string,
  platformRoomId: string,
): Promise<LiveRoomRow | null> {
  const query = hotQuery(db, 'live.roomByPlatformId', (d) =>
    d
      .select()
      .from(liveRooms)
      .where(
        and(
          eq(liveRooms.appId, slot('appId')),
          eq(liveRooms.channel, slot('channel')),
          eq(liveRooms.platformRoomId, slot('roomId')),
        ),
      )
      .limit(1)
      .prepare(),
  );
  const [row] = await query.all({ appId, channel, roomId: platformRoomId });
  return row ?? null;
}

export async function roomById(db: Db, id: string): Promise<LiveRoomRow | null> {
  const [row] = await db.select().from(liveRooms).where(eq(liveRooms.id, id)).limit(1);
  return row ?? null;
}

/** The room or a 404: the same answer whether it does not exist or belongs to another app. */
export async function requireRoom(
  db: Db,
  appId: string,
  channel: string,
  platformRoomId: string,
): Promise<LiveRoomRow> {
  const room = await findRoom(db, appId, channel, platformRoomId);
  if (!room) throw new ApiError('not_found', `No room ${platformRoomId} on ${channel}.`);
  return room;
}

export async function listRooms(db: Db, appId: string, channel?: string): Promise<LiveRoomRow[]> {
  return db
    .select()
    .from(liveRooms)
    .where(
      channel ? and(eq(liveRooms.appId, appId), eq(liveRooms.channel, channel)) : eq(liveRooms.appId, appId),
    )
    .orderBy(liveRooms.updatedAt)
    .limit(100);
}

export async function updateRoom(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  room: LiveRoomRow,
  change: { title?: string | null; replyUrl?: string | null },
): Promise<LiveRoomRow> {
  return deps.database.write(async (db) => {
    const [row] = await db
      .update(liveRooms)
      .set({
        ...(change.title !== undefined ? { title: change.title || null } : {}),
        ...(change.replyUrl !== undefined ? { replyUrl: change.replyUrl } : {}),
        updatedAt: deps.clock.now(),
      })
      .where(eq(liveRooms.id, room.id))
      .returning();
    return row!;
  });
}

/** The connector's shelf for the current segment; unknown product ids are refused. */
export async function updateShelf(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  room: LiveRoomRow,
  shelf: { segment?: string; productIds: string[] },
): Promise<LiveRoomRow> {
  const productIds = [...new Set(shelf.productIds)];
  if (productIds.length > 0) {
    const known = await deps.database.db
      .select({ id: kbProducts.id })
      .from(kbProducts)
      .where(and(eq(kbProducts.appId, room.appId), inArray(kbProducts.id, productIds)));
    const unknown = productIds.filter((id) => !known.some((k) => k.id === id));
    if (unknown.length > 0) {
      throw new ApiError('validation_failed', 'The shelf names products the catalog does not have.', [
        { path: ['productIds'], message: `unknown: ${unknown.slice(0, 10).join(', ')}` },
      ]);
    }
  }
  const now = deps.clock.now();
  return deps.database.write(async (db) => {
    const [row] = await db
      .update(liveRooms)
      .set({ shelf: { segment: shelf.segment || null, productIds, since: now }, updatedAt: now })
      .where(eq(liveRooms.id, room.id))
      .returning();
    return row!;
  });
}

/** The room as the API shows it; product names come from the catalog. */
export async function toWireRoom(db: Db, room: LiveRoomRow, lastCommentAt: number | null): Promise<LiveRoom> {
  const names = new Map<string, string>();
  if (room.shelf.productIds.length > 0) {
    const rows = await db
      .select({ id: kbProducts.id, name: kbProducts.name })
      .from(kbProducts)
      .where(and(eq(kbProducts.appId, room.appId), inArray(kbProducts.id, room.shelf.productIds)));
    for (const row of rows) names.set(row.id, row.name);
  }
  return {
    channel: room.channel,
    roomId: room.platformRoomId,
    title: room.title,
    replyUrl: room.replyUrl,
    shelf: {
      segment: room.shelf.segment,
      products: room.shelf.productIds.map((id) => ({ id, name: names.get(id) ?? null })),
      since: room.shelf.since === null ? null : iso(room.shelf.since),
    },
    pinned: room.pinned
      ? { questionKey: room.pinned.questionKey, text: room.pinned.text, at: iso(room.pinned.at) }
      : null,
    createdAt: iso(room.createdAt),
    lastCommentAt: lastCommentAt === null ? null : iso(lastCommentAt),
  };
}

export interface EffectiveLiveSettings {
  replyUrl: string | null;
  replySecret: string | null;
  answers: LiveAnswerSettings;
  hot: LiveHotSettings;
}

/** The app's livestream settings with defaults filled in; the reply secret opened. */
export async function liveSettingsOf(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
): Promise<EffectiveLiveSettings> {
  const [row] = await deps.database.db
    .select()
    .from(liveSettings)
    .where(eq(liveSettings.appId, appId))
    .limit(1);
  return {
    replyUrl: row?.replyUrl ?? null,
    replySecret: row?.replySecretEnc ? deps.sealer.open(row.replySecretEnc) : null,
    answers: { ...DEFAULT_ANSWERS, ...(row?.answers ?? {}) },
    hot: { ...DEFAULT_HOT, ...(row?.hot ?? {}) },
  };
}

/** `PUT /v1/live/settings`: merges the change; a reply secret is issued with the first reply URL (or on rotation). */
export async function updateLiveSettings(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock'>,
  appId: string,
  change: LiveSettingsBody,
): Promise<LiveSettingsAnswer> {
  return deps.database.write(async (db) => {
    const [row] = await db.select().from(liveSettings).where(eq(liveSettings.appId, appId)).limit(1);
    const replyUrl = change.replyUrl !== undefined ? change.replyUrl : (row?.replyUrl ?? null);
    const issue = change.rotateReplySecret === true || (!row?.replySecretEnc && replyUrl !== null);
    const replySecret = issue ? randomSecret('lrs', 32) : undefined;
    const values = {
      appId,
      replyUrl,
      replySecretEnc: replySecret ? deps.sealer.seal(replySecret) : (row?.replySecretEnc ?? null),
      answers: { ...(row?.answers ?? {}), ...(change.answers ?? {}) },
      hot: { ...(row?.hot ?? {}), ...(change.hot ?? {}) },
      updatedAt: deps.clock.now(),
    };
    await db
      .insert(liveSettings)
      .values(values)
      .onConflictDoUpdate({ target: liveSettings.appId, set: values });
    return {
      settings: {
        replyUrl,
        answers: { ...DEFAULT_ANSWERS, ...values.answers },
        hot: { ...DEFAULT_HOT, ...values.hot },
      },
      ...(replySecret ? { replySecret } : {}),
    };
  });
}
