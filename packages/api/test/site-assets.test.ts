import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SessionAnswer, TimelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../src/demo';
import { silentLogger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('what the API serves besides JSON', () => {
  let server: RunningServer;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-assets-'));
    mkdirSync(join(dir, 'demo'));
    const keys = { masterKey: randomBytes(32), sessionSigningKey: randomBytes(32), logger: silentLogger };
    [server, demo] = await Promise.all([
      // `threadline serve`: the bare API, no demo mounted.
      startServer({ ...keys, databaseUrl: `file:${join(dir, 'serve.db')}`, port: 0 }),
      startDemo({ ...keys, dataDir: join(dir, 'demo'), repoRoot, port: 0 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), demo?.server.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('`threadline serve` serves /sdk/widget.js with caching headers, and 304 once the browser has it', async () => {
    const first = await fetch(`${server.url}/sdk/widget.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400');
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    expect(await first.text()).toContain('threadline-chat');
    const again = await fetch(`${server.url}/sdk/widget.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetch(`${server.url}/sdk/other.js`)).status).toBe(404);
  });

  it('serves a favicon to every page instead of a 404', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/svg+xml');
      expect(await answer.text()).toMatch(/^<svg /);
    }
  });

  it('the demo: /shop redirects to /shop/ keeping the query, and its pages carry a strict CSP', async () => {
    const bare = await fetch(`${demo.server.url}/shop?handoff=abc123`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/shop/?handoff=abc123');
    const page = await fetch(`${demo.server.url}/shop/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*style-src 'self'(;|$)/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<link rel="icon" href="/favicon.svg"');
    expect((await fetch(`${demo.server.url}/shop/../package.json`)).status).toBe(404);
    expect((await fetch(`${demo.server.url}/shop/%E0%A4%A`)).status).toBe(404);
  });

  it('the demo seeds the demo user’s phone and app history once, through the real routes', async () => {
    const { info } = demo;
    const token = await (await import('../src/identity')).signIdentityToken(
      { sub: 'demo-user-1' },
      info.identitySecret,
      Date.now(),
    );
    const session = await fetch(`${demo.server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'web', identityToken: token }),
    }).then((r) => r.json() as Promise<SessionAnswer>);
    const timeline = await fetch(`${demo.server.url}/v1/timeline`, {
      headers: { authorization: `Bearer ${session.sessionToken}` },
    }).then((r) => r.json() as Promise<TimelinePage>);
    const said = timeline.messages.map((m) => [m.channel, m.author.type]);
    expect(said).toEqual([
      ['phone', 'customer'],
      ['phone', 'bot'],
      ['app', 'customer'],
      ['app', 'bot'],
    ]);
    // The dry-skin question is answered from the cream's listed skin types ("适合肤质：干性…").
    expect(timeline.messages[1]!.text).toMatch(/干性/);
    expect(timeline.messages[3]!.text).toMatch(/保质期/);
  });
});
