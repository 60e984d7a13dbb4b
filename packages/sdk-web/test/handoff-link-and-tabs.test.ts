import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi, widget } from './harness';

/** Issue 8 items 1 and 5 in Chromium: the handoff-link prompt, and live events kept per person across tabs. */
const WAIT = { timeout: 15_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe('the widget and handoff links, in Chromium, against the real API', () => {
  let api: DemoApi;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** A code made by a session of its own (an anonymous web visitor elsewhere), after it said something. */
  async function codeFrom(said: string) {
    const started = await api.call<{ sessionToken: string }>(
      'POST',
      '/v1/sessions',
      api.keys.publishableKey,
      {
        channel: 'web',
      },
    );
    const token = started.body.sessionToken;
    await api.call('POST', '/v1/messages', token, {
      clientMessageId: `m-${Date.now()}-${said.length}`,
      text: said,
    });
    const created = await api.call<{ code: string }>('POST', '/v1/handoffs', token, { toChannel: 'web' });
    return created.body.code;
  }

  async function shopperPage(locale: string) {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(api.info.shopUrl);
    await page.locator('body[data-ready=true]').waitFor(WAIT);
    const chat = widget(page);
    await chat.open();
    await chat.part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
    await chat.send('我自己的问题：面霜多少钱');
    await chat.messages('customer').filter({ hasText: '我自己的问题' }).waitFor(WAIT);
    return { context, page, chat };
  }

  const openLink = async (page: Page, code: string) => {
    await page.goto(`${api.info.shopUrl}?utm=spring&handoff=${encodeURIComponent(code)}`);
    await page.locator('body[data-ready=true]').waitFor(WAIT);
  };

  it('asks before continuing, shows nothing of the linked conversation, and keeps the shopper’s own chat on "no"', async () => {
    const code = await codeFrom('attacker was here');
    const { context, page, chat } = await shopperPage('zh-CN');
    try {
      await openLink(page, code);
      const prompt = chat.part('handoff-prompt');
      await prompt.waitFor(WAIT);
      await expect(prompt.locator('#tl-hp').textContent()).resolves.toBe('继续链接里的对话？');
      await expect(chat.part('panel').isVisible()).resolves.toBe(true);
      // Whose conversation it is stays unknown until the shopper says yes.
      await chat.messages('customer').filter({ hasText: '我自己的问题' }).waitFor(WAIT);
      await expect(page.locator('threadline-chat').getByText('attacker was here').count()).resolves.toBe(0);

      await chat.part('handoff-decline').click();
      await poll(() => prompt.isVisible()).toBe(false);
      expect(new URL(page.url()).searchParams.has('handoff')).toBe(false);
      expect(new URL(page.url()).searchParams.get('utm')).toBe('spring');
      await expect(page.locator('threadline-chat').getByText('attacker was here').count()).resolves.toBe(0);
      await expect(chat.messages('customer').filter({ hasText: '我自己的问题' }).count()).resolves.toBe(1);
      // The code was never claimed: whoever made it still holds an unused code, and no session joined.
    } finally {
      await context.close();
    }
  });

  it('continues the conversation on "yes", then says whose it was', async () => {
    const code = await codeFrom('在电脑网页上问过：这件外套有 M 码吗');
    const { context, page, chat } = await shopperPage('zh-CN');
    try {
      await openLink(page, code);
      await chat.part('handoff-accept').click();
      await chat.messages().filter({ hasText: '这件外套有 M 码吗' }).waitFor(WAIT);
      await chat.messages('system').filter({ hasText: '已接上你在网页上的对话' }).waitFor(WAIT);
      // The shopper's own earlier chat is not mixed into the continued one.
      await expect(chat.messages('customer').filter({ hasText: '我自己的问题' }).count()).resolves.toBe(0);
      expect(new URL(page.url()).searchParams.has('handoff')).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('tells the shopper when a link was used or has expired, and keeps their own session', async () => {
    const code = await codeFrom('someone else used this link first');
    const used = await api.call('POST', '/v1/sessions', api.keys.publishableKey, {
      channel: 'web',
      handoffCode: code,
    });
    expect(used.status).toBe(201);
    // An English browser on the Chinese shop: the widget speaks the page's language (issue 10, item 5).
    const { context, page, chat } = await shopperPage('en-US');
    try {
      await openLink(page, code);
      await chat.part('handoff-accept').click();
      await chat.messages('system').filter({ hasText: '这个链接已经用过了' }).waitFor(WAIT);
      await openLink(page, 'this-code-was-never-issued-xx');
      await chat.part('handoff-accept').click();
      await chat.messages('system').filter({ hasText: '这个链接已过期或无效' }).waitFor(WAIT);
      expect(new URL(page.url()).searchParams.has('handoff')).toBe(false);
      await chat.messages('customer').filter({ hasText: '我自己的问题' }).waitFor(WAIT);
      await chat.send('still me');
      await chat.messages('customer').filter({ hasText: 'still me' }).waitFor(WAIT);
    } finally {
      await context.close();
    }
  });
});

describe('live events stay with their person across the tabs of a browser (item 5)', () => {
  let api: DemoApi;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('a logout in one tab ends the person in every tab: no tab keeps or receives their messages', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const streams: string[] = [];
      context.on('request', (request) => {
        if (new URL(request.url()).pathname === '/v1/stream') streams.push(request.url());
      });
      const token = await api.identityToken('tabs-alice');
      const [alice, other] = [await context.newPage(), await context.newPage()];
      for (const page of [alice, other]) {
        await page.goto(api.info.shopUrl);
        await page.locator('body[data-ready=true]').waitFor(WAIT);
        await page.evaluate(
          (t) => (document.querySelector('threadline-chat') as any).client.identify(t),
          token,
        );
        await widget(page).open();
        await widget(page).part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
      }
      // Both tabs are Alice: one stream serves them.
      await poll(() => streams.length).toBeGreaterThan(0);
      await widget(alice).send('Alice before logout');
      await widget(other).messages().filter({ hasText: 'Alice before logout' }).waitFor(WAIT);

      // Alice logs out in the second tab. The shop's login is gone for the whole browser, so the
      // first tab must not go on showing her conversation or sending as her (shared computers).
      await other.evaluate(() => (document.querySelector('threadline-chat') as any).client.reset());
      const newcomer = await other.evaluate(() => localStorage.getItem('threadline.anonymous_id'));
      await poll(() => widget(alice).messages().filter({ hasText: 'Alice before logout' }).count()).toBe(0);
      await poll(() =>
        alice.evaluate(
          () => (document.querySelector('threadline-chat') as any).client.getState().customer?.identified,
        ),
      ).toBe(false);
      // Both tabs are the same newcomer now: one device, one anonymous id.
      await expect(alice.evaluate(() => localStorage.getItem('threadline.anonymous_id'))).resolves.toBe(
        newcomer,
      );

      // Alice gets a phone message: no tab shows it.
      await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { externalId: 'tabs-alice' },
        text: 'Alice private: your parcel is at the door',
      });

      // The newcomer's own live events (from another session of the same device) reach both tabs.
      const second = await api.sessionFor('web', { anonymousId: newcomer });
      await api.call('POST', '/v1/messages', second, {
        clientMessageId: 'newcomer-0001',
        text: 'newcomer live',
      });
      for (const page of [alice, other]) {
        await widget(page).messages().filter({ hasText: 'newcomer live' }).waitFor(WAIT);
        await expect(widget(page).messages().filter({ hasText: 'Alice' }).count()).resolves.toBe(0);
      }
    } finally {
      await context.close();
    }
  });
});
