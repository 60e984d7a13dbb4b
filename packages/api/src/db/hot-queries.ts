import type { Client, InValue } from '@libsql/client';
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

/**
 * Runs one statement with positional `?` arguments and returns its rows, without drizzle's query
 * building, named-placeholder filling and row mapping — for the send path's inserts, where those
 * cost more than the statement (profile in docs/notes/issue-18.md). The caller gives driver values
 * (JSON as text) and reads columns by name.
 *
 * On the process's own handle (a local file, inside or outside `database.write`) this is that
 * handle's client, so the statement runs in the caller's transaction exactly as drizzle's would.
 * A remote transaction's handle has no client of its own; there it goes through drizzle's session.
 */
export async function rawRows(
  db: Db,
  statement: string,
  args: InValue[],
): Promise<Record<string, unknown>[]> {
  const client = (db as { $client?: Client }).$client;
  if (client) return (await client.execute({ sql: statement, args })).rows as Record<string, unknown>[];
  const pieces = statement.split('?');
  if (pieces.length !== args.length + 1) throw new Error('rawRows: one argument per ? expected');
  const chunks: SQL[] = [sql.raw(pieces[0]!)];
  for (const [i, arg] of args.entries()) chunks.push(sql`${arg}`, sql.raw(pieces[i + 1]!));
  return db.all<Record<string, unknown>>(sql.join(chunks));
}
