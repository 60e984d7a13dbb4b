import { and, eq, gt } from 'drizzle-orm';
import type { AppRow } from '../apps';
import { apps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { createId, randomSecret, sha256 } from '../platform/secrets';
import type { LiveRoomRow } from './rooms';
import { liveRoomKeys, liveRooms } from './schema';

/** A host key lives 12 hours unless asked otherwise (at most 24). */
export const DEFAULT_HOST_KEY_TTL_SEC = 12 * 3600;

/**
 * A short-lived key for the host's card (`rk_…`): it reads one room's hot questions and pins
 * answers, nothing else. Stored as a SHA-256 hash; the key is returned once.
 */
export async function createHostKey(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  room: LiveRoomRow,
  ttlSec = DEFAULT_HOST_KEY_TTL_SEC,
): Promise<{ key: string; expiresAt: number }> {
  const key = randomSecret('rk', 32);
  const now = deps.clock.now();
  const expiresAt = now + ttlSec * 1000;
  await deps.database.write(async (db) => {
    await db.insert(liveRoomKeys).values({
      id: createId('lrk'),
      appId: room.appId,
      roomId: room.id,
      keyHash: sha256(key),
      expiresAt,
      createdAt: now,
    });
  });
  return { key, expiresAt };
}

/** The room (and app) a host key opens, or null for an unknown or expired key. */
export async function findHostKey(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  key: string,
): Promise<{ app: AppRow; room: LiveRoomRow } | null> {
  const [row] = await deps.database.db
    .select({ app: apps, room: liveRooms })
    .from(liveRoomKeys)
    .innerJoin(liveRooms, eq(liveRooms.id, liveRoomKeys.roomId))
    .innerJoin(apps, eq(apps.id, liveRoomKeys.appId))
    .where(and(eq(liveRoomKeys.keyHash, sha256(key)), gt(liveRoomKeys.expiresAt, deps.clock.now())))
    .limit(1);
  // The key's app is the room's app by construction; checked anyway, as for every credential.
  if (!row || row.room.appId !== row.app.id) return null;
  return row;
}
