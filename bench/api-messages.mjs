// POST /v1/messages throughput at 50 connections against a bare Hono + libSQL insert route, same run.
// Both servers run in their own child process; autocannon runs in this process, so on 2 cores the
// load generator never shares an event loop with the server. Both arms are measured the same way,
// alternately, each request carrying a unique clientMessageId; each connection is its own session.
import { jsonClient, pool, ratio, startServerProcess, tempDir } from './lib/common.mjs';
import { importDemoKnowledge, loadMessages as load, summary } from './lib/send-load.mjs';

const CONNECTIONS = 50;
const TEXT = '这款面霜保质期多久？';

export default async function run({ log, quick }) {
  const duration = quick ? 3 : 10;
  const warmup = quick ? 1 : 3;
  const rounds = quick ? 1 : 2;
  const dir = tempDir('messages');
  let bare;
  let api;
  let seq = 0;
  const nextId = () => `bench-cm-${String(++seq).padStart(8, '0')}`;
  try {
    [bare, api] = await Promise.all([
      startServerProcess({ mode: 'bare', dbPath: dir.file('bare.db') }),
      startServerProcess({ mode: 'api', dbPath: dir.file('api.db') }),
    ]);
    const http = jsonClient(api.url, { maxSockets: 10 });
    const withKnowledge = await importDemoKnowledge(http, api.secretKey);
    const tokens = await pool(CONNECTIONS, 10, async () => {
      const s = await http.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web' },
      });
      return s.sessionToken;
    });
    const sample = await http.expect(201, 'POST', '/v1/messages', {
      token: tokens[0],
      body: { clientMessageId: 'sanity-check-0', text: TEXT },
    });
    http.close();
    log(
      `${CONNECTIONS} sessions ready; demo knowledge ${withKnowledge ? 'imported' : 'not available (no /v1/kb/import)'}; a sample message got ${sample.replies.length} bot replies`,
    );

    const arms = {
      bare: {
        url: bare.url,
        path: '/messages',
        headersFor: (i) => ({ 'x-customer': `cus_${i % CONNECTIONS}` }),
      },
      api: {
        url: api.url,
        path: '/v1/messages',
        headersFor: (i) => ({ authorization: `Bearer ${tokens[i % CONNECTIONS]}` }),
      },
    };
    for (const [name, arm] of Object.entries(arms)) {
      log(`warm-up ${name} ${warmup} s`);
      await load({ ...arm, duration: warmup, nextId });
    }
    const measured = { bare: [], api: [] };
    for (let round = 0; round < rounds; round++) {
      for (const name of ['bare', 'api']) {
        const result = summary(await load({ ...arms[name], duration, nextId }));
        measured[name].push(result);
        log(
          `round ${round + 1} ${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
        );
      }
    }
    const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
    const apiRps = mean(measured.api, 'rps');
    const bareRps = mean(measured.bare, 'rps');
    const apiP50 = mean(measured.api, 'p50');
    const bareP50 = mean(measured.bare, 'p50');
    const apiP99 = mean(measured.api, 'p99');
    const bareP99 = mean(measured.bare, 'p99');
    const failures = measured.api.reduce((s, r) => s + r.non2xx + r.errors, 0);
    const bareFailures = measured.bare.reduce((s, r) => s + r.non2xx + r.errors, 0);
    const throughputRatio = ratio(apiRps, bareRps);
    return {
      name: 'POST /v1/messages throughput (50 connections)',
      rows: [
        {
          metric: 'throughput',
          value: apiRps,
          unit: 'req/s',
          baseline: bareRps,
          ratio: throughputRatio,
          budget: '≥ 0.50× bare',
          pass: throughputRatio >= 0.5 && failures === 0,
          note: `mean of ${rounds} × ${duration} s per arm, alternating; baseline = bare Hono + libSQL insert route; autocannon in the bench process, each server in its own process; ${withKnowledge ? 'demo knowledge imported' : 'no knowledge routes yet, so no AI answer'}: ${sample.replies.length} bot replies to the sample message`,
        },
        {
          metric: 'latency p50',
          value: apiP50,
          unit: 'ms',
          baseline: bareP50,
          ratio: ratio(apiP50, bareP50),
        },
        {
          metric: 'latency p99',
          value: apiP99,
          unit: 'ms',
          baseline: bareP99,
          ratio: ratio(apiP99, bareP99),
        },
        { metric: 'failed requests', value: failures, unit: 'req', baseline: bareFailures },
      ],
      meta: { measured, connections: CONNECTIONS, duration, rounds },
    };
  } finally {
    await Promise.all([bare?.stop(), api?.stop()]);
    dir.remove();
  }
}
