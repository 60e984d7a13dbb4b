import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFollowUpWorker } from '../../api/src/followups';
import { seedDemoStore } from '../../api/src/knowledge';
import { createManualClock } from '../../api/src/platform/clock';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';
import { API_URL, type StartedApi, startApi } from './api-harness';
import { answerWithApi } from './api-wx';
import { createFakeWx } from './fake-wx';

// The must-show flow of proactive follow-ups, in the built component (miniprogram_dist) rendered by
// miniprogram-simulate, against the real API in-process: a shopper calls about caring for their
// tote, hangs up, and ten minutes later the mini-program shows the care card. A tap opens the
// host's web-view page with the link. The rendered state is drawn in headless Chromium to
// docs/screenshots/miniprogram-card.png (as scripts/screenshots.mts draws the other states).
const require = createRequire(import.meta.url);
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'https://servicewechat.com/',
});
const g = globalThis as Record<string, unknown>;
const installed = {
  window: dom.window,
  document: dom.window.document,
  CustomEvent: dom.window.CustomEvent,
  HTMLElement: dom.window.HTMLElement,
  requestAnimationFrame: (callback: () => void) => setTimeout(callback, 0),
};
const previous = Object.fromEntries(['wx', ...Object.keys(installed)].map((key) => [key, g[key]]));
Object.assign(g, installed);
const dist = join(__dirname, '..', 'miniprogram_dist');
const shots = join(__dirname, '..', '..', '..', 'docs', 'screenshots');
const simulate = require('miniprogram-simulate');

const CARE_CARD = {
  title: '真皮托特包保养指南',
  description: '防水、除尘、定期上油，3 分钟学会。',
  imageUrl: 'https://images.example/tote.jpg',
  targetUrl: 'https://shop.example/care/leather-tote',
};
const PHONE = '+8613955556666';

describe('a care card after a phone call, in <threadline-chat>', () => {
  let api: StartedApi;
  let sdk: any;
  const clock = createManualClock(Date.now());
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.js')))
      throw new Error(
        'miniprogram_dist is missing: run `npm run build -w @threadline/sdk-miniprogram` first.',
      );
    api = await startApi({ clock });
    sdk = require(join(dist, 'index.js'));
  });
  afterAll(async () => {
    sdk?.getThreadline()?.close();
    await api?.close();
    Object.assign(g, previous);
    dom.window.close();
  });

  it('arrives live after the delay, renders as a card, and a tap opens the web-view page', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.app.deps, shop.appId);
    // The card's links and picture are on the shop's card hosts (review 19, F11).
    await api.call('PATCH', '/v1/follow-up-settings', shop.secretKey, {
      quietHours: null,
      cardHosts: ['shop.example', 'images.example'],
    });
    await api.call('POST', '/v1/follow-up-rules', shop.secretKey, {
      name: 'Care card after a call about care',
      when: { channel: 'phone', intent: 'care_instructions' },
      delaySeconds: 600,
      send: { channel: 'miniprogram', content: { kind: 'card', card: CARE_CARD } },
    });

    // The shopper's mini-program, logged in (the phone number in the merchant's identity token).
    const wx = createFakeWx({ respond: answerWithApi(api.app) });
    const client = sdk.createThreadline({
      appKey: shop.publishableKey,
      apiUrl: API_URL,
      wx,
      logger: { warn() {}, error() {} },
    });
    const id = simulate.load(join(dist, 'threadline-chat', 'index'), 'threadline-chat', { rootPath: dist });
    const comp = simulate.render(id, { cardPage: '/pages/web/index' });
    const parent = dom.window.document.createElement('parent-wrapper');
    comp.attach(parent);
    await vi.waitFor(() => expect(comp.data.ready).toBe(true));
    await client.identify(await shop.identityToken('user-tote', { phone: PHONE }));

    // The call: a question about care, then the caller hangs up.
    const callId = randomUUID();
    for (const [sequence, body] of [
      { event: 'start' },
      { event: 'speech', utterance: '我买的那个真皮托特包平时要怎么保养啊' },
      { event: 'hangup' },
    ].entries())
      await api.call('POST', '/v1/voice/turn', shop.secretKey, { callId, from: PHONE, sequence, ...body });

    const worker = startFollowUpWorker(api.app.deps, { pollMs: 3_600_000 });
    try {
      await worker.drain();
      // Not before the delay.
      expect(comp.dom.querySelectorAll('[data-part="card"]').length).toBe(0);
      clock.advance(600_000);
      await worker.drain();
    } finally {
      await worker.stop();
    }

    await vi.waitFor(() => expect(comp.dom.querySelectorAll('[data-part="card"]').length).toBe(1), {
      timeout: 15_000,
    });
    const card = comp.dom.querySelector('[data-part="card"]')!;
    expect(card.querySelector('[data-part="card-title"]')?.textContent).toBe(CARE_CARD.title);
    expect(card.querySelector('[data-part="card-description"]')?.textContent).toBe(CARE_CARD.description);
    // Where the card leads is shown on it (review 19, F11).
    expect(card.querySelector('[data-part="card-host"]')?.textContent).toBe('shop.example');
    expect(card.querySelector('[data-part="card-open"]')?.textContent).toBe('shop.example · 查看 ›');
    expect(card.querySelector('[data-part="card-image"]')).not.toBeNull();
    expect((comp.data.items as { card: unknown }[]).filter((item) => item.card)).toEqual([
      expect.objectContaining({ card: { ...CARE_CARD, host: 'shop.example' }, author: 'system' }),
    ]);
    const message = card.closest('[data-part="message"]')!;
    expect(message.getAttribute('data-author')).toBe('system');
    expect(message.getAttribute('data-channel')).toBe('miniprogram');
    // The text repeats the title, so only the card shows.
    expect(message.querySelector('[data-part="text"]')).toBeNull();

    const navigations: string[] = [];
    g.wx = { navigateTo: ({ url }: { url: string }) => navigations.push(url) };
    const withCard = (comp.data.items as { id: string; card: unknown }[]).find((item) => item.card)!;
    comp.querySelector(`#card-${withCard.id}`).dispatchEvent('tap');
    // The web-view page gets the card's click-through link on the API (the open is counted there),
    // and that link redirects to the card's target.
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    const link = new URL(navigations[0]!, 'https://host.example').searchParams.get('url')!;
    expect(link.startsWith(`${API_URL.replace(/\/+$/, '')}/r/msg_`), link).toBe(true);
    const followed = await api.app.request(link.slice(API_URL.replace(/\/+$/, '').length));
    expect(followed.status).toBe(302);
    expect(followed.headers.get('location')).toBe(CARE_CARD.targetUrl);

    // A second call: the caller asks the agent for something to go with the tote. The agent, on
    // the phone, sends a suggested product as a card; it lands here, on the mini-program.
    const agent = await api.call('POST', '/v1/agents', shop.secretKey, { name: '小周', skills: [] });
    const token = (await api.call('POST', `/v1/agents/${agent.agent.id}/tokens`, shop.secretKey, {}))
      .token as string;
    const secondCall = randomUUID();
    for (const [sequence, body] of [
      { event: 'start' },
      { event: 'speech', utterance: '托特包有什么配的小东西推荐吗' },
    ].entries())
      await api.call('POST', '/v1/voice/turn', shop.secretKey, {
        callId: secondCall,
        from: PHONE,
        sequence,
        ...body,
      });
    const [onCall] = (
      await api.app.deps.database.client.execute({
        sql: "select id from conversations where app_id = ? and last_channel = 'phone' and status <> 'resolved' order by created_at desc limit 1",
        args: [shop.appId],
      })
    ).rows as unknown as { id: string }[];
    const suggested = {
      title: '法式复古碎花连衣裙',
      description: '¥259',
      targetUrl: 'https://shop.example/p/p-floral-dress',
    };
    const sent = await api.call('POST', `/v1/agent/conversations/${onCall!.id}/cards`, token, {
      card: suggested,
    });
    // (The harness throws on any 4xx/5xx.) It went to the mini-program, not the phone.
    expect(sent.message.channel).toBe('miniprogram');
    await vi.waitFor(() => expect(comp.dom.querySelectorAll('[data-part="card"]').length).toBe(2), {
      timeout: 15_000,
    });
    const agentCard = [...comp.dom.querySelectorAll('[data-part="card"]')].at(-1)!;
    expect(agentCard.querySelector('[data-part="card-title"]')?.textContent).toBe(suggested.title);
    expect(agentCard.closest('[data-part="message"]')!.getAttribute('data-author')).toBe('agent');

    // What the bot said on the calls, as the transcript shows it: the tote's own care (never the
    // jeans' fading guide), then what goes with the tote from the catalog, prices spoken.
    const botSaid = (comp.data.items as { author: string; text?: string }[])
      .filter((item) => item.author === 'bot')
      .map((item) => item.text ?? '');
    expect(botSaid.find((text) => /保养|护理|防尘袋/.test(text))).toMatch(/护理油/);
    expect(botSaid.join('\n')).not.toMatch(/牛仔/);
    expect(botSaid.at(-1)).toMatch(/法式复古碎花连衣裙，259元/);

    // Drawn as WeChat would (compiled WXSS, 750 rpx across a 390 px phone), then looked at.
    mkdirSync(shots, { recursive: true });
    const styles = [...dom.window.document.querySelectorAll('style')]
      .map((s: { textContent: string | null }) => s.textContent)
      .join('\n');
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 1,
      });
      await context.route('https://images.example/**', (route) =>
        route.fulfill({
          contentType: 'image/svg+xml',
          body: '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" fill="#8d6e63"/><rect x="110" y="50" width="100" height="80" rx="10" fill="#d7ccc8"/><path d="M130 50 q30 -40 60 0" stroke="#d7ccc8" stroke-width="8" fill="none"/></svg>',
        }),
      );
      const tab = await context.newPage();
      const images = (comp.data.items as { card: { imageUrl?: string } | null }[]).flatMap((item) =>
        item.card?.imageUrl ? [item.card.imageUrl] : [],
      );
      await tab.setContent(phonePage(styles, parent.innerHTML, images));
      await tab.waitForLoadState('networkidle');
      await tab.screenshot({ path: join(shots, 'miniprogram-card.png') });
    } finally {
      await browser.close();
    }
  });
});

/**
 * The page WeChat would draw, as in scripts/screenshots.mts. The simulator renders `<image>` as an
 * empty `wx-image` (it draws no pictures): each card image gets its bound `src` back as an <img>.
 */
function phonePage(styles: string, body: string, images: string[]) {
  let next = 0;
  const withImages = body.replace(
    /(<wx-image[^>]*data-part="card-image"[^>]*>)/g,
    (tag) =>
      `${tag}<img src="${images[next++] ?? ''}" style="width:100%;height:100%;object-fit:cover;display:block">`,
  );
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;background:#ededed;font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif}
.phone{width:750px;height:${Math.round(844 / 0.52)}px;zoom:0.52;display:flex;flex-direction:column}
.nav{height:88px;background:#ededed;display:flex;align-items:center;justify-content:center;font-size:34px;font-weight:600;border-bottom:1px solid #ddd}
threadline-chat{display:block;flex:1;min-height:0}
wx-view,wx-scroll-view,wx-image{display:block}
wx-scroll-view{overflow-y:auto}
wx-input{display:block;min-height:40px;color:#86909c}
wx-input::after{content:"请输入您的问题"}
${styles}
</style></head><body><div class="phone"><div class="nav">澜悦生活 · 在线客服</div>${withImages}</div></body></html>`;
}
