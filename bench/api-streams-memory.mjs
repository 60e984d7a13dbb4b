// How many concurrent SSE streams one API process holds within 1.5 GiB RSS. The API runs in its
// own process (`ulimit -n` raised as far as the hard limit allows); this process opens streams in
// steps over raw sockets from several loopback addresses, each stream its own session, and samples
// the server's VmRSS from /proc (after 2 s of settling, and again after a forced GC). Baseline, same
// run: a bare Hono app on @hono/node-server holding idle SSE streams with the same heartbeat.
import { jsonClient, MiB, openSse, pool, ratio, sleep, startServerProcess, tempDir } from './lib/common.mjs';

const LIMIT_BYTES = 1.5 * 1024 * MiB;
const BUDGET = 12_000;
const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];

async function sample(server) {
  await sleep(2000);
  const rss = server.rss();
  const mem = await server.gc();
  await sleep(500);
  return { rss, rssAfterGc: server.rss(), heapUsed: mem.heapUsed };
}

/** Opens streams in steps until the last step, a failure, or RSS over the limit; answers the samples. */
async function climb({ server, steps, path, tokens, log, label }) {
  const streams = [];
  const samples = [{ streams: 0, ...(await sample(server)) }];
  log(`${label}: idle RSS ${(samples[0].rss / MiB).toFixed(0)} MiB`);
  let failed = 0;
  let firstError;
  try {
    for (const step of steps) {
      const from = streams.length;
      await pool(step - from, 100, async (k) => {
        const i = from + k;
        try {
          streams[i] = await openSse(server.url, path, {
            token: tokens?.[i],
            localAddress: LOCAL_ADDRESSES[i % LOCAL_ADDRESSES.length],
          });
        } catch (error) {
          failed++;
          firstError ??= String(error?.message ?? error);
        }
      });
      const open = streams.filter((s) => s && !s.closed).length;
      const s = { streams: open, ...(await sample(server)) };
      samples.push(s);
      log(
        `${label}: ${open} streams → RSS ${(s.rss / MiB).toFixed(0)} MiB (${(s.rssAfterGc / MiB).toFixed(0)} after GC), heap ${(s.heapUsed / MiB).toFixed(0)} MiB${failed ? `, ${failed} failed to open (${firstError})` : ''}`,
      );
      if (failed > 0 || s.rss > LIMIT_BYTES || server.exited) break;
    }
  } finally {
    for (const s of streams) s?.close();
  }
  return { samples, failed, firstError };
}

function perStream({ samples }) {
  const idle = samples[0];
  const top = samples.at(-1);
  return top.streams > 0 ? (top.rss - idle.rss) / top.streams : Number.NaN;
}

export default async function run({ log, quick }) {
  const steps = quick ? [100, 200, 400] : [1_000, 2_000, 4_000, 8_000, 12_000, 16_000];
  const max = steps.at(-1);
  const dir = tempDir('streams');
  let bare;
  let api;
  try {
    bare = await startServerProcess({ mode: 'bare', dbPath: dir.file('bare.db'), fdLimit: 1_048_576 });
    log(`bare server fd limit ${bare.fdLimit}`);
    const bareRun = await climb({ server: bare, steps, path: '/sse', log, label: 'bare' });
    await bare.stop();

    api = await startServerProcess({
      mode: 'api',
      dbPath: dir.file('api.db'),
      fdLimit: 1_048_576,
      nodeArgs: ['--max-old-space-size=4096'],
    });
    log(`api server fd limit ${api.fdLimit} (hard limit; streams are capped at ${max})`);
    const http = jsonClient(api.url, { maxSockets: 8 });
    const t0 = performance.now();
    const tokens = await pool(max, 8, async () => {
      const s = await http.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web' },
      });
      return s.sessionToken;
    });
    http.close();
    log(`${max} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const apiRun = await climb({ server: api, steps, path: '/v1/stream', tokens, log, label: 'api' });

    const within = apiRun.samples.filter((s) => s.rss <= LIMIT_BYTES).at(-1);
    const apiPer = perStream(apiRun);
    const barePer = perStream(bareRun);
    const idle = apiRun.samples[0].rss;
    const projected = Math.floor((LIMIT_BYTES - idle) / apiPer);
    const held = within?.streams ?? 0;
    return {
      name: 'concurrent SSE streams in one process within 1.5 GiB',
      rows: [
        {
          metric: 'streams held within 1.5 GiB (measured)',
          value: held,
          unit: 'streams',
          baseline: bareRun.samples.filter((s) => s.rss <= LIMIT_BYTES).at(-1)?.streams,
          ratio: ratio(held, bareRun.samples.filter((s) => s.rss <= LIMIT_BYTES).at(-1)?.streams),
          budget: `≥ ${BUDGET.toLocaleString('en-US')}`,
          // Quick runs stop far below the budget: nothing to judge.
          pass: quick ? undefined : held >= BUDGET,
          note: `RSS at ${held} streams ${(within?.rss / MiB).toFixed(0)} MiB; steps ${steps.join(', ')} (top step ${max}: the hard limit of ${api.fdLimit} descriptors per process allows no more than ~${Math.floor(api.fdLimit / 1000)}k)${apiRun.failed ? `; ${apiRun.failed} streams failed to open: ${apiRun.firstError}` : ''}; baseline = bare Hono SSE server`,
        },
        {
          metric: 'RSS per stream',
          value: apiPer / 1024,
          unit: 'KiB',
          baseline: barePer / 1024,
          ratio: ratio(apiPer, barePer),
          note: '(RSS at the top step − idle RSS) / streams; baseline = an idle bare Hono SSE stream',
        },
        {
          metric: 'projected streams within 1.5 GiB',
          value: projected,
          unit: 'streams',
          baseline: Math.floor((LIMIT_BYTES - bareRun.samples[0].rss) / barePer),
          ratio: ratio(projected, Math.floor((LIMIT_BYTES - bareRun.samples[0].rss) / barePer)),
          note: '(1.5 GiB − idle RSS) / RSS per stream',
        },
        {
          metric: `RSS at ${apiRun.samples.at(-1).streams} streams`,
          value: apiRun.samples.at(-1).rss / MiB,
          unit: 'MiB',
          baseline: bareRun.samples.at(-1).rss / MiB,
          ratio: ratio(apiRun.samples.at(-1).rss, bareRun.samples.at(-1).rss),
        },
        { metric: 'idle RSS', value: idle / MiB, unit: 'MiB', baseline: bareRun.samples[0].rss / MiB },
      ],
      meta: { api: apiRun, bare: bareRun, fdLimit: api.fdLimit },
    };
  } finally {
    await Promise.all([bare?.stop(), api?.stop()]);
    dir.remove();
  }
}
