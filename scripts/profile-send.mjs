#!/usr/bin/env node
// Profiles the send path: the built API in its own process under `node --cpu-prof`, the same send
// load as bench/api-messages.mjs (AI answer on, a unique clientMessageId per send, shoppers within
// the shipped limits, the load generator pinned away from the server), then prints the profile's
// top frames by self and by inclusive time, and the share of each area (our code, drizzle, libSQL,
// the HTTP stack, GC, idle).
//
//   npm run build && node scripts/profile-send.mjs [seconds=10] [--top=25] [--keep]
//   PROFILE_API=<other build>/packages/api/dist/index.js node scripts/profile-send.mjs   (profile that build)
//   node scripts/profile-send.mjs --summarize <file.cpuprofile>
//   node scripts/profile-send.mjs [seconds] --alloc   (where the allocations go, garbage included:
//     V8's sampling heap profiler over the measured window; bytes per send and the top allocating
//     frames, self and inclusive — what the young generation has to scavenge)
//
// `--keep` leaves the .cpuprofile in bench-results/ (open it in Chrome DevTools).
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuPlan, jsonClient, startServerProcess, tempDir } from '../bench/lib/common.mjs';
import {
  configureBenchApp,
  createShoppers,
  importDemoKnowledge,
  startLoadGenerator,
} from '../bench/lib/send-load.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const alloc = args.includes('--alloc');

/** Where a frame's time goes, by the script it lives in. */
function areaOf(url, name) {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)') return 'program (native, unattributed)';
  if (!url) return 'native/builtin';
  if (url.includes('/packages/api/dist/')) return 'threadline api';
  if (url.includes('/sdk-core/')) return 'sdk-core (zod protocol)';
  if (url.includes('drizzle-orm')) return 'drizzle';
  if (url.includes('libsql')) return 'libsql (js)';
  if (url.includes('/zod')) return 'zod';
  if (url.includes('hono')) return 'hono';
  if (url.includes('rate-limiter-flexible')) return 'rate-limiter-flexible';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.includes('node_modules/')) return url.split('node_modules/').pop().split('/')[0];
  return 'other';
}

/**
 * Self and inclusive time per frame and per area. `from`/`to` (µs on the monotonic clock, which
 * V8's profile timestamps use) keep only the samples taken under the measured load.
 */
export function summarize(profile, { count = top, from = -Infinity, to = Infinity } = {}) {
  const { nodes, samples, timeDeltas } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfTime = new Map();
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    selfTime.set(samples[i], (selfTime.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  }
  const total = [...selfTime.values()].reduce((s, v) => s + v, 0);
  const key = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(node_modules\/|packages\/)/, '$1') : '';
    return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  const inclusive = new Map();
  const areas = new Map();
  for (const [id, t] of selfTime) {
    const node = byId.get(id);
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + t);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + t);
    // Inclusive: count each frame once per sample, however deep it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const kk = key(byId.get(at));
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + t);
    }
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const list = (map) =>
    [...map]
      .filter(([k]) => !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, t]) => `  ${pct(t)}  ${k}`)
      .join('\n');
  return [
    `profile: ${(total / 1e6).toFixed(1)} s sampled`,
    `\nby area (self):\n${list(areas)}`,
    `\ntop ${count} self:\n${list(self)}`,
    `\ntop ${count} inclusive:\n${list(inclusive)}`,
  ].join('\n');
}

async function profileSend(seconds) {
  const dir = tempDir('profile');
  const profDir = dir.file('prof');
  mkdirSync(profDir);
  const cpus = cpuPlan();
  let api;
  let loader;
  let http;
  let window = {};
  let allocations = null;
  try {
    [api, loader] = await Promise.all([
      startServerProcess({
        mode: 'api',
        dbPath: dir.file('api.db'),
        cpus: cpus?.server,
        limits: 'product',
        // PROFILE_API=<another build's packages/api/dist/index.js> profiles that build instead.
        ...(process.env.PROFILE_API ? { apiDist: process.env.PROFILE_API } : {}),
        nodeArgs: alloc ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
      }),
      startLoadGenerator({ cpus: cpus?.load }),
    ]);
    http = jsonClient(api.url, { maxSockets: 8 });
    await importDemoKnowledge(http, api.secretKey);
    const limits = await configureBenchApp(http, api.secretKey);
    const shoppers = createShoppers(http, api.publishableKey, limits);
    // Room for the warm-up and the measured run at up to 1,500 sends/s, so no send is refused (429).
    const perShopper = limits.messagesPerSessionPerMinute;
    const room = Math.ceil(((seconds + 5) * 1_500) / perShopper);
    await loader.add('api', await shoppers(room), perShopper, 70_000);
    const options = {
      name: 'api',
      url: api.url,
      path: '/v1/messages',
      connections: 50,
      text: '这款面霜保质期多久？',
    };
    await loader.run({ ...options, duration: 5 });
    if (alloc) await api.allocStart();
    const from = Number(process.hrtime.bigint() / 1000n);
    const result = await loader.run({ ...options, duration: seconds });
    window = { from, to: Number(process.hrtime.bigint() / 1000n) };
    if (alloc) {
      const file = join(profDir, 'send.heapprofile');
      await api.allocStop(file);
      allocations = { profile: JSON.parse(readFileSync(file, 'utf8')), sends: result.ok };
    }
    console.log(
      `load: ${result.rps.toFixed(0)} req/s (2xx), non-2xx ${result.non2xx}, errors ${result.errors}, p50 ${result.p50} ms`,
    );
  } finally {
    http?.close();
    await Promise.all([api?.stop(), loader?.stop()]);
  }
  if (allocations) {
    dir.remove();
    return { allocations };
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no profile');
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  if (args.includes('--keep')) {
    const out = join(root, 'bench-results', `send-${Date.now()}.cpuprofile`);
    mkdirSync(dirname(out), { recursive: true });
    renameSync(join(profDir, file), out);
    // The measured window (µs, V8's clock), for other summaries of the kept file.
    console.log(`kept ${out} (measured window ${window.from} ${window.to})`);
  }
  dir.remove();
  return { profile, window };
}

/** Sampled allocations (a .heapprofile) per frame, self and inclusive, and bytes per send. */
export function summarizeAllocations(profile, sends, count = top) {
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  const key = (f) =>
    `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*\/(node_modules\/|packages\/)/, '$1') : ''}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  const walk = (node, above) => {
    const k = key(node.callFrame);
    total += node.selfSize;
    self.set(k, (self.get(k) ?? 0) + node.selfSize);
    const seen = new Set(above).add(k);
    for (const kk of seen) inclusive.set(kk, (inclusive.get(kk) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, seen);
  };
  walk(profile.head, new Set());
  const list = (map) =>
    [...map]
      .filter(([k]) => !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return [
    `allocated (sampled, garbage included): ${(total / 2 ** 20).toFixed(1)} MiB, ${sends ? `${(total / sends / 1024).toFixed(0)} KiB per send` : ''}`,
    `\ntop ${count} self:\n${list(self)}`,
    `\ntop ${count} inclusive:\n${list(inclusive)}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = args.indexOf('--summarize');
  const measured =
    at >= 0
      ? { profile: JSON.parse(readFileSync(args[at + 1], 'utf8')), window: {} }
      : await profileSend(Number(args.find((a) => /^\d+$/.test(a)) ?? 10));
  if (measured.allocations)
    console.log(summarizeAllocations(measured.allocations.profile, measured.allocations.sends));
  else console.log(summarize(measured.profile, measured.window));
}
