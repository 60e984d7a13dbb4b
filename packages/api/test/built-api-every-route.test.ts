import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Review of issue 8, item 11 ("bad input never a 5xx"): the sweeps run the API from its sources,
 * but `npm start` and `threadline serve` run the *bundle*, where module start-up order differs
 * (a value captured at start-up from a module not yet run is undefined there). Every route of the
 * built API is called here with real credentials: none may answer 5xx. (npm test builds first.)
 */
const built = join(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

interface Operation {
  security?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, { schema?: { example?: unknown }; example?: unknown }> };
}

describe('every route of the built API, called with real credentials', () => {
  let dir: string;
  let api: {
    request(path: string, init?: RequestInit): Promise<Response>;
  };
  let database: { close(): void };
  const credentials: Record<string, string> = {};

  beforeAll(async () => {
    const lib = await import(built);
    dir = mkdtempSync(join(tmpdir(), 'threadline-built-'));
    database = lib.createDatabase({ url: `file:${join(dir, 'db.sqlite')}` });
    await lib.migrateDatabase(database);
    const app = lib.createApp({
      database,
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      logger: lib.silentLogger,
    });
    api = app;
    const keys = await lib.createMerchantApp(app.deps, { name: 'built' });
    await lib.seedDemoStore(app.deps, keys.appId);
    credentials.publishableKey = keys.publishableKey;
    credentials.secretKey = keys.secretKey;
    credentials.agentToken = keys.agentToken;
    const session = await app.request('/v1/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'web', anonymousId: randomBytes(18).toString('base64url') }),
    });
    credentials.sessionToken = ((await session.json()) as { sessionToken: string }).sessionToken;
  });
  afterAll(() => {
    database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers no route with a 5xx', async () => {
    const document = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const failures: string[] = [];
    let called = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (path === '/v1/stream') continue; // never ends by itself; the feed is the long-poll's
        // Destructive routes last would be tidier; the ids below are ones that do not exist.
        if (path === '/v1/app/keys/rotate' || path.endsWith('/sessions')) continue;
        const scheme = Object.keys(operation.security?.[0] ?? {})[0];
        const token = scheme ? credentials[scheme] : undefined;
        const concrete =
          path.replace(/\{[^}]+\}/g, 'p-hyaluronic-cream') + (path === '/v1/updates' ? '?wait=0' : '');
        const json = operation.requestBody?.content?.['application/json'];
        const example = json?.example ?? json?.schema?.example;
        const hasBody = method !== 'get' && method !== 'delete';
        const res = await api.request(concrete, {
          method: method.toUpperCase(),
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          body: hasBody ? JSON.stringify(example ?? {}) : undefined,
        });
        called++;
        if (res.status >= 500) failures.push(`${method.toUpperCase()} ${concrete} → ${res.status}`);
      }
    }
    expect(called).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });
});
