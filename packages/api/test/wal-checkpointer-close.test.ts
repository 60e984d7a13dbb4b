// Closing for real (ckpt-33): libsql 0.5 closed a connection only once every prepared statement of
// it was garbage, so the local client's statement cache kept the file, -wal and -shm open after
// `close()` (and, on POSIX, the descriptors of the checkpoint worker's connection too), and the
// checkpoint SQLite runs when a file's last connection closes did not happen. And the checkpointer's
// `ready` / `stop()` settle whatever the order of events. Real libSQL files, real worker threads.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createDatabase } from '../src/db/database';
import { startWalCheckpointer } from '../src/db/wal-checkpointer';

const dir = mkdtempSync(join(tmpdir(), 'threadline-ckpt-close-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = () => join(dir, `f-${files++}.db`);
const quiet = { info: () => {}, warn: () => {} };
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const openOn = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return [path, `${path}-wal`, `${path}-shm`].includes(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false;
    }
  }).length;

async function filled(path: string, rows: number) {
  const database = createDatabase({ url: `file:${path}` });
  await database.client.execute('PRAGMA journal_mode = WAL');
  await database.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE, body BLOB)');
  for (let i = 0; i < rows; i++)
    await database.write(async () => {
      await database.client.execute({
        sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(2000))',
        args: [i],
      });
      // A statement of its own per row too: the cache holds many prepared statements.
      await database.client.execute(`SELECT count(*) FROM t WHERE n <= ${i}`);
    });
  return database;
}

async function rowsIn(path: string) {
  const check = createDatabase({ url: `file:${path}` });
  const row = (await check.client.execute('SELECT count(*), count(DISTINCT n) FROM t')).rows[0]!;
  const integrity = (await check.client.execute('PRAGMA integrity_check')).rows[0]![0];
  check.close();
  return [Number(row[0]), Number(row[1]), integrity];
}

describe('close() closes the connection', () => {
  test('a local file: no descriptor left, the log checkpointed into the file and removed, every row there', async () => {
    const path = fresh();
    const database = await filled(path, 120);
    expect(openOn(path)).toBeGreaterThan(0);
    expect(existsSync(`${path}-wal`)).toBe(true);
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
    // The last connection to close checkpoints the log and deletes it (SQLite's close).
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(await rowsIn(path)).toEqual([120, 120, 'ok']);
  }, 30_000);

  test('with the checkpoint worker: stop() then close() leave nothing open and lose nothing', async () => {
    const path = fresh();
    const database = await filled(path, 10);
    const checkpointer = startWalCheckpointer(database, quiet, { thresholdPages: 50, pollMs: 2 })!;
    expect(await checkpointer.ready).toBe(true);
    for (let i = 10; i < 150; i++)
      await database.write(() =>
        database.client.execute({ sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(2000))', args: [i] }),
      );
    // The worker polls on its own thread: its first cycle may end a little after the last write.
    for (let i = 0; i < 500 && checkpointer.stats().cycles === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(checkpointer.stats().cycles).toBeGreaterThan(0);
    await checkpointer.stop();
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(await rowsIn(path)).toEqual([150, 150, 'ok']);
  }, 30_000);
});

describe('ready and stop() settle in any order', () => {
  test('stop() before the worker connects: ready is false, two stop() calls end together, the limit is the normal one', async () => {
    const path = fresh();
    const database = await filled(path, 1);
    const checkpointer = startWalCheckpointer(database, quiet, { fallbackPages: 123, hardCapPages: 999 })!;
    const [a, b] = [checkpointer.stop(), checkpointer.stop()];
    expect(a).toBe(b);
    await a;
    expect(await checkpointer.ready).toBe(false);
    // A worker that connected after stop() did not raise the limit behind it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0])).toBe(123);
    expect(checkpointer.stats().running).toBe(false);
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
  }, 30_000);

  test('stop() after ready keeps ready true; a later stop() resolves at once', async () => {
    const path = fresh();
    const database = await filled(path, 1);
    const checkpointer = startWalCheckpointer(database, quiet, { fallbackPages: 123, hardCapPages: 999 })!;
    expect(await checkpointer.ready).toBe(true);
    expect(Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0])).toBe(999);
    await checkpointer.stop();
    await checkpointer.stop();
    expect(await checkpointer.ready).toBe(true);
    expect(Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0])).toBe(123);
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
  }, 30_000);

  test('workers that keep dying: it gives up after 3, stop() still resolves, nothing lost, nothing left open', async () => {
    const path = fresh();
    const database = await filled(path, 1);
    const checkpointer = startWalCheckpointer(database, quiet, {
      thresholdPages: 5,
      pollMs: 2,
      crashWorkers: 3,
      restartAfterMs: 10,
    })!;
    // The first worker connects (ready true), then each one exits holding its first lent turn.
    expect(await checkpointer.ready).toBe(true);
    let n = 1;
    // Each new worker boots from the sources (seconds under load): bounded by time, not rounds.
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && checkpointer.stats().failures < 3) {
      const mine = n++;
      await database.write(() =>
        database.client.execute({
          sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(2000))',
          args: [mine],
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(checkpointer.stats().failures).toBe(3);
    await checkpointer.stop();
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
    expect(await rowsIn(path)).toEqual([n, n, 'ok']);
  }, 90_000);
});

describe("the checkpointer never takes the process's WAL locks away", () => {
  /** POSIX locks this process holds on `file` (/proc/locks: "… POSIX ADVISORY READ <pid> <dev>:<ino> …"). */
  const locksOn = (file: string) => {
    const ino = String(statSync(file).ino);
    return readFileSync('/proc/locks', 'utf8')
      .split('\n')
      .filter((line) => {
        const fields = line.trim().split(/\s+/);
        const at = fields.indexOf('POSIX');
        return at >= 0 && fields[at + 3] === String(process.pid) && fields[at + 4]?.split(':')[2] === ino;
      }).length;
  };

  test('stop() while the request connection goes on: its locks on the -shm stay, no descriptor of its own on it', async () => {
    const path = fresh();
    const database = await filled(path, 5);
    // Held by SQLite as long as a connection of this process has the -shm open (the one that tells
    // a new process the file is in use).
    const held = locksOn(`${path}-shm`);
    expect(held).toBeGreaterThan(0);
    const checkpointer = startWalCheckpointer(database, quiet, { thresholdPages: 20, pollMs: 2 })!;
    expect(await checkpointer.ready).toBe(true);
    for (let i = 5; i < 60; i++)
      await database.write(() =>
        database.client.execute({ sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(2000))', args: [i] }),
      );
    // The worker polls on its own thread: its first cycle may end a little after the last write.
    for (let i = 0; i < 500 && checkpointer.stats().cycles === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(checkpointer.stats().cycles).toBeGreaterThan(0);
    // One descriptor on the -shm in the process: SQLite's (the worker reads the header through it).
    const shmOnly = (p: string) =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === `${p}-shm`;
        } catch {
          return false;
        }
      }).length;
    expect(shmOnly(path)).toBe(1);
    await checkpointer.stop();
    // Closing a descriptor of its own on the -shm used to drop every lock of the process there.
    expect(locksOn(`${path}-shm`)).toBeGreaterThan(0);
    for (let i = 60; i < 80; i++)
      await database.write(() =>
        database.client.execute({ sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(2000))', args: [i] }),
      );
    expect(locksOn(`${path}-shm`)).toBeGreaterThan(0);
    database.close();
    await nextTurn();
    expect(openOn(path)).toBe(0);
    expect(await rowsIn(path)).toEqual([80, 80, 'ok']);
  }, 30_000);
});
