import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { customers, erasedCustomers } from '../db/schema';

/**
 * One person's customer ids: the surviving customer and every alias merged into it (aliases of
 * aliases too, bounded as merges are). Export and erase work on all of them, so nothing left on a
 * merged-away id escapes either.
 */
export async function personOf(
  db: Db,
  appId: string,
  customerId: string,
): Promise<{ primary: typeof customers.$inferSelect; ids: string[]; aliasIds: string[] } | null> {
  let [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.appId, appId)));
  for (let depth = 0; row?.mergedInto && depth < 16; depth++) {
    [row] = await db
      .select()
      .from(customers)
      .where(and(eq(customers.id, row.mergedInto), eq(customers.appId, appId)));
  }
  if (!row) return null;
  const ids = new Set([row.id]);
  let frontier = [row.id];
  for (let depth = 0; depth < 16 && frontier.length > 0; depth++) {
    const found = await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.appId, appId), inArray(customers.mergedInto, frontier)));
    frontier = found.map((r) => r.id).filter((id) => !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  return { primary: row, ids: [...ids], aliasIds: [...ids].filter((id) => id !== row!.id) };
}

/** Whether the id was erased (its tombstone is there; in `redact` mode an emptied row stays). */
export async function wasErased(db: Db, appId: string, customerId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: erasedCustomers.customerId })
    .from(erasedCustomers)
    .where(and(eq(erasedCustomers.customerId, customerId), eq(erasedCustomers.appId, appId)));
  return row !== undefined;
}
