import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMessages } from '../../api/src/conversations';
import { type DemoApi, launchChromium, repoRoot, startDemoApi, widget } from './harness';

/**
 * Link cards in <threadline-chat>, in Chromium, against the real API: a follow-up rule sends a
 * care card to the web widget after an agent resolves a conversation about care; it shows live
 * as a card linking out safely. Cards whose links are not https (stored before validation, or
 * forged) never become links, and their texts are shown as text.
 */

const WAIT = { timeout: 20_000 };
const SHOTS = join(repoRoot, 'docs/screenshots');
const CARE_CARD = {
  title: '真皮托特包保养指南',
  description: '防水、除尘、定期上油，3 分钟学会。',
  imageUrl: 'https://images.example/tote.jpg',
  targetUrl: 'https://shop.example/care/leather-tote?from=threadline',
};

describe('link cards in the widget', () => {
  let api: DemoApi;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
    mkdirSync(SHOTS, { recursive: true });
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 860 } });
    // The card's image host is not reachable from the test: answer it with a small picture.
    await context.route('https://images.example/**', (route) =>
      route.fulfill({
        contentType: 'image/svg+xml',
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" fill="#8d6e63"/><rect x="110" y="50" width="100" height="80" rx="10" fill="#d7ccc8"/><path d="M130 50 q30 -40 60 0" stroke="#d7ccc8" stroke-width="8" fill="none"/></svg>',
      }),
    );
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a follow-up card live, linking out in a new tab without opener or referrer', async () => {
    const sk = api.keys.secretKey;
    // Whatever the hour of the run: no quiet hours; room for this test's three cards.
    expect(
      (await api.call('PATCH', '/v1/follow-up-settings', sk, { quietHours: null, weeklyCap: 10 })).status,
    ).toBe(200);
    const rule = await api.call('POST', '/v1/follow-up-rules', sk, {
      name: 'Care card on the web',
      when: { intent: 'care_instructions' },
      delaySeconds: 0,
      send: {
        channel: 'web',
        content: { kind: 'card', card: CARE_CARD, text: '您刚咨询的托特包保养，我们整理了一份指南：' },
      },
    });
    expect(rule.status).toBe(201);

    await page.goto(api.info.shopUrl);
    await page.locator('body[data-ready=true]').waitFor(WAIT);
    const chat = widget(page);
    await chat.open();
    await chat.send('我买的那个真皮托特包平时要怎么保养啊');
    await chat.messages('bot').first().waitFor(WAIT);

    // An agent closes the matter: the follow-up (delay 0) goes out at once, live to the widget.
    const [open] = (
      await api.server.database.client.execute(
        "select id from conversations where status <> 'resolved' order by created_at desc limit 1",
      )
    ).rows as unknown as { id: string }[];
    const resolved = await api.call(
      'POST',
      `/v1/agent/conversations/${open!.id}/resolve`,
      api.keys.agentToken,
    );
    expect(resolved.status).toBe(200);

    const card = chat.part('card');
    await card.waitFor(WAIT);
    // The link is the card's click-through on the API (the open is counted); it lands on the target.
    const href = await card.getAttribute('href');
    expect(href?.startsWith(`${api.server.url}/r/msg_`), String(href)).toBe(true);
    await expect(card.getAttribute('target')).resolves.toBe('_blank');
    await expect(card.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(card.locator('b').textContent()).resolves.toBe(CARE_CARD.title);
    await expect(card.locator('span').textContent()).resolves.toBe(CARE_CARD.description);
    await expect(card.locator('img').getAttribute('src')).resolves.toBe(CARE_CARD.imageUrl);
    await expect
      .poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    const bubble = page.locator('threadline-chat [data-part=message][data-card]');
    await expect(bubble.getAttribute('data-author')).resolves.toBe('system');
    await expect(bubble.locator('.t').textContent()).resolves.toBe(
      '您刚咨询的托特包保养，我们整理了一份指南：',
    );
    await page.screenshot({ path: join(SHOTS, 'widget-card.png') });

    // A tap opens a new tab through the redirect, which lands on the card's target; counted once.
    await page
      .context()
      .route('https://shop.example/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<title>保养指南</title><h1>保养指南</h1>' }),
      );
    const [tab] = await Promise.all([page.waitForEvent('popup'), card.click()]);
    await tab.waitForURL(CARE_CARD.targetUrl, WAIT);
    await tab.close();
    const opens = async () =>
      (await api.server.database.client.execute('select opens, follow_up_id from card_opens')).rows;
    await expect.poll(async () => (await opens()).length, WAIT).toBe(1);
    expect(Number((await opens())[0]!.opens)).toBe(1);
    expect(String((await opens())[0]!.follow_up_id)).toMatch(/^fup_/);

    // The follow-up is on the timeline: after a reload the card is still there, once.
    await page.reload();
    await page.locator('body[data-ready=true]').waitFor(WAIT);
    await chat.open();
    await card.waitFor(WAIT);
    await expect(chat.part('card').count()).resolves.toBe(1);
  });

  it('never turns a card with an unsafe link into a link, and shows its texts as text', async () => {
    const { database, app } = api.server;
    const [row] = (
      await database.client.execute(
        'select customer_id, conversation_id, app_id from follow_ups order by created_at desc limit 1',
      )
    ).rows as unknown as { customer_id: string; conversation_id: string; app_id: string }[];
    const hostile = [
      { title: '<img src=x onerror="window.pwned=1">优惠', targetUrl: 'javascript:window.pwned=2' },
      {
        title: '<b>限时</b> & "折扣"',
        description: '<script>window.pwned=3</script>',
        targetUrl: 'https://shop.example/sale',
        imageUrl: 'javascript:window.pwned=4',
      },
    ];
    // Stored straight into the timeline, as a message written before cards were validated (or by
    // hand) would be: the API reads it back as it is, and the widget must still render it safely.
    await database.write(async (db, onCommit) => {
      for (const [i, card] of hostile.entries())
        await insertMessages(app.deps, db, onCommit, [
          {
            id: `msg_hostile_${i}_${randomUUID()}`,
            appId: row!.app_id,
            customerId: row!.customer_id,
            conversationId: row!.conversation_id,
            channel: 'web',
            authorType: 'system',
            authorId: null,
            authorName: null,
            text: card.title,
            clientMessageId: null,
            inReplyTo: null,
            intent: null,
            meta: { card },
            createdAt: Date.now() + i,
          },
        ]);
    });
    await page.reload();
    await page.locator('body[data-ready=true]').waitFor(WAIT);
    const chat = widget(page);
    await chat.open();
    const system = chat.messages('system');
    await expect.poll(() => system.count(), { timeout: 20_000 }).toBe(3);
    const cards = chat.part('card');
    await expect(cards.count()).resolves.toBe(2);
    const hrefs = await cards.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    // Both safe cards link through the API's click-through (stored cards get one, see insertMessages).
    expect(hrefs.map((h) => h?.replace(/\/r\/[^/]+$/, '/r/…'))).toEqual([
      `${api.server.url}/r/…`,
      `${api.server.url}/r/…`,
    ]);
    // The javascript: card is a plain notice with its title as literal text.
    await expect(system.filter({ hasText: 'onerror' }).locator('.t').textContent()).resolves.toBe(
      hostile[0]!.title,
    );
    const sale = cards.nth(1);
    await expect(sale.locator('b').textContent()).resolves.toBe('<b>限时</b> & "折扣"');
    await expect(sale.locator('span').textContent()).resolves.toBe('<script>window.pwned=3</script>');
    await expect(sale.locator('img').count()).resolves.toBe(0);
    await expect(
      page.evaluate(() => (window as unknown as { pwned?: number }).pwned),
    ).resolves.toBeUndefined();
    await expect(
      page.locator('threadline-chat [href^="javascript" i], threadline-chat [src^="javascript" i]').count(),
    ).resolves.toBe(0);
    await page.locator('threadline-chat [data-part=log]').evaluate((log) => {
      log.scrollTop = log.scrollHeight;
    });
    await page.screenshot({ path: join(SHOTS, 'widget-card-unsafe.png') });
  });
});
