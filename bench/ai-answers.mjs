// AI answers (SPEC §10): in-process answer latency with the demo knowledge base and with a
// generated 1,000-article one (budget p50 ≤ 2 ms, p99 ≤ 10 ms), the index rebuild after importing
// 1,000 articles, and POST /v1/messages throughput with answers against the same route with the
// silent responder (same run, same machine, 127.0.0.1 only; each API and the load generator in its
// own process; within the shipped rate limits; only 2xx answers count, any other fails the row).

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  createAnswerEngine,
  createDatabase,
  createKnowledgeIndex,
  importKnowledge,
  loadKnowledge,
  migrateDatabase,
  readDemoStore,
  signIdentityToken,
} from '../packages/api/dist/index.js';
import { cpuPlan, jsonClient, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';
import {
  configureBenchApp,
  createShoppers,
  importDemoKnowledge,
  median,
  startLoadGenerator,
} from './lib/send-load.mjs';

const CONNECTIONS = 50;

// Shopper-like questions: some from the demo store's own wording, most paraphrased or noisy.
const QUESTIONS = [
  '您好 请问有人在线吗',
  '昨天下午拍的 今天能寄出来吗',
  '寄到成都大概要几天',
  '我的包裹现在到哪儿了',
  '收件电话少打了一位数字',
  '退款退到支付宝要多久',
  '店铺券跟平台券同时能用不',
  '花呗能分几期 有没有免息',
  '每日坚果保质期多长',
  '清透防晒里面有酒精吗',
  '宝宝7公斤多 纸尿裤选什么码',
  '秋天皮肤紧绷发干 推荐点啥',
  '這個面霜保質期多久？',
  'ＳＰＦ多少',
  '主播 这个保质期多久',
  '衣服尺码不合适想换大一码',
  '今天上海会下雨吗',
  'how long does shipping take',
  '我上周在直播间买的那个小白瓶用了以后脸有点刺痛，是不是过敏了，还能继续用吗，能不能退',
  '666',
  // A long rambling message (shoppers write stories; the engine reads them for what they ask).
  '你好，我是老顾客了，上个月在你们直播间一口气买了好几样，有玻尿酸面霜、小白瓶精华，还给我老公买了一条牛仔裤，' +
    '面霜用着还可以，精华第一次用的时候有点刺刺的，主播说是正常的我就继续用了，牛仔裤他穿了一次洗了一下，' +
    '发现有点掉色，把白衣服都染蓝了，我妈说新牛仔裤都这样，我也不知道到底是不是正常的，我朋友也想买你们家的东西，' +
    '她是敏感肌，让我问问有没有适合她的，另外我还有个问题，我买了快一千块钱的东西，积分好像一分都没到账，这是怎么回事啊？',
];

// Every question of the eval sets (dev, independent shopper set, blind set): the engine-speed rows.
const EVAL_QUESTIONS = ['dev', 'shopper', 'review'].flatMap((set) =>
  readFileSync(new URL(`../packages/api/eval/${set}-questions.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line)),
);

/** What an answer says (action, intent, article, product, text…): two engines must agree on all of it. */
const answerKey = (r) =>
  JSON.stringify([
    r.action,
    r.intent,
    r.articleId,
    r.productId,
    r.text,
    r.confidence,
    r.quickReplies,
    r.language,
    r.attribute ?? null,
    r.ticket ?? null,
    r.nearest,
    r.more.map(answerKey),
  ]);

/** Answers per CPU second over every eval question, each alone (`passes` times through the set). */
function answersPerCpuSecond(engine, passes) {
  const started = process.cpuUsage();
  let n = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const q of EVAL_QUESTIONS) {
      engine.answer({ text: q.q, channel: q.channel });
      n++;
    }
  }
  const used = process.cpuUsage(started);
  return n / ((used.user + used.system) / 1e6);
}

/**
 * This build's engine against another build's (`BENCH_BEFORE_API`, its packages/api/dist/index.js)
 * on the same knowledge, in the same process, rounds alternating: the answers must be identical
 * and the row gives this / before in answers per CPU second (geometric mean of the rounds).
 */
async function engineAgainstBefore(kb, beforeDist, rounds) {
  const before = await import(pathToFileURL(beforeDist).href);
  const engines = {
    this: createAnswerEngine(createKnowledgeIndex(kb)),
    before: before.createAnswerEngine(before.createKnowledgeIndex(kb)),
  };
  let differing = 0;
  for (const q of EVAL_QUESTIONS) {
    const input = { text: q.q, channel: q.channel };
    if (answerKey(engines.this.answer(input)) !== answerKey(engines.before.answer(input))) differing++;
  }
  for (const engine of Object.values(engines)) answersPerCpuSecond(engine, 1); // warm-up
  const rates = { this: [], before: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['before', 'this'] : ['this', 'before']) {
      globalThis.gc?.();
      rates[name].push(answersPerCpuSecond(engines[name], 2));
    }
  }
  const ratios = rates.this.map((x, i) => x / rates.before[i]);
  const geometric = Math.exp(ratios.reduce((sum, x) => sum + Math.log(x), 0) / ratios.length);
  return { differing, rates, ratios, geometric };
}

/** A plausible 1,000-article shop: the demo store plus generated product × topic articles. */
function generatedKnowledge(count) {
  const demo = readDemoStore();
  const topics = [
    '怎么用',
    '保质期',
    '适合什么肤质',
    '能退吗',
    '什么时候发货',
    '有赠品吗',
    '成分安全吗',
    '怎么保存',
    '有小样吗',
    '可以送人吗',
  ];
  const nouns = [
    '面霜',
    '精华',
    '洁面',
    '防晒',
    '面膜',
    '口红',
    '气垫',
    '连衣裙',
    '牛仔裤',
    '开衫',
    '坚果',
    '牛肉干',
    '托特包',
    '沐浴露',
    '纸尿裤',
    '奶粉',
    '眼霜',
    '香水',
    '卸妆水',
    '护手霜',
  ];
  const articles = [...demo.articles];
  for (let i = 0; articles.length < count; i++) {
    const noun = `${nouns[i % nouns.length]}${Math.floor(i / nouns.length)}号`;
    const topic = topics[i % topics.length];
    articles.push({
      id: `gen-${i}`,
      title: `${noun}${topic}`,
      questions: [`${noun}${topic}`, `请问${noun}${topic}？`, `${topic}，${noun}`],
      answer: `关于${noun}${topic}：这是第${i}篇生成的说明，内容足够长，像商家真实写的回答一样包含若干细节和注意事项。`,
      intent: demo.intents[i % demo.intents.length].id,
    });
  }
  return { articles, products: demo.products, intents: demo.intents };
}

function measureAnswers(engine, rounds) {
  const samples = [];
  const channels = ['web', 'app', 'douyin_live', 'phone'];
  let memory = {};
  for (let r = 0; r < rounds; r++) {
    for (const [i, text] of QUESTIONS.entries()) {
      const started = performance.now();
      memory = engine.answer({ text, channel: channels[i % channels.length], memory }).memory;
      samples.push(performance.now() - started);
    }
  }
  return summarize(samples);
}

async function openDatabase(dir, name) {
  const database = createDatabase({ url: `file:${dir.file(name)}` });
  await migrateDatabase(database);
  return database;
}

/**
 * POST /v1/messages on the built API in its own process (`responder: 'silent'` or the AI), loaded
 * by the load generator's process (pinned away from it where the machine allows), within the
 * shipped per-session and per-address limits (see bench/lib/send-load.mjs). Answers one arm's
 * `{ server, send(seconds) }`; `send` gives 2xx-only req/s, non-2xx and errors.
 */
async function startArm({ name, dir, loader, cpus }) {
  const server = await startServerProcess({
    mode: 'api',
    dbPath: dir.file(`${name}.db`),
    cpus: cpus?.server,
    limits: 'product',
    ...(name === 'silent' ? { responder: 'silent' } : {}),
  });
  const http = jsonClient(server.url, { maxSockets: 8 });
  try {
    await importDemoKnowledge(http, server.secretKey);
    const limits = await configureBenchApp(http, server.secretKey);
    const shoppers = createShoppers(http, server.publishableKey, limits, {
      identityFor: (i) => signIdentityToken({ sub: `bench-${i}` }, server.identitySecret),
    });
    const perShopper = limits.messagesPerSessionPerMinute;
    const add = async (count) => loader.add(name, await shoppers(count), perShopper, 70_000);
    await add(200);
    let fastest = 0;
    return {
      server,
      http,
      async send(duration) {
        // Enough shoppers with room for this run, from the fastest rate seen so far.
        const need = Math.ceil(Math.max(fastest, 500) * duration * 1.5);
        const room = await loader.budget(name);
        if (room < need) await add(Math.ceil((need - room) / perShopper));
        const result = await loader.run({
          name,
          url: server.url,
          path: '/v1/messages',
          duration,
          connections: CONNECTIONS,
          text: '付款后多久发货',
        });
        fastest = Math.max(fastest, result.rps);
        return result;
      },
    };
  } catch (error) {
    http.close();
    await server.stop();
    throw error;
  }
}

export default async function run({ log, quick = false }) {
  const dir = tempDir('ai-answers');
  const rows = [];
  const opened = [];
  try {
    // In-process latency, demo knowledge base (read back from libSQL as the API does).
    const demoDb = await openDatabase(dir, 'demo.db');
    opened.push(demoDb);
    const deps = { database: demoDb, clock: { now: () => Date.now() } };
    await importKnowledge(deps, 'app_demo', readDemoStore());
    const demoKb = (await loadKnowledge(deps, 'app_demo')).kb;
    const demoEngine = createAnswerEngine(createKnowledgeIndex(demoKb));
    const rounds = quick ? 50 : 500;
    measureAnswers(demoEngine, 5); // warm-up: JIT, OpenCC dictionaries
    const demo = measureAnswers(demoEngine, rounds);
    log(
      `demo KB (${demoKb.articles.length} articles): p50 ${demo.p50.toFixed(3)} ms, p99 ${demo.p99.toFixed(3)} ms`,
    );
    rows.push(
      {
        metric: `answer p50, demo KB (${demoKb.articles.length} articles)`,
        value: demo.p50,
        unit: 'ms',
        budget: '≤ 2',
        pass: demo.p50 <= 2,
      },
      { metric: `answer p99, demo KB`, value: demo.p99, unit: 'ms', budget: '≤ 10', pass: demo.p99 <= 10 },
    );

    // The engine alone on every eval question: answers per CPU second, and against another build.
    const evalRate = answersPerCpuSecond(demoEngine, quick ? 1 : 3);
    log(`engine on ${EVAL_QUESTIONS.length} eval questions: ${evalRate.toFixed(0)} answers per CPU second`);
    if (process.env.BENCH_BEFORE_API) {
      const ab = await engineAgainstBefore(demoKb, process.env.BENCH_BEFORE_API, quick ? 4 : 8);
      log(
        `engine this / before: ${ab.geometric.toFixed(3)}× (rounds ${ab.ratios.map((r) => r.toFixed(3)).join(', ')})`,
      );
      rows.push({
        metric: 'engine answers per CPU second on the eval questions, this build vs BENCH_BEFORE_API',
        value: median(ab.rates.this),
        unit: 'answers/s',
        baseline: median(ab.rates.before),
        ratio: ab.geometric,
        pass: ab.differing === 0,
        note: `geometric mean of ${ab.ratios.length} alternating rounds (${ab.ratios.map((r) => r.toFixed(3)).join(', ')}); answers that differ: ${ab.differing} of ${EVAL_QUESTIONS.length}`,
      });
    } else {
      rows.push({
        metric: `engine answers per CPU second on the ${EVAL_QUESTIONS.length} eval questions`,
        value: evalRate,
        unit: 'answers/s',
        note: 'set BENCH_BEFORE_API to another build to compare engines in the same run',
      });
    }

    // A 1,000-article knowledge base: import, rebuild, then answer.
    const big = generatedKnowledge(1_000);
    let started = performance.now();
    await importKnowledge(deps, 'app_big', big);
    const importMs = performance.now() - started;
    started = performance.now();
    const bigKb = (await loadKnowledge(deps, 'app_big')).kb;
    const bigEngine = createAnswerEngine(createKnowledgeIndex(bigKb));
    const rebuildMs = performance.now() - started;
    measureAnswers(bigEngine, 5);
    const large = measureAnswers(bigEngine, rounds);
    log(
      `1,000-article KB: import ${importMs.toFixed(0)} ms, rebuild ${rebuildMs.toFixed(0)} ms, p50 ${large.p50.toFixed(3)} ms`,
    );
    rows.push(
      {
        metric: 'answer p50, 1,000-article KB',
        value: large.p50,
        unit: 'ms',
        baseline: demo.p50,
        ratio: ratio(large.p50, demo.p50),
        budget: '≤ 2',
        pass: large.p50 <= 2,
      },
      {
        metric: 'answer p99, 1,000-article KB',
        value: large.p99,
        unit: 'ms',
        baseline: demo.p99,
        ratio: ratio(large.p99, demo.p99),
        budget: '≤ 10',
        pass: large.p99 <= 10,
      },
      { metric: 'import 1,000 articles (one transaction)', value: importMs, unit: 'ms' },
      { metric: 'index rebuild after the import (load + build)', value: rebuildMs, unit: 'ms' },
    );

    // POST /v1/messages with the AI answering vs the same route with the silent responder: each
    // API in its own process, the load generator in a third, alternating rounds.
    const duration = quick ? 3 : 8;
    const sendRounds = 3;
    const cpus = cpuPlan();
    const loader = await startLoadGenerator({ cpus: cpus?.load });
    const arms = {};
    try {
      for (const name of ['silent', 'ai']) arms[name] = await startArm({ name, dir, loader, cpus });
      for (const name of ['silent', 'ai']) await arms[name].send(quick ? 1 : 3);
      const measured = { silent: [], ai: [] };
      const ratios = [];
      for (let round = 0; round < sendRounds; round++) {
        for (const name of ['silent', 'ai']) {
          const result = await arms[name].send(duration);
          measured[name].push(result);
          log(
            `round ${round + 1} ${name}: ${result.rps.toFixed(0)} req/s (non-2xx ${result.non2xx}, errors ${result.errors})`,
          );
        }
        ratios.push(ratio(measured.ai[round].rps, measured.silent[round].rps) ?? 0);
      }
      const failed = (name) => measured[name].reduce((s, r) => s + r.non2xx + r.errors + r.overBudget, 0);
      const share = median(ratios);
      const spread = `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`;
      rows.push(
        {
          metric: `POST /v1/messages, silent responder, ${CONNECTIONS} conns`,
          value: median(measured.silent.map((r) => r.rps)),
          unit: 'req/s',
          note: `2xx only; failed requests ${failed('silent')}`,
        },
        {
          metric: `POST /v1/messages with AI answers, ${CONNECTIONS} conns`,
          value: median(measured.ai.map((r) => r.rps)),
          unit: 'req/s',
          baseline: median(measured.silent.map((r) => r.rps)),
          ratio: share,
          budget: '≥ 0.5× silent',
          pass: share >= 0.5 && failed('ai') === 0 && failed('silent') === 0,
          note: `median of ${sendRounds} alternating rounds × ${duration} s, ratio per round ${ratios.map((r) => r.toFixed(3)).join(', ')} (spread ${spread}); 2xx only, failed requests ${failed('ai')}; each API and the load generator in its own process${cpus ? `, server on core ${cpus.server}, load on core ${cpus.load}` : ''}; shipped per-session and per-address limits`,
        },
      );
    } finally {
      for (const arm of Object.values(arms)) {
        arm.http.close();
        await arm.server.stop();
      }
      await loader.stop();
    }
    return { name: 'AI answers', rows };
  } finally {
    for (const database of opened) database.close();
    dir.remove();
  }
}

// Direct run: `node bench/ai-answers.mjs [--quick]` (after `npm run build`).
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run({ log: (m) => console.log(m), quick: process.argv.includes('--quick') });
  console.table(result.rows);
}
