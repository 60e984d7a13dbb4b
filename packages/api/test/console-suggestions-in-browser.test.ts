import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, repoRoot } from '../../sdk-web/test/harness';
import { type DemoInfo, startDemo } from '../src/demo';
import { signIdentityToken } from '../src/identity/identity-tokens';
import { silentLogger } from '../src/platform/deps';
import type { RunningServer } from '../src/serve';

// A whole flow in a real browser against the real API: generous under load.
vi.setConfig({ testTimeout: 120_000 });

const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
/** Screenshots for a person to look at (THREADLINE_SCREENSHOTS=dir keeps them, e.g. docs/screenshots). */
const shots = process.env.THREADLINE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'tl-suggest-shots-'));
mkdirSync(shots, { recursive: true });

/**
 * Issue 19 item 5 in the console: the agent on a phone call sees up to three products for the
 * caller's mini-program cart, sends one as a card with one click, and the caller's mini-program
 * session receives it on its own channel; the agent records "don't send me marketing" with a toggle.
 */
describe('suggested products and consent in the console, in Chromium, against the real API', () => {
  let browser: Browser;
  let server: RunningServer;
  let info: DemoInfo;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    ({ server, info } = await startDemo({
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      dataDir: mkdtempSync(join(tmpdir(), 'threadline-suggest-console-')),
      repoRoot,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
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
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(
      `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));`,
    );
    await page.goto(`${info.consoleUrl}/#token=${token}`);
    await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
    return page;
  }

  it('an agent on a phone call sees ≤3 suggestions for the mini-program cart, sends one, and the mini-program gets the card', async () => {
    const phone = '+8613812345678';
    // The shopper in the mini-program, signed in by the merchant with their phone number.
    const session = await call('POST', '/v1/sessions', info.publishableKey, {
      channel: 'miniprogram',
      anonymousId: randomBytes(18).toString('base64url'),
      identityToken: await signIdentityToken(
        { sub: 'mp-shopper-1', name: '陈女士', phone },
        info.identitySecret,
      ),
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const sessionToken = session.body.sessionToken as string;
    const track = (name: string, properties: Record<string, unknown>) =>
      call('POST', '/v1/track', sessionToken, { name, properties });
    expect((await track('add_to_cart', { sku: 'p-floral-dress', size: 'M', quantity: 1 })).status).toBe(202);
    expect((await track('product_view', { productId: 'p-sunscreen-light' })).status).toBe(202);

    // Then they call the shop and ask for a person.
    const said = (text: string) =>
      call('POST', '/v1/channels/phone/messages', info.secretKey, { from: { phone }, text });
    expect((await said('我购物车里有条裙子，想问问搭什么好')).status).toBe(201);
    const queued = await said('转人工');
    expect(queued.body.conversation.status).toBe('queued');

    const page = await openConsole(info.agentToken);
    await page.locator('[data-view=queued]').click();
    const row = page.locator('[role=option]', { hasText: '陈女士' });
    await row.waitFor(WAIT);
    await row.click();
    const panel = page.locator('[data-part=profile] [data-part=suggestions]');
    await panel.waitFor(WAIT);
    const items = panel.locator('li[data-product-id]');
    const count = await items.count();
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(3);
    // Each says why, in the agent's language, naming the product in the cart or viewed.
    await expect(items.first().textContent()).resolves.toMatch(/搭配|替代|同类/);
    expect(await panel.textContent()).toContain('法式复古碎花连衣裙');
    // The phone the merchant signed and the phone on file are one number: listed once, masked.
    const phones = page.locator('[data-part=profile] [data-kind=phone]');
    expect(await phones.count()).toBe(1);
    await expect(phones.locator('xpath=..').textContent()).resolves.toBe('手机号138****5678');
    const first = items.first();
    const productId = (await first.getAttribute('data-product-id'))!;
    const name = (await first.locator('b').textContent())!;
    await page.screenshot({ path: join(shots, 'console-suggestions.png') });

    await first.locator('[data-part=send-suggestion]').click();
    // The console says where it went: the mini-program, not the phone.
    await page.locator('.toast, [role=status]', { hasText: '小程序' }).first().waitFor(WAIT);
    // The mini-program session has it, as a card on its own channel.
    await poll(async () => {
      const timeline = await call('GET', '/v1/timeline?limit=50', sessionToken);
      return timeline.body.messages
        .filter((m: any) => m.meta?.card)
        .map((m: any) => ({ channel: m.channel, title: m.meta.card.title, url: m.meta.card.targetUrl }));
    }).toEqual([{ channel: 'miniprogram', title: name, url: `https://shop.example/p/${productId}` }]);

    // "别再给我发推销了": the agent ticks the box; the profile and the audit log say so.
    const consent = page.locator('[data-part=marketing-consent] input');
    expect(await consent.isChecked()).toBe(false);
    await consent.check();
    await page.locator('.toast, [role=status]', { hasText: '已退订' }).first().waitFor(WAIT);
    const customerId = session.body.customer.id as string;
    await poll(
      async () => (await call('GET', `/v1/agent/customers/${customerId}`, info.agentToken)).body.attributes,
    ).toMatchObject({ marketingOptOut: true });
    const audit = await call('GET', '/v1/audit-log?action=customer.marketing_opted_out', info.secretKey);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ subject: { type: 'customer', id: customerId } }),
    ]);
    await page.screenshot({ path: join(shots, 'console-consent.png') });
    expect(await page.evaluate('window.__csp')).toEqual([]);
  });

  it('a supervisor lists, creates, edits, turns off and deletes follow-up rules in the console (zh and en), with the API’s refusals shown', async () => {
    const page = await openConsole(info.agentToken);
    // From the supervisor view (the header keeps one line on a laptop).
    await page.locator('[data-action=supervisor]').click();
    await page.locator('[data-action=followups]').click();
    const rules = page.locator('[data-part=follow-up-rules]');
    await rules.waitFor(WAIT);
    await rules.locator('.rule-list li.empty').waitFor(WAIT);

    // A card to a host that is not the shop's: the API's refusal, in the page.
    await page.locator('[data-action=new-rule]').click();
    const form = page.locator('[data-part=rule-form]');
    await form.locator('input[name=name]').fill('电话咨询保养后发小程序护理卡片');
    await form.locator('select[name=whenChannel]').selectOption('phone');
    await form.locator('input[name=intent]').fill('care_instructions');
    await form.locator('input[name=minutes]').fill('10');
    await form.locator('select[name=sendChannel]').selectOption('miniprogram');
    await form.locator('input[name=title]').fill('真皮托特包保养指南');
    await form.locator('input[name=targetUrl]').fill('https://evil.example/care');
    await form.locator('[data-action=save-rule]').click();
    await poll(() => page.locator('[data-part=rule-error]').textContent()).toContain('card_host_not_allowed');
    // On the shop's own host it is saved, and listed with its counts.
    await form.locator('input[name=targetUrl]').fill('https://shop.example/care/leather-tote');
    await form.locator('[data-action=save-rule]').click();
    const item = rules.locator('.rule-list li[data-rule]');
    await item.waitFor(WAIT);
    await expect(item.locator('[data-part=rule-counts]').textContent()).resolves.toBe(
      '待发 0 · 已发 0 · 跳过 0 · 取消 0',
    );
    await expect(item.locator('[data-part=rule-summary]').textContent()).resolves.toMatch(
      /电话.*保养与洗涤.*10 分钟后.*小程序.*真皮托特包保养指南/,
    );
    const ruleId = (await item.getAttribute('data-rule'))!;
    const listed = await call('GET', `/v1/follow-up-rules/${ruleId}`, info.secretKey);
    expect(listed.body.rule).toMatchObject({
      enabled: true,
      when: { channel: 'phone', intent: 'care_instructions' },
      delaySeconds: 600,
      send: {
        channel: 'miniprogram',
        content: {
          kind: 'card',
          card: { title: '真皮托特包保养指南', targetUrl: 'https://shop.example/care/leather-tote' },
        },
      },
    });
    await page.screenshot({ path: join(shots, 'console-follow-up-rules.png') });

    // Edit: a longer delay. Off, then on. Then gone.
    await item.locator('[data-action=edit-rule]').click();
    await form.locator('input[name=minutes]').fill('30');
    await form.locator('[data-action=save-rule]').click();
    await poll(
      async () => (await call('GET', `/v1/follow-up-rules/${ruleId}`, info.secretKey)).body.rule.delaySeconds,
    ).toBe(1800);
    await item.locator('[data-action=toggle-rule]').click();
    await poll(() => item.getAttribute('data-enabled')).toBe('false');
    expect((await call('GET', `/v1/follow-up-rules/${ruleId}`, info.secretKey)).body.rule.enabled).toBe(
      false,
    );

    // The same page in English.
    await page.locator('label.lang select').selectOption('en');
    await poll(() => rules.locator('h1').textContent()).toBe('Follow-up rules');
    await expect(item.locator('[data-part=rule-counts]').textContent()).resolves.toBe(
      '0 scheduled · 0 sent · 0 skipped · 0 cancelled',
    );
    await expect(item.locator('[data-action=toggle-rule]').textContent()).resolves.toBe('Turn on');
    await page.screenshot({ path: join(shots, 'console-follow-up-rules-en.png') });

    page.once('dialog', (dialog) => void dialog.accept());
    await item.locator('[data-action=delete-rule]').click();
    await rules.locator('.rule-list li.empty').waitFor(WAIT);
    expect((await call('GET', `/v1/follow-up-rules/${ruleId}`, info.secretKey)).status).toBe(404);
    // A plain agent may not manage rules.
    const plain = info.agents.find((a) => a.role === 'agent')!;
    const signIn = await fetch(`${server.url}/v1/agent/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: info.appId, email: plain.email, password: plain.password }),
    });
    const { token } = (await signIn.json()) as { token: string };
    expect((await call('GET', '/v1/follow-up-rules', token)).status).toBe(403);
    expect(await page.evaluate('window.__csp')).toEqual([]);
  });
});
