// The send load shared by the message benches: autocannon posting one message per request, each
// with a fresh clientMessageId, over CONNECTIONS connections (each its own session).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pool, repoRoot } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const TEXT = '这款面霜保质期多久？';

export function loadMessages({ url, path, duration, headersFor, nextId, connections = 50, text = TEXT }) {
  let client = 0;
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ clientMessageId: nextId(), text }) }),
      },
    ],
    setupClient: (c) => c.setHeaders({ 'content-type': 'application/json', ...headersFor(client++) }),
  });
}

/**
 * SPEC §10 measures the send *with* an AI answer: give the app the demo store's knowledge when the
 * API has the knowledge routes (POST /v1/kb/import); answers whether it did.
 */
export async function importDemoKnowledge(http, secretKey) {
  const read = (name) =>
    JSON.parse(readFileSync(join(repoRoot, 'packages/api/seed/demo-store', `${name}.json`), 'utf8'));
  const res = await http.request('POST', '/v1/kb/import', {
    token: secretKey,
    body: { articles: read('articles'), products: read('products'), intents: read('intents') },
  });
  return res.status >= 200 && res.status < 300;
}

export const summary = (r) => ({
  rps: r['2xx'] / r.duration,
  ok: r['2xx'],
  non2xx: r.non2xx,
  errors: r.errors + r.timeouts,
  p50: r.latency.p50,
  p99: r.latency.p99,
});

/**
 * What the bench app changes through `PATCH /v1/app` (docs/security.md), as a merchant running a
 * big sale would: the per-app totals, since the whole load is one app. The per-session and
 * per-address limits stay at the product's defaults; the load is spread over enough shoppers
 * (sessions, and addresses through X-Forwarded-For) that each stays within them.
 */
export const BENCH_APP_LIMITS = { sessionsPerAppPerMinute: 1_000_000, messagesPerAppPerMinute: 1_000_000 };

/** Sets the bench app's limits; answers the limits in force (GET /v1/app's rateLimits). */
export async function configureBenchApp(http, secretKey) {
  const app = await http.expect(200, 'PATCH', '/v1/app', {
    token: secretKey,
    body: { rateLimits: BENCH_APP_LIMITS },
  });
  return app.app.rateLimits;
}

/**
 * Shoppers for the load: sessions made through POST /v1/sessions, each from an address
 * (X-Forwarded-For, one trusted proxy hop) shared by as many shoppers as the per-address limits
 * allow even if each of them sent two of its windows' worth inside one of the address's windows
 * (a round that ends mid-burst spreads a shopper's window; the server's windows are fixed, from the
 * first hit). `identityFor(i)` may give each a signed identity token.
 */
export function createShoppers(http, publishableKey, limits, { identityFor } = {}) {
  const perAddress = Math.max(
    1,
    Math.min(
      Math.floor(limits.messagesPerIpPerMinute / (2 * limits.messagesPerSessionPerMinute)),
      limits.sessionsPerIpPerMinute,
    ),
  );
  let made = 0;
  const addressOf = (i) => {
    const n = Math.floor(i / perAddress);
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
  return async function make(count) {
    const first = made;
    made += count;
    return pool(count, 8, async (k) => {
      const i = first + k;
      const headers = { 'x-forwarded-for': addressOf(i) };
      const identityToken = identityFor ? await identityFor(i) : undefined;
      const s = await http.expect(201, 'POST', '/v1/sessions', {
        token: publishableKey,
        headers,
        body: { channel: 'web', ...(identityToken ? { identityToken } : {}) },
      });
      return { headers: { ...headers, authorization: `Bearer ${s.sessionToken}` } };
    });
  };
}

/**
 * The load generator's process (bench/lib/load-child.mjs), pinned to `cpus` with taskset when
 * given. `await loader.stop()` in a finally.
 */
export async function startLoadGenerator({ cpus } = {}) {
  const script = join(here, 'load-child.mjs');
  const child = cpus
    ? fork(script, [], { execPath: 'taskset', execArgv: ['-c', cpus, process.execPath] })
    : fork(script, []);
  const replies = [];
  let failed = null;
  child.on('message', (m) => {
    if (m?.type === 'error') failed = new Error(`load generator: ${m.error}`);
    replies.shift()?.(m);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      replies.push((m) => (m.type === 'error' ? reject(failed) : resolve(m)));
      child.send(message);
    });
  await new Promise((resolve, reject) => {
    replies.push(resolve);
    exited.then(() => reject(new Error('load generator exited before it was ready')));
  });
  return {
    /** Adds shoppers to the named pool; each sends at most `perWindow` messages per `windowMs`. */
    add: (name, senders, perWindow, windowMs) => ask({ cmd: 'pool', name, senders, perWindow, windowMs }),
    /** How many sends the pool can make now without passing a shopper's limit. */
    budget: async (name) => (await ask({ cmd: 'budget', name })).sends,
    /** One timed run: `{ rps (2xx only), ok, non2xx, errors, p50, p99, overBudget, statusCodes }`. */
    run: async (options) => (await ask({ cmd: 'run', ...options })).result,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The middle value of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
