// `npm run screenshots -w @threadline/sdk-miniprogram` (after `npm run build`): renders the built
// <threadline-chat> component with miniprogram-simulate (WeChat's own wcc/wxss compilers) against
// the real API in-process, then draws that DOM with its compiled styles in headless Chromium at a
// 390×844 phone (750 rpx across, as WeChat scales them), and writes
// docs/screenshots/miniprogram-link-{prompt,continued}.png. Devtools is not available here; this
// is the closest honest picture of what a shopper sees.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { API_URL, startApi } from '../test/api-harness';
import { answerWithApi } from '../test/api-wx';
import { createFakeWx } from '../test/fake-wx';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const dist = resolve(here, '../miniprogram_dist');
const out = join(root, 'docs/screenshots');
const require = createRequire(import.meta.url);
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'https://servicewechat.com/',
});
Object.assign(globalThis, {
  window: dom.window,
  document: dom.window.document,
  CustomEvent: dom.window.CustomEvent,
  HTMLElement: dom.window.HTMLElement,
  requestAnimationFrame: (callback: () => void) => setTimeout(callback, 0),
});
const simulate = require('miniprogram-simulate');
const sdk = require(join(dist, 'index.js'));

const wait = async (ready: () => boolean) => {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 25));
};

// The page WeChat would draw: the compiled styles (rpx written as px by the simulator) on a
// 750-px-wide canvas scaled to the phone's 390 px, like WeChat's own rpx scaling.
const page = (styles: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;background:#ededed;font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif}
.phone{width:750px;height:${Math.round(844 / 0.52)}px;zoom:0.52;display:flex;flex-direction:column}
.nav{height:88px;background:#ededed;display:flex;align-items:center;justify-content:center;font-size:34px;font-weight:600;border-bottom:1px solid #ddd}
threadline-chat{display:block;flex:1;min-height:0}
wx-view,wx-scroll-view{display:block}
wx-scroll-view{overflow-y:auto}
wx-input{display:block;min-height:40px;color:#86909c}
wx-input::after{content:"请输入您的问题"}
${styles}
</style></head><body><div class="phone"><div class="nav">澜悦生活 · 在线客服</div>${body}</div></body></html>`;

const api = await startApi();
const browser = await launchChromium();
try {
  mkdirSync(out, { recursive: true });
  const shop = await api.createShop();
  const web = await shop.webSession();
  await shop.send(web.sessionToken, '这件外套有 M 码吗？我平时穿 S');
  const { code } = await shop.handoff(web.sessionToken);

  sdk.createThreadline({
    appKey: shop.publishableKey,
    apiUrl: API_URL,
    wx: createFakeWx({ respond: answerWithApi(api.app) }),
    logger: { warn() {}, error() {} },
  });
  const id = simulate.load(join(dist, 'threadline-chat', 'index'), 'threadline-chat', { rootPath: dist });
  const comp = simulate.render(id, { handoff: code });
  const parent = dom.window.document.createElement('parent-wrapper');
  comp.attach(parent);
  await wait(() => comp.data.resumePrompt === true);

  const shoot = async (name: string) => {
    const styles = [...dom.window.document.querySelectorAll('style')]
      .map((s: Element) => s.textContent)
      .join('\n');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    await tab.setContent(page(styles, parent.innerHTML));
    await tab.screenshot({ path: join(out, `miniprogram-${name}.png`) });
    await context.close();
    console.log(`wrote docs/screenshots/miniprogram-${name}.png`);
  };
  await shoot('link-prompt');
  comp.querySelector('#resume-accept').dispatchEvent('tap');
  await wait(() => Boolean(comp.data.notice) && (comp.data.items as unknown[]).length >= 2);
  await shoot('link-continued');
} finally {
  sdk.getThreadline()?.close();
  await browser.close();
  await api.close();
  dom.window.close();
}
