// `npm run screenshots -w @threadline/sdk-web` (after `npm run build`): starts the demo as
// `npm start` does on a throwaway data folder (which seeds the demo user's phone and app
// history), plays short conversations in headless Debian Chromium, and writes docs/screenshots/
// (the widget at 1280×800 and 390×844, the handoff-link prompt, the API reference).
// Chinese text needs a CJK font (Debian: fonts-noto-cjk).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './launch-chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = join(root, 'docs/screenshots');
const dir = mkdtempSync(join(tmpdir(), 'threadline-shots-'));
const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', THREADLINE_DIR: dir };
delete env.DATABASE_URL;
const demo = spawn(process.execPath, [join(root, 'packages/api/dist/cli.js'), 'demo'], {
  env,
  stdio: 'ignore',
});
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
let browser;
try {
  const infoPath = join(dir, 'demo.json');
  for (let i = 0; i < 600 && !existsSync(infoPath); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  const info = JSON.parse(readFileSync(infoPath, 'utf8'));

  mkdirSync(out, { recursive: true });
  browser = await launchChromium();
  const part = (page, name) => page.locator(`threadline-chat [data-part=${name}]`);
  const shoot = async (name, viewport, play, url = info.shopUrl) => {
    // An English browser on the Chinese shop: the widget follows the page.
    const context = await browser.newContext({ locale: 'en-US', viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(url);
    await play(page);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, `${name}.png`) });
    await context.close();
    console.log(`wrote docs/screenshots/${name}.png`);
  };
  const ready = async (page) => {
    await page.locator('body[data-ready=true]').waitFor();
    await part(page, 'status').and(page.locator('[data-connection=online]')).waitFor({ state: 'attached' });
  };
  const loggedInWithHistory = async (page) => {
    await ready(page);
    await page.locator('#login').click();
    await page.locator('#user:not([hidden])').waitFor();
    await part(page, 'launcher').click();
    await page.locator('threadline-chat [data-channel=phone]').first().waitFor();
  };
  const ask = async (page, text) => {
    const replies = await page.locator('threadline-chat [data-part=message][data-author=bot]').count();
    await part(page, 'input').fill(text);
    await part(page, 'send').click();
    await page.locator('threadline-chat [data-part=message][data-author=bot]').nth(replies).waitFor();
  };

  await shoot('widget-closed', DESKTOP, ready);
  await shoot('widget-open', DESKTOP, async (page) => {
    await loggedInWithHistory(page);
    await ask(page, '这款怎么用');
  });
  await shoot('widget-mobile', PHONE, loggedInWithHistory);
  await shoot('widget-ticket', DESKTOP, async (page) => {
    await loggedInWithHistory(page);
    await ask(page, '上周买的牛仔裤太小了，想换大一码，订单号 20261130001');
    await part(page, 'ticket').waitFor();
  });
  await shoot('widget-handoff', DESKTOP, async (page) => {
    await loggedInWithHistory(page);
    await part(page, 'handoff').click();
    await part(page, 'qr').locator('svg').waitFor();
  });
  await shoot('widget-handoff-mobile', PHONE, async (page) => {
    await loggedInWithHistory(page);
    await part(page, 'handoff').click();
    await part(page, 'handoff-target').filter({ hasText: '微信小程序' }).click();
    await part(page, 'qr').locator('svg').waitFor();
  });
  await shoot('widget-queued-mobile', PHONE, async (page) => {
    await ready(page);
    await part(page, 'launcher').click();
    await ask(page, '你好');
    await part(page, 'escalate').click();
    await part(page, 'status').and(page.locator('[data-conversation=queued]')).waitFor();
  });
  await shoot('shop-mobile', PHONE, ready);

  // A handoff link: a conversation started in a desktop browser, opened on another device.
  const call = (path, token, body) =>
    fetch(`${info.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const linkFrom = async (said) => {
    const web = await call('/v1/sessions', info.publishableKey, { channel: 'web' });
    await call('/v1/messages', web.sessionToken, { clientMessageId: `shot-${said.length}-0001`, text: said });
    const handoff = await call('/v1/handoffs', web.sessionToken, { toChannel: 'web' });
    return `${info.shopUrl}?handoff=${encodeURIComponent(handoff.code)}`;
  };
  const prompt = async (page) => {
    await page.locator('body[data-ready=true]').waitFor();
    await part(page, 'handoff-prompt').waitFor();
  };
  await shoot('widget-link-prompt', DESKTOP, prompt, await linkFrom('这件外套有 M 码吗？'));
  await shoot('widget-link-prompt-mobile', PHONE, prompt, await linkFrom('这件外套有 M 码吗？'));
  await shoot(
    'widget-link-continued',
    PHONE,
    async (page) => {
      await prompt(page);
      await part(page, 'handoff-accept').click();
      await page.locator('threadline-chat [data-part=message][data-author=system]').last().waitFor();
    },
    await linkFrom('这件外套有 M 码吗？我平时穿 S'),
  );
  await shoot(
    'api-docs',
    DESKTOP,
    async (page) => {
      await page.getByText('Conversation', { exact: true }).first().click();
      await page.getByText('Send a customer message (idempotent by clientMessageId)').first().click();
      await page.waitForTimeout(800);
    },
    `${info.apiUrl}/docs`,
  );
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
