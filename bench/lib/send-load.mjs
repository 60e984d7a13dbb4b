// The send load shared by the message benches: autocannon posting one message per request, each
// with a fresh clientMessageId, over CONNECTIONS connections (each its own session).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { repoRoot } from './common.mjs';

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
