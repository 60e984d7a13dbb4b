// Scale-out (issue 17), two measurements on Debian's redis-server and one libSQL file:
//
// 1. Delivery A → B across processes with 1,000 live streams: two API processes share the file
//    and Redis; 1,000 identified web customers hold GET /v1/stream on process 2; the merchant
//    posts on `phone` to process 1 and we time post → message.created on the stream. Baseline,
//    same run, same processes, same 1,000 streams: the post goes to process 2 itself (the
//    single-process path). SPEC §10: ≤ 50 ms p99 across processes.
// 2. Sends per second with 1, 2 and 4 API processes on one file: autocannon posts messages (each
//    connection its own session, round-robin over the processes) for a fixed time; 201s per second
//    against the 1-process figure. Every write goes through SQLite's single write lock, so past
//    the point where one process keeps the lock busy, more processes only add contention.
import { signIdentityToken } from '../packages/api/dist/index.js';
import {
  jsonClient,
  openSse,
  pool,
  ratio,
  startRedisServer,
  startServerProcess,
  summarize,
  tempDir,
} from './lib/common.mjs';
import { loadMessages, summary } from './lib/send-load.mjs';

const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

/** Starts `count` API processes of one deployment (one file, one Redis, one app, one set of keys). */
async function startDeployment(count, { dbPath, redisUrl }) {
  const first = await startServerProcess({ mode: 'api', dbPath, redisUrl, fdLimit: 65_536 });
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () =>
      startServerProcess({
        mode: 'api',
        dbPath,
        redisUrl,
        fdLimit: 65_536,
        keys: first.keys,
        app: {
          appId: first.appId,
          publishableKey: first.publishableKey,
          secretKey: first.secretKey,
          identitySecret: first.identitySecret,
          agentToken: first.agentToken,
        },
      }),
    ),
  );
  const all = [first, ...rest];
  return { processes: all, app: first, stop: () => Promise.all(all.map((p) => p.stop())) };
}

async function deliveryAcrossProcesses({ log, quick, redisUrl, dir }) {
  const streamsWanted = quick ? 200 : 1_000;
  const posts = quick ? 200 : 1_000;
  const deployment = await startDeployment(2, { dbPath: dir.file('delivery.db'), redisUrl });
  const [p1, p2] = deployment.processes;
  const app = deployment.app;
  const streams = [];
  try {
    const setup = jsonClient(p2.url, { maxSockets: 8 });
    const sessions = await pool(streamsWanted, 8, async (i) => {
      const identityToken = await signIdentityToken({ sub: `scale-${i}` }, app.identitySecret);
      return setup.expect(201, 'POST', '/v1/sessions', {
        token: app.publishableKey,
        body: { channel: 'web', identityToken },
      });
    });
    setup.close();
    const pending = new Map();
    const onEvent = (_type, data) => {
      const text = JSON.parse(data).text;
      const waiter = pending.get(text);
      if (waiter) {
        pending.delete(text);
        waiter(performance.now());
      }
    };
    await pool(streamsWanted, 50, async (i) => {
      streams[i] = await openSse(p2.url, '/v1/stream', {
        token: sessions[i].sessionToken,
        localAddress: LOCAL_ADDRESSES[i % LOCAL_ADDRESSES.length],
        onEvent,
      });
    });
    log(`${streamsWanted} streams open on process 2`);
    const clients = { p1: jsonClient(p1.url, { maxSockets: 4 }), p2: jsonClient(p2.url, { maxSockets: 4 }) };
    let seq = 0;
    const deliver = async (via, i) => {
      const text = `scale #${++seq}`;
      const arrived = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(text);
          reject(new Error(`no event for "${text}" within 10 s`));
        }, 10_000);
        pending.set(text, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const t0 = performance.now();
      const res = await clients[via].request('POST', '/v1/channels/phone/messages', {
        token: app.secretKey,
        body: { from: { externalId: `scale-${i}` }, text, clientMessageId: `scale-${seq}-bench` },
      });
      if (res.status !== 201) throw new Error(`phone message: ${res.status} ${res.text.slice(0, 200)}`);
      return (await arrived) - t0;
    };
    // Every customer first gets one untimed message (phone identity, open conversation).
    await pool(streamsWanted, 8, (i) => deliver(i % 2 ? 'p1' : 'p2', i));
    let rng = 4242;
    const random = () => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng % streamsWanted;
    };
    // Interleaved, so load on the machine falls on both alike.
    const across = [];
    const local = [];
    for (let k = 0; k < posts; k++) {
      across.push(await deliver('p1', random()));
      local.push(await deliver('p2', random()));
    }
    const stillOpen = streams.filter((s) => s && !s.closed).length;
    clients.p1.close();
    clients.p2.close();
    return { across: summarize(across), local: summarize(local), streams: stillOpen, wanted: streamsWanted };
  } finally {
    for (const s of streams) s?.close();
    await deployment.stop();
  }
}

async function sendsPerSecond({ log, quick, redisUrl, dir, count }) {
  const deployment = await startDeployment(count, { dbPath: dir.file(`sends-${count}.db`), redisUrl });
  const app = deployment.app;
  try {
    const connections = 50;
    const setup = jsonClient(app.url, { maxSockets: 8 });
    const sessions = await pool(connections, 8, () =>
      setup.expect(201, 'POST', '/v1/sessions', { token: app.publishableKey, body: { channel: 'web' } }),
    );
    // One send per process before the clock starts: the first send of a process loads the app's
    // answering engine (seconds on a loaded machine), and a 3 s quick window would measure only that.
    await Promise.all(
      deployment.processes.map((p, k) =>
        jsonClient(p.url, { maxSockets: 1 }).expect(201, 'POST', '/v1/messages', {
          token: sessions[k % sessions.length].sessionToken,
          body: { text: 'warm-up', clientMessageId: `warm-up-${count}-${k}` },
        }),
      ),
    );
    setup.close();
    let id = 0;
    // One autocannon per process, its share of the connections, all at once.
    const shares = deployment.processes.map((p, k) => ({
      url: p.url,
      sessions: sessions.filter((_, i) => i % count === k),
    }));
    const duration = quick ? 3 : 10;
    const results = await Promise.all(
      shares.map((share) =>
        loadMessages({
          url: share.url,
          path: '/v1/messages',
          duration,
          connections: share.sessions.length,
          headersFor: (c) => ({
            authorization: `Bearer ${share.sessions[c % share.sessions.length].sessionToken}`,
          }),
          nextId: () => `bench-${count}-${++id}-${Math.random().toString(36).slice(2)}`,
        }),
      ),
    );
    const total = results.map(summary).reduce(
      (t, r) => ({
        rps: t.rps + r.rps,
        non2xx: t.non2xx + r.non2xx,
        errors: t.errors + r.errors,
        p99: Math.max(t.p99, r.p99),
      }),
      { rps: 0, non2xx: 0, errors: 0, p99: 0 },
    );
    log(
      `${count} process(es): ${total.rps.toFixed(0)} sends/s, p99 ${total.p99} ms, non-2xx ${total.non2xx}, errors ${total.errors}`,
    );
    return total;
  } finally {
    await deployment.stop();
  }
}

export default async function run({ log, quick }) {
  const dir = tempDir('scale-out');
  const redis = await startRedisServer();
  try {
    const delivery = await deliveryAcrossProcesses({ log, quick, redisUrl: redis.url, dir });
    log(
      `across processes p50 ${delivery.across.p50.toFixed(2)} / p99 ${delivery.across.p99.toFixed(2)} ms; one process p50 ${delivery.local.p50.toFixed(2)} / p99 ${delivery.local.p99.toFixed(2)} ms`,
    );
    const sends = {};
    for (const count of [1, 2, 4])
      sends[count] = await sendsPerSecond({ log, quick, redisUrl: redis.url, dir, count });
    const best = Math.max(...Object.values(sends).map((s) => s.rps));
    return {
      name: `scale-out: delivery across processes with ${delivery.wanted.toLocaleString('en-US')} streams; sends/s on one file`,
      rows: [
        {
          metric: 'phone post on process 1 → web event on process 2, p50',
          value: delivery.across.p50,
          unit: 'ms',
          baseline: delivery.local.p50,
          ratio: ratio(delivery.across.p50, delivery.local.p50),
        },
        {
          metric: 'phone post on process 1 → web event on process 2, p99',
          value: delivery.across.p99,
          unit: 'ms',
          baseline: delivery.local.p99,
          ratio: ratio(delivery.across.p99, delivery.local.p99),
          budget: '≤ 50 ms',
          pass: delivery.across.p99 <= 50 && delivery.streams === delivery.wanted,
          note: `${delivery.across.n} posts one at a time to random customers, interleaved with the baseline; baseline = the post sent to process 2 itself (same processes, same ${delivery.wanted} streams, Redis on)`,
        },
        {
          metric: 'streams open at the end',
          value: delivery.streams,
          unit: 'streams',
          baseline: delivery.wanted,
        },
        ...[1, 2, 4].map((count) => ({
          metric: `sends/s, ${count} process${count > 1 ? 'es' : ''} on one file`,
          value: sends[count].rps,
          unit: 'req/s',
          baseline: sends[1].rps,
          ratio: ratio(sends[count].rps, sends[1].rps),
          note:
            count === 1
              ? `50 connections, each its own session, ${quick ? 3 : 10} s; non-2xx ${sends[1].non2xx} (503 = busy past its deadline)`
              : `the same 50 connections spread over ${count} processes; non-2xx ${sends[count].non2xx}, p99 ${sends[count].p99} ms${sends[count].rps < best * 0.95 ? '; below the best figure: the single writer (and 2 cores shared with the load generator) is the limit' : ''}`,
        })),
      ],
      meta: { delivery, sends },
    };
  } finally {
    await redis.stop();
    dir.remove();
  }
}
