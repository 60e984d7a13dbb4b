import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, repoRoot } from '../../sdk-web/test/harness';
import { type DemoInfo, startDemo } from '../src/demo';
import { silentLogger } from '../src/platform/deps';
import type { RunningServer } from '../src/serve';
import { verifyWebhook } from '../src/webhooks/signing';
import { startReceiver } from './webhook-receiver';

// A whole flow in a real browser against the real API and a real receiver: generous under load.
vi.setConfig({ testTimeout: 120_000 });

const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Screenshots for a person to look at (THREADLINE_SCREENSHOTS=dir keeps them). */
const shots = process.env.THREADLINE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'tl-webhook-shots-'));
mkdirSync(shots, { recursive: true });

describe('webhook settings in the console (supervisors), in Chromium, against the real API', () => {
  let browser: Browser;
  let server: RunningServer;
  let info: DemoInfo;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    // `npm start`'s start-up, with the loopback switch it sets and a quick retry schedule.
    ({ server, info } = await startDemo({
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      dataDir: mkdtempSync(join(tmpdir(), 'threadline-webhooks-console-')),
      repoRoot,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      webhooks: { allowLoopbackTargets: true, retryBaseMs: 50, retryMaxMs: 100 },
    }));
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await server?.close();
  });

  async function call<T = any>(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function openConsole(token: string, locale = 'zh-CN'): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(
      `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));`,
    );
    await page.goto(`${info.consoleUrl}/#token=${token}`);
    await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
    return page;
  }

  it('a supervisor subscribes a receiver, copies the secret shown once, watches retries in the delivery log, redelivers and disables', async () => {
    // The merchant's CRM endpoint: down for its first two deliveries.
    const receiver = await startReceiver({ answer: (_r, n) => (n < 2 ? 500 : 200) });
    try {
      const page = await openConsole(info.agentToken);
      await page.locator('[data-action=webhooks]').click();
      await page.locator('[data-part=webhooks]').waitFor(WAIT);
      await page.locator('.hook-list li.empty').waitFor(WAIT);

      // A bad URL is refused with the API's reason, in the page.
      await page.locator('input[name=url]').fill('http://169.254.169.254/latest/meta-data');
      await page.locator('input[name=event][value="message.created"]').check();
      await page.locator('[data-part=webhook-form] button[type=submit]').click();
      await poll(() => page.locator('[data-part=webhook-error]').textContent()).toContain(
        'webhook_target_refused',
      );

      // The real one: the signing secret is shown once.
      await page.locator('input[name=url]').fill(receiver.url);
      await page.locator('input[name=event][value="conversation.updated"]').check();
      await page.screenshot({ path: join(shots, 'webhooks-1-form.png') });
      await page.locator('[data-part=webhook-form] button[type=submit]').click();
      const secretBox = page.locator('[data-part=webhook-secret] [data-part=secret]');
      await secretBox.waitFor(WAIT);
      const secret = (await secretBox.textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await page.screenshot({ path: join(shots, 'webhooks-2-secret-once.png') });
      await page.locator('[data-action=secret-done]').click();
      expect(await page.locator('[data-part=webhook-secret]').count()).toBe(0);
      // Never again: not in the page, not in the list the page reads.
      expect(await page.content()).not.toContain(secret);
      const item = page.locator('.hook-list li[data-webhook]');
      await item.waitFor(WAIT);
      const webhookId = (await item.getAttribute('data-webhook'))!;
      const listed = await call('GET', '/v1/webhooks', info.agentToken);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(listed.body.webhooks[0]).toMatchObject({ id: webhookId, url: receiver.url, enabled: true });
      expect(listed.body.webhooks[0].events).toEqual(['conversation.updated', 'message.created']);

      // A shopper writes on the phone line: the receiver fails twice, then takes it.
      const sent = await call('POST', '/v1/channels/phone/messages', info.secretKey, {
        from: { externalId: 'webhook-console-shopper' },
        text: '我的快递到哪了？',
      });
      expect(sent.status).toBe(201);
      await receiver.until(() => receiver.unique().length >= 1);
      for (const r of receiver.unique()) expect(verifyWebhook(r.raw, r.signature, secret).id).toBe(r.eventId);

      // The delivery log shows each attempt: the 500s with the receiver's answer, then the 200.
      await item.locator('[data-action=log]').click();
      const log = item.locator('[data-part=delivery-log]');
      await log.waitFor(WAIT);
      const delivered = log.locator('tr[data-state=delivered]');
      await poll(async () => {
        await log.locator('[data-action=refresh]').click();
        return delivered.count();
      }).toBeGreaterThanOrEqual(1);
      const first = await call<any>('GET', `/v1/webhooks/${webhookId}/deliveries?limit=50`, info.agentToken);
      const retried = first.body.deliveries.find((d: any) => d.attempts >= 3);
      expect(retried?.log.map((a: any) => a.statusCode)).toEqual([200, 500, 500]);
      const retriedRow = log.locator(`tr[data-delivery="${retried.id}"]`);
      await expect(retriedRow.locator('[data-part=status]').textContent()).resolves.toBe('200');
      await expect(retriedRow.locator('[data-part=latency]').textContent()).resolves.toMatch(/^\d+ ms$/);
      await expect(retriedRow.locator('[data-part=excerpt]').textContent()).resolves.toBe('ok');
      // Every attempt, opened from the count: the two 500s with what the receiver said.
      await retriedRow.locator('[data-part=attempts] summary').click();
      await poll(() => retriedRow.locator('.attempts li').allTextContents()).toEqual([
        expect.stringMatching(/^200 \d+ ms/),
        expect.stringMatching(/^500 \d+ ms.*receiver says 500$/),
        expect.stringMatching(/^500 \d+ ms.*receiver says 500$/),
      ]);
      await page.screenshot({ path: join(shots, 'webhooks-3-delivery-log.png'), fullPage: true });

      // Redeliver: the same event id arrives once more (receivers deduplicate by it).
      const before = receiver.received.length;
      await retriedRow.locator('[data-action=redeliver]').click();
      await receiver.until(() => receiver.received.length > before);
      expect(receiver.received.at(-1)!.eventId).toBe(retried.event.id);
      await poll(async () => {
        await log.locator('[data-action=refresh]').click();
        return log.locator('tr[data-state=delivered] .pill.quiet').count();
      }).toBe(1);

      // Disable: the state follows, and new events are not queued for it.
      await item.locator('[data-action=disable]').click();
      await poll(() => item.locator('[data-part=webhook-state]').textContent()).toBe('已停用');
      expect((await call('GET', `/v1/webhooks/${webhookId}`, info.secretKey)).body.webhook.enabled).toBe(
        false,
      );
      await page.screenshot({ path: join(shots, 'webhooks-4-disabled.png'), fullPage: true });
      await item.locator('[data-action=enable]').click();
      await poll(() => item.locator('[data-part=webhook-state]').textContent()).toBe('正常');

      // Every change is in the audit log under the supervisor's name.
      const audit = await call<any>('GET', '/v1/audit-log?limit=50', info.secretKey);
      const mine = audit.body.entries.filter((e: any) => e.subject.id === webhookId);
      expect(mine.map((e: any) => e.action).sort()).toEqual([
        'webhook.created',
        'webhook.redelivered',
        'webhook.updated',
        'webhook.updated',
      ]);
      const supervisorId = info.agents.find((a) => a.role === 'supervisor')!.id;
      for (const entry of mine) {
        expect(entry.actor).toEqual({ type: 'agent', id: supervisorId });
        // From where: the browser's address.
        expect(entry.details.from).toBe('127.0.0.1');
      }
      expect(JSON.stringify(mine)).not.toContain(secret);

      // Accessible and within the console's CSP.
      await page.evaluate(axeSource);
      const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as {
        id: string;
        impact: string | null;
      }[];
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(await page.evaluate('window.__csp')).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('an agent who is not a supervisor sees no webhook settings, and the API refuses their token', async () => {
    const created = await call('POST', '/v1/agents', info.secretKey, { name: '韩梅梅', capacity: 2 });
    expect(created.status).toBe(201);
    const issued = await call('POST', `/v1/agents/${created.body.agent.id}/tokens`, info.secretKey, {});
    const page = await openConsole(issued.body.token, 'en');
    expect(await page.locator('[data-action=webhooks]').count()).toBe(0);
    for (const [method, path, body] of [
      ['GET', '/v1/webhooks', undefined],
      ['POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['*'] }],
    ] as const) {
      const res = await call(method, path, issued.body.token, body);
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, 'role_forbidden']);
    }
  });

  it('reads in English too: the empty state and the form', async () => {
    const page = await openConsole(info.agentToken, 'en');
    await page.locator('[data-action=webhooks]').click();
    await page.locator('#wh-title', { hasText: 'Webhooks' }).waitFor(WAIT);
    await expect(page.locator('[data-part=webhook-form] legend').textContent()).resolves.toBe('Events');
    await page.screenshot({ path: join(shots, 'webhooks-5-en.png'), fullPage: true });
  });
});
