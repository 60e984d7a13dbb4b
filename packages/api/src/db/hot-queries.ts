import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './database';

const perHandle = new WeakMap<Db, Map<string, unknown>>();

/**
 * A drizzle prepared query, built once per database handle: building SQL from the query builder
 * costs more than running a cached statement, so the send path's queries are built once. On a
 * local file the handle is the process's one `db` (built once for good); a remote transaction
 * is its own handle, so its queries are built inside it and never run outside it.
 */
export function hotQuery<T>(db: Db, key: string, build: (db: Db) => T): T {
  let queries = perHandle.get(db);
  if (!queries) {
    queries = new Map();
    perHandle.set(db, queries);
  }
  let query = queries.get(key) as T | undefined;
  if (query === undefined) {
    query = build(db);
    queries.set(key, query);
  }
  return query;
}

/** A placeholder passed to the driver as given: the caller supplies driver values (JSON as text). */
export const slot = (name: string): SQL => sql`${sql.placeholder(name)}`;
