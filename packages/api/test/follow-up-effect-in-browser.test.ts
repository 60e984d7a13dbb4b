import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { type DemoInfo, startDemo } from '../src/demo';
import { silentLogger } from '../src/platform/deps';
import type { RunningServer } from '../src/serve';

vi.setConfig({ testTimeout: 120_000 });

const repoRoot = resolve(import.meta.dirname, '../../..');
/** Screenshots land in docs/screenshots with UPDATE_SCREENSHOTS=1 (to commit), else in a temp folder. */
const shots = process.env.UPDATE_SCREENSHOTS
  ? join(repoRoot, 'docs/screenshots')
  : mkdtempSync(join(tmpdir(), 'follow-up-shots-'));
const WAIT = { timeout: 30_000 };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let server: RunningServer;
let info: DemoInfo;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'threadline-follow-up-effect-'));
  ({ server, info } = await startDemo({
    masterKey: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    dataDir: dir,
    repoRoot,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
  }));
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

describe('the console’s insights page shows what follow-ups did', () => {
  it('a card sent, opened through its link and followed by an order shows as 1 / 1 / 1 on its rule', async () => {
    const sk = info.secretKey;
    expect((await call('PATCH', '/v1/follow-up-settings', sk, { quietHours: null })).status).toBe(200);
    const rule = await call('POST', '/v1/follow-up-rules', sk, {
      name: '网页问保养 → 保养指南卡',
      when: { intent: 'care_instructions' },
      delaySeconds: 0,
      send: {
        channel: 'web',
        content: {
          kind: 'card',
          card: { title: '真皮托特包保养指南', targetUrl: 'https://shop.example/care/leather-tote' },
        },
      },
    });
    expect(rule.status, rule.text).toBe(201);

    // A shopper asks about care on the web; an agent resolves it; the server's worker sends the card.
    const session = await call('POST', '/v1/sessions', info.publishableKey, {
      channel: 'web',
      anonymousId: randomUUID(),
    });
    const token = session.body.sessionToken as string;
    const asked = await call('POST', '/v1/messages', token, {
      clientMessageId: randomUUID(),
      text: '我买的那个真皮托特包平时要怎么保养啊',
    });
    expect(asked.status, asked.text).toBeLessThan(300);
    const resolved = await call(
      'POST',
      `/v1/agent/conversations/${asked.body.message.conversationId}/resolve`,
      info.agentToken,
    );
    expect(resolved.status, resolved.text).toBe(200);
    let link = '';
    await vi.waitFor(
      async () => {
        const timeline = await call('GET', '/v1/timeline?limit=50', token);
        const card = timeline.body.messages.find((m: { meta?: { card?: unknown } }) => m.meta?.card);
        expect(card).toBeDefined();
        link = card.meta.card.clickUrl;
      },
      { timeout: 20_000, interval: 200 },
    );

    // The shopper opens it (the redirect goes to the card's target) and orders the next day.
    const opened = await fetch(`${server.url}${link}`, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('https://shop.example/care/leather-tote');
    const ordered = await call('POST', '/v1/orders', sk, {
      customer: { id: session.body.customer.id },
      orders: [
        {
          id: `o-${randomUUID()}`,
          status: 'paid',
          items: [],
          amount: 129,
          placedAt: new Date(Date.now() + 60_000).toISOString(),
        },
      ],
    });
    expect(ordered.status, ordered.text).toBe(200);

    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1360, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${info.consoleUrl}/#token=${info.agentToken}`);
    await page.locator('[data-action=insights]').click(WAIT);
    const card = page.locator('[data-part=follow-up-effect]');
    const row = card.locator(`tr[data-rule="${rule.body.rule.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.locator('th').textContent()).toBe('网页问保养 → 保养指南卡');
    expect((await row.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '))).toEqual([
      '1',
      '1 100%',
      '1 100%',
    ]);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(shots, 'insights-follow-ups.png') });
    expect(errors).toEqual([]);
    // No serious accessibility fault in the card.
    await page.evaluate(axeSource);
    const violations = (await page.evaluate(
      'axe.run("[data-part=follow-up-effect]").then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id))',
    )) as string[];
    expect(violations).toEqual([]);
  });
});
