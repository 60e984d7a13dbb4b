// `npm run screenshots:console -w @threadline/api` (after `npm run build`): starts the demo as
// `npm start` does on a throwaway data folder, plays a small working day through the API, signs in
// to /console in headless Debian Chromium and writes docs/screenshots/console-*.png.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { apiCaller, playDemoDay } from './console-demo-data.mjs';
import { startDemoProcess } from './demo-process.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = process.env.SCREENSHOT_DIR ?? join(root, 'docs/screenshots');
// PORT and THREADLINE_DIR, when set, say where the demo listens and keeps its throwaway data.
const demo = await startDemoProcess({
  prefix: 'threadline-console-shots-',
  port: Number(process.env.PORT ?? 0),
  under: process.env.THREADLINE_DIR,
});
let browser;
try {
  const info = demo.info;
  const call = apiCaller(info.apiUrl);
  await playDemoDay(info);
  mkdirSync(out, { recursive: true });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => process.env.DEBUG && console.log('page:', m.text()));
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(`${info.consoleUrl}/#token=${info.agentToken}`);
  await page.locator('[data-view=queued]').click();
  await page
    .locator('[role=option]')
    .first()
    .waitFor()
    .catch(async (e) => {
      await page.screenshot({ path: join(tmpdir(), 'threadline-console-debug.png') });
      throw e;
    });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'console-inbox.png') });

  // Open the VIP's conversation (web + phone, cart, orders).
  await page.locator('[role=option]', { hasText: '林小姐' }).first().click();
  await page.locator('[data-part=profile] [data-part=cart] li').first().waitFor();
  await page.locator('[data-action=claim]').click();
  await page.locator('[data-part=status]', { hasText: '接待中' }).waitFor();
  await page
    .locator('[data-part=reply]')
    .fill('林小姐您好，我是小周。您的订单已由顺丰发出，单号 SF1234567890，预计明天送达。');
  await page.keyboard.press('Enter');
  await page.locator('.msg-agent').first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'console-conversation.png') });

  // 王敏 signs in with her password and goes online: routing hands her the after-sales matters.
  const wangmin = info.agents.find((a) => a.email);
  const signIn = await call('POST', '/v1/agent/sign-in', '', {
    app: info.appId,
    email: wangmin.email,
    password: wangmin.password,
  });
  await call('POST', '/v1/agent/presence', signIn.token, { presence: 'online' });
  // A livestream surge while 小周 is still offline: 王敏 fills up, the rest waits.
  const surge = [
    ['douyin_live', { identity: { kind: 'douyin', value: 'dy_2291' } }, '直播间那件针织衫还有货吗？转人工'],
    ['douyin_live', { identity: { kind: 'douyin', value: 'dy_5120' } }, '主播说的优惠券怎么领 人工客服'],
    ['taobao_live', { identity: { kind: 'taobao', value: 'tb_77' } }, '我要退货，转人工'],
    ['phone', { phone: '13600136000' }, '我要投诉快递，转人工'],
  ];
  for (const [channel, from, text] of surge)
    await call('POST', `/v1/channels/${channel}/messages`, info.secretKey, { from, text });
  await page.locator('[data-action=supervisor]').click();
  await page.locator('[data-part=supervisor] [data-part=agents] tbody tr').first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'console-supervisor.png') });

  const wide = await browser.newContext({ locale: 'en-US', viewport: { width: 1920, height: 1080 } });
  const widePage = await wide.newPage();
  await widePage.goto(`${info.consoleUrl}/?app=${info.appId}&email=${encodeURIComponent(wangmin.email)}`);
  await widePage.locator('input[name=password]').fill(wangmin.password);
  await widePage.locator('button[type=submit]').click();
  await widePage.locator('[data-view=mine]').click();
  await widePage.locator('[role=option]').first().click();
  await widePage.locator('[data-part=profile] h2').waitFor();
  await widePage.waitForTimeout(300);
  await widePage.screenshot({ path: join(out, 'console-conversation-1920-en.png') });
  console.log(`screenshots in ${out}`);
} finally {
  await browser?.close();
  await demo.stop();
}
