import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient, type InStatement, type TransactionMode } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { createLocalClient } from './local-client';
import * as schema from './schema/index';

export type Db = LibSQLDatabase<typeof schema>;

/** The database handle every service takes: drizzle for queries, `write` for atomic changes. */
export interface Database {
  db: Db;
  client: Client;
  /**
   * Runs `work` as one write transaction; concurrent writers in this process wait their turn.
   * Callbacks given to `onCommit` run after COMMIT, in commit order, before the next writer starts
   * — which is what lets realtime publish events in cursor order.
   */
  write<T>(work: (db: Db, onCommit: (callback: () => void) => void) => Promise<T>): Promise<T>;
  close(): void;
}

export interface DatabaseOptions {
  url: string;
  authToken?: string;
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
 * Opens a libSQL database. For local files every statement goes through one connection,
 * serialised by an in-process queue: @libsql/client would otherwise open a fresh connection per
 * interactive transaction (slow, and racy against other writers), and a reader could see another
 * request's uncommitted rows. Remote URLs (libsql://, http://) use the server's transactions.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const isLocal = options.url.startsWith('file:') || options.url === ':memory:';
  // Plain local files get the statement-caching client; anything else (remote, URL options) the stock one.
  const raw =
    (isLocal ? createLocalClient(options.url) : null) ??
    createClient({ url: options.url, authToken: options.authToken });
  if (!isLocal) return remoteDatabase(raw);

  const inTransaction = new AsyncLocalStorage<true>();
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
        return (stmt: InStatement, args?: unknown) =>
          serialize(() => (target.execute as (s: InStatement, a?: unknown) => Promise<never>)(stmt, args));
      }
      if (prop === 'batch') {
        return (stmts: InStatement[], mode?: TransactionMode) => serialize(() => target.batch(stmts, mode));
      }
      const value = Reflect.get(target, prop, receiver);
      // The client keeps private fields, so its methods must run against the real object.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Client;

  const db = drizzle(client, { schema });
  return {
    db,
    client,
    write: <T>(work: (db: Db, onCommit: (callback: () => void) => void) => Promise<T>) =>
      serialize(() =>
        inTransaction.run(true, async () => {
          const committed: (() => void)[] = [];
          await raw.execute('BEGIN IMMEDIATE');
          try {
            const result = await work(db, (callback) => committed.push(callback));
            await raw.execute('COMMIT');
            runAll(committed);
            return result;
          } catch (error) {
            await raw.execute('ROLLBACK').catch(() => undefined);
            throw error;
          }
        }),
      ),
    close: () => raw.close(),
  };
}

function remoteDatabase(client: Client): Database {
  const db = drizzle(client, { schema });
  return {
    db,
    client,
    write: async (work) => {
      const committed: (() => void)[] = [];
      const result = await db.transaction((tx) => work(tx as unknown as Db, (cb) => committed.push(cb)));
      runAll(committed);
      return result;
    },
    close: () => client.close(),
  };
}

/** Applies pending migrations and the pragmas a long-lived local file wants. Idempotent. */
export async function migrateDatabase(database: Database): Promise<void> {
  const url = (database.client as { protocol?: string }).protocol;
  if (url === 'file') {
    // WAL lets readers run beside the writer; NORMAL still survives a process crash (SIGKILL).
    await database.client.execute('PRAGMA journal_mode = WAL');
    await database.client.execute('PRAGMA synchronous = NORMAL');
    await database.client.execute('PRAGMA busy_timeout = 5000');
  }
  await migrate(database.db, { migrationsFolder: findMigrationsFolder() });
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
