// GET /v1/timeline?limit=50 with 1,000,000 stored messages over ~10,000 customers: p50/p99 of the
// latest page and of a walk-back page (`before`), one request at a time, against the same page as a
// raw SQL query on the same database (and a bare Hono route serving it), measured in the same run.
// Seeding is direct SQL (INSERT … SELECT over a recursive CTE, 100k rows per transaction); its time
// is reported, not measured.
import { statSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { jsonClient, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';

const LIMIT = 50;
const OTHER_CUSTOMERS = 10_007;

async function seed(client, { total, every, appId, customerId, conversationId, log }) {
  const chunk = 100_000;
  const start = Date.now() - total * 1000;
  const t0 = performance.now();
  for (let from = 1; from <= total; from += chunk) {
    const to = Math.min(total, from + chunk - 1);
    await client.batch(
      [
        {
          sql: `WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
            INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text,
              client_message_id, created_at)
            SELECT 'msg_seed_' || printf('%012d', i), ?3,
              CASE WHEN i % ?4 = 0 THEN ?5 ELSE 'cus_seed_' || (i % ${OTHER_CUSTOMERS}) END,
              CASE WHEN i % ?4 = 0 THEN ?6 ELSE 'cnv_seed_' || (i % ${OTHER_CUSTOMERS}) END,
              CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'app' ELSE 'phone' END,
              CASE i % 2 WHEN 0 THEN 'customer' ELSE 'bot' END,
              CASE i % 2 WHEN 0 THEN '这款面霜保质期多久？我是干皮，适合吗 #' || i
                ELSE '您好！这款面霜开封后建议 12 个月内用完，未开封保质期 3 年。干皮可以放心使用。' END,
              CASE i % 2 WHEN 0 THEN 'seed-cmid-' || i ELSE NULL END,
              ?7 + i * 1000
            FROM n`,
          args: [from, to, appId, every, customerId, conversationId, start],
        },
      ],
      'write',
    );
    log(`seeded ${to.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
  }
  await client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  return performance.now() - t0;
}

/** Times the arms interleaved, one call of each per round, so machine noise falls on all of them. */
async function timeInterleaved(iterations, warmup, arms) {
  const names = Object.keys(arms);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < warmup + iterations; i++) {
    for (const name of names) {
      const t0 = performance.now();
      await arms[name]();
      if (i >= warmup) samples[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
}

export default async function run({ log, quick }) {
  const total = quick ? 20_000 : 1_000_000;
  const perTarget = quick ? 400 : 2_000;
  const iterations = quick ? 300 : 2_000;
  const warmup = quick ? 50 : 200;
  const dir = tempDir('timeline');
  const dbPath = dir.file('timeline.db');
  let api;
  let bare;
  let raw;
  try {
    api = await startServerProcess({ mode: 'api', dbPath });
    let http = jsonClient(api.url);
    const session = await http.expect(201, 'POST', '/v1/sessions', {
      token: api.publishableKey,
      body: { channel: 'web' },
    });
    const first = await http.expect(201, 'POST', '/v1/messages', {
      token: session.sessionToken,
      body: { clientMessageId: 'timeline-first', text: 'hello' },
    });
    const customerId = session.customer.id;

    raw = createClient({ url: `file:${dbPath}` });
    await raw.execute('PRAGMA busy_timeout = 5000');
    const seedMs = await seed(raw, {
      total,
      every: Math.floor(total / perTarget),
      appId: api.appId,
      customerId,
      conversationId: first.conversation.id,
      log,
    });
    const count = Number((await raw.execute('SELECT count(*) AS n FROM messages')).rows[0].n);
    const mine = Number(
      (
        await raw.execute({
          sql: 'SELECT count(*) AS n FROM messages WHERE customer_id = ?',
          args: [customerId],
        })
      ).rows[0].n,
    );
    const dbBytes = statSync(dbPath).size;
    log(
      `seeded ${count.toLocaleString('en-US')} messages (${mine} for the measured customer) in ${(seedMs / 1000).toFixed(1)} s, ${(dbBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    const plan = await raw.execute({
      sql: 'EXPLAIN QUERY PLAN SELECT * FROM messages WHERE customer_id = ? ORDER BY seq DESC LIMIT 51',
      args: [customerId],
    });
    log(`plan: ${plan.rows.map((r) => r.detail).join(' | ')}`);
    // The keep-alive socket idled through the seeding and the server has dropped it: start afresh.
    http.close();
    http = jsonClient(api.url);

    // A walk-back cursor several pages deep, taken from the API itself.
    const depth = quick ? 5 : 10;
    let before = null;
    for (let page = 0; page < depth; page++) {
      const res = await http.expect(
        200,
        'GET',
        `/v1/timeline?limit=${LIMIT}${before ? `&before=${before}` : ''}`,
        {
          token: session.sessionToken,
        },
      );
      if (res.messages.length !== LIMIT) throw new Error(`page ${page} had ${res.messages.length} messages`);
      before = res.nextBefore;
    }

    bare = await startServerProcess({ mode: 'bare', dbPath });
    const bareHttp = jsonClient(bare.url);

    const rawPage = (cursor) =>
      raw.execute(
        cursor === undefined
          ? {
              sql: 'SELECT * FROM messages WHERE customer_id = ? ORDER BY seq DESC LIMIT ?',
              args: [customerId, LIMIT + 1],
            }
          : {
              sql: 'SELECT * FROM messages WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
              args: [customerId, Number(cursor), LIMIT + 1],
            },
      );
    const apiPage = async (cursor) => {
      const res = await http.request(
        'GET',
        `/v1/timeline?limit=${LIMIT}${cursor ? `&before=${cursor}` : ''}`,
        {
          token: session.sessionToken,
        },
      );
      if (res.status !== 200 || res.json.messages.length !== LIMIT)
        throw new Error(`timeline: ${res.status}`);
    };
    const barePage = async (cursor) => {
      const res = await bareHttp.request(
        'GET',
        `/timeline?customer=${encodeURIComponent(customerId)}&limit=${LIMIT}${cursor ? `&before=${cursor}` : ''}`,
      );
      if (res.status !== 200 || res.json.messages.length !== LIMIT)
        throw new Error(`bare timeline: ${res.status}`);
    };

    const results = {};
    for (const [name, cursor] of [
      ['latest', undefined],
      ['walk-back', before],
    ]) {
      results[name] = await timeInterleaved(iterations, warmup, {
        raw: () => rawPage(cursor),
        bare: () => barePage(cursor),
        api: () => apiPage(cursor),
      });
      const r = results[name];
      log(
        `${name}: api p50 ${r.api.p50.toFixed(2)} / p99 ${r.api.p99.toFixed(2)} ms · bare Hono p50 ${r.bare.p50.toFixed(2)} / p99 ${r.bare.p99.toFixed(2)} ms · raw SQL p50 ${r.raw.p50.toFixed(3)} / p99 ${r.raw.p99.toFixed(3)} ms`,
      );
    }
    http.close();
    bareHttp.close();

    const rows = [];
    for (const [name, r] of Object.entries(results)) {
      const label = name === 'latest' ? 'latest page' : `walk-back page (before, ${depth} pages deep)`;
      rows.push(
        {
          metric: `${label} p50`,
          value: r.api.p50,
          unit: 'ms',
          baseline: r.raw.p50,
          ratio: ratio(r.api.p50, r.raw.p50),
        },
        {
          metric: `${label} p99`,
          value: r.api.p99,
          unit: 'ms',
          baseline: r.raw.p99,
          ratio: ratio(r.api.p99, r.raw.p99),
          budget: '≤ 10 ms',
          pass: r.api.p99 <= 10,
        },
        {
          metric: `${label} p99 vs bare Hono route`,
          value: r.api.p99,
          unit: 'ms',
          baseline: r.bare.p99,
          ratio: ratio(r.api.p99, r.bare.p99),
        },
      );
    }
    rows[1].note = `${count.toLocaleString('en-US')} messages stored (${mine} for this customer, ~${Math.round(total / OTHER_CUSTOMERS)} for each of ${OTHER_CUSTOMERS.toLocaleString('en-US')} others); ${iterations} sequential requests per figure, the three arms interleaved; baseline = the same page as raw SQL (@libsql/client, in the bench process)`;
    rows.push(
      { metric: 'seeding time (not measured)', value: seedMs / 1000, unit: 's' },
      { metric: 'database size', value: dbBytes / 2 ** 20, unit: 'MiB' },
    );
    return {
      name: `timeline page of ${LIMIT} with ${count.toLocaleString('en-US')} messages`,
      rows,
      meta: results,
    };
  } finally {
    raw?.close();
    await Promise.all([api?.stop(), bare?.stop()]);
    dir.remove();
  }
}
