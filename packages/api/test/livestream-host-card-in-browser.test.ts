import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { createMerchantApp } from '../src/apps/apps';
import { seedDemoStore } from '../src/knowledge';
import { silentLogger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';

/**
 * The host's card as a host opens it: a real API on loopback, a room with a hot question, headless
 * Chromium at a laptop's and a phone's size. What the card must never show is checked by what is
 * visible, not by the DOM: a part with the hidden attribute must not be on screen.
 */
describe('the host card in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  let keys: Awaited<ReturnType<typeof createMerchantApp>>;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-card-'));
    [server, browser] = await Promise.all([
      startServer({
        databaseUrl: `file:${join(dir, 'card.db')}`,
        masterKey: randomBytes(32),
        sessionSigningKey: randomBytes(32),
        logger: silentLogger,
        port: 0,
        liveTickMs: 0,
      }),
      launchChromium(),
    ]);
    keys = await createMerchantApp(server.app.deps, { name: 'Card shop' });
    await seedDemoStore(server.app.deps, keys.appId);
    const now = Date.now();
    const items = Array.from({ length: 6 }, (_, i) => ({
      id: `c-${i}`,
      viewerId: `dy_${i}`,
      nickname: `观众${i}`,
      text: '直播间的券怎么领',
      at: now - 1000 + i * 100,
    }));
    expect(
      (await call('POST', '/v1/channels/douyin_live/comments', { roomId: 'card-room', items })).status,
    ).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.app.livestream.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (viewport: { width: number; height: number }): Promise<Page> => {
    const { body } = await call('POST', '/v1/channels/douyin_live/rooms/card-room/host-keys', {
      ttlSec: 600,
    });
    const page = await browser.newPage({ viewport });
    await page.goto(body.cardUrl);
    await page.waitForSelector('[data-part=question]', { timeout: 30_000 });
    return page;
  };

  it.each([
    ['laptop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ])(
    'shows no pin banner until an answer is pinned, then shows it (%s)',
    async (_name, viewport) => {
      await call('DELETE', '/v1/channels/douyin_live/rooms/card-room/pins');
      const page = await open(viewport);
      try {
        // Nothing pinned: no banner, no "unpin" button on screen.
        expect(await page.locator('[data-part=pinned]').isVisible()).toBe(false);
        expect(await page.getByText('取消置顶').isVisible()).toBe(false);
        // Parts with the hidden attribute are off screen, whatever display their class sets.
        // (Strings: this package's TypeScript has no DOM types; the code runs in the page.)
        const shownHidden = await page.evaluate(
          "[...document.querySelectorAll('[hidden]')].filter((e) => getComputedStyle(e).display !== 'none').length",
        );
        expect(shownHidden).toBe(0);
        // No sideways scrolling on a phone.
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          viewport.width,
        );

        await page.click('[data-part=question] [data-action=pin]');
        await page.waitForSelector('[data-part=pinned]:not([hidden])');
        expect(await page.locator('[data-part=pinned]').isVisible()).toBe(true);
        expect(await page.locator('[data-part=pinned-text]').textContent()).toContain('小黄车');
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});
