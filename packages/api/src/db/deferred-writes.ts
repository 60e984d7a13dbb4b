import type { Database } from './database';

/**
 * Writes a domain makes after it acknowledged a request (today: the livestream's timeline copies
 * of question comments, written from the durable comment log about once a second). A read that
 * must see them — a customer's timeline — calls `settleDeferredWrites` first; the domain that
 * defers registers how to finish its writes. This keeps the reading domains free of an import of
 * the writing one (dependencies point one way).
 *
 * Inside `database.write` it does nothing: a drain already queued behind that very transaction
 * would never finish (and the caller's transaction sees its own writes anyway).
 */
const settlers = new WeakMap<object, Set<() => Promise<void>>>();

/** Registers `settle` for `database`; returns the unregister function (call it on close). */
export function registerDeferredWrites(database: object, settle: () => Promise<void>): () => void {
  let set = settlers.get(database);
  if (!set) {
    set = new Set();
    settlers.set(database, set);
  }
  set.add(settle);
  return () => set.delete(settle);
}

/** Resolves once every write deferred before this call (by any process on the database) is written. */
export async function settleDeferredWrites(database: Pick<Database, 'inWrite'>): Promise<void> {
  const set = settlers.get(database);
  if (!set || set.size === 0 || database.inWrite?.()) return;
  await Promise.all([...set].map((settle) => settle()));
}
