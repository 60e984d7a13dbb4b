import { inArray } from 'drizzle-orm';
import { bulkInsert, selectIn } from '../db/bulk-insert';
import type { Database, Db } from '../db/database';
import { rawRows } from '../db/hot-queries';
import { customers, identities } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';

/** Viewers remembered per process: a busy room brings tens of thousands, each ~150 bytes here. */
const VIEWER_CACHE_MAX = 200_000;

/**
 * Which customer each viewer `(app, kind, viewerId)` is, as this process last saw it committed, and
 * the `identity_changes` counter it was seen at. Identities move or go only by a merge, a re-link or
 * an erase, and each of those raises the counter in its own transaction (triggers on `identities`,
 * whoever writes: any domain, any process, raw SQL). A batch reads the counter inside its write
 * transaction — where no other writer can move it until COMMIT — and drops everything when it moved.
 * So a cached viewer is exactly what the look-up would have found, without the look-up: a flood's
 * batches, ~1,000 viewers each and mostly seen before, skip one indexed query per 500 viewers.
 */
interface ViewerCache {
  /** The counter the entries were read at; null: nothing is cached yet. */
  changes: number | null;
  /** `${appId}\u0001${kind}` → viewerId → customerId. */
  byApp: Map<string, Map<string, string>>;
  size: number;
}

const viewerCaches = new WeakMap<Database, ViewerCache>();

function viewerCacheOf(database: Database): ViewerCache {
  let cache = viewerCaches.get(database);
  if (!cache) {
    cache = { changes: null, byApp: new Map(), size: 0 };
    viewerCaches.set(database, cache);
  }
  return cache;
}

/**
 * The customer this process last saw each viewer committed as, without a query or a transaction
 * (null: not cached). A guess, for work started ahead of the transaction (sealing): only
 * `resolveViewers`, in the transaction, says who a viewer is.
 */
export function cachedViewer(
  database: Database,
  appId: string,
  kind: string,
): (viewerId: string) => string | null {
  const cached = viewerCacheOf(database).byApp.get(`${appId}\u0001${kind}`);
  return (viewerId) => cached?.get(viewerId) ?? null;
}

/** The `identity_changes` counter, read in the caller's transaction (null: the row is missing). */
async function identityChangesIn(db: Db): Promise<number | null> {
  const [row] = await rawRows(db, 'select changes from identity_changes where id = 1', []);
  return row ? Number(row.changes) : null;
}

/**
 * Finds or creates, in the caller's transaction, the customers a batch's viewers are: one
 * `(kind, viewerId)` identity each — verified, since the secret key vouches for it (SPEC §3) — so
 * a user whose identity token later carries the same handle is, or merges with, this customer.
 * Identities always point at the surviving customer of a merge, so no alias is followed here.
 * Everything is done in bulk: one indexed look-up per 500 viewers not in this process's cache (see
 * ViewerCache) and multi-row inserts for the new. Also returns the `identity_changes` counter read
 * in this transaction (the timeline drain's memory keys on it: timeline-drain.ts).
 */
export async function resolveViewers(
  deps: Pick<ServiceDeps, 'clock' | 'database'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  appId: string,
  kind: string,
  viewers: Map<string, string | null>,
): Promise<{ customerOf: Map<string, string>; identityChanges: number | null }> {
  const cache = viewerCacheOf(deps.database);
  const changes = await identityChangesIn(db);
  if (changes === null || changes !== cache.changes) {
    cache.byApp.clear();
    cache.size = 0;
    cache.changes = changes;
  }
  const cacheKey = `${appId}\u0001${kind}`;
  const cached = cache.byApp.get(cacheKey);
  const found = new Map<string, string>();
  const unknown: string[] = [];
  for (const viewerId of viewers.keys()) {
    const customerId = cached?.get(viewerId);
    if (customerId) found.set(viewerId, customerId);
    else unknown.push(viewerId);
  }
  if (unknown.length > 0)
    for (const [viewerId, customerId] of await lookUp(db, appId, kind, unknown))
      found.set(viewerId, customerId);
  // Remembered once this transaction commits (a rollback takes its new customers with it), and only
  // while the counter is still the one read here: a writer after us in the same group commit (an
  // erase) raises it, and the next batch then reads a new value and starts over.
  if (changes !== null && unknown.length > 0) {
    onCommit(() => {
      if (cache.changes !== changes) return;
      let inApp = cache.byApp.get(cacheKey);
      if (!inApp) {
        inApp = new Map();
        cache.byApp.set(cacheKey, inApp);
      }
      for (const viewerId of unknown) {
        const customerId = found.get(viewerId);
        if (!customerId || inApp.has(viewerId)) continue;
        if (cache.size >= VIEWER_CACHE_MAX) {
          // Bounded: start over rather than track recency per viewer on the flood's path.
          cache.byApp.clear();
          cache.size = 0;
          inApp = new Map();
          cache.byApp.set(cacheKey, inApp);
        }
        inApp.set(viewerId, customerId);
        cache.size++;
      }
    });
  }
  const missing = unknown.filter((id) => !found.has(id));
  if (missing.length === 0) return { customerOf: found, identityChanges: changes };

  const now = deps.clock.now();
  // Time-ordered ids: a room's new viewers land together at the end of the customers and
  // identities indexes instead of at random pages all over them.
  const created = missing.map((viewerId) => ({ viewerId, customerId: createSortableId('cus', now) }));
  await bulkInsert(
    db,
    { table: customers, columns: ['id', 'appId', 'identified', 'name', 'createdAt', 'updatedAt'] },
    created.map((c) => [c.customerId, appId, 1, viewers.get(c.viewerId) ?? null, now, now]),
  );
  const chunks = await bulkInsert(
    db,
    {
      table: identities,
      columns: ['id', 'appId', 'customerId', 'kind', 'value', 'valueEnc', 'verified', 'createdAt'],
      skipConflicts: true,
    },
    created.map((c) => [createSortableId('idn', now), appId, c.customerId, kind, c.viewerId, null, 1, now]),
  );
  // A chunk that lost rows met viewers another API process created first: use theirs, drop ours.
  const lost = chunks
    .filter((chunk) => chunk.inserted < chunk.size)
    .flatMap((chunk) => created.slice(chunk.offset, chunk.offset + chunk.size));
  const lostIds = new Set(lost.map((c) => c.viewerId));
  for (const c of created) if (!lostIds.has(c.viewerId)) found.set(c.viewerId, c.customerId);
  if (lost.length > 0) {
    const owners = await lookUp(
      db,
      appId,
      kind,
      lost.map((c) => c.viewerId),
    );
    const orphans: string[] = [];
    for (const c of lost) {
      const owner = owners.get(c.viewerId);
      found.set(c.viewerId, owner ?? c.customerId);
      if (owner && owner !== c.customerId) orphans.push(c.customerId);
    }
    if (orphans.length > 0) await db.delete(customers).where(inArray(customers.id, orphans));
  }
  return { customerOf: found, identityChanges: changes };
}

async function lookUp(
  db: Db,
  appId: string,
  kind: string,
  viewerIds: string[],
): Promise<Map<string, string>> {
  const rows = await selectIn(
    db,
    {
      select: 'value, customer_id',
      from: 'identities',
      where: 'app_id = ? and kind = ?',
      whereArgs: [appId, kind],
      column: 'value',
    },
    viewerIds,
  );
  return new Map(rows.map((row) => [row[0] as string, row[1] as string]));
}
