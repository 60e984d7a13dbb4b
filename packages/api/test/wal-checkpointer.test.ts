import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, truncateWriteAheadLog } from '../src/db/database';
import { startWalCheckpointer, type WalCheckpointer } from '../src/db/wal-checkpointer';
import { startServer } from '../src/serve';

/**
 * The write-ahead log checkpointer (db/wal-checkpointer.ts) on a real libSQL file with its real
 * worker thread: the log stays bounded with the request thread's autocheckpoint off, a worker that
 * dies gives the checkpoints back, erasure's truncate still empties the log, and a process killed
 * mid-flood (mid-checkpoint) keeps every committed row.
 */

const dir = mkdtempSync(join(tmpdir(), 'threadline-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { warn: () => {} };
const PAGE = 4096;
let files = 0;

async function openFile(): Promise<{ database: Database; path: string }> {
  const path = join(dir, `wal-${files++}.db`);
  const database = createDatabase({ url: `file:${path}` });
  await database.client.execute('PRAGMA journal_mode = WAL');
  await database.client.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)');
  await database.client.execute('CREATE INDEX IF NOT EXISTS t_body ON t (body)');
  return { database, path };
}

/** One committed transaction of ~`pages` log pages (random blobs, so an index takes random inserts). */
const writeBatch = (database: Database, rows = 8) =>
  database.write(async () => {
    for (let i = 0; i < rows; i++)
      await database.client.execute('INSERT INTO t (body) VALUES (randomblob(2000))');
  });

const walPages = (path: string) => {
  try {
    return Math.ceil(statSync(`${path}-wal`).size / PAGE);
  } catch {
    return 0;
  }
};

const autocheckpoint = async (database: Database) =>
  Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0]);

/** Writes `batches` transactions, returning the largest -wal file seen (pages). */
async function flood(database: Database, path: string, batches: number): Promise<number> {
  let largest = 0;
  for (let i = 0; i < batches; i++) {
    await writeBatch(database);
    largest = Math.max(largest, walPages(path));
  }
  return largest;
}

/**
 * `flood` on several files at once, a batch on each in turn, so each meets the same load at the same
 * moments (a control for the others); the largest -wal seen of each (pages).
 */
async function floodInTurn(
  files: { database: Database; path: string }[],
  batches: number,
): Promise<number[]> {
  const largest = files.map(() => 0);
  for (let i = 0; i < batches; i++)
    for (const [at, file] of files.entries()) {
      await writeBatch(file.database);
      largest[at] = Math.max(largest[at]!, walPages(file.path));
    }
  return largest;
}

describe('the WAL checkpointer', () => {
  it('keeps the log bounded while the request thread never checkpoints (control: it grows)', async () => {
    // Control: autocheckpoint off and no checkpointer — the log only grows.
    const control = await openFile();
    await control.database.client.execute('PRAGMA wal_autocheckpoint = 0');
    const grown = await flood(control.database, control.path, 800);
    control.database.close();

    // A twin on a file of its own, flooded batch for batch in turn with this one: the same load at
    // the same moments. How far the log grows before a cycle restarts it is what the flood writes
    // while the checkpoint thread waits for a core and the disk — 8,937 pages (42 cycles, not ~105)
    // once at load ~6 against a quarter of `grown`, which is pages and the same on any machine.
    const options = { thresholdPages: 200, hardCapPages: 0, pollMs: 2 };
    const { database, path } = await openFile();
    const checkpointer = startWalCheckpointer(database, quiet, options) as WalCheckpointer;
    expect(checkpointer).not.toBeNull();
    expect(await checkpointer.ready).toBe(true);
    expect(await autocheckpoint(database)).toBe(0);
    const twin = await openFile();
    const twinCheckpointer = startWalCheckpointer(twin.database, quiet, options) as WalCheckpointer;
    expect(await twinCheckpointer.ready).toBe(true);
    const [largest = 0, twinLargest = 0] = await floodInTurn([{ database, path }, twin], 800);
    const stats = checkpointer.stats();
    const twinStats = twinCheckpointer.stats();
    await checkpointer.stop();
    await twinCheckpointer.stop();
    // Put back once the worker is gone.
    expect(await autocheckpoint(database)).toBe(1000 * 10);
    database.close();
    twin.database.close();
    const figures = JSON.stringify({ grown, largest, twinLargest, stats, twinStats });
    expect(grown).toBeGreaterThan(8_000);
    expect(stats.cycles, figures).toBeGreaterThan(5);
    expect(twinStats.cycles, figures).toBeGreaterThan(5);
    // The log restarted from its first frame again and again: a fraction of what it grew to without
    // (its high-water mark is what the writes of one cycle add, whatever the flood's length) — a
    // quarter, or, when the same load held the twin back as well, within twice the twin's; never
    // half of it. A worker that stopped cycling leaves its log near `grown`.
    for (const [own, other] of [
      [largest, twinLargest],
      [twinLargest, largest],
    ] as const) {
      expect(own, figures).toBeLessThan(Math.max(grown / 4, other * 2 + 300));
      expect(own, figures).toBeLessThan(grown / 2);
    }
    console.info(`checkpointer and its twin, largest -wal (pages): ${figures}`);
  }, 90_000);

  it('gives the checkpoints back to the request thread when its worker dies, holding the turn or not', async () => {
    const { database, path } = await openFile();
    const checkpointer = startWalCheckpointer(database, quiet, {
      thresholdPages: 150,
      hardCapPages: 0,
      fallbackPages: 300,
      pollMs: 2,
      restartAfterMs: 20,
      crashWorkers: 3,
    }) as WalCheckpointer;
    // Every worker exits holding the lent write turn in its first cycle: writes go on regardless.
    const started = Date.now();
    while (checkpointer.stats().failures < 3) {
      await flood(database, path, 20);
      if (Date.now() - started > 30_000)
        throw new Error(`workers did not end: ${JSON.stringify(checkpointer.stats())}`);
    }
    expect(checkpointer.stats()).toMatchObject({ starts: 3, failures: 3, running: false });
    // The request thread checkpoints itself again (its fallback limit), so the log stays bounded.
    expect(await autocheckpoint(database)).toBe(300);
    // The file keeps its high-water size: empty it, then watch it.
    await truncateWriteAheadLog(database);
    const largest = await flood(database, path, 400);
    expect(largest).toBeLessThan(700);
    await checkpointer.stop();
    database.close();
  }, 60_000);

  it('starts a new worker after one died and runs on', async () => {
    // Two controls in the same run. The unchecked flood's growth (`grown`): a worker that did not run
    // on leaves the log near it. And a fresh worker on a file of its own, flooded batch for batch in
    // turn with the restarted worker's, so both meet the same load at the same moments: how far a log
    // grows past its threshold before a cycle restarts it is what the flood writes while the
    // checkpoint thread waits for a core and the disk (1,521–2,002 pages at load ~9 against the old
    // fixed 1,500). `grown` is pages, the same on any machine, so a share of it alone is a fixed bound.
    const control = await openFile();
    await control.database.client.execute('PRAGMA wal_autocheckpoint = 0');
    const grown = await flood(control.database, control.path, 800);
    control.database.close();
    const options = { thresholdPages: 150, hardCapPages: 0, pollMs: 2, restartAfterMs: 20 };
    const fresh = await openFile();
    const freshCheckpointer = startWalCheckpointer(fresh.database, quiet, options) as WalCheckpointer;
    expect(await freshCheckpointer.ready).toBe(true);
    const { database, path } = await openFile();
    const checkpointer = startWalCheckpointer(database, quiet, {
      ...options,
      crashWorkers: 1,
    }) as WalCheckpointer;
    const started = Date.now();
    while (!(checkpointer.stats().starts === 2 && checkpointer.stats().running)) {
      await flood(database, path, 20);
      if (Date.now() - started > 30_000)
        throw new Error(`no second worker: ${JSON.stringify(checkpointer.stats())}`);
    }
    expect(await autocheckpoint(database)).toBe(0);
    await truncateWriteAheadLog(database);
    await truncateWriteAheadLog(fresh.database);
    const [largest = 0, freshLargest = 0] = await floodInTurn([{ database, path }, fresh], 800);
    const stats = checkpointer.stats();
    const figures = JSON.stringify({ grown, largest, freshLargest, stats, fresh: freshCheckpointer.stats() });
    expect(grown).toBeGreaterThan(8_000);
    expect(stats.cycles, figures).toBeGreaterThan(2);
    // Under a quarter of the unchecked growth, or — when the same load held a fresh worker back as
    // well — within twice what the fresh worker reached; under half the growth in any case.
    expect(largest, figures).toBeLessThan(Math.max(grown / 4, freshLargest * 2 + 300));
    expect(largest, figures).toBeLessThan(grown / 2);
    console.info(
      `restarted vs fresh worker (bound max(grown/4, 2·fresh+300)), largest -wal (pages): ${figures}`,
    );
    await checkpointer.stop();
    await freshCheckpointer.stop();
    database.close();
    fresh.database.close();
  }, 90_000);

  it("still lets erasure's truncate empty the log, while cycles run", async () => {
    const { database, path } = await openFile();
    const checkpointer = startWalCheckpointer(database, quiet, {
      thresholdPages: 20,
      hardCapPages: 0,
      pollMs: 1,
      idleMs: 5,
    }) as WalCheckpointer;
    await checkpointer.ready;
    for (let round = 0; round < 15; round++) {
      await flood(database, path, 10 + round);
      await truncateWriteAheadLog(database);
      expect(statSync(`${path}-wal`).size).toBe(0);
    }
    expect(checkpointer.stats().cycles).toBeGreaterThan(0);
    await checkpointer.stop();
    database.close();
  }, 60_000);

  it('loses nothing committed when the process is killed mid-checkpoint', async () => {
    const path = join(dir, 'crash.db');
    const src = (file: string) => pathToFileURL(resolve(import.meta.dirname, '../src/db', file)).href;
    const child = join(dir, 'child.mts');
    // A writer with a checkpointer; prints each committed id, and "C" when a cycle starts.
    writeFileSync(
      child,
      `import { createDatabase } from ${JSON.stringify(src('database.ts'))};
import { startWalCheckpointer } from ${JSON.stringify(src('wal-checkpointer.ts'))};
const database = createDatabase({ url: ${JSON.stringify(`file:${path}`)} });
await database.client.execute('PRAGMA journal_mode = WAL');
await database.client.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)');
await database.client.execute('CREATE INDEX IF NOT EXISTS t_body ON t (body)');
await database.client.execute('CREATE TABLE IF NOT EXISTS acked (id INTEGER PRIMARY KEY, body BLOB)');
const checkpointer = startWalCheckpointer(database, { warn: () => {} }, { thresholdPages: 1500, hardCapPages: 0, pollMs: 1 });
checkpointer.onCheckpointing = () => process.stdout.write('C\\n');
await checkpointer.ready;
let id = Number(process.argv[2]);
for (;;) {
  const mine = id++;
  await database.write(async () => {
    await database.client.execute({ sql: 'INSERT INTO acked (id, body) VALUES (?, randomblob(3000))', args: [mine] });
    for (let i = 0; i < 6; i++) await database.client.execute('INSERT INTO t (body) VALUES (randomblob(2000))');
  });
  process.stdout.write(mine + '\\n');
}
`,
    );
    const acknowledged: number[] = [];
    for (let run = 0; run < 3; run++) {
      const from = 1_000_000 * (run + 1);
      const proc = spawn(process.execPath, ['--import', 'tsx', child, String(from)], {
        cwd: resolve(import.meta.dirname, '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let errors = '';
      proc.stderr.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
      });
      let buffered = '';
      let cycles = 0;
      const killed = await new Promise<boolean>((resolveRun) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            if (line === 'C') {
              // The second cycle: the first copied the start, this one runs beside a busy writer.
              if (++cycles === 2) proc.kill('SIGKILL');
            } else if (line) acknowledged.push(Number(line));
          }
        });
        proc.once('exit', (_code, signal) => resolveRun(signal === 'SIGKILL'));
      });
      expect(killed, errors).toBe(true);
    }
    expect(acknowledged.length).toBeGreaterThan(100);
    const database = createDatabase({ url: `file:${path}` });
    const check = await database.client.execute('PRAGMA integrity_check');
    expect(check.rows[0]![0]).toBe('ok');
    const stored = new Set(
      (await database.client.execute('SELECT id FROM acked')).rows.map((row) => Number(row[0])),
    );
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    database.close();
  }, 120_000);

  it('runs in a served process when asked, and stops with it, every row kept', async () => {
    const path = join(dir, 'served.db');
    const server = await startServer({
      databaseUrl: `file:${path}`,
      port: 0,
      masterKey: new Uint8Array(32).fill(3),
      sessionSigningKey: new Uint8Array(32).fill(4),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      // Its own connection would outlive the database's close (the fold worker is closed unawaited).
      insightsFoldWorker: false,
      walCheckpointer: { thresholdPages: 100, pollMs: 2 },
    });
    const { database } = server;
    await database.client.execute('CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB)');
    const started = Date.now();
    while ((server.walCheckpoints?.().cycles ?? 0) < 3) {
      for (let i = 0; i < 20; i++)
        await database.write(async () => {
          await database.client.execute('INSERT INTO scratch (body) VALUES (randomblob(3000))');
        });
      if (Date.now() - started > 30_000) throw new Error(JSON.stringify(server.walCheckpoints?.()));
    }
    expect(await autocheckpoint(database)).toBe(30_000);
    const rows = Number((await database.client.execute('SELECT count(*) FROM scratch')).rows[0]![0]);
    await server.close();
    // The worker closed its connection before the database closed; every row is there on reopen.
    expect(server.walCheckpoints?.().running ?? false).toBe(false);
    const reopened = createDatabase({ url: `file:${path}` });
    expect(Number((await reopened.client.execute('SELECT count(*) FROM scratch')).rows[0]![0])).toBe(rows);
    reopened.close();
  }, 60_000);
});
