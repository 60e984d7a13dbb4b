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

// A whole flow in a real browser against the real API: generous under load.
vi.setConfig({ testTimeout: 120_000 });

const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Screenshots for a person to look at (THREADLINE_SCREENSHOTS=dir keeps them). */
const shots = process.env.THREADLINE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'tl-shop-language-shots-'));
mkdirSync(shots, { recursive: true });

describe('the shop language in the console (supervisors), in Chromium, against the real API', () => {
  let browser: Browser;
  let server: RunningServer;
  let info: DemoInfo;
  const contexts: BrowserContext[] = [];
  const supervisor = { email: 'lead@shop.example', password: 'lead-password-1234' };
  let supervisorId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ server, info } = await startDemo({
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      dataDir: mkdtempSync(join(tmpdir(), 'threadline-shop-language-console-')),
      repoRoot,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
    }));
    const created = await call('POST', '/v1/agents', info.secretKey, {
      name: '李主管',
      role: 'supervisor',
      ...supervisor,
    });
    expect(created.status).toBe(201);
    supervisorId = created.body.agent.id;
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

  /** Signs in with the console's own form (app id, email, password), as a person would. */
  async function signIn(who: { email: string; password: string }, locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(
      `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));`,
    );
    await page.goto(info.consoleUrl);
    await page.locator('input[name=app]').fill(info.appId);
    await page.locator('input[name=email]').fill(who.email);
    await page.locator('input[name=password]').fill(who.password);
    await page.locator('.sign-in button[type=submit]').click();
    await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
    return page;
  }

  const language = async () => (await call('GET', '/v1/app/language', info.secretKey)).body.language;
  const saved = (page: Page) => page.locator('[data-part=language-saved]');

  it('a supervisor sees the language in use, saves English, is refused a bad tag in the API’s words, then saves one by keyboard', async () => {
    expect(await language()).toBeNull();
    const page = await signIn(supervisor, 'zh-CN');
    await page.locator('[data-action=supervisor]').click();
    await page.locator('[data-action=shop-settings]').waitFor(WAIT);
    await page.screenshot({ path: join(shots, 'console-lang-supervisor-zh.png') });
    await page.locator('[data-action=shop-settings]').click();
    await page.locator('#shop-title', { hasText: '店铺设置' }).waitFor(WAIT);
    await poll(() => page.locator('[data-part=language-current]').textContent()).toContain(
      '由网页和顾客的浏览器决定',
    );
    expect(await page.locator('input[name=language][value=auto]').isChecked()).toBe(true);
    // The tag field only takes input when "another language" is chosen.
    expect(await page.locator('input[name=other]').isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, 'console-lang-zh.png') });

    // English, saved: the page says so and the API holds it.
    await page.getByLabel('English (en-US)').check();
    await page.locator('[data-action=save-language]').click();
    await saved(page).waitFor(WAIT);
    expect(await saved(page).textContent()).toContain('已保存');
    await poll(language).toBe('en-US');
    await poll(() => page.locator('[data-part=language-current]').textContent()).toContain('English (en-US)');

    // A malformed tag: refused by the API, its reason shown in the page, and nothing changed.
    await page.getByLabel('其他语言').check();
    await expect.poll(() => page.evaluate(`document.activeElement?.getAttribute('name')`)).toBe('other');
    await page.locator('input[name=other]').fill('english please');
    await page.locator('[data-action=save-language]').click();
    const error = page.locator('[data-part=language-error]');
    await error.waitFor(WAIT);
    expect(await error.getAttribute('role')).toBe('alert');
    // The field's reason in the API's words, not the envelope's general "body is not valid".
    expect(await error.textContent()).toBe(
      '未保存：A BCP 47 language tag, e.g. en-US or zh-CN (validation_failed)',
    );
    expect(await page.locator('input[name=other]').getAttribute('aria-invalid')).toBe('true');
    expect(await language()).toBe('en-US');
    await page.screenshot({ path: join(shots, 'console-lang-error-zh.png') });

    // By keyboard alone: the field has focus after the refusal; a good tag and Enter save it.
    await expect.poll(() => page.evaluate(`document.activeElement?.getAttribute('name')`)).toBe('other');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('ja-JP');
    await page.keyboard.press('Enter');
    await poll(() => saved(page).count()).toBe(1);
    await poll(language).toBe('ja-JP');

    // Audited as this supervisor, from the previous value.
    const audit = await call('GET', '/v1/audit-log?action=app.language_updated', info.secretKey);
    expect(audit.body.entries[0]).toMatchObject({
      actor: { type: 'agent', id: supervisorId },
      details: { previous: 'en-US', language: 'ja-JP' },
    });

    // After a reload the page shows what is saved: "another language" with its tag.
    await page.reload();
    await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
    if (!(await page.locator('[data-part=shop-settings]').count())) {
      await page.locator('[data-action=supervisor]').click();
      await page.locator('[data-action=shop-settings]').click();
    }
    await poll(() => page.locator('input[name=other]').inputValue()).toBe('ja-JP');
    expect(await page.locator('input[name=language][value=other]').isChecked()).toBe(true);

    // Accessible and within the console's CSP.
    await page.evaluate(axeSource);
    const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as {
      id: string;
      impact: string | null;
    }[];
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(await page.evaluate('window.__csp')).toEqual([]);

    // Back to "the page and browser decide" (null).
    await page.getByLabel('由网页和顾客的浏览器决定').check();
    await page.locator('[data-action=save-language]').click();
    await poll(language).toBeNull();
  });

  it('reads in English too', async () => {
    const page = await signIn(supervisor, 'en');
    await page.locator('[data-action=supervisor]').click();
    await page.locator('[data-action=shop-settings]', { hasText: 'Shop settings' }).click();
    await page.locator('#shop-title', { hasText: 'Shop settings' }).waitFor(WAIT);
    await poll(() => page.locator('[data-part=language-current]').textContent()).toContain(
      'Let the page and the shopper’s browser decide',
    );
    expect(await page.locator('[data-part=language-form] legend').textContent()).toBe(
      'Language of the chat widget',
    );
    await page.getByLabel('Another language').check();
    await page.locator('input[name=other]').fill('fr-');
    await page.locator('[data-action=save-language]').click();
    await page.locator('[data-part=language-error]').waitFor(WAIT);
    await page.screenshot({ path: join(shots, 'console-lang-error-en.png') });
    await page.locator('input[name=other]').fill('fr-CA');
    await page.locator('[data-action=save-language]').click();
    await saved(page).waitFor(WAIT);
    expect(await saved(page).textContent()).toContain('Saved');
    await poll(language).toBe('fr-CA');
    await page.screenshot({ path: join(shots, 'console-lang-en.png') });
  });

  it('an agent who is not a supervisor has no way to the page, and the API refuses their token', async () => {
    const plain = info.agents.find((a) => a.role === 'agent' && a.password)!;
    const page = await signIn({ email: plain.email!, password: plain.password! }, 'zh-CN');
    expect(await page.locator('[data-action=supervisor]').count()).toBe(0);
    expect(await page.locator('[data-action=shop-settings]').count()).toBe(0);
    expect(await page.locator('[data-part=shop-settings]').count()).toBe(0);
    // The token the console signed in with (kept for the tab, under the store's key).
    const token = await page.evaluate<string | null>(`sessionStorage.getItem('threadline.console.token')`);
    expect(token).toBeTruthy();
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { language: 'de-DE' }],
    ] as const) {
      const res = await call(method, '/v1/app/language', token!, body);
      expect([method, res.status, res.body.error.code]).toEqual([method, 403, 'role_forbidden']);
    }
    expect(await language()).toBe('fr-CA');
  });
});
