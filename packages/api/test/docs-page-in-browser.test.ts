import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { silentLogger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';

describe('/docs in Chromium, with every request off this server refused', () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-docs-'));
    [server, browser] = await Promise.all([
      startServer({
        databaseUrl: `file:${join(dir, 'docs.db')}`,
        masterKey: randomBytes(32),
        sessionSigningKey: randomBytes(32),
        logger: silentLogger,
        port: 0,
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ])(
    'renders the reference with its navigation, offline and within its CSP (%s)',
    async (_name, viewport) => {
      const context = await browser.newContext({ viewport });
      const offsite: string[] = [];
      const violations: string[] = [];
      // No network beyond this server: anything else (a CDN, fonts, telemetry) is recorded and refused.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(server.url) || url.startsWith('data:') || url.startsWith('blob:'))
          return route.continue();
        offsite.push(url);
        return route.abort('internetdisconnected');
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      const response = await page.goto(`${server.url}/docs`);
      expect(response?.status()).toBe(200);
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['content-security-policy']).toContain("connect-src 'self'");
      expect(headers['x-content-type-options']).toBe('nosniff');

      // The navigation lists the groups (tags); opening one shows its operations by summary.
      if (viewport.width < 1000) {
        // Phones get the navigation behind a menu button.
        const menu = page.getByRole('button', { name: 'Open Menu' });
        await menu.waitFor({ timeout: 30_000 });
        await menu.click();
      }
      await page
        .getByText('Conversation', { exact: true })
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: 30_000 });
      for (const tag of ['Sessions', 'Realtime', 'Server channels', 'Knowledge base', 'Tickets']) {
        await expect(page.getByText(tag, { exact: true }).first().count()).resolves.toBe(1);
      }
      await page.getByText('Conversation', { exact: true }).filter({ visible: true }).first().click();
      const operation = page
        .getByText('Send a customer message (idempotent by clientMessageId)')
        .filter({ visible: true })
        .first();
      await operation.click();
      // The operation's section: its field descriptions and the example body from the zod schemas.
      await expect
        .poll(() => page.locator('body').innerText(), { timeout: 15_000 })
        .toMatch(/same value again returns the first result/);
      await expect(page.locator('body').innerText()).resolves.toContain('这款面霜保质期多久');
      expect(offsite).toEqual([]);
      expect(violations).toEqual([]);
      await context.close();
    },
    60_000,
  );

  it('serves the renderer and favicon from this server, and redirects nothing off-site', async () => {
    const bundle = await fetch(`${server.url}/docs/assets/scalar.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(
      Number(bundle.headers.get('content-length') ?? (await bundle.arrayBuffer()).byteLength),
    ).toBeGreaterThan(100_000);
    const favicon = await fetch(`${server.url}/favicon.ico`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('content-type')).toBe('image/svg+xml');
  });
});
