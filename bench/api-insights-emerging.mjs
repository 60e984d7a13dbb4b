// GET /v1/insights/emerging over a busy fortnight of unanswered questions: 60,000 in two 7-day
// windows (quick: 6,000), of which a fifth are distinct texts (half made-up words, a script posting
// gibberish: the worst case for clustering by wording; half long complaints of ~480 characters, the
// worst case for redaction) and the rest three steady needs. Each window is counted
// in SQL and read up to 1,000 questions (a hashed sample beyond), and at most 200 wording clusters
// are formed, so the answer's cost stays bounded however many distinct texts arrive. p50/p99 of the
// list and of an article draft (which recomputes the list), one request at a time, against a bare
// `SELECT count(*)` over the same questions on the same database, the arms interleaved in one run.
// Texts are stored plain here (plain values read as themselves); sealed texts add one AES-GCM open
// per question read (at most 2,000).
import { createClient } from '@libsql/client';
import { jsonClient, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';

const DAY = 24 * 3600_000;
const WORDINGS = ['周末发货吗', '支持花呗分期付款吗', '礼盒能刻字吗'];
// A long complaint (the 500 characters a question is kept to): every shopper-text scan (redaction,
// tokenising) is paid per character, so half the distinct texts are this long.
const LONG =
  '上周买的面霜收到的时候发现离过期只剩一个月了，包装也有点压坏，客服一直没回复我，想问下临期的商品能不能退换，运费谁出，还有赠品要不要一起寄回来，'.repeat(
    8,
  );

export default async function run({ log, quick }) {
  const total = quick ? 6_000 : 60_000;
  const iterations = quick ? 10 : 50;
  const warmup = quick ? 2 : 5;
  const dir = tempDir('insights-emerging');
  const dbPath = dir.file('emerging.db');
  let api;
  let raw;
  try {
    api = await startServerProcess({ mode: 'api', dbPath, timeoutMs: 120_000 });
    raw = createClient({ url: `file:${dbPath}` });
    await raw.execute('PRAGMA busy_timeout = 10000');
    const now = Date.now();
    // Inside the two windows the server will see a few minutes from now.
    const from = now - 14 * DAY + 10 * 60_000;
    const step = (14 * DAY - 10 * 60_000) / total;
    // Every fifth question is a distinct text; the rest cycle through the three needs.
    await raw.execute({
      sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
        INSERT INTO unanswered_questions (app_id, customer_id, conversation_id, channel, text, kind,
          confidence, best_intent, best_article_id, created_at)
        SELECT ?2, 'cus_bench_' || (i % 5000), NULL,
          CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'app' WHEN 2 THEN 'miniprogram' ELSE 'phone' END,
          CASE WHEN i % 10 = 0 THEN 'zq' || hex(randomblob(4)) || ' xk' || hex(randomblob(4)) || ' vw' || i
               WHEN i % 5 = 0 THEN hex(randomblob(4)) || substr(?8, 1 + i % 40, 480)
               ELSE CASE i % 3 WHEN 0 THEN ?3 WHEN 1 THEN ?4 ELSE ?5 END END,
          'low_confidence', 0.1, NULL, NULL, CAST(?6 + i * ?7 AS INTEGER)
        FROM n`,
      args: [total, api.appId, ...WORDINGS, from, step, LONG],
    });
    log(`seeded ${total.toLocaleString('en-US')} unanswered questions`);
    const http = jsonClient(api.url);
    const first = await http.expect(200, 'GET', '/v1/insights/emerging?windowDays=7&limit=20', {
      token: api.secretKey,
    });
    if (first.recentTotal + first.previousTotal !== total)
      throw new Error(`emerging counts ${first.recentTotal + first.previousTotal}, the table holds ${total}`);
    const steady = first.clusters.filter((c) => WORDINGS.includes(c.label));
    if (steady.length !== 3 || steady.some((c) => c.rising))
      throw new Error(`the three steady needs must be found, none rising: ${JSON.stringify(steady)}`);
    const draftOf = steady[0].id;

    const arms = {
      emerging: () =>
        http.expect(200, 'GET', '/v1/insights/emerging?windowDays=7&limit=20', { token: api.secretKey }),
      draft: () =>
        http.expect(200, 'GET', `/v1/insights/emerging/${draftOf}/article?windowDays=7`, {
          token: api.secretKey,
        }),
      count: () =>
        raw.execute({
          sql: 'SELECT count(*) AS n FROM unanswered_questions WHERE app_id = ?',
          args: [api.appId],
        }),
    };
    const samples = { emerging: [], draft: [], count: [] };
    for (let i = 0; i < warmup + iterations; i++)
      for (const [name, arm] of Object.entries(arms)) {
        const t0 = performance.now();
        await arm();
        if (i >= warmup) samples[name].push(performance.now() - t0);
      }
    http.close();
    const r = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    const rows = [
      ['emerging needs', r.emerging, true],
      ['article draft', r.draft, false],
    ].flatMap(([metric, s, budget]) => [
      {
        metric: `${metric} p50`,
        value: s.p50,
        unit: 'ms',
        baseline: r.count.p50,
        ratio: ratio(s.p50, r.count.p50),
      },
      {
        metric: `${metric} p99`,
        value: s.p99,
        unit: 'ms',
        baseline: r.count.p99,
        ratio: ratio(s.p99, r.count.p99),
        ...(budget ? { budget: '< 1000 ms', pass: s.p99 < 1000 } : {}),
      },
    ]);
    rows[0].note = `${total.toLocaleString('en-US')} unanswered questions over 14 days (${(total / 5).toLocaleString('en-US')} distinct texts, half of them ~480-character complaints, the rest 3 needs); truncated=${first.truncated}, unclustered=${first.unclustered}; ${iterations} sequential requests per arm, interleaved; baseline = SELECT count(*) FROM unanswered_questions WHERE app_id = ? (raw @libsql/client, same database, same run)`;
    return { name: 'api-insights-emerging', rows };
  } finally {
    raw?.close();
    await api?.stop();
    dir.remove();
  }
}
