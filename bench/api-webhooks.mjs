// Webhooks (issue 13): outbox throughput — events delivered per second from the persisted outbox
// to a loopback receiver, against the same receiver fed signed payloads directly with the same
// concurrency in the same run — and the added cost of one active subscription on POST
// /v1/messages (two in-process APIs, one with a webhook for message.created and its worker
// delivering to the receiver, one without, measured alternately). 127.0.0.1 only.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { serve } from '@hono/node-server';
import {
  createApp,
  createDatabase,
  createMerchantApp,
  migrateDatabase,
  signWebhookPayload,
  silentLogger,
  silentResponder,
  startWebhookWorker,
} from '../packages/api/dist/index.js';
import { pool, ratio, sleep, tempDir } from './lib/common.mjs';
import { loadMessages, summary } from './lib/send-load.mjs';

const CONCURRENCY = 8;
const CONNECTIONS = 50;

/** The receiver: counts accepted deliveries (distinct event ids), answers 200. */
async function startReceiver() {
  const seen = new Set();
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests++;
      seen.add(req.headers['threadline-event-id']);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    distinct: () => seen.size,
    requests: () => requests,
    reset: () => {
      seen.clear();
      requests = 0;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function startApi(dir, name) {
  const database = createDatabase({ url: `file:${dir.file(`${name}.db`)}` });
  await migrateDatabase(database);
  const app = createApp({
    database,
    masterKey: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    logger: silentLogger,
    responder: silentResponder,
    webhooks: { allowLoopbackTargets: true },
    rateLimits: {
      messagesPerSessionPerMinute: 1_000_000,
      messagesPerIpPerMinute: 1_000_000,
      messagesPerAppPerMinute: 10_000_000,
      sessionsPerIpPerMinute: 100_000,
    },
  });
  const keys = await createMerchantApp(app.deps, { name: `bench ${name}` });
  const call = async (method, path, token, body) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const sessions = (count) =>
    pool(
      count,
      4,
      async () => (await call('POST', '/v1/sessions', keys.publishableKey, { channel: 'web' })).sessionToken,
    );
  return { app, database, keys, call, sessions };
}

/** The receiver fed directly: the same signed bodies, the same concurrency, a keep-alive agent. */
async function feedDirectly(receiver, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(receiver.url);
  const secret = 'whsec_bench';
  const started = performance.now();
  await pool(count, CONCURRENCY, (i) => {
    const body = JSON.stringify({
      id: `evt_direct_${i}`,
      type: 'message.created',
      createdAt: new Date().toISOString(),
      data: {
        customerId: 'cus_x',
        conversationId: `conv_${i % 200}`,
        message: { id: `msg_${i}`, text: '这款面霜保质期多久？' },
      },
    });
    return new Promise((resolve, reject) => {
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'Threadline-Signature': signWebhookPayload(secret, body, Math.floor(Date.now() / 1000)),
            'Threadline-Event-Id': `evt_direct_${i}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return count / seconds;
}

/** Fills the outbox with `count` message events over many conversations, then times the worker draining it. */
async function drainOutbox(dir, receiver, count, log) {
  const api = await startApi(dir, 'outbox');
  try {
    await api.call('POST', '/v1/webhooks', api.keys.secretKey, {
      url: receiver.url,
      events: ['message.created'],
    });
    const tokens = await api.sessions(200);
    await pool(count, 8, (i) =>
      api.call('POST', '/v1/messages', tokens[i % tokens.length], {
        clientMessageId: randomUUID(),
        text: `这款面霜保质期多久？ ${i}`,
      }),
    );
    log(`outbox: ${count} events queued over ${tokens.length} conversations`);
    receiver.reset();
    const started = performance.now();
    const worker = startWebhookWorker(api.app.deps, { concurrency: CONCURRENCY, pollMs: 50 });
    const deadline = Date.now() + 300_000;
    while (receiver.distinct() < count && Date.now() < deadline) await sleep(5);
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    if (receiver.distinct() < count) throw new Error(`only ${receiver.distinct()} of ${count} delivered`);
    return { rate: count / seconds, duplicates: receiver.requests() - receiver.distinct() };
  } finally {
    api.database.close();
  }
}

async function sendArm(dir, name, receiver, subscribed) {
  const api = await startApi(dir, name);
  if (subscribed)
    await api.call('POST', '/v1/webhooks', api.keys.secretKey, {
      url: receiver.url,
      events: ['message.created'],
    });
  const worker = subscribed ? startWebhookWorker(api.app.deps, { concurrency: CONCURRENCY }) : null;
  const server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const tokens = await api.sessions(CONNECTIONS);
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    tokens,
    async close() {
      await worker?.stop();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      api.database.close();
    },
  };
}

export default async function run({ log, quick }) {
  const events = quick ? 600 : 4000;
  const duration = quick ? 2 : 8;
  const rounds = quick ? 1 : 2;
  const dir = tempDir('webhooks');
  const receiver = await startReceiver();
  const arms = {};
  try {
    const direct = await feedDirectly(receiver, events);
    log(`direct: ${direct.toFixed(0)} deliveries/s`);
    const outbox = await drainOutbox(dir, receiver, events, log);
    log(`outbox: ${outbox.rate.toFixed(0)} events/s (repeats ${outbox.duplicates})`);

    arms.subscribed = await sendArm(dir, 'subscribed', receiver, true);
    arms.bare = await sendArm(dir, 'bare', receiver, false);
    const results = { subscribed: [], bare: [] };
    let seq = 0;
    const nextId = () => `wh-cm-${String(++seq).padStart(9, '0')}`;
    for (let round = 0; round < rounds; round++) {
      for (const name of ['bare', 'subscribed']) {
        const arm = arms[name];
        const r = summary(
          await loadMessages({
            url: arm.url,
            path: '/v1/messages',
            duration,
            nextId,
            headersFor: (i) => ({ authorization: `Bearer ${arm.tokens[i % CONNECTIONS]}` }),
          }),
        );
        results[name].push(r);
        log(
          `round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, failures ${r.non2xx + r.errors}`,
        );
      }
    }
    const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
    return {
      name: 'Webhooks: outbox delivery and the cost of a subscription',
      rows: [
        {
          metric: 'outbox → loopback receiver',
          value: outbox.rate,
          unit: 'events/s',
          baseline: direct,
          ratio: ratio(outbox.rate, direct),
          note: `${events} queued message events over 200 conversations, ${CONCURRENCY} in flight; baseline = the same receiver fed the same signed bodies directly, ${CONCURRENCY} in flight`,
        },
        {
          metric: 'POST /v1/messages with one subscription',
          value: mean(results.subscribed, 'rps'),
          unit: 'req/s',
          baseline: mean(results.bare, 'rps'),
          ratio: ratio(mean(results.subscribed, 'rps'), mean(results.bare, 'rps')),
          note: `${CONNECTIONS} connections, ${rounds} × ${duration} s per arm alternating, worker delivering in the same process; baseline = the same API without a webhook`,
        },
        {
          metric: 'POST /v1/messages p99 with one subscription',
          value: mean(results.subscribed, 'p99'),
          unit: 'ms',
          baseline: mean(results.bare, 'p99'),
          ratio: ratio(mean(results.subscribed, 'p99'), mean(results.bare, 'p99')),
        },
      ],
    };
  } finally {
    for (const arm of Object.values(arms)) await arm.close();
    await receiver.close();
    dir.remove();
  }
}
