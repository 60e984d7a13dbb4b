import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/database';
import { startWalCheckpointer } from '../src/db/wal-checkpointer';
import { DEFAULT_PAGE_CACHE_MIB, type ServerOptions, startServer } from '../src/serve';
import { builtCli, builtServers } from './built-server';

/**
 * The WAL checkpointer is on by default for a served local file (speed-16k), off when asked
 * (`walCheckpointer: false`, `THREADLINE_WAL_CHECKPOINTER=0`), and never started for in-memory or
 * remote databases; the request thread's connection gets the bigger page cache, other connections
 * SQLite's default. Real servers (in-process and the built cli), real libSQL files.
 */

const dir = mkdtempSync(join(tmpdir(), 'threadline-wal-default-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const serve = (extra: Partial<ServerOptions> = {}) =>
  startServer({
    databaseUrl: `file:${join(dir, `served-${files++}.db`)}`,
    port: 0,
    masterKey: new Uint8Array(32).fill(3),
    sessionSigningKey: new Uint8Array(32).fill(4),
    logger: quiet,
    ...extra,
  });

const pragma = async (database: Database, name: string) =>
  Number((await database.client.execute(`PRAGMA ${name}`)).rows[0]![0]);

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Open file descriptors of process `pid` on `file` (the checkpoint worker holds the -shm open). */
const openOn = (pid: number, file: string) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

describe('the WAL checkpointer by default', () => {
  it('runs for a served local file with no option, raises the limit, and stops with the server', async () => {
    const server = await serve();
    expect(server.walCheckpoints).toBeDefined();
    await until(() => server.walCheckpoints!().running, 'the checkpoint worker');
    expect(await pragma(server.database, 'wal_autocheckpoint')).toBe(30_000);
    expect(server.walCheckpoints!()).toMatchObject({ yielding: false, yields: 0, failures: 0 });
    // The request thread's connection has the bigger page cache (negative: KiB).
    expect(await pragma(server.database, 'cache_size')).toBe(-DEFAULT_PAGE_CACHE_MIB * 1024);
    await server.close();
    expect(server.walCheckpoints!().running).toBe(false);
  }, 30_000);

  it('stays off with walCheckpointer: false (the request thread checkpoints at the normal limit)', async () => {
    const server = await serve({ walCheckpointer: false, pageCacheMiB: 0 });
    expect(server.walCheckpoints).toBeUndefined();
    expect(await pragma(server.database, 'wal_autocheckpoint')).toBe(10_000);
    // 0: SQLite's own cache (its default, -2000).
    expect(await pragma(server.database, 'cache_size')).toBe(-2000);
    await server.close();
  }, 30_000);

  it('is never started for an in-memory database, nor for a remote one', async () => {
    const server = await serve({ databaseUrl: ':memory:' });
    expect(server.walCheckpoints).toBeUndefined();
    await server.close();
    // A libSQL server URL: nothing is connected until a statement runs, and nothing runs here.
    const remote = createDatabase({ url: 'http://127.0.0.1:9' });
    expect(startWalCheckpointer(remote, quiet)).toBeNull();
    remote.close();
    const memory = createDatabase({ url: ':memory:' });
    expect(startWalCheckpointer(memory, quiet)).toBeNull();
    memory.close();
  }, 30_000);

  it('other connections keep SQLite’s default page cache', async () => {
    const path = join(dir, 'plain.db');
    const plain = createDatabase({ url: `file:${path}` });
    expect(await pragma(plain, 'cache_size')).toBe(-2000);
    plain.close();
  });

  it('`threadline serve` runs it unless THREADLINE_WAL_CHECKPOINTER=0', async () => {
    // The checkpoint worker's connection opens the database file once more in the process (it
    // reads the -shm header through SQLite's own descriptor, so the -shm count does not tell).
    const mostOnFile = async (extra: Record<string, string>) => {
      const path = join(dir, `cli-${files++}.db`);
      const servers = builtServers(`file:${path}`, {
        ...process.env,
        THREADLINE_DIR: dir,
        DATABASE_URL: '',
        PORT: '',
        HOST: '',
        THREADLINE_WAL_CHECKPOINTER: '',
        ...extra,
      });
      try {
        const { child } = await servers.start();
        const started = Date.now();
        let most = 0;
        let shm = 0;
        while (Date.now() - started < 4_000) {
          most = Math.max(most, openOn(child.pid!, path));
          shm = Math.max(shm, openOn(child.pid!, `${path}-shm`));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return { most, shm };
      } finally {
        await servers.killAll();
      }
    };
    expect(builtCli).toMatch(/cli\.js$/);
    const on = await mostOnFile({});
    const off = await mostOnFile({ THREADLINE_WAL_CHECKPOINTER: '0' });
    expect(on.most, JSON.stringify({ on, off })).toBe(off.most + 1);
    // One -shm descriptor per process either way: SQLite's.
    expect([on.shm, off.shm]).toEqual([1, 1]);
  }, 60_000);
});
