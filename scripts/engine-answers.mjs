// The answer engine alone, on every eval question: dumps each answer (action, intent, article,
// product, text, quick replies, the further answers of the turn) and measures answers per second.
// With a second build it proves a speed change changed no answer, and gives the speed ratio from
// the same process, rounds alternating between the two builds.
//
//   node --expose-gc scripts/engine-answers.mjs [--before <other build's packages/api/dist/index.js>]
//        [--rounds N] [--dump <file>] [--no-dump] [--text <one message>]
//
// `--text` measures one message sent again and again in one conversation (as the send bench does)
// instead of the eval questions; `--no-dump` skips the dump and the comparison.
//
// The eval sets are packages/api/eval/*.jsonl (each question alone, then the whole set in one
// conversation so the memory carries over) and the Banking77 held-out fifth (shared/eval, beside
// the repository) classified by an engine trained on the other four fifths.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fillStore, findBanking77 } from './lib/engine-inputs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const rounds = Math.max(1, Math.min(50, Number(option('--rounds') ?? 4)));
const builds = [['this', join(root, 'packages/api/dist/index.js')]];
if (option('--before')) builds.push(['before', resolve(option('--before'))]);

const sets = ['dev', 'shopper', 'review'].map((name) => ({
  name,
  questions: readFileSync(join(root, `packages/api/eval/${name}-questions.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line)),
}));

/** The demo store as the import fills it, and the Banking77 split as evaluateIntentSplit makes it. */
function knowledgeOf(api, store) {
  const demo = fillStore(store);
  const file = findBanking77();
  let banking = null;
  if (file) {
    const seen = new Map();
    const train = new Map();
    const held = [];
    for (const q of api.parseLabelledCsv(readFileSync(file, 'utf8'))) {
      const n = seen.get(q.label) ?? 0;
      seen.set(q.label, n + 1);
      if (n % 5 === 4) held.push(q);
      else train.set(q.label, [...(train.get(q.label) ?? []), q.text]);
    }
    const idOf = (label) => label.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'x';
    banking = {
      held,
      kb: {
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
      },
    };
  }
  return { demo, banking };
}

const brief = (r) => ({
  action: r.action,
  intent: r.intent,
  articleId: r.articleId,
  productId: r.productId,
  confidence: r.confidence,
  lowConfidence: r.lowConfidence,
  outOfScope: r.outOfScope,
  text: r.text,
  quickReplies: r.quickReplies,
  language: r.language,
  attribute: r.attribute ?? null,
  orderId: r.orderId ?? null,
  ticket: r.ticket ?? null,
  nearest: r.nearest,
  grounding: { articles: r.grounding.articles.map((a) => a.id), product: r.grounding.product?.id ?? null },
  memory: r.memory,
  more: r.more.map(brief),
});

/** Every answer of one build, in a fixed order. */
function dumpOf(engines) {
  const out = {};
  for (const set of sets) {
    out[`${set.name} alone`] = set.questions.map((q) =>
      brief(engines.demo.answer({ text: q.q, channel: q.channel })),
    );
    let memory = {};
    out[`${set.name} in one conversation`] = set.questions.map((q) => {
      const r = engines.demo.answer({ text: q.q, channel: q.channel, memory });
      memory = r.memory;
      return brief(r);
    });
  }
  if (engines.banking)
    out.banking77 = engines.banking.held.map((q) => engines.banking.engine.topIntent(q.text));
  return out;
}

/** Answers per second over every eval question of the demo sets, each alone. */
function speedOf(engines) {
  const texts = option('--text')
    ? Array.from({ length: 200 }, () => [option('--text'), 'web'])
    : sets.flatMap((s) => s.questions.map((q) => [q.q, q.channel]));
  const started = process.cpuUsage();
  let n = 0;
  // One text (`--text`) is sent as the send bench does: again and again in one conversation, the
  // memory carried from answer to answer, with an empty profile.
  let memory = option('--text') ? {} : undefined;
  const profile = option('--text') ? { attributes: {}, cartProductIds: [], orders: [] } : undefined;
  for (let pass = 0; pass < 3; pass++) {
    for (const [text, channel] of texts) {
      const result = engines.demo.answer({ text, channel, memory, profile });
      if (memory) memory = result.memory;
      n++;
    }
  }
  const used = process.cpuUsage(started);
  return n / ((used.user + used.system) / 1e6);
}

const loaded = [];
let store;
for (const [name, file] of builds) {
  const api = await import(pathToFileURL(file).href);
  store ??= api.readDemoStore();
  const { demo, banking } = knowledgeOf(api, store);
  const demoEngine = api.createAnswerEngine(api.createKnowledgeIndex(demo));
  const engines = {
    demo: demoEngine,
    banking: banking
      ? { held: banking.held, engine: api.createAnswerEngine(api.createKnowledgeIndex(banking.kb)) }
      : null,
  };
  const dump = args.includes('--no-dump') ? {} : dumpOf(engines);
  loaded.push({ name, engines, dump });
  const file2 = option('--dump');
  if (file2) writeFileSync(`${file2}.${name}.json`, JSON.stringify(dump, null, 1));
}

if (loaded.length === 2) {
  const [a, b] = loaded;
  let differing = 0;
  for (const key of Object.keys(b.dump)) {
    const left = a.dump[key] ?? [];
    const right = b.dump[key];
    for (let i = 0; i < right.length; i++) {
      if (JSON.stringify(left[i]) !== JSON.stringify(right[i])) {
        differing++;
        if (differing <= 10)
          console.log(
            `DIFF ${key} #${i}\n  this   ${JSON.stringify(left[i])}\n  before ${JSON.stringify(right[i])}`,
          );
      }
    }
  }
  const count = Object.values(b.dump).reduce((n, v) => n + v.length, 0);
  console.log(`answers compared: ${count}; differing: ${differing}`);
  if (differing) process.exitCode = 1;
}

// Speed, rounds alternating between the builds (the first round of each is JIT warm-up).
for (const { engines } of loaded) speedOf(engines);
const rates = Object.fromEntries(loaded.map((l) => [l.name, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...loaded].reverse() : loaded;
  for (const l of order) {
    globalThis.gc?.();
    rates[l.name].push(speedOf(l.engines));
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
for (const [name, xs] of Object.entries(rates))
  console.log(
    `${name}: ${median(xs).toFixed(0)} answers/s CPU (rounds ${xs.map((x) => x.toFixed(0)).join(', ')})`,
  );
if (loaded.length === 2) {
  const ratios = rates.this.map((x, i) => x / rates.before[i]);
  const geo = Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length);
  console.log(`this / before: ${geo.toFixed(3)}× (rounds ${ratios.map((x) => x.toFixed(3)).join(', ')})`);
}
