import { inArray } from 'drizzle-orm';
import { bulkInsert, selectIn } from '../db/bulk-insert';
import type { Db } from '../db/database';
import { customers, identities } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';

/**
 * Finds or creates, in the caller's transaction, the customers a batch's viewers are: one
 * `(kind, viewerId)` identity each — verified, since the secret key vouches for it (SPEC §3) — so
 * a user whose identity token later carries the same handle is, or merges with, this customer.
 * Identities always point at the surviving customer of a merge, so no alias is followed here.
 * Everything is done in bulk: one indexed look-up per 500 viewers and multi-row inserts for the new.
 */
export async function resolveViewers(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  appId: string,
  kind: string,
  viewers: Map<string, string | null>,
): Promise<Map<string, string>> {
  const ids = [...viewers.keys()];
  const found = await lookUp(db, appId, kind, ids);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length === 0) return found;

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
  return found;
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
