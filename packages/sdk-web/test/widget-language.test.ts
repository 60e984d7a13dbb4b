import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi, widget } from './harness';

/**
 * The widget in an English shop, in Chromium against the real API: everything it writes itself
 * (header, placeholder, buttons, status lines, the queue note, the rating card) is English in
 * every state, and the bot's English answers carry the catalogue's English product names on their
 * chips; a Chinese shop still gets Chinese. The language comes, in order, from the page's `lang`
 * option, the app's `language` setting on the API, the page's `<html lang>`, then the browser.
 */
const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
const SHOTS = process.env.WIDGET_SHOTS_DIR;

/**
 * What the widget writes itself: every text node and label of its shadow root, hidden parts
 * included, except what people and the bot wrote (message texts, an agent's name).
 */
const chromeText = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('threadline-chat')!.shadowRoot!;
    const out: string[] = [];
    const walk = (node: Node) => {
      if (node.nodeType === Node.TEXT_NODE) {
        if (node.textContent?.trim()) out.push(node.textContent.trim());
        return;
      }
      if (!(node instanceof Element) || node.matches('style,script,svg')) return;
      if (node.matches('[data-part=message] > .t')) return;
      for (const name of ['aria-label', 'placeholder', 'title', 'alt'])
        if (node.getAttribute(name)) out.push(node.getAttribute(name)!);
      for (const child of node.childNodes) walk(child);
    };
    for (const child of root.childNodes) walk(child);
    return out;
  });

const expectEnglish = async (page: Page, state: string) => {
  const texts = await chromeText(page);
  expect(texts.length, state).toBeGreaterThan(5);
  expect(
    texts.filter((t) => CJK.test(t)),
    `Chinese in the ${state} state`,
  ).toEqual([]);
};

describe('the widget speaks the shop’s language', () => {
  let api: DemoApi;
  let browser: Browser;
  let host: Server;
  let hostUrl: string;
  const pages = new Map<string, string>();

  /** A merchant page with the script tag, `<html lang>` as given (none: no attribute). */
  const serve = (path: string, htmlLang: string | null, dataLang = '') => {
    const script = `<script src="${api.info.apiUrl}/sdk/widget.js" data-app-key="${api.keys.publishableKey}" data-api-url="${api.info.apiUrl}"${dataLang ? ` data-lang="${dataLang}"` : ''}></script>`;
    pages.set(
      path,
      `<!doctype html><html${htmlLang ? ` lang="${htmlLang}"` : ''}><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Lanyue Beauty</h1>${script}</body></html>`,
    );
    return `${hostUrl}${path}`;
  };

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    host = createServer((request, response) => {
      const html = pages.get(new URL(request.url ?? '/', 'http://x').pathname);
      if (!html) return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((done) => host.listen(0, '127.0.0.1', done));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    host?.closeAllConnections();
    await new Promise((done) => host?.close(done));
    await api?.close();
  });

  /** A new shopper (own browser context) on a page; the browser's language is `browserLocale`. */
  async function visit(url: string, browserLocale: string) {
    const context = await browser.newContext({
      locale: browserLocale,
      viewport: { width: 1100, height: 820 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The widget asks for the conversation state (with the app's language) once the session starts.
    const stateSeen = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/conversation', WAIT);
    stateSeen.catch(() => {});
    await page.goto(url);
    const chat = widget(page);
    await chat.part('launcher').waitFor(WAIT);
    return { context, page, chat, errors, stateSeen };
  }

  const shot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  it('an en-US shop in a Chinese browser: English in every state, English product chips', async () => {
    const { context, page, chat, errors } = await visit(serve('/en', 'en-US'), 'zh-CN');
    try {
      // Idle: the panel open, nothing asked yet.
      await chat.open();
      await chat.part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
      await expect(page.locator('threadline-chat').evaluate((el) => (el as any).language)).resolves.toBe(
        'en',
      );
      await expect(chat.part('input').getAttribute('placeholder')).resolves.toBe('Type your question…');
      await expectEnglish(page, 'idle');
      await shot(page, 'en-idle');

      // A bot answer about several products: which one? The chips name them in English.
      await chat.send('how much is the sunscreen');
      await chat.messages('bot').first().waitFor(WAIT);
      const chips = page.locator('threadline-chat [data-part=quick-reply]');
      await poll(() => chips.count()).toBeGreaterThan(1);
      const options = await chips.allTextContents();
      expect(options.filter((o) => CJK.test(o))).toEqual([]);
      expect(options.join(' | ')).toMatch(/Sunscreen/);
      await expect(chat.messages('bot').first().textContent()).resolves.not.toMatch(CJK);
      await expectEnglish(page, 'bot answer with product chips');
      await shot(page, 'en-product-chips');

      // A tap sends the English name; the bot knows the product and answers in English.
      const tapped = options.find((o) => /Sunscreen/.test(o))!;
      await chips.filter({ hasText: tapped }).click();
      await chat.messages('customer').filter({ hasText: tapped }).waitFor(WAIT);
      await poll(() => chat.messages('bot').count()).toBe(2);
      const answer = (await chat.messages('bot').nth(1).textContent()) ?? '';
      expect(answer).toMatch(/¥\d+/);
      // "Light Oil-Control Sunscreen SPF50+ price" → "Light Oil-Control Sunscreen SPF50+ costs ¥139."
      expect(answer).toContain(tapped.replace(/ price$/, ''));
      expect(answer).not.toMatch(CJK);

      // Asking for a person: queued, with the honest wait note and the way back to the bot.
      await chat.part('escalate').click();
      await chat.part('status').and(page.locator('[data-conversation=queued]')).waitFor(WAIT);
      await chat.part('wait').and(page.locator(':visible')).waitFor(WAIT);
      await expect(chat.part('status').textContent()).resolves.toBe('Waiting for an agent');
      await expect(chat.part('wait').locator('.wt').textContent()).resolves.toMatch(
        /^(You are (next|number \d+) in line for an agent\.|No agent is online right now\..*)$/,
      );
      await expect(chat.part('back-to-bot').textContent()).resolves.toBe('Back to the assistant');
      await expectEnglish(page, 'queued for a person');
      // The last message stays in sight above the wait note.
      await expect(
        page.evaluate(() => {
          const log = document
            .querySelector('threadline-chat')!
            .shadowRoot!.querySelector('[data-part=log]')!;
          return log.scrollHeight - log.clientHeight - log.scrollTop;
        }),
      ).resolves.toBeLessThan(2);
      await shot(page, 'en-queued');

      // Offline, with a message waiting to be sent.
      await context.setOffline(true);
      await chat.send('are you there?');
      await page.locator('threadline-chat [data-part=message][data-pending]').waitFor(WAIT);
      await chat.part('status').and(page.locator('[data-connection=offline]')).waitFor(WAIT);
      await expect(chat.part('status').textContent()).resolves.toMatch(/^Offline/);
      await expectEnglish(page, 'offline, sending');
      await shot(page, 'en-offline');
      await context.setOffline(false);
      await poll(() => page.locator('threadline-chat [data-part=message][data-pending]').count()).toBe(0);

      // An agent takes it and resolves it: the rating card asks in English.
      const [open] = (
        await api.server.database.client.execute(
          "select id from conversations where status = 'queued' order by created_at desc limit 1",
        )
      ).rows as unknown as { id: string }[];
      for (const verb of ['claim', 'resolve'])
        expect(
          (await api.call('POST', `/v1/agent/conversations/${open!.id}/${verb}`, api.keys.agentToken)).status,
          verb,
        ).toBe(200);
      await chat.part('csat').and(page.locator(':visible')).waitFor(WAIT);
      await expect(chat.part('csat').locator('.ct').textContent()).resolves.toMatch(/^How did .+ do\?$/);
      await expect(chat.part('csat-submit').textContent()).resolves.toBe('Send rating');
      // The agent's name is the merchant's data (the demo's agents have Chinese names), not the widget's.
      const agent = (await chat.part('csat').locator('.ct').textContent())!.replace(
        /^How did (.+) do\?$/,
        '$1',
      );
      const texts = (await chromeText(page)).map((t) => t.split(agent).join(''));
      expect(texts.filter((t) => CJK.test(t))).toEqual([]);
      await shot(page, 'en-csat');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a zh-CN shop in an English browser stays Chinese, its chips too', async () => {
    const { context, page, chat } = await visit(serve('/zh', 'zh-CN'), 'en-US');
    try {
      await chat.open();
      await expect(chat.part('input').getAttribute('placeholder')).resolves.toBe('请输入您的问题…');
      await chat.send('防晒多少钱');
      await chat.messages('bot').first().waitFor(WAIT);
      const chips = page.locator('threadline-chat [data-part=quick-reply]');
      await poll(() => chips.count()).toBeGreaterThan(1);
      for (const option of await chips.allTextContents()) expect(option).toMatch(CJK);
      await shot(page, 'zh-product-chips');
      await chat.part('escalate').click();
      await chat.part('wait').and(page.locator(':visible')).waitFor(WAIT);
      await expect(chat.part('status').textContent()).resolves.toBe('正在为您转接人工客服');
      await expect(chat.part('back-to-bot').textContent()).resolves.toBe('返回智能助手');
      await expect(chat.part('wait').locator('.wt').textContent()).resolves.toMatch(CJK);
      await shot(page, 'zh-queued');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a language switched while messages are shown relabels who wrote them; zh-TW/zh-HK/fr browsers', async () => {
    const { context, page, chat } = await visit(serve('/switch', 'en-US'), 'en-US');
    const labels = () => page.locator('threadline-chat [data-part=message] > .sr').allTextContents();
    try {
      await chat.open();
      await chat.send('how long does delivery take');
      await chat.messages('bot').first().waitFor(WAIT);
      await poll(labels).toEqual(expect.arrayContaining(['You: ', 'Assistant: ']));
      // The page picks Chinese on the element: chrome and the labels of the messages already shown.
      await page.evaluate(() => document.querySelector('threadline-chat')!.setAttribute('lang', 'zh-CN'));
      await expect(chat.part('send').textContent()).resolves.toBe('发送');
      await poll(labels).toEqual(expect.arrayContaining(['我: ', '智能助手: ']));
      expect((await labels()).filter((l) => !CJK.test(l))).toEqual([]);
      await shot(page, 'switched-to-zh');
      // And back, via the page's <html lang> once the element's own choice is taken away.
      await page.evaluate(() => {
        document.querySelector('threadline-chat')!.removeAttribute('lang');
        document.documentElement.lang = 'en-GB';
      });
      await poll(labels).toEqual(expect.arrayContaining(['You: ', 'Assistant: ']));
      await expectEnglish(page, 'switched back');
    } finally {
      await context.close();
    }
    // Browsers: Chinese of any region gets the Chinese table; a language without a table, English.
    for (const [locale, send] of [
      ['zh-TW', '发送'],
      ['zh-HK', '发送'],
      ['en-GB', 'Send'],
      ['fr-FR', 'Send'],
    ] as const) {
      const visited = await visit(serve(`/bare-${locale}`, null), locale);
      try {
        await visited.chat.open();
        await expect(visited.chat.part('send').textContent(), locale).resolves.toBe(send);
      } finally {
        await visited.context.close();
      }
    }
  }, 120_000);

  it('precedence: the page’s lang option, then the app’s language, then <html lang>, then the browser', async () => {
    /** The language the widget settles on (the app's setting comes with GET /v1/conversation). */
    const language = async (url: string, browserLocale: string, expected: 'en' | 'zh-CN') => {
      const { context, page, chat, stateSeen } = await visit(url, browserLocale);
      try {
        await chat.open();
        await (await stateSeen).finished();
        // The answer is read and applied before the next task.
        await page.evaluate(() => new Promise((done) => setTimeout(done, 50)));
        await poll(() => page.locator('threadline-chat').evaluate((el) => (el as any).language)).toBe(
          expected,
        );
        return await chat.part('send').textContent();
      } finally {
        await context.close();
      }
    };
    const bare = serve('/bare', null);
    // Nothing said anywhere but the browser.
    await expect(language(bare, 'zh-CN', 'zh-CN')).resolves.toBe('发送');
    await expect(language(bare, 'en-US', 'en')).resolves.toBe('Send');

    // The shop sets its language on the API: it beats the browser and the page's <html lang>…
    const sk = api.keys.secretKey;
    const set = await api.call('PATCH', '/v1/app', sk, { language: 'en-US' });
    expect(set.status).toBe(200);
    expect(set.body.app.language).toBe('en-US');
    await expect(language(bare, 'zh-CN', 'en')).resolves.toBe('Send');
    await expect(language(serve('/zh-page', 'zh-CN'), 'zh-CN', 'en')).resolves.toBe('Send');
    // …and the page's explicit option beats it.
    await expect(language(serve('/explicit', 'en-US', 'zh-CN'), 'en-US', 'zh-CN')).resolves.toBe('发送');
    // A bad tag is refused with the one error envelope; null clears the setting.
    const bad = await api.call('PATCH', '/v1/app', sk, { language: 'english please' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const cleared = await api.call('PATCH', '/v1/app', sk, { language: null });
    expect(cleared.body.app.language).toBe(null);
    await expect(language(bare, 'zh-CN', 'zh-CN')).resolves.toBe('发送');
  }, 120_000);
});
