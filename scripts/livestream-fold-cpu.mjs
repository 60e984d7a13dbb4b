// The insights fold of a livestream room's timeline messages: CPU it costs, this build against
// another in the same run, on the very same database (issue 16: a 60-s fold landing in a bench
// round costs the request thread ~2× the round's own comments).
//
//   node scripts/livestream-fold-cpu.mjs [--before <other build's packages/api/dist/index.js>]
//        [--this <dist/index.js>] [--comments 100000] [--viewers 15000] [--reps 2] [--profile <dir>]
//        [--keep <file.db>]
//
// 1. fill: this checkout's build serves a simulated room (the bench's generator, demo knowledge,
//    shelf, room answers to a loopback callback) into a libSQL file with the periodic fold off, and
//    waits for the timeline drain (an export read settles it) and the answer rounds;
// 2. fold: each build, in its own process, starts on a copy of that file (messages cursor moved
//    to the end, so the start-up fold only loads what it needs), then the cursor goes back to 0
//    and the first periodic fold (5 s after the start) folds the whole backlog. Measured from the
//    cursor's reset to its reaching the last message: process CPU (all threads) and the main
//    thread's alone (/proc, 10-ms ticks); wall time includes the wait for the timer.
// Builds alternate per repetition. `--profile` writes a .cpuprofile of each fold process.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readCpuMs } from '../bench/lib/common.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const thisDist = resolve(option('--this', join(root, 'packages/api/dist/index.js')));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startApi(dist, dbPath, keys, foldEveryMs = 3_600_000) {
  const api = await import(pathToFileURL(dist).href);
  const running = await api.startServer({
    databaseUrl: `file:${dbPath}`,
    port: 0,
    host: '127.0.0.1',
    masterKey: Buffer.from(keys.masterKey, 'base64'),
    sessionSigningKey: Buffer.from(keys.sessionSigningKey, 'base64'),
    logger: api.silentLogger,
    allowPrivateCallbacks: true,
    maxConnectionsPerIp: Number.MAX_SAFE_INTEGER,
    rateLimits: Object.fromEntries(Object.keys(api.DEFAULT_RATE_LIMITS).map((rule) => [rule, 100_000_000])),
    insightsFoldEveryMs: foldEveryMs,
    // FOLD_CPU_WORKER=1: the messages pass on the fold worker thread (builds without the option ignore it).
    ...(process.env.FOLD_CPU_WORKER === '1' ? { insightsFoldWorker: true } : {}),
  });
  return { api, running };
}

async function call(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function fill({ dbPath, comments, viewers }) {
  const keys = {
    masterKey: randomBytes(32).toString('base64'),
    sessionSigningKey: randomBytes(32).toString('base64'),
  };
  const { api, running } = await startApi(thisDist, dbPath, keys);
  const replies = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise((r) => replies.listen(0, '127.0.0.1', r));
  const created = await api.createMerchantApp(running.app.deps, { name: 'fold' });
  const token = created.secretKey;
  const read = (name) =>
    JSON.parse(readFileSync(join(root, 'packages/api/seed/demo-store', `${name}.json`), 'utf8'));
  const must = async (status, ...rest) => {
    const res = await call(running.url, ...rest);
    if (res.status !== status)
      throw new Error(`${rest[0]} ${rest[1]}: ${res.status} ${res.text.slice(0, 200)}`);
  };
  await must(200, 'POST', '/v1/kb/import', token, {
    articles: read('articles'),
    products: read('products'),
    intents: read('intents'),
  });
  await must(200, 'PUT', '/v1/live/settings', token, {
    replyUrl: `http://127.0.0.1:${replies.address().port}/r`,
  });
  const room = api.simulateRoom({
    seed: 16,
    roomId: 'fold-room',
    comments,
    viewers,
    start: Date.now() - 600_000,
  });
  const batches = api.connectorBatches(room.comments, { flushMs: 3_600_000, maxItems: 1000 });
  let shelf = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      while (shelf < room.shelf.length && room.shelf[shelf].at <= batch.items[0].at) {
        const s = room.shelf[shelf++];
        await must(200, 'PUT', `/v1/channels/douyin_live/rooms/${room.roomId}/shelf`, token, {
          segment: s.segment,
          productIds: s.productIds,
        });
      }
      await must(200, 'POST', '/v1/channels/douyin_live/comments', token, {
        roomId: room.roomId,
        items: batch.items.map(api.toBatchItem),
      });
    }
  };
  await Promise.all([worker(), worker()]);
  await must(404, 'GET', '/v1/customers/cus_fold_settle/export', token);
  // Answer rounds run after the batches that made them due.
  await sleep(3000);
  await running.close();
  replies.close();
  return keys;
}

async function fold({ dist, dbPath, keys, profile }) {
  const require = createRequire(dist);
  const { createClient } = require('@libsql/client');
  const probe = createClient({ url: `file:${dbPath}` });
  const [left] = (
    await probe.execute(`SELECT (SELECT coalesce(max(seq), 0) FROM messages) AS m,
      (SELECT coalesce(max(id), 0) FROM events) AS e`)
  ).rows;
  // Loaded first, and the engine's text normalizer warmed (its Traditional→Simplified tables load
  // on first use, as in any serving process long before its first fold): only the fold is measured.
  const api = await import(pathToFileURL(dist).href);
  const intent = {
    id: 'x',
    name: 'x',
    policy: 'ai',
    ticketType: null,
    answerFrom: null,
    examples: ['優惠券怎麼用'],
  };
  api
    .createAnswerEngine(api.createKnowledgeIndex({ articles: [], products: [], intents: [intent] }))
    .answer({ text: '請問這個優惠券怎麼用', channel: 'douyin_live' });
  // The fold measured is the first periodic one, a few seconds after the start: the start-up fold
  // finds the messages cursor at the end (set here), so the process is up and any fold worker
  // loaded before the cursor goes back to 0 and the timer folds the whole backlog.
  await probe.execute({
    sql: `INSERT INTO insight_cursors (source, position, updated_at) VALUES ('messages', ?, 0)
      ON CONFLICT (source) DO UPDATE SET position = excluded.position`,
    args: [left.m],
  });
  const { running } = await startApi(dist, dbPath, keys, 5000);
  for (;;) {
    await sleep(100);
    const [at] = (await probe.execute(`SELECT position AS e FROM insight_cursors WHERE source = 'events'`))
      .rows;
    if (Number(at?.e ?? 0) >= Number(left.e)) break;
  }
  await sleep(1500);
  await probe.execute(`UPDATE insight_cursors SET position = 0 WHERE source = 'messages'`);
  let session = null;
  if (profile) {
    const inspector = await import('node:inspector/promises');
    session = new inspector.Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const main0 = readCpuMs(process.pid, process.pid);
  const t0 = performance.now();
  for (;;) {
    await sleep(50);
    const [at] = (
      await probe.execute(`SELECT (SELECT position FROM insight_cursors WHERE source = 'messages') AS m,
        (SELECT position FROM insight_cursors WHERE source = 'events') AS e`)
    ).rows;
    if (Number(at?.m ?? 0) >= Number(left.m) && Number(at?.e ?? 0) >= Number(left.e)) break;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainMs = readCpuMs(process.pid, process.pid) - main0;
  if (session) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(p));
  }
  probe.close();
  await running.close();
  return { messages: Number(left.m), cpuMs: (cpu.user + cpu.system) / 1000, mainMs, wallMs };
}

function child(mode, input) {
  return new Promise((resolvePromise, reject) => {
    // FOLD_CPU_NODE_ARGS: flags for the fold processes (e.g. `--cpu-prof --cpu-prof-dir=<dir>`,
    // which profiles the worker threads too).
    const flags =
      mode === 'fold' && process.env.FOLD_CPU_NODE_ARGS ? process.env.FOLD_CPU_NODE_ARGS.split(' ') : [];
    const proc = spawn(
      process.execPath,
      [...flags, fileURLToPath(import.meta.url), '--child', mode, JSON.stringify(input)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.on('exit', (code) =>
      code === 0
        ? resolvePromise(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`${mode} exited ${code}`)),
    );
  });
}

if (args[0] === '--child') {
  const input = JSON.parse(args[2]);
  const result = args[1] === 'fill' ? await fill(input) : await fold(input);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  process.exit(0);
}

const comments = Number(option('--comments', 100_000));
const viewers = Number(option('--viewers', 15_000));
const reps = Number(option('--reps', 2));
const profileDir = option('--profile');
const builds = [['this', thisDist]];
if (option('--before')) builds.push(['before', resolve(option('--before'))]);
const dir = mkdtempSync(join(tmpdir(), 'fold-cpu-'));
try {
  // `--keep <file>`: the filled database is kept there (keys beside it) and reused by later runs.
  const kept = option('--keep') ? resolve(option('--keep')) : null;
  const filled = kept ?? join(dir, 'filled.db');
  let keys;
  if (kept && existsSync(`${kept}.keys.json`)) keys = JSON.parse(readFileSync(`${kept}.keys.json`, 'utf8'));
  else {
    const t0 = performance.now();
    keys = await child('fill', { dbPath: filled, comments, viewers });
    if (kept) writeFileSync(`${kept}.keys.json`, JSON.stringify(keys));
    console.log(
      `filled ${comments} comments / ${viewers} viewers in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const results = Object.fromEntries(builds.map(([name]) => [name, []]));
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? builds : [...builds].reverse();
    for (const [name, dist] of order) {
      const dbPath = join(dir, `${name}-${rep}.db`);
      for (const suffix of ['', '-wal', '-shm'])
        if (existsSync(filled + suffix)) copyFileSync(filled + suffix, dbPath + suffix);
      const profile = profileDir
        ? join(resolve(profileDir), `fold-${name}-${rep + 1}.cpuprofile`)
        : undefined;
      const r = await child('fold', { dist, dbPath, keys, profile });
      results[name].push(r);
      console.log(
        `rep ${rep + 1} ${name}: ${r.messages} messages folded, CPU ${r.cpuMs.toFixed(0)} ms (main thread ${r.mainMs.toFixed(0)} ms), wall ${r.wallMs.toFixed(0)} ms = ${((r.cpuMs * 1000) / r.messages).toFixed(1)} µs/message`,
      );
      for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, median(list.map((r) => r.cpuMs))]),
  );
  console.log(
    `median fold CPU: ${Object.entries(summary)
      .map(([n, v]) => `${n} ${v.toFixed(0)} ms`)
      .join(', ')}${summary.before ? `; this/before ${(summary.this / summary.before).toFixed(3)}` : ''}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
