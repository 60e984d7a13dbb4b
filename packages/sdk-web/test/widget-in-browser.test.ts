import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi, widget } from './harness';

const WAIT = { timeout: 15_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe('the demo shop with <threadline-chat>, in Chromium, against the real API', () => {
  let api: DemoApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const openShop = async () => {
    await page.goto(api.info.shopUrl);
    await page.locator('body[data-ready=true]').waitFor(WAIT);
  };

  it('learns its keys at run time, shows the catalogue and tracks add to cart', async () => {
    await openShop();
    await expect(page.locator('.card').count()).resolves.toBe(17);
    await expect(page.evaluate(() => fetch('config.json').then((r) => r.json()))).resolves.toEqual({
      publishableKey: api.keys.publishableKey,
      apiUrl: api.info.apiUrl,
    });
    const tracked = page.waitForResponse((r) => r.url().endsWith('/v1/track'));
    await page.locator('[data-product-id=p-hyaluronic-cream] [data-action=add-to-cart]').click();
    expect((await tracked).status()).toBe(202);
    await expect(page.locator('#cart-count').textContent()).resolves.toBe('1');
  });

  it('answers a question in the widget, and shows the history after a reload', async () => {
    await openShop();
    const chat = widget(page);
    await expect(chat.part('launcher').getAttribute('aria-expanded')).resolves.toBe('false');
    await chat.open();
    await expect(
      chat.part('input').evaluate((el) => el === document.activeElement?.shadowRoot?.activeElement),
    ).resolves.toBe(true);
    await chat.send('这款面霜保质期多久');
    const question = chat.messages('customer').filter({ hasText: '这款面霜保质期多久' });
    await question.waitFor(WAIT);
    await expect(question.getAttribute('data-channel')).resolves.toBe('web');
    // The bot's answer (from the AI engine, through the API) shows under the question.
    await chat.messages('bot').first().waitFor(WAIT);
    await expect(chat.messages('bot').first().textContent()).resolves.toMatch(/保质期|开封|月|年/);

    await page.reload();
    await page.locator('body[data-ready=true]').waitFor(WAIT);
    await chat.open();
    await question.waitFor(WAIT);
    await expect(question.count()).resolves.toBe(1);
    await expect(chat.messages('bot').count()).resolves.toBeGreaterThan(0);

    // Escape closes and gives focus back to the launcher.
    await page.keyboard.press('Escape');
    await poll(() => chat.part('panel').isVisible()).toBe(false);
  });

  it("shows the bot's clarifying options as chips; a tap sends the option and the answer follows", async () => {
    const fresh = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 800 } });
    const shopper = await fresh.newPage();
    try {
      await shopper.goto(api.info.shopUrl);
      await shopper.locator('body[data-ready=true]').waitFor(WAIT);
      const chat = widget(shopper);
      await chat.open();
      // A product and no question about it: the bot asks what the shopper wants to know. (A question
      // the catalogue cannot answer, such as a colour it does not list, gets an honest "not listed"
      // with a person offered instead; ai-product-facts.test.ts covers that.)
      await chat.send('口红怎么样');
      const chips = shopper.locator('threadline-chat [data-part=quick-reply]');
      await poll(() => chips.count()).toBe(3);
      const first = (await chips.first().textContent()) ?? '';
      expect(first).toMatch(/口红/);
      await chips.first().click();
      await chat.messages('customer').filter({ hasText: first }).waitFor(WAIT);
      await poll(() => chat.messages('bot').count()).toBe(2);
      await expect(chat.messages('bot').nth(1).textContent()).resolves.toMatch(/丝绒雾面口红/);
      // Once the shopper has answered, the old options are gone.
      await poll(() => chips.count()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('after logging in, shows the history from app and phone marked with their channels, and phone messages live', async () => {
    const token = await api.identityToken('demo-user-1');
    const app = await api.sessionFor('app', {
      anonymousId: 'app-install-0000000000000001',
      identityToken: token,
    });
    expect(
      (
        await api.call('POST', '/v1/messages', app, {
          clientMessageId: 'app-msg-0001',
          text: '在App里问过：有小样吗',
        })
      ).status,
    ).toBe(201);
    const phone = await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
      from: { externalId: 'demo-user-1' },
      text: '电话里说：想查一下订单',
    });
    expect(phone.status).toBe(201);

    await openShop();
    const chat = widget(page);
    await chat.open();
    await page.locator('#login').click();
    await page.locator('#user').filter({ hasText: '林小姐' }).waitFor(WAIT);

    const fromApp = chat.messages().filter({ hasText: '在App里问过：有小样吗' });
    const fromPhone = chat.messages().filter({ hasText: '电话里说：想查一下订单' });
    await fromApp.waitFor(WAIT);
    await fromPhone.waitFor(WAIT);
    await expect(fromApp.getAttribute('data-channel')).resolves.toBe('app');
    await expect(fromPhone.getAttribute('data-channel')).resolves.toBe('phone');
    await expect(fromApp.locator('[data-part=via]').textContent()).resolves.toBe('来自App');
    await expect(fromPhone.locator('[data-part=via]').textContent()).resolves.toBe('来自电话');
    // The anonymous question from before the login merged into the same history.
    await expect(chat.messages('customer').filter({ hasText: '这款面霜保质期多久' }).count()).resolves.toBe(
      1,
    );

    // A phone message now appears in the open widget without a reload.
    const live = await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
      from: { externalId: 'demo-user-1' },
      text: '电话又打来了：面霜到了吗',
    });
    expect(live.status).toBe(201);
    const arrived = chat.messages().filter({ hasText: '电话又打来了：面霜到了吗' });
    await arrived.waitFor(WAIT);
    await expect(arrived.getAttribute('data-channel')).resolves.toBe('phone');
  });

  it('sends two messages typed while offline once each, in order, when the network is back', async () => {
    await openShop();
    const chat = widget(page);
    await chat.open();
    await chat.part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);

    await context.setOffline(true);
    await chat.send('离线第一条');
    await chat.send('离线第二条');
    await page.locator('threadline-chat [data-part=message][data-pending]').nth(1).waitFor(WAIT);
    await chat.part('status').and(page.locator('[data-connection=offline]')).waitFor(WAIT);

    await context.setOffline(false);
    await chat.messages('customer').filter({ hasText: '离线第二条' }).waitFor(WAIT);
    await chat.part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
    await poll(() => page.locator('threadline-chat [data-part=message][data-pending]').count()).toBe(0);
    const shown = await chat.messages('customer').allTextContents();
    const order = shown.filter((text) => text.includes('离线'));
    expect(order).toHaveLength(2);
    expect(order[0]).toContain('离线第一条');
    expect(order[1]).toContain('离线第二条');

    // The API has each exactly once, in order.
    const session = await api.sessionFor('app', { identityToken: await api.identityToken('demo-user-1') });
    const texts = (await api.timeline(session)).map((m) => m.text).filter((t) => t.startsWith('离线'));
    expect(texts).toEqual(['离线第一条', '离线第二条']);
  });

  it('"talk to a human" changes the status; "continue on phone" shows a short code and a QR code', async () => {
    // A new shopper, whose conversation the bot holds.
    await context.close();
    context = await browser.newContext({ locale: 'zh-CN' });
    page = await context.newPage();
    await openShop();
    const chat = widget(page);
    await chat.open();
    await chat.send('这款面霜保质期多久');
    await chat.part('status').and(page.locator('[data-conversation=bot]')).waitFor(WAIT);
    await expect(chat.part('status').textContent()).resolves.toBe('智能助手为您服务');
    await chat.part('escalate').click();
    await chat.part('status').and(page.locator('[data-conversation=queued]')).waitFor(WAIT);
    await expect(chat.part('status').textContent()).resolves.toBe('正在为您转接人工客服');

    await chat.part('handoff').click();
    await chat.part('qr').locator('svg path').waitFor(WAIT);
    await expect(chat.part('qr').locator('svg path').count()).resolves.toBe(1);
    const link = (await chat.part('qr').getAttribute('data-link')) ?? '';
    expect(new URL(link).searchParams.get('handoff')).toMatch(/.{16,}/);
    // The app continues from the QR code; six digits are for reading out on the phone.
    await expect(chat.part('short-code').isVisible()).resolves.toBe(false);
    await chat.part('handoff-target').filter({ hasText: '电话' }).click();
    await chat.part('short-code').and(page.locator(':visible')).waitFor(WAIT);
    await expect(chat.part('short-code').textContent()).resolves.toMatch(/^\d{6}$/);
    await chat.part('back').click();
    await poll(() => chat.part('log').isVisible()).toBe(true);
  });

  it('labels a ticket whose type the merchant named like an Object.prototype member without a function', async () => {
    // The merchant's own ticket type (an intent's ticketType); none may find a built-in's source.
    const { body } = await api.call<{ intent: Record<string, unknown> }>(
      'GET',
      '/v1/kb/intents/exchange_size',
      api.keys.secretKey,
    );
    const { createdAt: _c, updatedAt: _u, ...intent } = body.intent;
    const renamed = await api.call('POST', '/v1/kb/intents', api.keys.secretKey, {
      ...intent,
      ticketType: 'constructor',
    });
    expect(renamed.status).toBe(201);
    await context.close();
    context = await browser.newContext({ locale: 'zh-CN' });
    page = await context.newPage();
    await openShop();
    const chat = widget(page);
    await chat.open();
    await chat.send('订单 LY20240601123 裤子小了想换大一码');
    const card = chat.part('ticket').first();
    await card.waitFor(WAIT);
    const text = (await card.textContent()) ?? '';
    // A type the widget has no words for gets the general label, never a built-in's source.
    expect(text).toContain('售后申请');
    expect(text).not.toMatch(/function|native code/);
  });
});
