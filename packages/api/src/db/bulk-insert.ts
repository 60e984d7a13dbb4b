import type { InArgs, ResultSet } from '@libsql/client';
import { getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './database';

/**
 * Rows per statement, largest first: a batch is cut greedily into these sizes, so every statement
 * is one of a handful of SQL texts the statement cache keeps prepared (1,000 rows → 10 statements,
 * 5 distinct texts). 256 rows × a dozen columns stays far below SQLite's 32,766 bound parameters.
 */
const CHUNKS = [256, 64, 16, 4, 1] as const;

/** Runs one statement on the handle's connection — inside the caller's transaction when there is one. */
export type RawExecute = (sql: string, args: InArgs) => Promise<ResultSet>;

/**
 * Positional SQL on the same connection (or remote transaction) a drizzle handle uses. Bulk
 * statements skip drizzle's query builder: mapping thousands of named placeholders per statement
 * cost more than running it.
 */
export function rawExecutor(db: Db): RawExecute {
  const session = (db as unknown as { session: { client: Executor; tx?: Executor } }).session;
  const target = session.tx ?? session.client;
  return (sql, args) => target.execute({ sql, args });
}

interface Executor {
  execute(stmt: { sql: string; args: InArgs }): Promise<ResultSet>;
}

export interface BulkInsertSpec {
  table: SQLiteTable;
  /** Column keys as the table's drizzle columns name them, in the order each row gives its values. */
  columns: readonly string[];
  /** `INSERT OR IGNORE`: rows that hit a unique or primary key are skipped. */
  skipConflicts?: boolean;
  /**
   * Values of the first `shared.length` columns, the same in every row (a batch's room): bound
   * once per statement as `?1`… and named by each row, so rows give only the other columns. The
   * driver binds every value at ~0.1–0.3 µs (speed-37), a third of a livestream comment's INSERT.
   */
  shared?: readonly unknown[];
}

/** Per statement: how many of its rows went in, and (when the table has rowids) the rowids they got. */
export interface InsertedChunk {
  /** Index of the chunk's first row in `rows`. */
  offset: number;
  size: number;
  inserted: number;
  /** Rowid of the last row inserted; with `inserted` rows before it counted down, in VALUES order. */
  lastRowid: number;
}

const sqlCache = new WeakMap<SQLiteTable, Map<string, string>>();

function insertSql(spec: BulkInsertSpec, size: number): string {
  let forTable = sqlCache.get(spec.table);
  if (!forTable) {
    forTable = new Map();
    sqlCache.set(spec.table, forTable);
  }
  const shared = spec.shared?.length ?? 0;
  const key = `${spec.skipConflicts ? 'i' : 'p'}|${size}|${shared}|${spec.columns.join(',')}`;
  let text = forTable.get(key);
  if (!text) {
    const columns = spec.table as unknown as Record<string, { name: string }>;
    const names = spec.columns.map((key) => {
      const column = columns[key];
      if (!column?.name) throw new Error(`no column ${key} in ${getTableName(spec.table)}`);
      return `"${column.name}"`;
    });
    let rows: string;
    if (shared === 0) {
      const row = `(${names.map(() => '?').join(',')})`;
      rows = Array.from({ length: size }, () => row).join(',');
    } else {
      // Numbered: ?1…?shared in every row, then each row's own values in order.
      const lead = Array.from({ length: shared }, (_, c) => `?${c + 1}`).join(',');
      const own = names.length - shared;
      rows = Array.from(
        { length: size },
        (_, r) =>
          `(${lead}${Array.from({ length: own }, (_, c) => `,?${shared + r * own + c + 1}`).join('')})`,
      ).join(',');
    }
    text = `insert ${spec.skipConflicts ? 'or ignore ' : ''}into "${getTableName(spec.table)}" (${names.join(',')}) values ${rows}`;
    forTable.set(key, text);
  }
  return text;
}

/**
 * Inserts many rows with multi-row statements inside the caller's transaction. `rows` hold driver
 * values (JSON already as text) in `columns` order. A multi-row INSERT gives the rows it inserts
 * consecutive rowids in VALUES order (skipped rows take none), which is what the chunks report.
 */
export function bulkInsert(
  db: Db,
  spec: BulkInsertSpec,
  rows: readonly (readonly unknown[])[],
): Promise<InsertedChunk[]> {
  return bulkInsertWith(db, spec, rows.length, (r, args) => {
    const row = rows[r]!;
    for (let c = 0; c < row.length; c++) args.push(row[c]);
  });
}

/**
 * `bulkInsert` for hot paths: `writeRow(r, args)` pushes row r's values (in `columns` order, the
 * `shared` ones left out) straight into the statement's arguments, so no array per row is made
 * and copied.
 */
export async function bulkInsertWith(
  db: Db,
  spec: BulkInsertSpec,
  count: number,
  writeRow: (row: number, args: unknown[]) => void,
): Promise<InsertedChunk[]> {
  const execute = rawExecutor(db);
  const chunks: InsertedChunk[] = [];
  let offset = 0;
  for (const size of CHUNKS) {
    while (count - offset >= size) {
      const args: unknown[] = spec.shared ? [...spec.shared] : [];
      for (let r = offset; r < offset + size; r++) writeRow(r, args);
      const result = await execute(insertSql(spec, size), args as InArgs);
      chunks.push({
        offset,
        size,
        inserted: result.rowsAffected,
        lastRowid: Number(result.lastInsertRowid ?? 0),
      });
      offset += size;
    }
  }
  return chunks;
}

/** IN-list sizes: a look-up is padded up to one (repeating a value), so a few statements stay prepared. */
const IN_SIZES = [1, 8, 32, 128, 512] as const;

/**
 * `select <columns> from <table> where <column> in (…)` for many values, 512 a statement, each list
 * padded to one of five sizes so the statement cache keeps them prepared (a fresh SQL text per
 * list length was prepared anew every time, and pushed hot statements out of the cache). Extra
 * conditions go in `where` with their own arguments first. Rows come back as arrays, in no order.
 */
export async function selectIn(
  db: Db,
  query: { select: string; from: string; where?: string; whereArgs?: unknown[]; column: string },
  values: readonly unknown[],
): Promise<unknown[][]> {
  const execute = rawExecutor(db);
  const rows: unknown[][] = [];
  for (let offset = 0; offset < values.length; offset += 512) {
    const slice = values.slice(offset, offset + 512);
    const size = IN_SIZES.find((s) => s >= slice.length)!;
    while (slice.length < size) slice.push(slice[0]);
    const result = await execute(
      `select ${query.select} from ${query.from} where ${query.where ? `${query.where} and ` : ''}${query.column} in (${slice.map(() => '?').join(',')})`,
      [...(query.whereArgs ?? []), ...slice] as InArgs,
    );
    for (const row of result.rows) rows.push(Array.prototype.slice.call(row));
  }
  return rows;
}
