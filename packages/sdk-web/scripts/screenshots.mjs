// `npm run screenshots -w @threadline/sdk-web` (after `npm run build`): starts the demo as
// `npm start` does on a throwaway data folder, plays a short conversation through the API and the
// widget in headless Debian Chromium, and writes docs/screenshots/widget-{closed,open,mobile}.png
// and the handoff-link prompt: widget-link-prompt{,-mobile}.png and widget-link-continued.png.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
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
let browser;
try {
  const infoPath = join(dir, 'demo.json');
  for (let i = 0; i < 600 && !existsSync(infoPath); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  const info = JSON.parse(readFileSync(infoPath, 'utf8'));
  const call = (path, token, body) =>
    fetch(`${info.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());

  // Earlier on the phone and in the app, as the demo user.
  await call('/v1/channels/phone/messages', info.secretKey, {
    from: { externalId: 'demo-user-1' },
    text: '我上周在电话里问过那款玻尿酸面霜',
  });
  const token = await new SignJWT({ name: '林小姐 (demo)' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('demo-user-1')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(info.identitySecret));
  const app = await call('/v1/sessions', info.publishableKey, { channel: 'app', identityToken: token });
  await call('/v1/messages', app.sessionToken, {
    clientMessageId: 'shot-app-0001',
    text: '在App里看了，干皮能用吗？',
  });

  mkdirSync(out, { recursive: true });
  browser = await launchChromium();
  const shoot = async (name, viewport, play, path = '') => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(info.shopUrl + path);
    await page.locator('body[data-ready=true]').waitFor();
    await page
      .locator('threadline-chat [data-part=status][data-connection=online]')
      .waitFor({ state: 'attached' });
    await play(page);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(out, `widget-${name}.png`) });
    await context.close();
    console.log(`wrote docs/screenshots/widget-${name}.png`);
  };
  const converse = async (page) => {
    await page.locator('#login').click();
    await page.locator('threadline-chat [data-part=launcher]').click();
    await page.locator('threadline-chat [data-channel=phone]').first().waitFor();
    await page.locator('threadline-chat [data-part=input]').fill('这款面霜保质期多久');
    await page.locator('threadline-chat [data-part=send]').click();
    await page
      .locator('threadline-chat [data-part=message][data-author=customer]:not([data-pending])')
      .last()
      .waitFor();
    await page.waitForTimeout(1500); // the bot's answer, when the AI engine is wired
  };
  await shoot('closed', { width: 1200, height: 760 }, async () => {});
  await shoot('open', { width: 1200, height: 760 }, converse);
  await shoot('mobile', { width: 390, height: 760 }, async (page) => {
    await page.locator('#login').click();
    await page.locator('threadline-chat [data-part=launcher]').click();
    await page.locator('threadline-chat [data-channel=phone]').first().waitFor();
  });

  // A handoff link: a conversation started in a desktop browser, opened on another device.
  const linkFrom = async (said) => {
    const web = await call('/v1/sessions', info.publishableKey, { channel: 'web' });
    await call('/v1/messages', web.sessionToken, { clientMessageId: `shot-${said.length}-0001`, text: said });
    const handoff = await call('/v1/handoffs', web.sessionToken, { toChannel: 'web' });
    return `?handoff=${encodeURIComponent(handoff.code)}`;
  };
  const prompt = (page) => page.locator('threadline-chat [data-part=handoff-prompt]').waitFor();
  await shoot('link-prompt', { width: 1280, height: 800 }, prompt, await linkFrom('这件外套有 M 码吗？'));
  await shoot(
    'link-prompt-mobile',
    { width: 390, height: 844 },
    prompt,
    await linkFrom('这件外套有 M 码吗？'),
  );
  await shoot(
    'link-continued',
    { width: 390, height: 844 },
    async (page) => {
      await prompt(page);
      await page.locator('threadline-chat [data-part=handoff-accept]').click();
      await page.locator('threadline-chat [data-part=message][data-author=system]').last().waitFor();
    },
    await linkFrom('这件外套有 M 码吗？我平时穿 S'),
  );
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
