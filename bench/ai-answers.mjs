// AI answers (SPEC §10): in-process answer latency with the demo knowledge base and with a
// generated 1,000-article one (budget p50 ≤ 2 ms, p99 ≤ 10 ms), the index rebuild after importing
// 1,000 articles, and POST /v1/messages throughput with answers against the same route with the
// silent responder (same run, same machine, 127.0.0.1 only).
import { randomBytes, randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import {
  createAnswerEngine,
  createApp,
  createDatabase,
  createKnowledgeIndex,
  createMerchantApp,
  importKnowledge,
  loadKnowledge,
  migrateDatabase,
  readDemoStore,
  seedDemoStore,
  signIdentityToken,
  silentLogger,
  silentResponder,
} from '../packages/api/dist/index.js';
import { ratio, summarize, tempDir } from './lib/common.mjs';

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

async function throughput({ app, keys, duration }) {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const tokens = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const identityToken = await signIdentityToken({ sub: `bench-${i}` }, keys.identitySecret);
      const res = await fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.publishableKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'web', identityToken }),
      });
      tokens.push((await res.json()).sessionToken);
    }
    let client = 0;
    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/v1/messages',
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ clientMessageId: randomUUID(), text: '付款后多久发货' }),
          }),
        },
      ],
      setupClient: (c) =>
        c.setHeaders({
          'content-type': 'application/json',
          authorization: `Bearer ${tokens[client++ % tokens.length]}`,
        }),
    });
    return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors };
  } finally {
    await new Promise((resolve) => server.close(resolve));
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

    // POST /v1/messages with the AI answering vs the same route with the silent responder.
    const duration = quick ? 3 : 8;
    const arms = {};
    for (const arm of ['silent', 'ai']) {
      const database = await openDatabase(dir, `${arm}.db`);
      opened.push(database);
      const app = createApp({
        database,
        masterKey: randomBytes(32),
        sessionSigningKey: randomBytes(32),
        logger: silentLogger,
        ...(arm === 'silent' ? { responder: silentResponder } : {}),
      });
      const keys = await createMerchantApp(app.deps, { name: `bench ${arm}` });
      await seedDemoStore(app.deps, keys.appId);
      arms[arm] = await throughput({ app, keys, duration });
      log(
        `${arm}: ${arms[arm].rps.toFixed(0)} req/s (non-2xx ${arms[arm].non2xx}, errors ${arms[arm].errors})`,
      );
    }
    const share = ratio(arms.ai.rps, arms.silent.rps);
    rows.push(
      {
        metric: `POST /v1/messages, silent responder, ${CONNECTIONS} conns`,
        value: arms.silent.rps,
        unit: 'req/s',
      },
      {
        metric: `POST /v1/messages with AI answers, ${CONNECTIONS} conns`,
        value: arms.ai.rps,
        unit: 'req/s',
        baseline: arms.silent.rps,
        ratio: share,
        budget: '≥ 0.5× silent',
        pass: share >= 0.5 && arms.ai.non2xx === 0 && arms.ai.errors === 0,
      },
    );
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
