import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Client,
  createClient,
  type InStatement,
  LibsqlError,
  type Transaction,
  type TransactionMode,
} from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { ApiError, hasErrorCode, isDatabaseBusy as isBusy } from '../platform/errors';
import { runDataMigrations } from './data-migrations';
import { createLocalClient, localPathOf, type WatchedTable } from './local-client';
import * as schema from './schema';

export type Db = LibSQLDatabase<typeof schema>;

/** The database handle every service takes: drizzle for queries, `write` for atomic changes. */
export interface Database {
  db: Db;
  client: Client;
  /**
   * Runs `work` atomically: it commits entirely or not at all, and the promise settles after the
   * COMMIT. Concurrent writers in this process wait their turn (locally they may share one COMMIT).
   * Callbacks given to `onCommit` run after COMMIT, in commit order, before the next writer starts
   * — which is what lets realtime publish events in cursor order.
   * `work` may run more than once (a shared COMMIT refused by another writer's deferred key re-runs
   * each writer alone): keep its effects in the database, and anything else in `onCommit`, which
   * runs once, for the committed run only.
   */
  write<T>(work: (db: Db, onCommit: (callback: () => void) => void) => Promise<T>): Promise<T>;
  /**
   * True while the caller runs inside `write`'s work (a local file's transaction shares `db` with
   * reads, so the handle alone cannot tell). Remote databases hand `write` its own `tx` handle.
   */
  inWrite?(): boolean;
  /**
   * Local files only: the file's URL, for a second connection to the same database (a worker
   * thread's). Absent for `:memory:` (another connection would be another database) and remote URLs.
   */
  localFileUrl?: string;
  /**
   * Local files only: lends this process's write turn to another connection (a worker thread's).
   * Waits until no transaction of this connection is open, runs `run`, and starts no new write
   * transaction here until it settles; reads go on meanwhile (WAL). So the two connections of one
   * process never meet each other's lock (no SQLITE_BUSY, no engine busy wait blocking the event
   * loop); another process's lock is still met, and handled, by the borrower's own `write`.
   * Writers queued meanwhile share the next group commit. Refused inside `write` (it would wait
   * for its own transaction). `appends: false`: the borrower writes no row (a checkpoint), so
   * frames appended meanwhile are another process's (`WriteHooks.begun`).
   */
  lendWriteTurn?<T>(run: () => Promise<T>, options?: { appends?: boolean }): Promise<T>;
  /**
   * Local files only: `begun` runs once each group's BEGIN IMMEDIATE holds the write lock (`lent`:
   * since the previous group this process may have written outside a group — the turn lent to a
   * worker thread of this process, or a statement outside `write` that may write), and `committed` once its COMMIT succeeded (null: none). The WAL
   * checkpointer tells another process's writes from this process's with them (wal-checkpointer.ts).
   */
  watchWrites?(hooks: WriteHooks | null): void;
  /**
   * Local files only: a number that changes whenever a `sessions` or `apps` row may have changed —
   * by any statement of this process that may write one, or by any commit of another connection
   * to the file. The verified-session cache (http/auth.ts) keys on it; absent, nothing is cached.
   */
  credentialRowsVersion?(): number;
  /**
   * Local files only, and only for a caller inside `write`'s work: a number that changes whenever a
   * row of `table` may have changed — by any statement of this process that may change one (except
   * those marked `CALLER_KEEPS_CACHE`, whose caller keeps its own entry right), or by a commit of
   * another connection before this write's transaction began (none can commit while it runs).
   * Undefined when no write transaction is open here: cache nothing then.
   */
  rowsVersion?(table: WatchedTable): number | undefined;
  close(): void;
}

export interface DatabaseOptions {
  url: string;
  authToken?: string;
  /**
   * How long a write waits for another process's lock (or a busy libSQL server) before it fails
   * with a retryable 503 `unavailable` (default `WRITE_BUSY_DEADLINE_MS`, 5 s).
   */
  busyDeadlineMs?: number;
  /**
   * Local files: `PRAGMA wal_autocheckpoint` for this connection (default
   * `WAL_AUTOCHECKPOINT_PAGES`). Worker threads' connections pass `WAL_HARD_CAP_PAGES`: the
   * request thread's connection, or the checkpointer (db/wal-checkpointer.ts), keeps the log short.
   */
  walAutocheckpointPages?: number;
  /**
   * Local files: this connection's SQLite page cache, KiB (`PRAGMA cache_size = -n`). Unset:
   * SQLite's default (2 MiB). Only the request thread's connection (`startServer`'s
   * `pageCacheMiB`) asks for more: worker threads' connections keep the default, since every
   * commit by another connection empties a connection's cache, and theirs commit between the
   * request thread's commits (docs/notes/speed-16j.md §4, speed-16k.md).
   */
  pageCacheKiB?: number;
}

/** Where drizzle-kit's committed migrations live: the package's drizzle/ folder, from dist/ or src/db/. */
export function findMigrationsFolder(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`drizzle migrations not found above ${from}`);
}

/**
 * The database holds customer data: its file is created (or narrowed to) owner read/write only,
 * before the engine opens it — SQLite gives its -wal and -shm files the database file's mode.
 */
function restrictFileMode(url: string): void {
  const path = localPathOf(url.split('?')[0]!.split('#')[0]!);
  if (!path || path === ':memory:') return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Created 0600 only when missing, and never opened otherwise: closing ANY descriptor of a file drops
  // every POSIX lock this process holds on it (SQLite's among them), so opening and closing a file
  // another connection of this process already uses — each worker thread's createDatabase did — let
  // another process delete the -wal under it and lost acknowledged rows (review-t).
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      // Not there yet (the engine makes it with the file's mode), or not ours to change.
    }
  }
}

/**
 * Opens a libSQL database. For local files every statement goes through one connection,
 * serialised by an in-process queue: @libsql/client would otherwise open a fresh connection per
 * interactive transaction (slow, and racy against other writers), and a reader could see another
 * request's uncommitted rows. Remote URLs (libsql://, http://) use the server's transactions.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const isLocal = options.url.startsWith('file:') || options.url === ':memory:';
  if (isLocal) restrictFileMode(options.url);
  // Plain local files get the statement-caching client; anything else (remote, URL options) the stock one.
  const raw =
    (isLocal ? createLocalClient(options.url) : null) ??
    createClient({ url: options.url, authToken: options.authToken });
  const deadlineMs = options.busyDeadlineMs ?? WRITE_BUSY_DEADLINE_MS;
  if (!isLocal) return remoteDatabase(raw, deadlineMs);
  // Per connection. The engine's own busy wait blocks the event loop (the engine is synchronous),
  // so it is kept short; longer waits for another process's write lock are taken asynchronously
  // below, where streams and reads keep running meanwhile.
  raw.execute(`PRAGMA busy_timeout = ${ENGINE_BUSY_TIMEOUT_MS}`).catch(() => undefined);
  // NORMAL still survives a process crash (SIGKILL).
  raw.execute('PRAGMA synchronous = NORMAL').catch(() => undefined);
  // Deleted rows are zeroed, not left in freed pages: erasing a customer's data key must remove
  // its bytes from the file (see `truncateWriteAheadLog` for the log's old frames).
  raw.execute('PRAGMA secure_delete = ON').catch(() => undefined);
  // A row that `INSERT OR REPLACE` / `UPDATE OR REPLACE` pushes out fires its DELETE triggers only
  // with this on (SQLite's default is off): the per-slot insight totals (migration 0019) are kept
  // by triggers, and a replaced row left in them would be counted twice. A libSQL server cannot
  // get it: sqld refuses to set it ("unsupported statement", SQL_PARSE_ERROR; it only reads it,
  // as 0) and runs each transaction on a connection of its own — see `remoteDatabase`.
  raw.execute('PRAGMA recursive_triggers = ON').catch(() => undefined);
  // Checkpoint every ~40 MiB of log instead of SQLite's ~4 MiB. A livestream batch writes a few
  // hundred pages (two timeline indexes take random inserts), so the default ran a checkpoint —
  // a copy into the file and two fsyncs, inside some request's COMMIT, blocking the event loop —
  // every ~3 batches, re-copying the same hot pages each time; measured: COMMIT wall time −45 %
  // in a comment flood (notes/issue-16-speed2.md). The cost is a larger -wal file (kept, reused)
  // and a rarer, longer checkpoint. Erasure does not depend on it: `truncateWriteAheadLog`
  // empties the log explicitly.
  // A served process hands the checkpoints to a worker thread (db/wal-checkpointer.ts), which
  // raises this connection's limit to `WAL_HARD_CAP_PAGES` once it runs.
  raw
    .execute(`PRAGMA wal_autocheckpoint = ${options.walAutocheckpointPages ?? WAL_AUTOCHECKPOINT_PAGES}`)
    .catch(() => undefined);
  // Negative: a size in KiB, not in pages. The cache is filled on demand, so an idle process does
  // not hold it.
  const cacheKiB = options.pageCacheKiB;
  if (cacheKiB !== undefined && Number.isSafeInteger(cacheKiB) && cacheKiB > 0)
    raw.execute(`PRAGMA cache_size = -${cacheKiB}`).catch(() => undefined);

  const transactionStore = new AsyncLocalStorage<TransactionScope>();
  // Set when this process may have appended frames to the log outside a write group — the turn lent
  // to a worker thread of this process, a statement outside `write` that may write — and cleared at
  // the next group's BEGIN: `WriteHooks.begun` then counts the frames since as this process's own.
  let ownFramesOutsideGroups = false;
  // The store follows every continuation started inside a write's work, timers and promises left
  // running included, after that write has finished. Such a late caller must not count as inside
  // a transaction: it would run its statements outside the queue (into whatever transaction is
  // open then, or past another connection's lock) and "join" a write that already committed.
  // So a scope is closed when its work ends, and a closed scope counts as none.
  const inTransaction = {
    getStore(): TransactionScope | undefined {
      const scope = transactionStore.getStore();
      return scope && !scope.closed ? scope : undefined;
    },
  };
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    if (inTransaction.getStore()) return task();
    // Nothing queued or running: nothing to wait for, so skip the promise chain.
    if (queued === 0) {
      queued++;
      let run: Promise<T>;
      try {
        run = task();
      } catch (error) {
        run = Promise.reject(error);
      }
      tail = run.then(done, done);
      return run;
    }
    queued++;
    const run = tail.then(task, task);
    tail = run.then(done, done);
    return run;
  };
  const done = () => {
    queued--;
  };

  const client = new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop === 'execute') {
        return (stmt: InStatement, args?: unknown) => {
          const run = () => (target.execute as (s: InStatement, a?: unknown) => Promise<never>)(stmt, args);
          // Inside a transaction the lock is held already; outside, a statement may meet another
          // process's checkpoint or lock and is tried again after a pause, off the queue.
          if (inTransaction.getStore()) return run();
          if (mayAppend(stmt)) ownFramesOutsideGroups = true;
          return retryWhileBusy(() => serialize(run), deadlineMs);
        };
      }
      if (prop === 'batch') {
        return (stmts: InStatement[], mode?: TransactionMode) => {
          if (stmts.some(mayAppend)) ownFramesOutsideGroups = true;
          return serialize(() => target.batch(stmts, mode));
        };
      }
      const value = Reflect.get(target, prop, receiver);
      // The client keeps private fields, so its methods must run against the real object.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Client;

  const db = drizzle(client, { schema });

  // Group commit: writers that queue up while a transaction runs share the next one. Each keeps
  // its own savepoint, so one failing writer rolls back alone; every writer's promise settles only
  // after the shared COMMIT, so an acknowledged write is as durable as before — it just shares the
  // COMMIT (and the WAL pages it writes) with its neighbours.
  const waiting: PendingWrite[] = [];
  let groupScheduled = false;
  // The group starts on the next turn of the event loop, not at once: the engine is synchronous,
  // so a transaction started at once would run to its COMMIT before any other request of the same
  // turn reached `write` — every send would pay a COMMIT (and write its own WAL pages) alone.
  // Waiting one turn lets every writer whose request arrived in this turn share it.
  const scheduleGroup = () => {
    if (groupScheduled) return;
    groupScheduled = true;
    setImmediate(() => void serialize(runGroup));
  };
  let busyRetries = 0;
  const noteOtherConnections = (raw as { noteOtherConnections?: () => void }).noteOtherConnections?.bind(raw);
  // The local client says whether a transaction is still open, and refuses a group's statements once
  // it is not (`guardTransaction`); others are judged by ROLLBACK TO alone.
  const transactionOpen = (raw as { transactionOpen?: () => boolean }).transactionOpen?.bind(raw);
  const guardTransaction = (raw as { guardTransaction?: (on: boolean) => void }).guardTransaction?.bind(raw);
  // True from BEGIN IMMEDIATE (other connections' commits noted) to COMMIT/ROLLBACK: `rowsVersion`.
  let groupOpen = false;
  // Set while the write turn is lent to another connection (`lendWriteTurn`): no group starts.
  let lent: Promise<void> | null = null;
  let lending: Promise<unknown> = Promise.resolve();
  let writeHooks: WriteHooks | null = null;
  // The transaction store is on only while a group runs. An enabled AsyncLocalStorage makes Node
  // run a hook for every promise (and async resource) the process creates — request parsing,
  // routing, responses included — which cost ~1 % of a send's CPU and ~5 % of its allocations
  // (issue 18). Between groups no write's work runs (each scope is closed when its work ends), so
  // "no store" is the right answer for every caller then; continuations a work left behind find
  // no store, as they found a closed scope before.
  const runGroup = async () => {
    try {
      await runGroupInScope();
    } finally {
      transactionStore.disable();
    }
  };
  const runGroupInScope = async () => {
    if (lent) {
      // Stay scheduled: the group starts once the borrower is done.
      void lent.then(() => {
        groupScheduled = false;
        scheduleGroup();
      });
      return;
    }
    groupScheduled = false;
    // Writers marked `alone` (a group's COMMIT refused by a constraint, below) wait at the front of
    // the queue and run one per transaction; the others share one, up to MAX_GROUP.
    let size = 0;
    if (waiting[0]?.alone) size = 1;
    else while (size < MAX_GROUP && size < waiting.length && !waiting[size]!.alone) size++;
    const group = waiting.splice(0, size);
    if (group.length === 0) return;
    const outcomes: { write: PendingWrite; ok: boolean; value: unknown; committed: (() => void)[] }[] = [];
    try {
      await raw.execute('BEGIN IMMEDIATE');
      guardTransaction?.(true);
    } catch (error) {
      if (isBusy(error)) {
        // Another process holds the write lock. Give the queue back (reads go on meanwhile) and
        // try again shortly; writers past their deadline get a retryable 503 instead of waiting on.
        const now = Date.now();
        const late = group.filter((write) => now - write.since > deadlineMs);
        for (const write of late) write.reject(unavailable(error));
        waiting.unshift(...group.filter((write) => !late.includes(write)));
        setTimeout(scheduleGroup, busyPause(busyRetries++));
        return;
      }
      for (const write of group) write.reject(error);
      if (waiting.length > 0) scheduleGroup();
      return;
    }
    busyRetries = 0;
    // The write lock is held: commits of other connections up to now are seen here, and no more
    // can come until this transaction ends (what `rowsVersion` promises).
    try {
      noteOtherConnections?.();
      groupOpen = true;
    } catch {
      // Without it no row is cached in this group.
    }
    writeHooks?.begun(ownFramesOutsideGroups);
    ownFramesOutsideGroups = false;
    if (waiting.length > 0) scheduleGroup();
    /**
     * The whole transaction is gone in the middle of the group (SQLITE_FULL, a trigger's
     * RAISE(ROLLBACK): SQLite rolls back the transaction, not just the statement). The writers
     * before `index` are undone: a retryable 503 for those that had succeeded (nothing of theirs
     * is stored; a retry with the same clientMessageId stores it once), their own error for those
     * that had failed. The writer at `index` gets `error` when it ran (`ran`), else goes back in the
     * queue with the ones after it, first, as after a failed first writer. Without this a writer
     * after it ran outside any transaction (its SAVEPOINT opening one, its RELEASE committing it)
     * and was then answered with the group's failed COMMIT: stored, yet told it failed.
     */
    const abandon = async (index: number, error: unknown, ran: boolean) => {
      groupOpen = false;
      await raw.execute('ROLLBACK').catch(() => undefined);
      guardTransaction?.(false);
      waiting.unshift(...group.slice(ran ? index + 1 : index));
      if (waiting.length > 0) scheduleGroup();
      for (const outcome of outcomes) outcome.write.reject(outcome.ok ? unavailable(error) : outcome.value);
      if (ran) group[index]!.reject(error);
    };
    for (const [index, write] of group.entries()) {
      // A writer before this one caught the failure that ended the transaction and returned.
      if (index > 0 && transactionOpen?.() === false)
        return abandon(index, unavailable(TRANSACTION_LOST), false);
      const committed: (() => void)[] = [];
      const scope: TransactionScope = { closed: false, onCommit: (callback) => committed.push(callback) };
      // The first writer needs no savepoint: nothing is in the transaction before it, so if it fails
      // the whole transaction rolls back and the rest of the group goes first in the queue again.
      // Two statements fewer per group (a send alone in its group pays none; issue 18).
      const first = index === 0;
      if (!first) await raw.execute('SAVEPOINT group_write');
      try {
        // Awaited inside the scope: a work that returns a lazy drizzle query (a thenable) runs it in
        // the transaction, not behind it.
        let value: unknown;
        try {
          value = await transactionStore.run(scope, async () => await write.work(db, scope.onCommit));
        } finally {
          scope.closed = true;
        }
        // It caught a failure that ended the transaction and went on: what it wrote before is undone
        // and what it wrote after was refused (the local client's guard), so it stored nothing.
        if (transactionOpen?.() === false) return abandon(index, unavailable(TRANSACTION_LOST), true);
        if (!first) await raw.execute('RELEASE group_write');
        outcomes.push({ write, ok: true, value, committed });
      } catch (error) {
        if (first) {
          groupOpen = false;
          await raw.execute('ROLLBACK').catch(() => undefined);
          guardTransaction?.(false);
          waiting.unshift(...group.slice(1));
          if (waiting.length > 0) scheduleGroup();
          write.reject(error);
          return;
        }
        const rolledBack = await raw.execute('ROLLBACK TO group_write').then(
          () => true,
          () => false,
        );
        if (!rolledBack || transactionOpen?.() === false) return abandon(index, error, true);
        await raw.execute('RELEASE group_write').catch(() => undefined);
        outcomes.push({ write, ok: false, value: error, committed });
      }
    }
    groupOpen = false;
    try {
      await raw.execute('COMMIT');
    } catch (error) {
      await raw.execute('ROLLBACK').catch(() => undefined);
      guardTransaction?.(false);
      if (group.length > 1 && isConstraintFailure(error)) {
        // A deferred foreign key (DEFERRABLE INITIALLY DEFERRED, or `PRAGMA defer_foreign_keys`) is
        // checked at COMMIT, for the whole transaction: it does not say whose row broke it, and
        // rejecting the group refused writers that broke nothing (review-t). Everything is rolled
        // back (the writers' statements and the onCommit callbacks they left, never run), so each
        // writer runs again in a transaction of its own, first in the queue and in order: the
        // culprit's COMMIT fails alone, the others are stored once, and their callbacks run once.
        for (const write of group) write.alone = true;
        waiting.unshift(...group);
        scheduleGroup();
        return;
      }
      for (const write of group) write.reject(error);
      if (waiting.length > 0) scheduleGroup();
      return;
    }
    guardTransaction?.(false);
    writeHooks?.committed();
    // Still inside the serialised slot: events are published in commit order before anyone else writes.
    for (const outcome of outcomes) {
      if (outcome.ok) {
        runAll(outcome.committed);
        outcome.write.resolve(outcome.value);
      } else {
        outcome.write.reject(outcome.value);
      }
    }
  };

  const credentialRowsVersion = (raw as { credentialRowsVersion?: () => number }).credentialRowsVersion;
  const rawRowsVersion = (raw as { rowsVersion?: (table: WatchedTable) => number }).rowsVersion;
  return {
    db,
    client,
    ...(credentialRowsVersion ? { credentialRowsVersion: credentialRowsVersion.bind(raw) } : {}),
    ...(rawRowsVersion && noteOtherConnections
      ? {
          rowsVersion: (table: WatchedTable) => (groupOpen ? rawRowsVersion.call(raw, table) : undefined),
        }
      : {}),
    inWrite: () => inTransaction.getStore() !== undefined,
    localFileUrl: options.url === ':memory:' ? undefined : options.url,
    watchWrites: (hooks) => {
      writeHooks = hooks;
    },
    lendWriteTurn: <T>(run: () => Promise<T>, options?: { appends?: boolean }): Promise<T> => {
      if (inTransaction.getStore()) {
        return Promise.reject(new Error('lendWriteTurn inside a write would wait for itself'));
      }
      // One borrower at a time; each takes its turn in the queue, so no transaction of ours is open.
      const turn = lending.then(
        () =>
          new Promise<T>((resolve, reject) => {
            void serialize(async () => {
              let result: Promise<T>;
              try {
                result = run();
              } catch (error) {
                result = Promise.reject(error);
              }
              const gate: Promise<void> = result.then(
                () => {
                  if (lent === gate) lent = null;
                },
                () => {
                  if (lent === gate) lent = null;
                },
              );
              lent = gate;
              if (options?.appends !== false) ownFramesOutsideGroups = true;
              result.then(resolve, reject);
            });
          }),
      );
      lending = turn.catch(() => undefined);
      return turn;
    },
    write: <T>(work: WriteWork<T>) => {
      // A write inside a write joins the transaction it is already in.
      const scope = inTransaction.getStore();
      if (scope) return work(db, scope.onCommit);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ work, resolve: resolve as (value: unknown) => void, reject, since: Date.now() });
        scheduleGroup();
      });
    },
    close: () => raw.close(),
  };
}

export interface WriteHooks {
  begun(lent: boolean): void;
  committed(): void;
}

type WriteWork<T> = (db: Db, onCommit: (callback: () => void) => void) => Promise<T>;

interface TransactionScope {
  /** Set when the write's work has ended: continuations it left behind are outside any write. */
  closed: boolean;
  onCommit(callback: () => void): void;
}

interface PendingWrite {
  /** When it was queued (ms), for the busy deadline. */
  since: number;
  work: WriteWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Runs in a transaction of its own: its group's COMMIT was refused by a constraint. */
  alone?: boolean;
}

/** Writers sharing one COMMIT at most; bounds how long the first of them waits for the last. */
const MAX_GROUP = 64;

/**
 * A libSQL server (sqld, Turso). No per-connection pragmas: each transaction runs on a server
 * connection of its own, and sqld refuses to set `recursive_triggers` (checked against sqld in
 * test/recursive-triggers-every-connection.test.ts). So on a server, a `REPLACE` on
 * `insight_conversations` / `insight_contacts` would leave the row it pushes out counted in
 * `insight_slot_totals` (a double count until the totals are refilled): writers of those tables use
 * upserts (`ON CONFLICT … DO UPDATE`), `UPDATE OR IGNORE` and `DELETE`, which the triggers follow
 * without it — never `REPLACE`.
 */
function remoteDatabase(client: Client, deadlineMs: number): Database {
  // The write running now: its guard's state (see `guardRemoteTransaction`), and its transaction
  // for a write inside it to join.
  const writeScope = new AsyncLocalStorage<RemoteWriteState>();
  // Every interactive transaction is guarded, not only a write's: an embedder's own
  // `database.client.transaction()` (or `db.transaction()` outside `write`) that catches a loss and
  // writes on would otherwise have its later statements committed in autocommit (review-v).
  const guarded = new Proxy(client, {
    get(target, prop) {
      if (prop === 'transaction') {
        return async (mode?: TransactionMode) => {
          // The write's state belongs to the one transaction drizzle opens for it; another opened
          // later by work the write left running gets its own (review-x).
          const scope = writeScope.getStore();
          const state =
            scope && !scope.opened ? scope : { lost: false, opened: true, closed: false, committed: [] };
          state.opened = true;
          return guardRemoteTransaction(await target.transaction(mode), state);
        };
      }
      // The client's getters (`closed`) read private fields: they run against the real object.
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Client;
  const db = drizzle(guarded, { schema });
  return {
    db,
    client: guarded,
    // One interactive transaction per write (BEGIN IMMEDIATE, a Hrana stream over HTTP or
    // WebSocket): no group commit and no savepoints, which cost a round trip each here. A write the
    // server refused as busy committed nothing and is run again, as a whole, until the deadline.
    write: async (work) => {
      // A write inside a write joins the transaction it is already in, as the local one does: the
      // product nests writes (a livestream escalation queues its conversation inside the comment's
      // write). On its own it would wait for the outer write's lock until the server rolled the
      // outer back (sqld: 5 s), then commit alone — its rows stored, the caller told 503 (review-z).
      const outer = writeScope.getStore();
      if (outer?.tx && !outer.closed) {
        const into = outer;
        return work(into.tx as Db, (cb) => into.committed.push(cb));
      }
      let started = Date.now();
      /** Runs the server ended for their length (see the catch below). */
      let timedOut = 0;
      for (let attempt = 0; ; attempt++) {
        const committed: (() => void)[] = [];
        const state: RemoteWriteState = { lost: false, opened: false, closed: false, committed };
        try {
          const result = await writeScope.run(state, () =>
            db.transaction(async (tx) => {
              state.tx = tx as unknown as Db;
              try {
                const value = await work(tx as unknown as Db, (cb) => committed.push(cb));
                // It caught a failure that ended the whole transaction and returned: nothing of it
                // is stored (what it ran after was refused), so it is answered as locally, a
                // retryable 503.
                if (state.lost) throw unavailable(TRANSACTION_LOST);
                return value;
              } finally {
                // Continuations the work left running are outside this write from now on: they must
                // not join a transaction that is committing or committed.
                state.closed = true;
              }
            }),
          );
          runAll(committed);
          return result;
        } catch (error) {
          if (!isBusy(error)) {
            // A statement after a caught loss was refused (TRANSACTION_LOST) and the work let that
            // refusal out: nothing of the transaction is stored — a retryable 503, not a 500.
            if (state.lost && hasErrorCode(error, REFUSED_AFTER_LOSS)) throw unavailable(TRANSACTION_LOST);
            throw error;
          }
          // The server ended this run for holding its lock too long while another writer waited
          // (sqld's TRANSACTION_TIMEOUT, 5 s: as long as the default deadline). That time was spent
          // running, not waiting for another's lock, and it reached the server's limit, so it
          // always came past the deadline: counted, the run again the answer promises ("nothing
          // stored, run again as a whole") never came, and every such write was a 503 (review-z).
          // The first such end starts the deadline again: the run again may wait for others' locks
          // as long as a fresh write would (so a write answers within about twice the deadline
          // plus the server's limit); a second end is answered by the deadline as any busy one.
          if (hasErrorCode(error, SERVER_TRANSACTION_TIMEOUT) && timedOut++ === 0) started = Date.now();
          else if (Date.now() - started > deadlineMs) throw unavailable(error);
          await sleep(busyPause(attempt));
        }
      }
    },
    close: () => client.close(),
  };
}

/** A libSQL server's end of a transaction that held the write lock past its limit while another waited. */
const SERVER_TRANSACTION_TIMEOUT = 'TRANSACTION_TIMEOUT';

/** The code of the guard's own refusal of a statement after the loss (not of the one that caused it). */
const REFUSED_AFTER_LOSS = 'TRANSACTION_LOST';

interface RemoteWriteState {
  /** A statement of the write ended the server's transaction (a RAISE(ROLLBACK), a full disk). */
  lost: boolean;
  /** Its transaction was opened: a later one in the same async scope is not the write's. */
  opened: boolean;
  /** The write's transaction, once open: a write inside it joins it. */
  tx?: Db;
  /** Its work has ended: continuations it left running are outside it. */
  closed: boolean;
  /** Callbacks to run once it commits (its own and those of writes that joined it). */
  committed: (() => void)[];
}

/**
 * A remote write's transaction, guarded as the local one is (`guardTransaction` in local-client.ts).
 * When a statement makes the server roll the whole transaction back (a trigger's RAISE(ROLLBACK),
 * SQLITE_FULL), the stream is back in autocommit mode: a writer that caught the failure and wrote on
 * had each later statement committed at once, on its own, and was then answered with the failed
 * COMMIT ("cannot commit - no transaction is active") — stored, yet told it failed; a retry stored
 * it twice (shown against sqld over http:// and libsql://, ckpt-34). So after a statement fails, the
 * transaction is checked with `BEGIN`: refused inside a transaction, it runs only outside one (then
 * rolled back at once) — one round trip, on failures only. Once lost, every statement but ROLLBACK
 * is refused here, and the write (or the commit of a transaction an embedder opened on
 * `database.client` itself) answers a retryable 503 (`remoteDatabase`).
 */
function guardRemoteTransaction(tx: Transaction, state: RemoteWriteState): Transaction {
  const refuse = () => {
    throw new LibsqlError(
      'The write transaction was rolled back by an earlier statement; nothing more is written in it.',
      REFUSED_AFTER_LOSS,
    );
  };
  const gone = async (): Promise<boolean> => {
    try {
      await tx.execute('BEGIN');
    } catch (error) {
      // Still inside the transaction; anything else (a statement the client did not even send, as
      // @libsql/client does over Hrana 3 outside a transaction) counts as lost.
      return !/within a transaction/i.test(String((error as Error).message));
    }
    await tx.execute('ROLLBACK').catch(() => undefined);
    return true;
  };
  // One statement at a time: the client pipelines statements sent together on the stream, and the
  // server runs one sent beside the statement that ends the transaction in autocommit — committed
  // on its own before the loss is known here (review-x). Each waits until the one before settled
  // (and its probe answered), so it meets `state.lost` already set. Work that awaits each statement,
  // as drizzle's usually does, pays nothing for it; only statements sent together wait.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <R>(run: () => Promise<R>): Promise<R> => {
    const next = turn.then(run);
    turn = next.catch(() => undefined);
    return next;
  };
  const guard =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      inTurn(async () => {
        if (state.lost) refuse();
        try {
          return await run(...args);
        } catch (error) {
          if (!state.lost && (await gone())) state.lost = true;
          throw error;
        }
      });
  return {
    execute: guard((stmt: InStatement) => tx.execute(stmt)),
    batch: guard((stmts: InStatement[]) => tx.batch(stmts)),
    executeMultiple: guard((sql: string) => tx.executeMultiple(sql)),
    // After the statements sent before it. Lost: the server has no transaction to roll back, and
    // its refusal must not hide the answer.
    rollback: () => inTurn(() => (state.lost ? tx.rollback().catch(() => undefined) : tx.rollback())),
    // After the statements sent before it (one still in flight may yet end the transaction). Lost:
    // nothing of it is stored (what came after the loss was refused), so the commit fails as a write
    // does, retryable (`write` itself never gets here lost: it throws first).
    commit: () =>
      inTurn(async () => {
        if (state.lost) throw unavailable(TRANSACTION_LOST);
        await tx.commit();
      }),
    close: () => tx.close(),
    get closed() {
      return tx.closed;
    },
  };
}

/** Applies pending migrations and the pragmas a long-lived local file wants. Idempotent. */
export async function migrateDatabase(database: Database): Promise<void> {
  const url = (database.client as { protocol?: string }).protocol;
  if (url === 'file') {
    // WAL lets readers run beside the writer, and several processes share one file; it is a
    // property of the file, kept once set. (synchronous = NORMAL, the busy timeout and
    // secure_delete are per connection: set when the database is opened.)
    await retryWhileBusy(() => database.client.execute('PRAGMA journal_mode = WAL'));
  }
  await migrate(database.db, { migrationsFolder: findMigrationsFolder() });
  await runDataMigrations(database);
}

function runAll(callbacks: (() => void)[]) {
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // A failing subscriber must not turn a committed write into an error.
    }
  }
}

/** Log pages (4 KiB each) after which a COMMIT copies the write-ahead log into the file. */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/**
 * With the checkpointer running (db/wal-checkpointer.ts), a COMMIT checkpoints in its own thread
 * only past this many log pages (~120 MiB): the checkpointer died, lags, or readers kept the log
 * from restarting three times running. It keeps the log bounded without the worker.
 */
export const WAL_HARD_CAP_PAGES = 30_000;
/** The engine's own busy wait per statement (it blocks the event loop while it waits). */
const ENGINE_BUSY_TIMEOUT_MS = 20;
/** How long a write may wait for another process's lock before it is answered 503 (retryable). */
export const WRITE_BUSY_DEADLINE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A pause that grows from ~5 to ~100 ms with jitter, so waiting processes do not retry in step. */
const busyPause = (attempt: number) =>
  Math.round(Math.min(100, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));

/**
 * Why a writer was answered 503 after a writer of its group caught a failure that ended the whole
 * transaction and carried on: nothing of it was stored; sending again stores it once.
 */
const TRANSACTION_LOST = new Error(
  'A statement of this write group ended the whole transaction (a full disk or a RAISE(ROLLBACK)).',
);

/**
 * Whether a statement run outside `write` may append frames to the log. Reads must say no: a read
 * judged a write makes the checkpointer count another process's frames as this one's and keep its
 * checkpoints (review-v). Unknown statements say yes — a write judged a read would hand the
 * checkpoints back for nothing. Reads: SELECT, EXPLAIN, VALUES, a WITH without a data-changing
 * keyword, a PRAGMA that reads or sets only this connection. Leading comments are skipped.
 */
function mayAppend(stmt: InStatement): boolean {
  const text = (typeof stmt === 'string' ? stmt : stmt.sql).replace(
    /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/,
    '',
  );
  const first = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase();
  if (first === 'SELECT' || first === 'EXPLAIN' || first === 'VALUES') return false;
  if (first === 'WITH') return /\b(?:INSERT|UPDATE|DELETE|REPLACE)\b/i.test(text);
  if (first === 'PRAGMA') {
    const pragma = /^PRAGMA\s+(?:\w+\.)?(\w+)\s*(=)?/i.exec(text);
    if (!pragma) return true;
    const name = pragma[1]!.toLowerCase();
    // A checkpoint appends nothing but may reset the log; counted as ours, as before review-v.
    if (name === 'incremental_vacuum' || name === 'optimize' || name === 'wal_checkpoint') return true;
    return pragma[2] !== undefined && !CONNECTION_PRAGMAS.has(name);
  }
  return true;
}

/** PRAGMAs whose assignment changes only the connection, never the file. */
const CONNECTION_PRAGMAS = new Set([
  'busy_timeout',
  'cache_size',
  'cache_spill',
  'case_sensitive_like',
  'defer_foreign_keys',
  'foreign_keys',
  'journal_size_limit',
  'locking_mode',
  'mmap_size',
  'query_only',
  'recursive_triggers',
  'synchronous',
  'temp_store',
  'wal_autocheckpoint',
]);

/** SQLite's SQLITE_CONSTRAINT (any extended code), from the local engine or a libSQL server. */
function isConstraintFailure(error: unknown): boolean {
  const { code, rawCode } = (error ?? {}) as { code?: unknown; rawCode?: unknown };
  return (
    String(code ?? '').startsWith('SQLITE_CONSTRAINT') ||
    (typeof rawCode === 'number' && (rawCode & 0xff) === 19)
  );
}

/** A busy database, past its deadline, as the API's retryable 503. */
function unavailable(cause: unknown): ApiError {
  const error = new ApiError(
    'unavailable',
    'The database is busy; try again shortly.',
    undefined,
    { 'Retry-After': '1' },
    1,
  );
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** Runs a statement outside a transaction again while the database is busy, up to the deadline. */
async function retryWhileBusy<T>(run: () => Promise<T>, deadlineMs = WRITE_BUSY_DEADLINE_MS): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() - started > deadlineMs) throw unavailable(error);
      await sleep(busyPause(attempt));
    }
  }
}

/**
 * Copies the write-ahead log into the database file and empties it, so page images written before
 * (a since-deleted data key among them) no longer sit in the -wal file. Local files only; a no-op
 * for remote databases. Other connections to the file (the checkpointer's, a fold worker's) may
 * hold the checkpoint lock or a read of the log for a moment: SQLite then answers "busy" in the
 * result row, not as an error, and has truncated nothing — so that row is read, and the truncate
 * tried again after a pause, until the deadline (then a retryable 503).
 */
export async function truncateWriteAheadLog(
  database: Database,
  deadlineMs = WRITE_BUSY_DEADLINE_MS,
): Promise<void> {
  if ((database.client as { protocol?: string }).protocol !== 'file') return;
  await retryWhileBusy(async () => {
    const result = await database.client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
    const row = result.rows[0] as { busy?: unknown; 0?: unknown } | undefined;
    if (Number(row?.busy ?? row?.[0] ?? 0) !== 0)
      throw Object.assign(new Error('wal_checkpoint(TRUNCATE) stayed busy'), { code: 'SQLITE_BUSY' });
  }, deadlineMs);
}
