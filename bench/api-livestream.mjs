// Livestream comment ingestion (SPEC §10: ≥ 20,000 comments/s, batched) against a bare batched
// insert of the same rows, same run; and the latency from a comment batch to the room's
// hot-questions event on its SSE stream. Both servers run in their own child process; the load
// (a deterministic simulated room) is posted from this process, 1,000 comments a batch.
// - Each API round also reports the server's CPU per comment (from /proc, the timeline drain of the
//   round's last second included): unlike comments/s, it does not swing with the machine's load.
// - BENCH_BEFORE_API=<another build's packages/api/dist/index.js> adds a third arm, that build on its
//   own file, posted the same rooms; the two API arms swap places every round (whichever runs second
//   after the other measured worse on a busy machine), so a change is measured against main's
//   build in the same run. BENCH_LIVE_ROUNDS=<n> sets the number of rounds (default 4; the figures
//   are each arm's median round, with the spread).
// - The insights fold (every 60 s in a served process) is run between the rounds, not inside them:
//   both API arms start with the background fold's timer pushed past the run, and after each of its
//   rounds an arm folds everything the round stored through an insights read (in its request
//   thread). Its cost is reported on its own (CPU and wall time per comment), and it stays inside
//   the whole-run CPU figure. Why: a fold landing in one arm's round and not in the other's moved
//   a round by ±15 % (docs/notes/speed-16m.md, speed-34.md), as much as the levers measured.
//   BENCH_LIVE_FOLD=in keeps the served default (the 60-s fold lands wherever it falls).
// - Each round of each arm starts once every server process is idle (the previous arm's -wal
//   checkpoints and answer rounds done), so no arm's leftovers run in another's round.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import {
  apiDist,
  jsonClient,
  openSse,
  percentile,
  pool,
  ratio,
  repoRoot,
  sleep,
  startServerProcess,
  tempDir,
} from './lib/common.mjs';

const CONCURRENCY = 2;
const BATCH = 1000;
/** The background fold's period while the fold runs between rounds: longer than any run. */
const FOLD_TIMER_PAST_RUN_MS = 24 * 3_600_000;

/** The connector's reply callback, on loopback: counts room answers and the viewers they @-mention. */
async function startReplyServer() {
  const seen = { replies: 0, mentions: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      try {
        const reply = JSON.parse(body);
        seen.replies++;
        for (const message of reply.messages ?? []) seen.mentions += message.mentions?.length ?? 0;
      } catch {
        // Counted only when it parses; the API is what is measured here.
      }
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/room-replies`, seen, close: () => server.close() };
}

async function importDemoKnowledge(http, secretKey) {
  const read = (name) =>
    JSON.parse(readFileSync(join(repoRoot, 'packages/api/seed/demo-store', `${name}.json`), 'utf8'));
  await http.expect(200, 'POST', '/v1/kb/import', {
    token: secretKey,
    body: { articles: read('articles'), products: read('products'), intents: read('intents') },
  });
}

/**
 * A request retried on a dropped keep-alive connection (the server closing an idle socket as the
 * client reuses it): batches are idempotent by item id, so a connector simply sends one again.
 */
async function requestRetrying(http, method, path, options, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await http.request(method, path, options);
    } catch (error) {
      const dropped = /socket hang up|ECONNRESET|EPIPE/.test(String(error?.message ?? error));
      if (!dropped || attempt >= attempts) throw error;
    }
  }
}

/**
 * `http.expect` through `requestRetrying`: the shelf pushes (idempotent: the segment's products
 * are set, not added) and the round's settling read meet the same dropped keep-alive sockets as the
 * batches (one full-room run crashed on a shelf push's ECONNRESET).
 */
async function expectRetrying(http, status, method, path, options) {
  const res = await requestRetrying(http, method, path, options);
  if (res.status !== status)
    throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/**
 * Posts the room's batches (CONCURRENCY in flight); pushes the shelf when its segment starts. With
 * `settle`, the round's time runs until it resolves: for the API, until every question acknowledged
 * in the round is also on its asker's timeline (the drain after the ack), not just until the last ack.
 */
async function postRoom(http, { path, token, room, batches, shelf, settle }) {
  let shelfIndex = 0;
  let failures = 0;
  const started = performance.now();
  await pool(batches.length, CONCURRENCY, async (i) => {
    const batch = batches[i];
    while (shelf && shelfIndex < room.shelf.length && room.shelf[shelfIndex].at <= batch.items[0].at) {
      const s = room.shelf[shelfIndex++];
      await shelf(s);
    }
    const res = await requestRetrying(http, 'POST', path, {
      token,
      body: { roomId: room.roomId, items: batch.items },
    });
    if (res.status !== 200) failures++;
  });
  if (settle) await settle();
  return { seconds: (performance.now() - started) / 1000, failures };
}

/**
 * BENCH_ARM_OPTIONS_API / BENCH_ARM_OPTIONS_BEFORE: JSON `startServer` options for that arm alone,
 * so one build can be measured against itself with a switch flipped in the same run, e.g.
 * `BENCH_BEFORE_API=<copy of this build> BENCH_ARM_OPTIONS_API='{"insightsFoldWorker":true}'`.
 */
function armOptions(arm) {
  const text = process.env[`BENCH_ARM_OPTIONS_${arm}`];
  return text ? JSON.parse(text) : undefined;
}

/** An arm's `startServer` options: the fold's timer past the run (unless BENCH_LIVE_FOLD=in), then its own. */
function startOptionsOf(arm, foldBetweenRounds) {
  const own = armOptions(arm);
  return foldBetweenRounds ? { insightsFoldEveryMs: FOLD_TIMER_PAST_RUN_MS, ...own } : own;
}

/**
 * Waits until no server process uses more than one 10-ms tick of CPU in 250 ms (/proc),
 * at most 30 s; answers the ms waited.
 */
async function serversIdle(servers) {
  const started = performance.now();
  for (let i = 0; i < 120; i++) {
    const before = servers.map((s) => s.cpuMs());
    await sleep(250);
    const busy = servers.some((s, k) => {
      const used = s.cpuMs();
      return used != null && before[k] != null && used - before[k] > 10;
    });
    if (!busy) break;
  }
  return performance.now() - started;
}

const median = (list) => {
  const s = [...list].sort((a, b) => a - b);
  return s.length === 0
    ? undefined
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (list, digits = 0) =>
  list.length ? `${Math.min(...list).toFixed(digits)}–${Math.max(...list).toFixed(digits)}` : '';

/**
 * Folds everything the last round stored into the insights rollups, through an insights read (the
 * server was started with `readerFoldsAll`), and a second read with nothing left to fold: the
 * fold's cost is the first read's less the second's. CPU from /proc (whole process and request
 * thread), so it does not swing with the load; wall time for the record.
 */
async function foldBetweenRounds(side, comments) {
  const read = async () => {
    const cpu = side.server.cpuMs();
    const main = side.server.mainThreadCpuMs();
    const t0 = performance.now();
    const answer = await expectRetrying(side.http, 200, 'GET', '/v1/insights/metrics?period=day', {
      token: side.server.secretKey,
    });
    return {
      behind: answer?.behind,
      ms: performance.now() - t0,
      cpuMs: side.server.cpuMs() - cpu,
      mainMs: side.server.mainThreadCpuMs() - main,
    };
  };
  const folding = await read();
  const idle = await read();
  // A few rows written while it folded (the room's answer rounds, escalations) are left for the
  // next fold; a backlog the size of a round means the build ignored `readerFoldsAll`, and the
  // fold would land in a later round after all.
  if (folding.behind > comments / 10)
    throw new Error(`the insights read left ${folding.behind} rows unfolded: not folding between rounds`);
  return {
    behind: folding.behind,
    ms: Math.max(0, folding.ms - idle.ms),
    cpuMs: Math.max(0, folding.cpuMs - idle.cpuMs),
    mainMs: Math.max(0, folding.mainMs - idle.mainMs),
  };
}

export default async function run({ log, quick }) {
  const { simulateRoom, connectorBatches, toBatchItem } = await import(apiDist);
  const comments = quick ? 20_000 : 200_000;
  const viewers = quick ? 3_000 : 30_000;
  const beforeDist = process.env.BENCH_BEFORE_API || null;
  const rounds = Number(process.env.BENCH_LIVE_ROUNDS) || (quick ? (beforeDist ? 2 : 1) : 4);
  const foldOut = process.env.BENCH_LIVE_FOLD !== 'in';
  const dir = tempDir('livestream');
  const reply = await startReplyServer();
  let bare;
  let api;
  let before = null;
  let mainCpuPerComment;
  try {
    const nodeArgs = process.env.BENCH_API_NODE_ARGS ? process.env.BENCH_API_NODE_ARGS.split(' ') : [];
    [bare, api, before] = await Promise.all([
      startServerProcess({ mode: 'bare', dbPath: dir.file('bare.db') }),
      startServerProcess({
        mode: 'api',
        dbPath: dir.file('api.db'),
        nodeArgs,
        startOptions: startOptionsOf('API', foldOut),
        readerFoldsAll: foldOut,
      }),
      beforeDist
        ? startServerProcess({
            mode: 'api',
            dbPath: dir.file('before.db'),
            nodeArgs,
            apiDist: beforeDist,
            startOptions: startOptionsOf('BEFORE', foldOut),
            readerFoldsAll: foldOut,
          })
        : null,
    ]);
    const apiHttp = jsonClient(api.url, { maxSockets: CONCURRENCY + 2 });
    const bareHttp = jsonClient(bare.url, { maxSockets: CONCURRENCY + 2 });
    const beforeHttp = before ? jsonClient(before.url, { maxSockets: CONCURRENCY + 2 }) : null;
    const apiArms = [{ name: 'api', server: api, http: apiHttp }];
    if (before) apiArms.push({ name: 'before', server: before, http: beforeHttp });
    for (const arm of apiArms) {
      await importDemoKnowledge(arm.http, arm.server.secretKey);
      await arm.http.expect(200, 'PUT', '/v1/live/settings', {
        token: arm.server.secretKey,
        body: { replyUrl: reply.url },
      });
    }
    if (before) log(`before arm: ${beforeDist}`);
    for (const arm of ['API', 'BEFORE'])
      if (armOptions(arm))
        log(`${arm.toLowerCase()} arm startServer options: ${JSON.stringify(armOptions(arm))}`);

    // Warm-up, not measured: both servers JIT their paths, the API builds the app's engine and
    // meets the room's everyday phrasings once (as any room does in its first minute).
    const warm = simulateRoom({
      seed: 7,
      roomId: 'bench-warm-up',
      comments: 5_000,
      viewers: 1_000,
      start: Date.now() - 60_000,
    });
    const warmBatches = connectorBatches(warm.comments, { flushMs: 3_600_000, maxItems: BATCH }).map((b) => ({
      items: b.items.map(toBatchItem),
    }));
    await postRoom(bareHttp, { path: '/comments', room: warm, batches: warmBatches });
    for (const arm of apiArms) {
      await postRoom(arm.http, {
        path: '/v1/channels/douyin_live/comments',
        token: arm.server.secretKey,
        room: warm,
        batches: warmBatches,
      });
    }

    // Whole-run CPU of each API process, from before the first round to after the last: it takes
    // in the work a round's own figure may miss or double, the insights folds (between the rounds,
    // or with BENCH_LIVE_FOLD=in every 60 s in whichever round is running) and answer rounds.
    const runCpuStart = Object.fromEntries(apiArms.map((a) => [a.name, a.server.cpuMs()]));
    const runMainStart = Object.fromEntries(apiArms.map((a) => [a.name, a.server.mainThreadCpuMs()]));
    const measured = { api: [], bare: [], before: [] };
    /** Server CPU per comment, µs, per API arm and round. */
    const cpuPerComment = { api: [], before: [] };
    /** The same for the API's main thread alone (the request thread; worker threads left out). */
    mainCpuPerComment = { api: [], before: [] };
    /** The insights fold run after each round (foldOut): CPU per comment (all threads, request thread), wall ms. */
    const folds = { api: [], before: [] };
    /** comments/s of each round with its fold's wall time added (foldOut). */
    const withFold = { api: [], before: [] };
    let apiFailures = 0;
    for (let round = 0; round < rounds; round++) {
      // A fresh room per round, ending now, so its comments fall inside the windows as they arrive.
      const room = simulateRoom({
        seed: 16 + round,
        roomId: `bench-${round}`,
        comments,
        viewers,
        start: Date.now() - 600_000,
      });
      const batches = connectorBatches(room.comments, { flushMs: 3_600_000, maxItems: BATCH }).map((b) => ({
        items: b.items.map(toBatchItem),
      }));
      const order = round % 2 === 0 ? apiArms : [...apiArms].reverse();
      for (const arm of ['bare', ...order.map((a) => a.name)]) {
        const side = apiArms.find((a) => a.name === arm);
        // Every server idle first: the arm before this one still checkpoints its -wal and ends
        // its answer rounds after its fold (round 1's second arm came out 10–20 % slower in
        // every run of speed-35's first window without this).
        const waited = await serversIdle([bare, ...apiArms.map((a) => a.server)]);
        if (waited > 1000)
          log(`round ${round + 1} ${arm}: waited ${(waited / 1000).toFixed(1)} s for the servers to go idle`);
        const profiled = side && process.env.BENCH_PROFILE_DIR;
        if (profiled) await side.server.profileStart();
        const cpuBefore = side?.server.cpuMs();
        const mainBefore = side?.server.mainThreadCpuMs();
        const result = !side
          ? await postRoom(bareHttp, { path: '/comments', room, batches })
          : await postRoom(side.http, {
              path: '/v1/channels/douyin_live/comments',
              token: side.server.secretKey,
              room,
              batches,
              shelf: (s) =>
                expectRetrying(side.http, 200, 'PUT', `/v1/channels/douyin_live/rooms/${room.roomId}/shelf`, {
                  token: side.server.secretKey,
                  body: { segment: s.segment, productIds: s.productIds },
                }),
              // The pipeline has absorbed the round when the timeline drain is through: a GDPR
              // export settles every deferred write before it looks the customer up (404 here).
              settle: () =>
                expectRetrying(side.http, 404, 'GET', '/v1/customers/cus_bench_settle/export', {
                  token: side.server.secretKey,
                }),
            });
        let cpuNote = '';
        if (side) {
          // The timeline drain of the round's last second runs after the last ack: counted too.
          await sleep(1500);
          const used = side.server.cpuMs();
          const mainUsed = side.server.mainThreadCpuMs();
          if (cpuBefore != null && used != null) {
            const perComment = ((used - cpuBefore) * 1000) / comments;
            cpuPerComment[arm].push(perComment);
            cpuNote = `, server CPU ${perComment.toFixed(1)} µs/comment`;
          }
          if (mainBefore != null && mainUsed != null) {
            const perComment = ((mainUsed - mainBefore) * 1000) / comments;
            mainCpuPerComment[arm].push(perComment);
            cpuNote += ` (main thread ${perComment.toFixed(1)})`;
          }
          // Resident memory after the round (a bigger page cache shows here), and the -wal
          // checkpointer's figures when it runs (its restarts, and whether it handed them back).
          cpuNote += `, RSS ${(side.server.rss() / 2 ** 20).toFixed(0)} MiB`;
          const loopStats = await side.server.loopStats().catch(() => null);
          const wal = loopStats?.walCheckpoints;
          if (wal)
            cpuNote += `, wal cycles ${wal.cycles} (lent ${wal.lentCycles}, busy ${wal.busyCycles}${wal.yields ? `, handed back ${wal.yields}×` : ''})`;
          if (foldOut) {
            // After the round's figures are taken and before any other round starts: the fold of
            // what this round stored, measured on its own (the profile, if on, covers it too).
            const fold = await foldBetweenRounds(side, comments);
            folds[arm].push({
              all: (fold.cpuMs * 1000) / comments,
              main: (fold.mainMs * 1000) / comments,
              ms: fold.ms,
            });
            cpuNote += `; insights fold after the round ${fold.ms.toFixed(0)} ms (${fold.behind} rows left to the next), CPU ${((fold.cpuMs * 1000) / comments).toFixed(1)} µs/comment (main thread ${((fold.mainMs * 1000) / comments).toFixed(1)})`;
          }
        }
        if (profiled) {
          const file = join(
            process.env.BENCH_PROFILE_DIR,
            `api-livestream-${arm === 'api' ? '' : `${arm}-`}round-${round + 1}.${process.env.BENCH_PROFILE_KIND === 'heap' ? 'heapprofile' : 'cpuprofile'}`,
          );
          await side.server.profileStop(file);
          log(`CPU profile of the ${arm} API during round ${round + 1}: ${file}`);
        }
        const rate = comments / result.seconds;
        measured[arm].push(rate);
        // The round with its fold's wall time added, as if the fold ran inside it on this thread:
        // a bound from below on what a room sustains with its folds (a served process folds the
        // messages pass on its worker, beside the comment batches).
        if (side && foldOut) withFold[arm].push(comments / (result.seconds + folds[arm].at(-1).ms / 1000));
        if (arm === 'api') apiFailures += result.failures;
        log(
          `round ${round + 1} ${arm}: ${comments} comments in ${result.seconds.toFixed(2)} s = ${rate.toFixed(0)}/s, failures ${result.failures}${cpuNote}`,
        );
      }
    }
    const runCpu = {};
    for (const a of apiArms) {
      const all = a.server.cpuMs();
      const main = a.server.mainThreadCpuMs();
      if (all != null && runCpuStart[a.name] != null)
        runCpu[a.name] = {
          all: ((all - runCpuStart[a.name]) * 1000) / (comments * rounds),
          main: ((main - runMainStart[a.name]) * 1000) / (comments * rounds),
        };
      log(
        `${a.name}: whole-run CPU ${runCpu[a.name]?.all.toFixed(1)} µs/comment (main thread ${runCpu[a.name]?.main.toFixed(1)}), all ${rounds} rounds and what ran between them`,
      );
    }
    const mean = (list) => list.reduce((s, v) => s + v, 0) / list.length;
    // Each arm's median round (a round the machine's other work slowed weighs no more than one
    // it sped up), with the spread and the mean in the notes.
    const apiRate = median(measured.api);
    const bareRate = median(measured.bare);

    // Latency: one stream on a fresh room; each batch is timed from its POST to the first
    // hot-questions event that counts it (its `ingested` total reaches the batch's).
    const latencyRoom = simulateRoom({
      seed: 99,
      roomId: 'bench-latency',
      comments: quick ? 8_000 : 40_000,
      viewers: 2_000,
    });
    const latencyBatches = quick ? 40 : 200;
    const perBatch = Math.floor(latencyRoom.comments.length / latencyBatches);
    let ingested = 0;
    let waiter = null;
    await apiHttp.expect(200, 'PUT', `/v1/channels/douyin_live/rooms/${latencyRoom.roomId}`, {
      token: api.secretKey,
      body: { title: 'latency' },
    });
    const sse = await openSse(
      api.url,
      `/v1/channels/douyin_live/rooms/${latencyRoom.roomId}/hot-questions/stream`,
      {
        token: api.secretKey,
        types: ['live.hot_questions'],
        onEvent: (_type, data) => {
          ingested = JSON.parse(data).totals.ingested;
          if (waiter && ingested >= waiter.target) {
            waiter.resolve(performance.now());
            waiter = null;
          }
        },
      },
    );
    const toEvent = [];
    const toAck = [];
    const bareAck = [];
    for (let i = 0; i < latencyBatches; i++) {
      const now = Date.now();
      const items = latencyRoom.comments
        .slice(i * perBatch, (i + 1) * perBatch)
        .map((c, k) => ({ ...toBatchItem(c), at: now - perBatch + k }));
      const target = ingested + items.length;
      const event = new Promise((resolve) => {
        waiter = { target, resolve };
      });
      const t0 = performance.now();
      const res = await requestRetrying(apiHttp, 'POST', '/v1/channels/douyin_live/comments', {
        token: api.secretKey,
        body: { roomId: latencyRoom.roomId, items },
      });
      toAck.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`latency batch ${i}: ${res.status} ${res.text.slice(0, 200)}`);
      const at = await Promise.race([event, new Promise((r) => setTimeout(() => r(null), 10_000))]);
      if (at === null) throw new Error(`no hot-questions event for batch ${i} within 10 s`);
      toEvent.push(at - t0);
      const b0 = performance.now();
      await requestRetrying(bareHttp, 'POST', '/comments', { body: { roomId: latencyRoom.roomId, items } });
      bareAck.push(performance.now() - b0);
      await new Promise((r) => setTimeout(r, 20));
    }
    sse.close();
    const sorted = (list) => [...list].sort((a, b) => a - b);
    const [ev, ack, bareSorted] = [sorted(toEvent), sorted(toAck), sorted(bareAck)];
    apiHttp.close();
    bareHttp.close();
    beforeHttp?.close();
    const throughputRatio = ratio(apiRate, bareRate);
    const rounded = (list) => list.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ');
    const foldRows = (arm) =>
      foldOut && folds[arm].length
        ? {
            value: median(folds[arm].map((f) => f.all)),
            note: `median of ${folds[arm].length} folds (${folds[arm].map((f) => f.all.toFixed(1)).join(' / ')} µs/comment; request thread ${folds[arm].map((f) => f.main.toFixed(1)).join(' / ')}; ${folds[arm].map((f) => f.ms.toFixed(0)).join(' / ')} ms each), run after each round through an insights read, in the request thread (a served process folds every 60 s, the messages pass on its fold worker); not in the round's time or CPU, in the whole-run CPU`,
          }
        : null;
    const beforeRows = before
      ? [
          {
            metric: 'ingestion, this build vs BENCH_BEFORE_API',
            value: apiRate,
            unit: 'comments/s',
            baseline: median(measured.before),
            ratio: ratio(apiRate, median(measured.before)),
            note: `medians of ${rounds} rounds, same rooms, arms swapped every round; this build ${rounded(measured.api)} (${spread(measured.api)}, mean ${Math.round(mean(measured.api))}), before ${rounded(measured.before)} (${spread(measured.before)}, mean ${Math.round(mean(measured.before))}); per-round ratios ${measured.api.map((v, i) => (v / measured.before[i]).toFixed(3)).join(' / ')}; before arm ${beforeDist}`,
          },
          {
            metric: 'main-thread CPU per comment, this build vs BENCH_BEFORE_API',
            value: median(mainCpuPerComment.api),
            unit: 'µs',
            baseline: median(mainCpuPerComment.before),
            ratio: ratio(median(mainCpuPerComment.api), median(mainCpuPerComment.before)),
            note: `medians of ${rounds} rounds; this build ${mainCpuPerComment.api.map((v) => v.toFixed(1)).join(' / ')}, before ${mainCpuPerComment.before.map((v) => v.toFixed(1)).join(' / ')} µs`,
          },
          {
            metric: 'whole-run CPU per comment, this build vs BENCH_BEFORE_API',
            value: runCpu.api?.all,
            unit: 'µs',
            baseline: runCpu.before?.all,
            ratio: ratio(runCpu.api?.all, runCpu.before?.all),
            note: `each API process from before round 1 to after round ${rounds} (its idle turns and background folds included); main thread ${runCpu.api?.main.toFixed(1)} vs ${runCpu.before?.main.toFixed(1)} µs`,
          },
          {
            metric: 'server CPU per comment, this build vs BENCH_BEFORE_API',
            value: median(cpuPerComment.api),
            unit: 'µs',
            baseline: median(cpuPerComment.before),
            ratio: ratio(median(cpuPerComment.api), median(cpuPerComment.before)),
            note: `medians of ${rounds} rounds; this build ${cpuPerComment.api.map((v) => v.toFixed(1)).join(' / ')}, before ${cpuPerComment.before.map((v) => v.toFixed(1)).join(' / ')} µs`,
          },
          ...(foldRows('api') && foldRows('before')
            ? [
                {
                  metric: 'insights fold CPU per comment (between rounds), this build vs BENCH_BEFORE_API',
                  value: foldRows('api').value,
                  unit: 'µs',
                  baseline: foldRows('before').value,
                  ratio: ratio(foldRows('api').value, foldRows('before').value),
                  note: `before: ${foldRows('before').note}`,
                },
              ]
            : []),
        ]
      : [];
    return {
      name: 'Livestream comment ingestion and hot questions',
      rows: [
        {
          metric: 'ingestion (understanding on)',
          value: apiRate,
          unit: 'comments/s',
          baseline: bareRate,
          ratio: throughputRatio,
          budget: '≥ 20,000/s',
          pass: apiRate >= 20_000 && apiFailures === 0,
          note: `median of ${rounds} simulated room(s) (${rounded(measured.api)}/s, spread ${spread(measured.api)}, mean ${Math.round(mean(measured.api))}; bare ${rounded(measured.bare)}) of ${comments.toLocaleString('en-US')} comments from ${viewers.toLocaleString('en-US')} viewers, ${BATCH} a batch, ${CONCURRENCY} in flight; demo knowledge, shelf pushes, room answers to a loopback callback (${reply.seen.replies} replies, ${reply.seen.mentions} @-mentions). Baseline: the same batches into a bare Hono + libSQL route, one multi-row INSERT per batch. An API round is timed until its timeline drain is through (an export read settles it), not just to the last ack. ${foldOut ? 'The insights fold runs between rounds (see its row), not inside them' : 'BENCH_LIVE_FOLD=in: the served 60-s insights fold lands in whichever round is running'}`,
        },
        {
          metric: 'batch → hot-questions event p50',
          value: percentile(ev, 50),
          unit: 'ms',
          baseline: percentile(bareSorted, 50),
          ratio: ratio(percentile(ev, 50), percentile(bareSorted, 50)),
          note: `${latencyBatches} batches of ${perBatch} on one SSE stream; baseline: the same batch into the bare route (its ack); the API's own ack p50 ${percentile(ack, 50).toFixed(1)} ms`,
        },
        {
          metric: 'batch → hot-questions event p99',
          value: percentile(ev, 99),
          unit: 'ms',
          baseline: percentile(bareSorted, 99),
          ratio: ratio(percentile(ev, 99), percentile(bareSorted, 99)),
        },
        {
          metric: 'server CPU per comment',
          value: median(cpuPerComment.api),
          unit: 'µs',
          note: `median of ${rounds} round(s) (${cpuPerComment.api.map((v) => v.toFixed(1)).join(' / ')}), /proc of the API process (all its threads), the drain after the last ack included`,
        },
        {
          metric: 'main-thread CPU per comment',
          value: median(mainCpuPerComment.api),
          unit: 'µs',
          note: `median of ${rounds} round(s) (${mainCpuPerComment.api.map((v) => v.toFixed(1)).join(' / ')}): the API's request thread alone, which bounds comments/s (1e6 / this); worker threads left out`,
        },
        ...(foldRows('api')
          ? [
              { metric: 'insights fold CPU per comment (between rounds)', unit: 'µs', ...foldRows('api') },
              {
                metric: 'ingestion with the fold’s time added',
                value: median(withFold.api),
                unit: 'comments/s',
                baseline: bareRate,
                ratio: ratio(median(withFold.api), bareRate),
                note: `median of ${rounds} (${rounded(withFold.api)}): each round's comments over its time plus its fold's, the fold in the request thread and not overlapped — a bound from below (a served process folds the messages pass on a worker, beside the batches)`,
              },
            ]
          : []),
        ...beforeRows,
      ],
      meta: {
        measured,
        withFold,
        cpuPerComment,
        mainCpuPerComment,
        folds,
        latency: { toEvent, toAck, bareAck },
        replies: reply.seen,
      },
    };
  } finally {
    await Promise.all([bare?.stop(), api?.stop(), before?.stop()]);
    reply.close();
    dir.remove();
  }
}
