import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database';

/**
 * Two processes writing to one database file, each with its own WAL checkpointer (a cluster's
 * `--workers`, or a cli command beside a served process). Each checkpointer lends only its own
 * process's write turn, so the other process makes most of its RESTARTs busy and the log does not
 * start again from its first frame (review-p). The checkpointer then hands the checkpoints back to
 * the request thread's COMMIT at the normal limit (db/wal-checkpointer.ts): on by default must
 * never bound the -wal worse than off. Real processes (tsx), real libSQL file, real workers; the
 * limits are scaled down (normal 300 pages, hard cap 900, as 10,000 / 30,000 in production).
 */

const dir = mkdtempSync(join(tmpdir(), 'threadline-wal-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;
const NORMAL = 300;
const HARD_CAP = 900;
const BATCHES = 500;

const src = (file: string) => pathToFileURL(resolve(import.meta.dirname, '../src/db', file)).href;
const child = join(dir, 'writer.mts');
// argv: path, mode (off | on | no-yield), first id, role. Prints "ready", waits for a line on stdin,
// then a flood writes BATCHES transactions (one acknowledged id each) and a trickle one small
// transaction every 5 ms until a second line; prints its checkpointer's stats and count as JSON.
writeFileSync(
  child,
  `import { createDatabase } from ${JSON.stringify(src('database.ts'))};
import { startWalCheckpointer } from ${JSON.stringify(src('wal-checkpointer.ts'))};
const [path, mode, from, role] = process.argv.slice(2);
const database = createDatabase({ url: 'file:' + path, walAutocheckpointPages: ${NORMAL} });
const warnings = [];
const logger = { warn: (message) => warnings.push(message), info: () => {} };
const checkpointer =
  mode === 'off'
    ? null
    : startWalCheckpointer(database, logger, {
        thresholdPages: ${NORMAL},
        fallbackPages: mode === 'no-yield' ? ${HARD_CAP} : ${NORMAL},
        hardCapPages: ${HARD_CAP},
        pollMs: 2,
      });
if (checkpointer && !(await checkpointer.ready)) throw new Error('checkpointer did not start');
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
let stop = false;
process.stdin.once('data', () => { stop = true; });
let id = Number(from);
let written = 0;
if (role === 'trickle') {
  while (!stop) {
    const mine = id++;
    await database.write(async () => {
      await database.client.execute({ sql: 'INSERT INTO acked (id) VALUES (?)', args: [mine] });
      await database.client.execute('INSERT INTO t (body) VALUES (randomblob(300))');
    });
    written++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
} else {
  for (let batch = 0; batch < ${BATCHES}; batch++) {
    const mine = id++;
    await database.write(async () => {
      await database.client.execute({ sql: 'INSERT INTO acked (id) VALUES (?)', args: [mine] });
      for (let i = 0; i < 6; i++) await database.client.execute('INSERT INTO t (body) VALUES (randomblob(2000))');
    });
    written++;
  }
}
const stats = checkpointer?.stats() ?? null;
await checkpointer?.stop();
database.close();
process.stdout.write(JSON.stringify({ stats, warnings, written }) + '\\n');
process.exit(0);
`,
);

interface Writer {
  proc: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<{ stats: Record<string, number | boolean> | null; warnings: string[]; written: number }>;
}

function startWriter(path: string, mode: string, from: number, role: 'flood' | 'trickle' = 'flood'): Writer {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, path, mode, String(from), role], {
    cwd: resolve(import.meta.dirname, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A flood that has finished and exited before the other is told "stop" has closed its stdin: the
  // write fails with EPIPE, which is that writer being done already, not an error of the test.
  proc.stdin.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  let out = '';
  let errors = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolveReady) => {
    markReady = resolveReady;
  });
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const result = new Promise<Writer['result'] extends Promise<infer R> ? R : never>((resolveRun, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`writer ${mode} exited ${code}: ${errors}`));
      const last = out.trim().split('\n').at(-1)!;
      resolveRun(JSON.parse(last));
    });
  });
  // A writer that fails before "ready" must not leave the test waiting.
  void result.catch(markReady);
  return { proc, ready, result };
}

const walPages = (path: string) => {
  try {
    return Math.ceil(statSync(`${path}-wal`).size / PAGE);
  } catch {
    return 0;
  }
};

/**
 * Two writers of `mode` on a fresh file — two floods, or a flood and a trickle (a second process
 * writing a little, often) — until the flood is done; the largest -wal seen and their stats.
 */
async function twoProcesses(mode: 'off' | 'on' | 'no-yield', shape: 'floods' | 'trickle' = 'floods') {
  const path = join(dir, `${mode}-${shape}.db`);
  const setup = createDatabase({ url: `file:${path}` });
  await setup.client.execute('PRAGMA journal_mode = WAL');
  await setup.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)');
  await setup.client.execute('CREATE INDEX t_body ON t (body)');
  await setup.client.execute('CREATE TABLE acked (id INTEGER PRIMARY KEY)');
  setup.close();
  const writers = [
    startWriter(path, mode, 1_000_000),
    startWriter(path, mode, 2_000_000, shape === 'trickle' ? 'trickle' : 'flood'),
  ];
  await Promise.all(writers.map((w) => w.ready));
  let largest = walPages(path);
  const sampler = setInterval(() => {
    largest = Math.max(largest, walPages(path));
  }, 2);
  for (const w of writers) w.proc.stdin.write('go\n');
  let results: Awaited<Writer['result']>[];
  try {
    // The trickle runs until the flood is done.
    const flood = await writers[0]!.result;
    if (writers[1]!.proc.exitCode === null) writers[1]!.proc.stdin.write('stop\n');
    results = [flood, await writers[1]!.result];
  } finally {
    clearInterval(sampler);
    for (const w of writers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  }
  largest = Math.max(largest, walPages(path));
  // Every acknowledged write of both processes is there, and the file is sound.
  const check = createDatabase({ url: `file:${path}` });
  const acked = Number((await check.client.execute('SELECT count(*) FROM acked')).rows[0]![0]);
  const integrity = String((await check.client.execute('PRAGMA integrity_check')).rows[0]![0]);
  check.close();
  return { largest, acked, integrity, results };
}

describe('the WAL checkpointer with two processes on one file', () => {
  it('keeps the -wal bounded as with no checkpointer: it hands the checkpoints back while restarts fail', async () => {
    const off = await twoProcesses('off');
    const on = await twoProcesses('on');
    // What it did before handing back existed: the limit stays at the hard cap while restarts fail.
    const noYield = await twoProcesses('no-yield');
    const figures = JSON.stringify({
      off: off.largest,
      on: on.largest,
      noYield: noYield.largest,
      onStats: on.results.map((r) => r.stats),
      noYieldStats: noYield.results.map((r) => r.stats),
    });
    for (const run of [off, on, noYield]) {
      expect(run.acked).toBe(run.results[0]!.written + run.results[1]!.written);
      expect(run.results.map((r) => r.written)).toEqual([BATCHES, BATCHES]);
      expect(run.integrity).toBe('ok');
    }
    // The other process made RESTARTs busy, and both checkpointers handed back, and said so.
    const yields = on.results.map((r) => Number(r.stats!.yields));
    expect(
      yields.some((n) => n > 0),
      figures,
    ).toBe(true);
    for (const r of on.results)
      if (Number(r.stats!.yields) > 0)
        expect(
          r.warnings.some((w) => w.includes('another process writing')),
          figures,
        ).toBe(true);
    // Bounded like off (a batch's worth of slack: the sampler and each process's last commit).
    expect(on.largest, figures).toBeLessThanOrEqual(Math.max(off.largest * 1.25, off.largest + 100));
    console.info(`two processes, largest -wal (pages): ${figures}`);
  }, 180_000);

  it('beside a process that writes a little, often: within 1.25× off, nothing lost', async () => {
    const off = await twoProcesses('off', 'trickle');
    const on = await twoProcesses('on', 'trickle');
    const noYield = await twoProcesses('no-yield', 'trickle');
    const figures = JSON.stringify({
      off: off.largest,
      on: on.largest,
      noYield: noYield.largest,
      trickled: on.results[1]!.written,
      onStats: on.results.map((r) => r.stats),
      noYieldStats: noYield.results.map((r) => r.stats),
    });
    for (const run of [off, on, noYield]) {
      expect(run.acked).toBe(run.results[0]!.written + run.results[1]!.written);
      expect(run.integrity).toBe('ok');
      expect(run.results[1]!.written, figures).toBeGreaterThan(20);
    }
    // Bounded like off, as the floods (1.25×, a batch's worth of slack). History: stop 32 measured
    // on 1.5–4.7× off here on a quiet machine, ckpt-33 0.17–1.68× under load (bound loosened to 2×),
    // CI at stop 33 1.88× on a quiet machine. Why quiet ran higher: until its first busy RESTART a
    // process cycled at its normal pace (PASSIVE beside the flood, log limit at the hard cap), so
    // the log grew by what the flood wrote during a cycle — more, the faster the flood ran. Now the
    // first frame of another process seen between two of its groups hands the checkpoints back at
    // once; beside another writer the heavy process's cycles are the lent RESTART alone (no PASSIVE
    // racing its own COMMITs' checkpoints), the light one leaves them to it (no cycle, limit at the
    // hard cap), and neither takes them up again until it is alone (docs/notes/ckpt-34.md).
    expect(on.largest, figures).toBeLessThanOrEqual(Math.max(off.largest * 1.25, off.largest + 100));
    console.info(`a flood and a trickle, largest -wal (pages): ${figures}`);
  }, 180_000);
});
