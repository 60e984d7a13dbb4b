import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi } from '../../sdk-web/test/harness';

vi.setConfig({ testTimeout: 180_000 });

const repoRoot = resolve(import.meta.dirname, '../../..');
/** Screenshots land in docs/screenshots with UPDATE_SCREENSHOTS=1 (to commit), else in a temp folder. */
const shots = process.env.UPDATE_SCREENSHOTS
  ? join(repoRoot, 'docs/screenshots')
  : mkdtempSync(join(tmpdir(), 'console-header-shots-'));
const WAIT = { timeout: 30_000 };

/** The stream's longest status in each language (i18n `tooManyTabs`): the header must hold it too. */
const LONGEST_STATUS = {
  en: 'Not live: too many console tabs are open — close one',
  'zh-CN': '未连接：打开的工作台标签页过多，请关闭一个',
};

/**
 * How the header lies: its height, how far apart the vertical centres of its items are (0 on one
 * line), and whether anything is cut off sideways (the header's or the page's own scroll width).
 */
const MEASURE = `(() => {
  const top = document.querySelector('header.top');
  const items = [...top.children]
    .flatMap((c) => (c.classList.contains('tools') ? [...c.children] : [c]))
    .filter((e) => e.getClientRects().length > 0)
    .map((e) => e.getBoundingClientRect());
  const mids = items.map((r) => r.top + r.height / 2);
  return {
    height: Math.round(top.getBoundingClientRect().height),
    spread: Math.round(Math.max(...mids) - Math.min(...mids)),
    cut: top.scrollWidth > top.clientWidth + 1 || document.documentElement.scrollWidth > innerWidth + 1,
    right: Math.round(Math.max(...items.map((r) => r.right))),
  };
})()`;

let browser: Browser;
let api: DemoApi;
beforeAll(async () => {
  [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  mkdirSync(shots, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

/** Every page a supervisor reaches from the header (an agent's header has fewer buttons). */
const PAGES = ['queued', 'supervisor', 'insights', 'webhooks', 'rooms'] as const;

async function open(locale: 'en' | 'zh-CN', width: number): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${api.info.consoleUrl}/#token=${api.info.agentToken}`);
  await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
  return page;
}

describe('the console header stays on one line at common desktop widths, in both languages', () => {
  for (const locale of ['en', 'zh-CN'] as const)
    it(`${locale}: 1280, 1440 and 1920 px, on every page, and with the longest stream status`, async () => {
      const seen: string[] = [];
      for (const width of [1280, 1440, 1920]) {
        const page = await open(locale, width);
        for (const view of PAGES) {
          if (view !== 'queued') await page.locator(`header.top [data-action=${view}]`).click();
          else await page.locator('[data-view=queued]').click();
          await page.waitForTimeout(200);
          const m = (await page.evaluate(MEASURE)) as { height: number; spread: number; cut: boolean };
          seen.push(`${width} ${view}: ${JSON.stringify(m)}`);
          expect.soft(m.spread, `${locale} ${width} ${view}`).toBeLessThanOrEqual(4);
          expect.soft(m.height, `${locale} ${width} ${view}`).toBeLessThanOrEqual(56);
          expect.soft(m.cut, `${locale} ${width} ${view}`).toBe(false);
          // Back to the queue before the next page (each button toggles its page).
          if (view !== 'queued') await page.locator(`header.top [data-action=${view}]`).click();
        }
        if (width === 1440)
          await page.screenshot({
            path: join(shots, `console-header-1440-${locale}.png`),
            clip: clipTop(width),
          });
        // The longest status the stream shows (too many tabs) shortens with an ellipsis, never wraps.
        await page.locator('header.top output').evaluate((o, text) => {
          o.textContent = text;
        }, LONGEST_STATUS[locale]);
        const m = (await page.evaluate(MEASURE)) as { height: number; spread: number; cut: boolean };
        seen.push(`${width} long status: ${JSON.stringify(m)}`);
        expect.soft(m.spread, `${locale} ${width} long status`).toBeLessThanOrEqual(4);
        expect.soft(m.cut, `${locale} ${width} long status`).toBe(false);
        if (width === 1280)
          await page.screenshot({
            path: join(shots, `console-header-1280-long-status-${locale}.png`),
            clip: clipTop(width),
          });
        await page.context().close();
      }
      console.log(seen.join('\n'));
    });
});

const clipTop = (width: number) => ({ x: 0, y: 0, width, height: 120 });
