// The cost of encryption at rest (issue 8 item 9): the same API, the same send load and the same
// timeline reads, once sealing customer text with per-customer AES-256-GCM keys (the default) and
// once with `encryptAtRest: false` — two server processes, measured alternately in one run. The
// row's ratio is sealed ÷ plain: 1.00× means free.
import autocannon from 'autocannon';
import { jsonClient, pool, ratio, startServerProcess, tempDir } from './lib/common.mjs';
import { importDemoKnowledge, loadMessages, summary } from './lib/send-load.mjs';

const CONNECTIONS = 50;
const TEXT = '我的手机 13912345678，地址上海市徐汇区漕溪北路 88 号，这款面霜保质期多久？';

async function prepare(server, label, log) {
  const http = jsonClient(server.url, { maxSockets: 10 });
  await importDemoKnowledge(http, server.secretKey);
  const tokens = await pool(CONNECTIONS, 10, async () => {
    const s = await http.expect(201, 'POST', '/v1/sessions', {
      token: server.publishableKey,
      body: { channel: 'web' },
    });
    return s.sessionToken;
  });
  // Every session gets some history, so timeline pages have something to open.
  await pool(CONNECTIONS, 10, async (i) => {
    for (let n = 0; n < 10; n++)
      await http.expect(201, 'POST', '/v1/messages', {
        token: tokens[i],
        body: { clientMessageId: `seed-${i}-${n}-xxxx`, text: TEXT },
      });
  });
  http.close();
  log(`${label}: ${CONNECTIONS} sessions with 10 messages each`);
  return tokens;
}

const readTimeline = ({ url, tokens, duration }) => {
  let client = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [{ method: 'GET', path: '/v1/timeline?limit=50' }],
    setupClient: (c) => c.setHeaders({ authorization: `Bearer ${tokens[client++ % CONNECTIONS]}` }),
  });
};

export default async function run({ log, quick }) {
  const duration = quick ? 2 : 8;
  const rounds = quick ? 1 : 2;
  const dir = tempDir('encryption');
  let sealed;
  let plain;
  let seq = 0;
  const nextId = () => `enc-cm-${String(++seq).padStart(9, '0')}`;
  try {
    [sealed, plain] = await Promise.all([
      startServerProcess({ mode: 'api', dbPath: dir.file('sealed.db') }),
      startServerProcess({ mode: 'api', dbPath: dir.file('plain.db'), encryptAtRest: false }),
    ]);
    const arms = {
      sealed: { url: sealed.url, tokens: await prepare(sealed, 'sealed', log) },
      plain: { url: plain.url, tokens: await prepare(plain, 'plain', log) },
    };
    const sends = { sealed: [], plain: [] };
    const reads = { sealed: [], plain: [] };
    for (const name of ['sealed', 'plain']) {
      const arm = arms[name];
      await loadMessages({
        url: arm.url,
        path: '/v1/messages',
        duration: 1,
        nextId,
        text: TEXT,
        headersFor: (i) => ({ authorization: `Bearer ${arm.tokens[i % CONNECTIONS]}` }),
      });
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of ['sealed', 'plain']) {
        const arm = arms[name];
        const send = summary(
          await loadMessages({
            url: arm.url,
            path: '/v1/messages',
            duration,
            nextId,
            text: TEXT,
            headersFor: (i) => ({ authorization: `Bearer ${arm.tokens[i % CONNECTIONS]}` }),
          }),
        );
        sends[name].push(send);
        const read = summary(await readTimeline({ url: arm.url, tokens: arm.tokens, duration }));
        reads[name].push(read);
        log(
          `round ${round + 1} ${name}: send ${send.rps.toFixed(0)} req/s (p99 ${send.p99} ms), timeline ${read.rps.toFixed(0)} req/s (p99 ${read.p99} ms), failures ${send.non2xx + send.errors + read.non2xx + read.errors}`,
        );
      }
    }
    const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
    const failures = [...sends.sealed, ...reads.sealed].reduce((s, r) => s + r.non2xx + r.errors, 0);
    const row = (metric, list, key, unit, note) => ({
      metric,
      value: mean(list.sealed, key),
      unit,
      baseline: mean(list.plain, key),
      ratio: ratio(mean(list.sealed, key), mean(list.plain, key)),
      ...(note ? { note } : {}),
    });
    return {
      name: 'Encryption at rest: sealed (per-customer AES-256-GCM) vs the same API unsealed',
      rows: [
        row(
          'send throughput, sealed',
          sends,
          'rps',
          'req/s',
          `POST /v1/messages with the demo knowledge, ${CONNECTIONS} connections, ${rounds} × ${duration} s per arm alternating; baseline = the same API with encryptAtRest: false`,
        ),
        row('send latency p50, sealed', sends, 'p50', 'ms'),
        row('send latency p99, sealed', sends, 'p99', 'ms'),
        row(
          'timeline page of 50, sealed',
          reads,
          'rps',
          'req/s',
          'GET /v1/timeline?limit=50: every text opened',
        ),
        row('timeline latency p99, sealed', reads, 'p99', 'ms'),
        { metric: 'failed requests (sealed)', value: failures, unit: 'req', baseline: 0 },
      ],
      meta: { sends, reads, connections: CONNECTIONS, duration, rounds },
    };
  } finally {
    await Promise.all([sealed?.stop(), plain?.stop()]);
    dir.remove();
  }
}
