// The answer engine's CPU per message, in-process, against another build in the same run (rounds
// alternating between the builds, CPU time of this process): the work a send and a livestream
// comment pay for understanding, without HTTP or storage around it.
//
//   node --expose-gc scripts/engine-cpu.mjs [--before <other build's packages/api/dist/index.js>]
//        [--rounds N] [--only eval|send|live|banking] [--this <dist/index.js>]
//
// `--this` measures another build in place of this checkout's (e.g. to profile main's build alone
// under `node --cpu-prof`).
//
// Workloads (each a fixed list of engine calls, the same for both builds):
// - eval:    every question of the dev, shopper and blind (review) sets, each alone;
// - send:    the send bench's message (`付款后多久发货`) again and again in one conversation, the
//            memory carried and an empty profile, as `POST /v1/messages` answers it;
// - live:    every distinct comment of the livestream bench's simulated room (seed 16, 20,000
//            comments) on douyin_live with the shelf product as context — what the comment reader
//            asks the engine the first time it meets a text (it caches readings per text after);
// - banking: `topIntent` over the Banking77 held-out fifth (an English knowledge base), if the
//            shared eval files are beside the repository.
// Nothing is cached between calls by this script; each call is a fresh `answer()`/`topIntent()`.
// For "no answer changed", use scripts/engine-answers.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fillStore, findBanking77 } from './lib/engine-inputs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const rounds = Math.max(1, Math.min(50, Number(option('--rounds') ?? 6)));
const only = option('--only');
const builds = [
  ['this', option('--this') ? resolve(option('--this')) : join(root, 'packages/api/dist/index.js')],
];
if (option('--before')) builds.push(['before', resolve(option('--before'))]);

const questions = ['dev', 'shopper', 'review'].flatMap((name) =>
  readFileSync(join(root, `packages/api/eval/${name}-questions.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line)),
);

function bankingOf(api) {
  const file = findBanking77();
  if (!file) return null;
  const seen = new Map();
  const train = new Map();
  const held = [];
  for (const q of api.parseLabelledCsv(readFileSync(file, 'utf8'))) {
    const n = seen.get(q.label) ?? 0;
    seen.set(q.label, n + 1);
    if (n % 5 === 4) held.push(q.text);
    else train.set(q.label, [...(train.get(q.label) ?? []), q.text]);
  }
  const idOf = (label) => label.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'x';
  const kb = {
    articles: [],
    products: [],
    intents: [...train].map(([label, examples]) => ({
      id: idOf(label),
      name: label,
      policy: 'ai',
      ticketType: null,
      answerFrom: null,
      examples,
    })),
  };
  // A sample of the held-out fifth: enough to weigh, short enough to alternate.
  return { kb, texts: held.filter((_, i) => i % 4 === 0) };
}

/** The livestream bench's room: each distinct text with the shelf product shown when it was said. */
function liveCalls(api) {
  const room = api.simulateRoom({ seed: 16, comments: 20_000, viewers: 3_000 });
  const seen = new Set();
  const calls = [];
  let shelfAt = 0;
  for (const comment of room.comments) {
    while (shelfAt + 1 < room.shelf.length && room.shelf[shelfAt + 1].at <= comment.at) shelfAt++;
    const shelfProductId = room.shelf[shelfAt]?.productIds[0] ?? null;
    const key = `${shelfProductId}\u0001${comment.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    calls.push({ text: comment.text, shelfProductId });
  }
  return calls;
}

const loaded = [];
let liveList;
for (const [name, file] of builds) {
  const api = await import(pathToFileURL(file).href);
  const demo = api.createAnswerEngine(api.createKnowledgeIndex(fillStore(api.readDemoStore())));
  const banking = only && only !== 'banking' ? null : bankingOf(api);
  liveList ??= liveCalls(api);
  loaded.push({
    name,
    demo,
    banking: banking
      ? { texts: banking.texts, engine: api.createAnswerEngine(api.createKnowledgeIndex(banking.kb)) }
      : null,
  });
}

const workloads = {
  eval: (b) => {
    for (const q of questions) b.demo.answer({ text: q.q, channel: q.channel });
    return questions.length;
  },
  send: (b) => {
    let memory = {};
    const profile = { attributes: {}, cartProductIds: [], orders: [] };
    for (let i = 0; i < 300; i++)
      memory = b.demo.answer({ text: '付款后多久发货', channel: 'web', memory, profile }).memory;
    return 300;
  },
  live: (b) => {
    for (const c of liveList)
      b.demo.answer({
        text: c.text,
        channel: 'douyin_live',
        memory: c.shelfProductId ? { lastProductId: c.shelfProductId } : {},
      });
    return liveList.length;
  },
  banking: (b) => {
    if (!b.banking) return 0;
    for (const t of b.banking.texts) b.banking.engine.topIntent(t);
    return b.banking.texts.length;
  },
};

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** µs of CPU per call of one workload (one pass; the pass is repeated until ~0.4 s of CPU). */
function measure(build, work) {
  globalThis.gc?.();
  const started = cpuMicros();
  let n = 0;
  do n += work(build);
  while (n > 0 && cpuMicros() - started < 400_000);
  return n ? (cpuMicros() - started) / n : Number.NaN;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const names = Object.keys(workloads).filter((w) => !only || w === only);
console.log(
  `calls per pass: eval ${questions.length}, send 300, live ${liveList.length} distinct comments, banking ${loaded[0].banking?.texts.length ?? 0}`,
);
for (const w of names) {
  // Warm-up (JIT, lazily built per-index tables) for each build.
  for (const b of loaded) measure(b, workloads[w]);
  const us = Object.fromEntries(loaded.map((b) => [b.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...loaded].reverse() : loaded;
    for (const b of order) us[b.name].push(measure(b, workloads[w]));
  }
  if (Number.isNaN(us.this[0])) continue;
  const line = loaded.map((b) => `${b.name} ${median(us[b.name]).toFixed(1)} µs`).join(', ');
  if (loaded.length === 2) {
    const ratios = us.this.map((x, i) => x / us.before[i]);
    const geo = Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length);
    console.log(
      `${w}: CPU per call ${line}; this/before ${geo.toFixed(3)}× (rounds ${ratios.map((x) => x.toFixed(3)).join(', ')})`,
    );
  } else console.log(`${w}: CPU per call ${line}`);
}
