#!/usr/bin/env node
// Profiles comment ingestion: the built API in its own process, a simulated room posted in batches
// of 1,000 (two in flight, as bench/api-livestream.mjs), the V8 CPU profiler on over the measured
// room only; prints the request thread's CPU per comment (/proc, not load-dependent like comments/s),
// the profile's areas and top frames (scripts/profile-send.mjs's summary), and the share of the
// comment path's own steps (body, checks, understanding, viewers, sealing, statements, windows, GC).
//
//   npm run build && nice node scripts/profile-livestream.mjs [comments=100000] [--viewers=20000] [--top=30] [--no-prof]
//   PROFILE_API=<other build>/packages/api/dist/index.js ...   (profile that build)
//   PROFILE_START_OPTIONS='{"insightsFoldWorker":true}' ...      (startServer options, e.g. the fold worker on)
//   PROFILE_OUT=<dir> ...                                        (keep the .cpuprofile files there)
//
// Not a throughput figure (run it niced, at any time): the CPU per comment is what compares.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  apiDist,
  jsonClient,
  pool,
  repoRoot,
  sleep,
  startServerProcess,
  tempDir,
} from '../bench/lib/common.mjs';
import { summarize } from './profile-send.mjs';

const args = process.argv.slice(2);
const comments = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const viewers = Number(
  args.find((a) => a.startsWith('--viewers='))?.slice(10) ?? Math.round(comments * 0.15),
);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
const profiling = !args.includes('--no-prof');
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 1);

/** Steps of the comment path, by the function a sample sits under (first match from the leaf up). */
const STEPS = [
  ['gc', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  [
    'insights fold',
    (f) => /^(foldMessages|foldContactRows|runFold|foldOnce|rollUp\w*)$/.test(f.functionName),
  ],
  ['timeline drain', (f) => /drain/i.test(f.functionName) && f.url.includes('dist')],
  ['room answers', (f) => /answerRound|roomAnswer|runAnswer/i.test(f.functionName)],
  ['understanding (reader.read)', (f) => f.functionName === 'read' && f.url.includes('dist')],
  ['viewers (resolveViewers)', (f) => f.functionName === 'resolveViewers'],
  ['data keys (customerSealers)', (f) => f.functionName === 'customerSealers'],
  ['sealing (many/sealAhead)', (f) => /^(many|sealAhead|sealWith|seal)$/.test(f.functionName)],
  ['windows (committed/apply)', (f) => /^(committed|apply|applyComments)$/.test(f.functionName)],
  ['statements (bulkInsertWith/bulkInsert)', (f) => /^bulkInsert/.test(f.functionName)],
  ['ingestCommentBatch (own)', (f) => f.functionName === 'ingestCommentBatch'],
  [
    'COMMIT/database.write',
    (f) => /^(write|commit|runWrite|serialize)$/.test(f.functionName) && f.url.includes('dist'),
  ],
  ['JSON body/validator', (f) => /^(json|parse|parseBody|validator)$/i.test(f.functionName)],
  [
    'http (node/hono)',
    (f) => f.url.includes('hono') || f.url.startsWith('node:_http') || f.url.startsWith('node:net'),
  ],
];

function steps(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const stepOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    let found = 'other';
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      const hit = STEPS.find(([, test]) => test(f));
      if (hit) {
        found = hit[0];
        break;
      }
    }
    memo.set(id, found);
    return found;
  };
  const time = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const t = profile.timeDeltas[i] ?? 0;
    const s = stepOf(profile.samples[i]);
    time.set(s, (time.get(s) ?? 0) + t);
    total += t;
  }
  return [...time]
    .sort((a, b) => b[1] - a[1])
    .map(([s, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${s}`)
    .join('\n');
}

/** CPU ms of each thread of a process (/proc/<pid>/task), with its name. */
function threadCpu(pid) {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, { name, ms: (Number(fields[11]) + Number(fields[12])) * 10 });
      } catch {
        // The thread ended.
      }
    }
  } catch {
    // Not on Linux.
  }
  return out;
}

async function main() {
  const dist = process.env.PROFILE_API || apiDist;
  const { simulateRoom, connectorBatches, toBatchItem } = await import(pathToFileURL(dist).href);
  const dir = tempDir('profile-live');
  const profDir = dir.file('prof');
  mkdirSync(profDir);
  const api = await startServerProcess({
    mode: 'api',
    dbPath: dir.file('api.db'),
    ...(process.env.PROFILE_API ? { apiDist: process.env.PROFILE_API } : {}),
    // PROFILE_START_OPTIONS='{"insightsFoldWorker":true}': startServer options (A/B switches).
    ...(process.env.PROFILE_START_OPTIONS
      ? { startOptions: JSON.parse(process.env.PROFILE_START_OPTIONS) }
      : {}),
  });
  const http = jsonClient(api.url, { maxSockets: 4 });
  const walBytes = () => {
    try {
      return statSync(`${dir.file('api.db')}-wal`).size;
    } catch {
      return 0;
    }
  };

  const read = (name) =>
    JSON.parse(readFileSync(join(repoRoot, 'packages/api/seed/demo-store', `${name}.json`), 'utf8'));
  // Retried on a dropped keep-alive socket, as a connector would (batches are idempotent by id,
  // shelf pushes set the segment).
  const retrying = async (task) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await task();
      } catch (error) {
        if (attempt >= 3 || !/socket hang up|ECONNRESET|EPIPE/.test(String(error?.message))) throw error;
      }
    }
  };
  const post = async (room) => {
    const batches = connectorBatches(room.comments, { flushMs: 3_600_000, maxItems: 1000 });
    let shelf = 0;
    let failures = 0;
    await pool(batches.length, 2, async (i) => {
      const items = batches[i].items.map(toBatchItem);
      while (shelf < room.shelf.length && room.shelf[shelf].at <= items[0].at) {
        const s = room.shelf[shelf++];
        await retrying(() =>
          http.expect(200, 'PUT', `/v1/channels/douyin_live/rooms/${room.roomId}/shelf`, {
            token: api.secretKey,
            body: { segment: s.segment, productIds: s.productIds },
          }),
        );
      }
      const res = await retrying(() =>
        http.request('POST', '/v1/channels/douyin_live/comments', {
          token: api.secretKey,
          body: { roomId: room.roomId, items },
        }),
      );
      if (res.status !== 200) failures++;
    });
    await retrying(() =>
      http.expect(404, 'GET', '/v1/customers/cus_settle/export', { token: api.secretKey }),
    );
    return failures;
  };
  try {
    await http.expect(200, 'POST', '/v1/kb/import', {
      token: api.secretKey,
      body: { articles: read('articles'), products: read('products'), intents: read('intents') },
    });
    await post(
      simulateRoom({ seed: 7, roomId: 'warm', comments: 5_000, viewers: 1_000, start: Date.now() - 60_000 }),
    );
    for (let round = 0; round < rounds; round++) {
      const room = simulateRoom({
        seed: 16 + round,
        roomId: `room-${round}`,
        comments,
        viewers,
        start: Date.now() - 600_000,
      });
      if (profiling) await api.profileStart();
      const threads0 = threadCpu(api.pid);
      const loop0 = await api.loopStats();
      const cpu0 = api.cpuMs();
      const main0 = api.mainThreadCpuMs();
      const t0 = performance.now();
      const failures = await post(room);
      const seconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      const all = ((api.cpuMs() - cpu0) * 1000) / comments;
      const mainUs = ((api.mainThreadCpuMs() - main0) * 1000) / comments;
      const loop = await api.loopStats();
      const file = join(process.env.PROFILE_OUT ?? profDir, `round-${round + 1}.cpuprofile`);
      if (profiling) await api.profileStop(file);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      console.log(
        `round ${round + 1}: ${comments} comments / ${viewers} viewers in ${seconds.toFixed(1)} s (${(comments / seconds).toFixed(0)}/s at load ${load}), failures ${failures}; CPU ${all.toFixed(1)} µs/comment, request thread ${mainUs.toFixed(1)}`,
      );
      // Every thread's CPU this round, µs/comment (the worker threads: fold, checkpointer, …).
      const threads = threadCpu(api.pid);
      const busiest = [...threads]
        .map(([tid, { name, ms }]) => [tid, name, ms - (threads0.get(tid)?.ms ?? 0)])
        .filter(([, , ms]) => ms > 0)
        .sort((a, b) => b[2] - a[2])
        .slice(0, 8)
        .map(([tid, name, ms]) => `${name}#${tid} ${((ms * 1000) / comments).toFixed(1)}`);
      console.log(`  threads (µs/comment): ${busiest.join(', ')}`);
      const ck = loop.walCheckpoints;
      const ck0 = loop0.walCheckpoints;
      console.log(
        `  request-thread stalls > 150 ms: ${loop.stalls} (${loop.stallMs.toFixed(0)} ms in all, longest ${loop.maxMs.toFixed(0)} ms)` +
          (ck
            ? `; checkpointer: ${ck.cycles - (ck0?.cycles ?? 0)} cycles, PASSIVE ${(ck.passiveMs - (ck0?.passiveMs ?? 0)).toFixed(0)} ms, turn lent ${ck.lentCycles - (ck0?.lentCycles ?? 0)}× ${(ck.lentMs - (ck0?.lentMs ?? 0)).toFixed(0)} ms (longest ever ${ck.maxLentMs.toFixed(0)}), busy ${ck.busyCycles - (ck0?.busyCycles ?? 0)}, starts ${ck.starts}`
            : '; no checkpointer') +
          `; -wal file ${(walBytes() / 2 ** 20).toFixed(1)} MiB`,
      );
      if (profiling) {
        const profile = JSON.parse(readFileSync(file, 'utf8'));
        console.log(`steps (inclusive, first named step from the leaf up):\n${steps(profile)}`);
        console.log(summarize(profile, { count: top }));
      }
    }
  } finally {
    http.close();
    await api.stop();
    if (!args.includes('--keep')) dir.remove();
    else console.log(`kept ${dir.path}`);
  }
}

await main();
