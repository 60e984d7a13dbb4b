// A server for the benchmarks, run in its own process so the load generator and the SSE clients do
// not share its event loop. `node server-child.mjs '<json options>'`, talks to the parent over IPC:
//   → { type: 'ready', url, pid, fdLimit, ...app keys (api mode) }
//   ← { cmd: 'gc' }   → { type: 'mem', rss, heapUsed, external, arrayBuffers }
//   ← { cmd: 'stop' } → closes and exits
//   ← { cmd: 'profile-start' } → { type: 'profiling' }: starts the V8 CPU profiler (node:inspector)
//   ← { cmd: 'profile-stop', file } → { type: 'profiled', file }: writes the .cpuprofile since the start,
//     so a bench can profile only its measured phase (BENCH_PROFILE_DIR in the benches that use it);
//     with BENCH_PROFILE_KIND=heap in its environment, the sampling heap profiler instead (a .heapprofile)
//   ← { cmd: 'loop' } → { type: 'loop', stalls, stallMs, maxMs, walCheckpoints? }: event-loop stalls
//     (a 10-ms timer late by over 150 ms) since the last ask, and the WAL checkpointer's figures
//   ← { cmd: 'alloc-start', interval? } / { cmd: 'alloc-stop', file }: the same for V8's sampling heap
//     profiler, garbage included (a .heapprofile; scripts/profile-send.mjs --alloc)
//
// mode 'api':  the built Threadline API (startServer) on a fresh or existing libSQL file, plus one
//              merchant app whose keys it reports (or the `app` and server `keys` it is given, so
//              several processes serve one deployment; `redisUrl` shares events and limits). Rate limits and the per-address connection cap
//              are opened wide (every bench client is one loopback address; the limits have their
//              own tests), unless `limits: 'product'` keeps them (see startServerProcess); `encryptAtRest: false` runs the same API without sealing customer text,
//              so its cost can be measured.
//              `readerFoldsAll`: its insights reads fold everything left first (a bench folds
//              between its rounds by reading; see api-livestream).
// mode 'bare': the baseline — a minimal Hono app on @hono/node-server with one libSQL client and the
//              same pragmas (WAL, synchronous=NORMAL): POST /messages inserts a row, GET /timeline
//              reads a page of the Threadline `messages` table, GET /sse holds an idle SSE stream,
//              POST /comments stores a livestream comment batch with one multi-row INSERT in one
//              transaction (no validation beyond the shape, no understanding, no viewers).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ownFdLimit as fdLimit } from './common.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const host = options.host ?? '127.0.0.1';

let close = async () => {};
let walCheckpoints = () => undefined;

// Event-loop stalls: a 10-ms timer that fires over 150 ms late means the request thread was blocked
// (a synchronous checkpoint, a long statement, a full GC) for about that long.
const loop = { stalls: 0, stallMs: 0, maxMs: 0 };
{
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - 10;
    last = now;
    if (late > 150) {
      loop.stalls++;
      loop.stallMs += late;
      loop.maxMs = Math.max(loop.maxMs, late);
    }
  }, 10).unref();
}

async function startApi() {
  // `apiDist`: another build of the API (an absolute path to its dist/index.js), so a bench can
  // compare two builds in one run (BENCH_BEFORE_API in api-messages).
  const api = await import(
    options.apiDist ? pathToFileURL(options.apiDist).href : '../../packages/api/dist/index.js'
  );
  // Processes of one deployment share the keys (base64 in `keys`) and the app (`app`, made by the first).
  const key = (name) => (options.keys?.[name] ? Buffer.from(options.keys[name], 'base64') : randomBytes(32));
  const masterKey = key('masterKey');
  const sessionSigningKey = key('sessionSigningKey');
  const running = await api.startServer({
    databaseUrl: options.databaseUrl ?? `file:${options.dbPath}`,
    port: 0,
    host,
    masterKey,
    sessionSigningKey,
    redisUrl: options.redisUrl,
    logger: process.env.BENCH_API_LOG === '1' ? api.consoleLogger : api.silentLogger,
    encryptAtRest: options.encryptAtRest !== false,
    // The benches' connectors listen on loopback.
    allowPrivateCallbacks: true,
    // BENCH_LIVE_DRAIN_WORKER=1: the livestream timeline drain on a worker thread (opt-in, to A/B it).
    liveTimelineDrainWorker: process.env.BENCH_LIVE_DRAIN_WORKER === '1',
    // BENCH_INSIGHTS_FOLD_WORKER=1: the background insights fold's messages pass on a worker thread
    // (opt-in, to A/B it); builds without the option ignore it.
    ...(process.env.BENCH_INSIGHTS_FOLD_WORKER === '1' ? { insightsFoldWorker: true } : {}),
    ...(options.responder === 'silent' ? { responder: api.silentResponder } : {}),
    // Per-server switches from the bench (startServerProcess's `startOptions`): win over the env ones.
    ...(options.startOptions ?? {}),
    ...(options.limits === 'product'
      ? // The product's limits as shipped; the bench stands behind one proxy hop and gives every
        // shopper an address, and sets the app's own limits through PATCH /v1/app as a merchant would.
        { trustedProxyHops: 1 }
      : {
          maxConnectionsPerIp: Number.MAX_SAFE_INTEGER,
          rateLimits: Object.fromEntries(
            Object.keys(api.DEFAULT_RATE_LIMITS).map((rule) => [rule, 100_000_000]),
          ),
        }),
  });
  // `readerFoldsAll`: an insights read folds everything left (in this thread) before it answers,
  // so a bench can run the fold between its measured rounds by reading (api-livestream, with
  // the background fold's timer pushed past the run). Builds without the setting ignore it.
  if (options.readerFoldsAll && running.app.deps.config)
    running.app.deps.config.insights = {
      ...running.app.deps.config.insights,
      readerBatches: 100_000,
      readerFoldsUpTo: Number.MAX_SAFE_INTEGER,
    };
  const created = options.app ?? (await api.createMerchantApp(running.app.deps, { name: 'bench' }));
  close = () => running.close();
  walCheckpoints = () => running.walCheckpoints?.();
  return {
    url: running.url,
    keys: {
      masterKey: Buffer.from(masterKey).toString('base64'),
      sessionSigningKey: Buffer.from(sessionSigningKey).toString('base64'),
    },
    ...created,
  };
}

async function startBare() {
  const { Hono } = await import('hono');
  const { streamSSE } = await import('hono/streaming');
  const { serve } = await import('@hono/node-server');
  const { createClient } = await import('@libsql/client');
  const client = createClient({ url: `file:${options.dbPath}` });
  await client.execute('PRAGMA journal_mode = WAL');
  await client.execute('PRAGMA synchronous = NORMAL');
  await client.execute('PRAGMA busy_timeout = 5000');
  await client.execute(`CREATE TABLE IF NOT EXISTS bare_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    client_message_id TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`);
  await client.execute(
    'CREATE UNIQUE INDEX IF NOT EXISTS bare_messages_cmid ON bare_messages (customer_id, client_message_id)',
  );

  await client.execute(`CREATE TABLE IF NOT EXISTS bare_comments (
    seq INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    viewer_id TEXT NOT NULL,
    nickname TEXT,
    text TEXT NOT NULL,
    at INTEGER NOT NULL
  )`);
  await client.execute(
    'CREATE UNIQUE INDEX IF NOT EXISTS bare_comments_item ON bare_comments (room_id, item_id)',
  );

  const app = new Hono();
  app.post('/comments', async (c) => {
    const body = await c.req.json();
    const items = Array.isArray(body?.items) ? body.items : null;
    if (typeof body?.roomId !== 'string' || !items) return c.json({ error: 'bad body' }, 400);
    if (items.length === 0) return c.json({ accepted: 0, refused: [] });
    const args = [];
    for (const item of items) {
      args.push(
        body.roomId,
        String(item.id),
        String(item.viewerId),
        item.nickname ?? null,
        String(item.text),
      );
      args.push(typeof item.at === 'number' ? item.at : Date.parse(item.at));
    }
    await client.batch(
      [
        {
          sql: `INSERT OR IGNORE INTO bare_comments (room_id, item_id, viewer_id, nickname, text, at) VALUES ${items
            .map(() => '(?, ?, ?, ?, ?, ?)')
            .join(', ')}`,
          args,
        },
      ],
      'write',
    );
    return c.json({ accepted: items.length, refused: [] });
  });
  app.post('/messages', async (c) => {
    const body = await c.req.json();
    if (typeof body?.text !== 'string' || typeof body?.clientMessageId !== 'string')
      return c.json({ error: 'bad body' }, 400);
    const now = Date.now();
    const id = `msg_${randomBytes(12).toString('base64url')}`;
    const customer = c.req.header('x-customer') ?? 'anon';
    const { rows } = await client.execute({
      sql: 'INSERT INTO bare_messages (id, customer_id, client_message_id, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING seq',
      args: [id, customer, body.clientMessageId, body.text, now],
    });
    return c.json({ message: { id, seq: rows[0].seq, text: body.text, createdAt: now } }, 201);
  });
  app.get('/timeline', async (c) => {
    const customer = c.req.query('customer') ?? '';
    const limit = Number(c.req.query('limit') ?? 50);
    const before = c.req.query('before');
    const { rows } = await client.execute({
      sql:
        before === undefined
          ? 'SELECT * FROM messages WHERE customer_id = ? ORDER BY seq DESC LIMIT ?'
          : 'SELECT * FROM messages WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      args: before === undefined ? [customer, limit + 1] : [customer, Number(before), limit + 1],
    });
    const page = rows.slice(0, limit).reverse();
    return c.json({
      messages: page,
      nextBefore: rows.length > limit && page[0] ? String(page[0].seq) : null,
    });
  });
  app.get('/sse', (c) =>
    streamSSE(c, async (stream) => {
      await stream.write(': connected\n\n');
      // Idle until the client leaves, with the same 15 s heartbeat as the API.
      await new Promise((resolve) => {
        const timer = setInterval(() => stream.write(': ping\n\n').catch(() => undefined), 15_000);
        stream.onAbort(() => {
          clearInterval(timer);
          resolve();
        });
      });
    }),
  );

  const server = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => {
        client.close();
        resolve();
      });
    });
  return { url: `http://${host}:${server.address().port}` };
}

let profiler = null;
/** BENCH_PROFILE_KIND=heap: the profile hooks sample allocations (a .heapprofile) instead of CPU. */
const heapProfile = process.env.BENCH_PROFILE_KIND === 'heap';

process.on('message', async (message) => {
  if (message?.cmd === 'profile-start') {
    const { Session } = await import('node:inspector/promises');
    profiler = new Session();
    profiler.connect();
    if (heapProfile) {
      // Every allocation sampled, also those a scavenge or a full GC freed again: where the young
      // generation's churn comes from, not only what stays.
      await profiler.post('HeapProfiler.enable');
      await profiler.post('HeapProfiler.startSampling', {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    } else {
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    process.send({ type: 'profiling' });
  } else if (message?.cmd === 'profile-stop' && profiler) {
    const { profile } = heapProfile
      ? await profiler.post('HeapProfiler.stopSampling')
      : await profiler.post('Profiler.stop');
    profiler.disconnect();
    profiler = null;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(message.file, JSON.stringify(profile));
    process.send({ type: 'profiled', file: message.file });
  } else if (message?.cmd === 'alloc-start') {
    // Sampled allocations, garbage included (what the young generation has to scavenge), not
    // only what is still alive when sampling stops.
    const { Session } = await import('node:inspector/promises');
    profiler = new Session();
    profiler.connect();
    await profiler.post('HeapProfiler.enable');
    await profiler.post('HeapProfiler.startSampling', {
      samplingInterval: message.interval ?? 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    process.send({ type: 'alloc-profiling' });
  } else if (message?.cmd === 'alloc-stop' && profiler) {
    const { profile } = await profiler.post('HeapProfiler.stopSampling');
    profiler.disconnect();
    profiler = null;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(message.file, JSON.stringify(profile));
    process.send({ type: 'alloc-profiled', file: message.file });
  } else if (message?.cmd === 'loop') {
    process.send({ type: 'loop', ...loop, walCheckpoints: walCheckpoints() });
    loop.stalls = 0;
    loop.stallMs = 0;
    loop.maxMs = 0;
  } else if (message?.cmd === 'gc') {
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send({
      type: 'mem',
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  } else if (message?.cmd === 'stop') {
    const timer = setTimeout(() => process.exit(0), 3000);
    try {
      await close();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  }
});
// The parent went away: never outlive it.
process.on('disconnect', () => process.exit(0));

try {
  const info = options.mode === 'bare' ? await startBare() : await startApi();
  process.send({ type: 'ready', pid: process.pid, fdLimit: fdLimit(), ...info });
} catch (error) {
  console.error('bench server failed to start:', error);
  process.exit(1);
}
