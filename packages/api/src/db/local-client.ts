import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type Client,
  createClient,
  type InArgs,
  type InStatement,
  LibsqlError,
  type ResultSet,
  type Row,
  type Transaction,
  type TransactionMode,
} from '@libsql/client';

/**
 * A @libsql/client `Client` for local files that keeps its prepared statements.
 *
 * @libsql/client's file driver prepares every statement again on every execute, which was the
 * largest single cost of a send. This drives the same engine — the `libsql` package that
 * @libsql/client itself loads, resolved from it so the versions always match — on one connection
 * with a bounded statement cache, and returns results in the client's shape (rows readable by
 * column name and by index; integers as numbers, refusing unsafe ones) so drizzle's libsql driver
 * and every caller work unchanged. Durability is the engine's: same file, same pragmas.
 */

interface NativeStatement {
  raw(toggle?: boolean): NativeStatement;
  safeIntegers(toggle?: boolean): NativeStatement;
  columns(): { name: string; type?: string | null }[];
  all(args: unknown): unknown[][];
  run(args: unknown): { changes: number; lastInsertRowid: number | bigint };
}

interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
}

type NativeDatabaseClass = (new (
  path: string,
  options?: object,
) => NativeDatabase) & {
  SqliteError: new (...args: never[]) => Error & { code: string; rawCode?: number };
};

let nativeClass: NativeDatabaseClass | undefined;
function loadNative(): NativeDatabaseClass {
  if (!nativeClass) {
    const fromClient = createRequire(createRequire(import.meta.url).resolve('@libsql/client'));
    nativeClass = fromClient('libsql') as NativeDatabaseClass;
  }
  return nativeClass;
}

let fullGc: (() => void) | undefined;
/**
 * Runs a full garbage collection now (V8's `gc`, taken as jest's leak detector does when the process
 * was not started with --expose-gc). Finalizers of what it frees run on the next turn of the loop.
 */
function collectGarbage(): void {
  fullGc ??= takeGc();
  fullGc?.();
}

/**
 * V8's `gc`, or undefined if it could not be had this time. The flag is process-wide: another thread
 * (the timeline drain worker closing its connection as the main thread closes its own) can turn it
 * off between our two calls, and the new context then has no `gc` — a ReferenceError that failed a
 * worker's close in CI (stop 34). A few tries; failing them, this close leaves its statements to the
 * next natural collection (the descriptors close then) and the next close tries again.
 */
function takeGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  for (let attempt = 0; attempt < 5; attempt++) {
    setFlagsFromString('--expose-gc');
    try {
      const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;
      if (gc) return gc;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return undefined;
}

/** The file path of a plain local URL, or null when the URL needs @libsql/client's own handling. */
export function localPathOf(url: string): string | null {
  if (url === ':memory:') return ':memory:';
  if (!url.startsWith('file:') || url.includes('?') || url.includes('#')) return null;
  let rest = url.slice('file:'.length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== '' && host !== 'localhost') return null;
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (rest === '' || rest === ':memory:') return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

interface Cached {
  statement: NativeStatement;
  returnsData: boolean;
  columns: string[];
  columnTypes: string[];
  /** Rows are objects with the columns as own properties; indices and length come from here. */
  rowPrototype: object;
  /** Two columns share a name (joins): the values by index live in a hidden property instead. */
  duplicateNames: boolean;
  /** It may change a `sessions` or `apps` row (see `credentialRowsVersion`). */
  touchesCredentials: boolean;
  /** Which `WATCHED_TABLES` it may change a row of, one bit each (see `rowsVersion`). */
  touchesWatched: number;
}

/**
 * Tables whose rows the API keeps in memory between writes (webhooks/outbox.ts keeps an app's
 * subscriptions, conversations/messages.ts a customer's open conversation), each with a version
 * that moves on every statement of this connection that may change one of its rows and on any
 * commit of another connection (`rowsVersion`).
 */
export const WATCHED_TABLES = ['webhooks', 'conversations'] as const;
export type WatchedTable = (typeof WATCHED_TABLES)[number];
const WATCHED_PATTERNS = WATCHED_TABLES.map((table) => new RegExp(`\\b${table}\\b`, 'i'));

/**
 * Put first in a statement that changes watched rows whose cache its caller keeps itself (drops the
 * entry before and sets it again once the write commits): it does not move the tables' versions,
 * so the other entries stay. Only for statements that touch exactly the rows their caller handles.
 */
export const CALLER_KEEPS_CACHE = '/* caller keeps cache */ ';

/** The `WATCHED_TABLES` a statement may change a row of, as bits: none for a plain SELECT. */
function watchedTablesOf(sql: string): number {
  if (sql.startsWith(CALLER_KEEPS_CACHE) || /^\s*select\b/i.test(sql)) return 0;
  // A rollback takes back changes that rows read since may show (a savepoint's, a group's).
  if (/^\s*rollback\b/i.test(sql)) return (1 << WATCHED_TABLES.length) - 1;
  let bits = 0;
  for (let i = 0; i < WATCHED_PATTERNS.length; i++) if (WATCHED_PATTERNS[i]!.test(sql)) bits |= 1 << i;
  return bits;
}

/**
 * Whether a statement may change a `sessions` or `apps` row: anything but a plain SELECT that names
 * either table. Generous on purpose — a false alarm only empties the verified-session cache.
 */
const mayChangeCredentials = (sql: string) =>
  !/^\s*select\b/i.test(sql) && /\b(?:sessions|apps)\b/i.test(sql);

const VALUES = Symbol('values');
const MAX_STATEMENTS = 256;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_INTEGER = -9223372036854775808n;
const MAX_INTEGER = 9223372036854775807n;

function rowPrototypeFor(columns: string[], duplicateNames: boolean): object {
  const proto: PropertyDescriptorMap = {
    length: { value: columns.length, enumerable: false },
  };
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    proto[i] = {
      enumerable: false,
      get: duplicateNames
        ? function (this: { [VALUES]: unknown[] }) {
            return this[VALUES][i];
          }
        : function (this: Record<string, unknown>) {
            return this[column];
          },
    };
  }
  return Object.create(Object.prototype, proto);
}

function valueFromSql(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value < MIN_SAFE || value > MAX_SAFE) {
      throw new RangeError('Received integer which cannot be safely represented as a JavaScript number');
    }
    return Number(value);
  }
  if (value instanceof Buffer) return value.buffer;
  return value;
}

function valueToSql(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments');
    }
    return value;
  }
  if (typeof value === 'bigint') {
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      throw new RangeError(
        'bigint is too large to be represented as a 64-bit integer and passed as argument',
      );
    }
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError('undefined cannot be passed as argument to the database');
  return value;
}

function argsToSql(args: InArgs | undefined): unknown {
  if (args === undefined) return [];
  if (Array.isArray(args)) {
    const out = new Array(args.length);
    for (let i = 0; i < args.length; i++) out[i] = valueToSql(args[i]);
    return out;
  }
  const named: Record<string, unknown> = {};
  for (const name in args) {
    const key = name[0] === '@' || name[0] === '$' || name[0] === ':' ? name.substring(1) : name;
    named[key] = valueToSql((args as Record<string, unknown>)[name]);
  }
  return named;
}

const BASE_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
  27: 'SQLITE_NOTICE',
  28: 'SQLITE_WARNING',
};

/** The same error @libsql/client would throw. */
function mapError(error: unknown): unknown {
  const native = loadNative();
  if (error instanceof native.SqliteError) {
    const rawCode = error.rawCode;
    const base =
      rawCode === undefined
        ? 'SQLITE_UNKNOWN'
        : (BASE_CODES[rawCode & 0xff] ?? `SQLITE_UNKNOWN_${rawCode & 0xff}`);
    return new LibsqlError(error.message, base, error.code, rawCode, error);
  }
  return error;
}

function resultSet(
  columns: string[],
  columnTypes: string[],
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns,
    columnTypes,
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON() {
      return {
        columns,
        columnTypes,
        rows: rows.map((row) => Array.prototype.slice.call(row)),
        rowsAffected,
        lastInsertRowid: lastInsertRowid === undefined ? null : lastInsertRowid.toString(),
      };
    },
  };
}

const BEGIN: Record<TransactionMode, string> = {
  write: 'BEGIN IMMEDIATE',
  read: 'BEGIN TRANSACTION READONLY',
  deferred: 'BEGIN DEFERRED',
};

/** A local-file client with a statement cache; `null` when the URL is not a plain local file. */
export function createLocalClient(url: string): Client | null {
  const path = localPathOf(url);
  if (path === null) return null;
  const Native = loadNative();
  const db = new Native(path, {});
  const cache = new Map<string, Cached>();
  let closed = false;
  // Raised by every statement of this connection that may change a sessions or apps row, and
  // whenever another connection (another process, a worker thread) committed anything.
  let credentialChanges = 0;
  // Per watched table, the same for its rows.
  const watchedChanges = WATCHED_TABLES.map(() => 0);
  const touchAllWatched = () => {
    for (let i = 0; i < watchedChanges.length; i++) watchedChanges[i]!++;
  };
  let dataVersion: NativeStatement | undefined;
  let lastDataVersion: unknown;
  /** Reads SQLite's `data_version`: when another connection committed, every version moves. */
  function noteOtherConnections(): void {
    if (!dataVersion) {
      dataVersion = db.prepare('PRAGMA data_version');
      dataVersion.raw(true);
    }
    const now = (dataVersion.all([]) as unknown[][])[0]?.[0];
    if (now !== lastDataVersion) {
      lastDataVersion = now;
      credentialChanges++;
      touchAllWatched();
    }
  }

  let guarded = false;

  function statementFor(sql: string): Cached {
    let cached = cache.get(sql);
    if (cached) {
      // Most recently used last, so the oldest is evicted first.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = db.prepare(sql);
    statement.safeIntegers(true);
    let returnsData = true;
    try {
      statement.raw(true);
    } catch {
      // raw() throws when the statement returns no data (as @libsql/client relies on too).
      returnsData = false;
    }
    const described = returnsData ? statement.columns() : [];
    const columns = described.map((c) => c.name);
    const duplicateNames = new Set(columns).size !== columns.length;
    cached = {
      statement,
      returnsData,
      columns,
      columnTypes: described.map((c) => c.type ?? ''),
      rowPrototype: rowPrototypeFor(columns, duplicateNames),
      duplicateNames,
      touchesCredentials: mayChangeCredentials(sql),
      touchesWatched: watchedTablesOf(sql),
    };
    // Statements that change the schema or the connection are rare: keep the cache for the
    // queries that repeat (BEGIN and COMMIT included).
    if (!/^\s*(PRAGMA|CREATE|DROP|ALTER|ATTACH|DETACH|VACUUM)\b/i.test(sql)) {
      cache.set(sql, cached);
      if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
    }
    return cached;
  }

  function run(sql: string, args: InArgs | undefined): ResultSet {
    // A write group's transaction ended under it (a full disk, a RAISE(ROLLBACK)): a statement now
    // would run in autocommit mode, committed at once, outside the group (see `guardTransaction`).
    if (guarded && sql !== 'ROLLBACK' && sql !== 'COMMIT' && !db.inTransaction)
      throw new LibsqlError(
        'The write transaction was rolled back by an earlier statement; nothing more is written in it.',
        'TRANSACTION_LOST',
      );
    // A COMMIT refused by a deferred foreign key leaves the transaction open (SQLite's rule) and its
    // statement half-ended: the engine (libsql 0.5) resets a statement only before its next run, and
    // an un-reset COMMIT kept this connection's read snapshot after the caller's ROLLBACK, so once
    // another connection committed, every BEGIN IMMEDIATE here failed SQLITE_BUSY_SNAPSHOT (speed-16l
    // §5). Run once and finalized instead, failed or not (a prepare of "COMMIT" costs ~1 µs a group).
    if (sql === 'COMMIT') {
      try {
        db.exec(sql);
      } catch (error) {
        throw mapError(error);
      }
      return resultSet([], [], [], 0, undefined);
    }
    try {
      const {
        statement,
        returnsData,
        columns,
        columnTypes,
        rowPrototype,
        duplicateNames,
        touchesCredentials,
        touchesWatched,
      } = statementFor(sql);
      // Before it runs: a reader that meets the new version reads the row again, after this
      // statement's transaction (reads queue behind it).
      if (touchesCredentials) credentialChanges++;
      if (touchesWatched !== 0) {
        for (let i = 0; i < watchedChanges.length; i++) if (touchesWatched & (1 << i)) watchedChanges[i]!++;
      }
      const bound = argsToSql(args);
      if (!returnsData) {
        const info = statement.run(bound);
        return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
      }
      const raw = statement.all(bound);
      const rows: Row[] = new Array(raw.length);
      for (let r = 0; r < raw.length; r++) {
        const values = raw[r]!;
        for (let i = 0; i < values.length; i++) values[i] = valueFromSql(values[i]);
        const row = Object.create(rowPrototype) as Record<string, unknown>;
        if (duplicateNames) {
          Object.defineProperty(row, VALUES, { value: values, enumerable: false });
          for (let i = 0; i < columns.length; i++) {
            const column = columns[i]!;
            if (!Object.hasOwn(row, column)) row[column] = values[i];
          }
        } else {
          for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
        }
        rows[r] = row as unknown as Row;
      }
      return resultSet(columns, columnTypes, rows, 0, undefined);
    } catch (error) {
      throw mapError(error);
    }
  }

  function checkOpen() {
    if (closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED');
  }

  function normalize(stmt: InStatement | [string, InArgs?]): { sql: string; args?: InArgs } {
    if (typeof stmt === 'string') return { sql: stmt };
    if (Array.isArray(stmt)) return { sql: stmt[0], args: stmt[1] };
    return stmt;
  }

  function inBatch(stmts: (InStatement | [string, InArgs?])[], begin: string): ResultSet[] {
    credentialChanges++;
    touchAllWatched();
    try {
      run(begin, undefined);
      const results = stmts.map((stmt) => {
        const { sql, args } = normalize(stmt);
        return run(sql, args);
      });
      run('COMMIT', undefined);
      return results;
    } finally {
      if (db.inTransaction) run('ROLLBACK', undefined);
    }
  }

  const client = {
    closed: false,
    protocol: 'file',
    async execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
      checkOpen();
      if (typeof stmtOrSql === 'string') return run(stmtOrSql, args);
      return run(stmtOrSql.sql, stmtOrSql.args);
    },
    async batch(stmts: (InStatement | [string, InArgs?])[], mode: TransactionMode = 'deferred') {
      checkOpen();
      return inBatch(stmts, BEGIN[mode]);
    },
    async migrate(stmts: InStatement[]) {
      checkOpen();
      run('PRAGMA foreign_keys=off', undefined);
      try {
        return inBatch(stmts, BEGIN.deferred);
      } finally {
        run('PRAGMA foreign_keys=on', undefined);
      }
    },
    async transaction(mode: TransactionMode = 'write'): Promise<Transaction> {
      // Interactive transactions get their own connection, as with @libsql/client; the API's own
      // writes use `Database.write` on this connection instead.
      const other = createClient({ url });
      try {
        return await other.transaction(mode);
      } finally {
        other.close();
      }
    },
    async executeMultiple(sql: string) {
      checkOpen();
      credentialChanges++;
      touchAllWatched();
      try {
        db.exec(sql);
      } catch (error) {
        throw mapError(error);
      } finally {
        if (db.inTransaction) run('ROLLBACK', undefined);
      }
    },
    /**
     * A number that changes whenever a `sessions` or `apps` row may have changed: by a statement on
     * this connection (counted before it runs), or by any commit of another connection to the file
     * (SQLite's `data_version`, read here: no table is touched). Equal numbers mean both rows read
     * in between are still what the database holds — what the verified-session cache keys on.
     */
    credentialRowsVersion(): number {
      checkOpen();
      noteOtherConnections();
      return credentialChanges;
    },
    /**
     * Reads `data_version` now (see `credentialRowsVersion`), so `rowsVersion` counts every commit
     * of another connection up to this point. `Database.write` calls it once its BEGIN IMMEDIATE
     * holds the write lock: no other connection can commit until that transaction ends.
     */
    noteOtherConnections(): void {
      checkOpen();
      noteOtherConnections();
    },
    /**
     * Whether this connection is inside a transaction now: false after a statement made SQLite
     * roll the whole transaction back (SQLITE_FULL, a trigger's RAISE(ROLLBACK)) — what
     * `Database.write` checks after a writer of a group fails.
     */
    transactionOpen(): boolean {
      return !closed && db.inTransaction;
    },
    /**
     * While on (from a write group's BEGIN to its COMMIT or ROLLBACK), every statement but COMMIT
     * and ROLLBACK is refused once the transaction is gone, so a writer that catches the failure
     * and writes on cannot commit rows in autocommit mode behind the group's back.
     */
    guardTransaction(on: boolean): void {
      guarded = on;
    },
    /**
     * A number that changes with every statement of this connection that may change a row of
     * `table` (counted before it runs; not those marked `CALLER_KEEPS_CACHE`), and with every
     * commit of another connection that `noteOtherConnections` (or `credentialRowsVersion`) saw.
     */
    rowsVersion(table: WatchedTable): number {
      return watchedChanges[WATCHED_TABLES.indexOf(table)]!;
    },
    async sync() {
      throw new LibsqlError(
        'sync is not supported for a local file without a sync URL',
        'SYNC_NOT_SUPPORTED',
      );
    },
    async reconnect() {
      throw new LibsqlError('reconnect is not supported by the local client', 'NOT_SUPPORTED');
    },
    /**
     * Closes the connection for real. The engine (libsql 0.5) lets go only of the database's own
     * handle on the connection: every prepared statement holds another, so with the statement cache
     * (and `data_version`'s statement) SQLite's connection stayed open until those objects were
     * garbage — its descriptors on the file, -wal and -shm, and the checkpoint SQLite runs when a
     * file's last connection closes. On POSIX SQLite also keeps the descriptors of this process's
     * other connections to the file that closed meanwhile (a worker thread's) until this one goes,
     * since closing any descriptor drops the process's locks (review-r: 33 descriptors left after
     * 8 served files closed). So the statements are dropped and collected now; the engine closes
     * the connection from their finalizers, on the next turn of the event loop (a full collection:
     * tens to hundreds of ms on a big heap, once per close).
     */
    close() {
      if (closed) return;
      closed = true;
      client.closed = true;
      cache.clear();
      dataVersion = undefined;
      db.close();
      if (path !== ':memory:') collectGarbage();
    },
  };
  return client as unknown as Client;
}
