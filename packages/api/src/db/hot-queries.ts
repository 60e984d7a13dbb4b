import type { Client, InValue } from '@libsql/client';
import { Column, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
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
  return db.all<Record<string, unknown>>(sqlOf(statement, args));
}

/**
 * Runs one statement that returns no rows (no RETURNING clause), like `rawRows`, and answers how
 * many rows it changed and the rowid of the last row it inserted. SQLite's RETURNING costs: it
 * runs the statement into a temporary table and steps the rows out of it, measured at ~20 µs of
 * a send's two-row message INSERT and ~15 µs of its conversation UPDATE (issue 18, speed-18h).
 * A multi-row INSERT into a table whose integer key the database picks gives its rows rising,
 * consecutive keys in VALUES order (the last one is `lastInsertRowid`), which is what callers of
 * `insertedKeys` rely on.
 */
export async function rawRun(
  db: Db,
  statement: string,
  args: InValue[],
): Promise<{ rowsAffected: number; lastInsertRowid: number }> {
  const client = (db as { $client?: Client }).$client;
  const result = client
    ? await client.execute({ sql: statement, args })
    : await db.run(sqlOf(statement, args));
  return {
    rowsAffected: result.rowsAffected,
    lastInsertRowid: result.lastInsertRowid === undefined ? 0 : Number(result.lastInsertRowid),
  };
}

/**
 * The keys of `count` rows one multi-row INSERT just added, in VALUES order: consecutive, ending at
 * the statement's `lastInsertRowid` (SQLite hands an INSERT's rows the next free keys one after
 * another; nothing else inserts into the table while the statement runs, and no trigger writes the
 * tables this is used for).
 */
export function insertedKeys(lastInsertRowid: number, count: number): number[] {
  if (!Number.isSafeInteger(lastInsertRowid) || lastInsertRowid < count) {
    throw new Error(`insert reported no usable last rowid (${lastInsertRowid}) for ${count} rows`);
  }
  const keys = new Array<number>(count);
  for (let i = 0; i < count; i++) keys[i] = lastInsertRowid - count + 1 + i;
  return keys;
}

function sqlOf(statement: string, args: InValue[]): SQL {
  const pieces = statement.split('?');
  if (pieces.length !== args.length + 1) throw new Error('rawRows: one argument per ? expected');
  const chunks: SQL[] = [sql.raw(pieces[0]!)];
  for (const [i, arg] of args.entries()) chunks.push(sql`${arg}`, sql.raw(pieces[i + 1]!));
  return sql.join(chunks);
}

type Decoder = { mapFromDriverValue(value: unknown): unknown };

/** Drizzle's own decoder for columns without a mode: the value as the driver gave it. */
const identityDecoder = Column.prototype.mapFromDriverValue;

/**
 * Reads one table's columns out of a raw row, decoded as drizzle would (JSON columns parsed,
 * boolean columns as booleans; nulls stay null), without drizzle's per-field type checks and path
 * walking. `prefix` is the alias each column was selected under (`selectList`), for joins.
 */
export interface TableRowReader<T> {
  /**
   * `"<alias>"."<column>" as "<prefix><column>", …` — the select list `read` expects; without an
   * alias the columns go unqualified (a RETURNING clause takes no table names).
   */
  selectList(alias?: string): string;
  read(row: Record<string, unknown>): T;
}

const readers = new WeakMap<Table, Map<string, TableRowReader<unknown>>>();

/** A `TableRowReader` for `table`, built once per table and prefix. */
export function tableRowReader<T extends Table>(table: T, prefix = ''): TableRowReader<T['$inferSelect']> {
  let byPrefix = readers.get(table);
  if (!byPrefix) {
    byPrefix = new Map();
    readers.set(table, byPrefix);
  }
  let reader = byPrefix.get(prefix) as TableRowReader<T['$inferSelect']> | undefined;
  if (reader) return reader;
  const fields = Object.entries(getTableColumns(table)).map(([key, column]) => ({
    key,
    name: column.name,
    as: `${prefix}${column.name}`,
    // Text and integer columns without a mode hand the driver's value back as it is.
    decoder: column.mapFromDriverValue === identityDecoder ? null : (column as Decoder),
  }));
  reader = {
    selectList: (alias) =>
      fields.map((f) => `${alias ? `"${alias}".` : ''}"${f.name}" as "${f.as}"`).join(', '),
    read(row) {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const value = row[f.as];
        out[f.key] =
          value === null || value === undefined
            ? null
            : f.decoder
              ? f.decoder.mapFromDriverValue(value)
              : value;
      }
      return out as T['$inferSelect'];
    },
  };
  byPrefix.set(prefix, reader as TableRowReader<unknown>);
  return reader;
}
