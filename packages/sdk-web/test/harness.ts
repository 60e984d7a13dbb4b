import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { startDemo } from '../../api/src/demo';
import { silentLogger } from '../../api/src/platform/deps';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const widgetBundle = resolve(repoRoot, 'packages/sdk-web/dist/widget.js');

/** The real API on 127.0.0.1 (random port, fresh libSQL file), with the demo shop mounted as `npm start` does. */
export async function startDemoApi() {
  if (!existsSync(widgetBundle))
    throw new Error('Build first: packages/sdk-web/dist/widget.js is missing (npm run build).');
  const dir = mkdtempSync(join(tmpdir(), 'threadline-web-'));
  // The same start-up as `npm start`: demo shop mounted, demo store seeded, demo.json written.
  const { server, info } = await startDemo({
    masterKey: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    dataDir: dir,
    repoRoot,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
  });

  /** Calls the API over HTTP, as a merchant backend or another channel would. */
  async function call<T = any>(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  return {
    info,
    keys: info,
    /** The running server: its database, for flows that need what no route shows. */
    server,
    call,
    identityToken: (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(info.identitySecret)),
    /** A session of the customer behind an anonymous id (what the browser keeps in localStorage). */
    async sessionFor(channel: string, extra: Record<string, unknown>) {
      const answer = await call<{ sessionToken: string }>('POST', '/v1/sessions', info.publishableKey, {
        channel,
        ...extra,
      });
      expect(answer.status).toBe(201);
      return answer.body.sessionToken;
    },
    async timeline(sessionToken: string) {
      const answer = await call<{
        messages: Array<{ text: string; channel: string; author: { type: string } }>;
      }>('GET', '/v1/timeline?limit=200', sessionToken);
      expect(answer.status).toBe(200);
      return answer.body.messages;
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type DemoApi = Awaited<ReturnType<typeof startDemoApi>>;

// One launcher for the tests, the bench and the screenshot script.
export { launchChromium } from '../scripts/launch-chromium.mjs';

/** The widget's parts; Playwright's CSS engine pierces the open shadow root. */
export const widget = (page: Page) => {
  const part = (name: string) => page.locator(`threadline-chat [data-part=${name}]`);
  return {
    part,
    messages: (author?: string) =>
      page.locator(
        `threadline-chat [data-part=message]${author ? `[data-author=${author}]` : ''}:not([data-pending])`,
      ),
    async open() {
      await part('launcher').click();
      await expect.poll(() => part('panel').isVisible()).toBe(true);
    },
    async send(text: string) {
      await part('input').fill(text);
      await part('send').click();
    },
  };
};
