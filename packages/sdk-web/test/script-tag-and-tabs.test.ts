import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi, widget } from './harness';

const WAIT = { timeout: 15_000 };

describe('dist/widget.js and tabs, in Chromium, against the real API', () => {
  let api: DemoApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('works from one script tag on a plain page of another origin, no build step', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    let plain: Server | undefined;
    try {
      const page = await context.newPage();
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>plain</title></head><body>
        <h1>A plain page</h1>
        <script src="${api.info.apiUrl}/sdk/widget.js" data-app-key="${api.keys.publishableKey}" data-api-url="${api.info.apiUrl}"></script>
      </body></html>`;
      // A page on another origin than the API, served by a bare HTTP server: no bundler, no npm.
      plain = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      });
      await new Promise<void>((resolve) => plain!.listen(0, '127.0.0.1', resolve));
      await page.goto(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/plain.html`);
      await expect(page.evaluate(() => typeof (window as any).Threadline?.init)).resolves.toBe('function');
      await expect(page.evaluate(() => typeof (window as any).Threadline?.client?.send)).resolves.toBe(
        'function',
      );
      const chat = widget(page);
      await expect(chat.part('launcher').getAttribute('aria-label')).resolves.toBe('Open chat');
      await chat.open();
      await chat.part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
      await chat.send('Hello from a plain page');
      const sent = chat.messages('customer').filter({ hasText: 'Hello from a plain page' });
      await sent.waitFor(WAIT);
      await expect(chat.part('escalate').textContent()).resolves.toBe('Talk to a human');

      const anonymousId = await page.evaluate(() => localStorage.getItem('threadline.anonymous_id'));
      expect(anonymousId).toMatch(/^[\w-]{22}$/);
      const session = await api.sessionFor('web', { anonymousId });
      const customerSaid = (await api.timeline(session)).filter((m) => m.author.type === 'customer');
      expect(customerSaid.map((m) => m.text)).toEqual(['Hello from a plain page']);
    } finally {
      await context.close();
      plain?.closeAllConnections();
      await new Promise((resolve) => (plain ? plain.close(resolve) : resolve(undefined)));
    }
  });

  it('shares one event stream between the tabs of a browser, and every tab sees new messages', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    try {
      let streams = 0;
      context.on('request', (request) => {
        if (new URL(request.url()).pathname === '/v1/stream') streams++;
      });
      const [first, second] = [await context.newPage(), await context.newPage()];
      for (const page of [first, second]) {
        await page.goto(api.info.shopUrl);
        await page.locator('body[data-ready=true]').waitFor(WAIT);
        await widget(page).open();
        await widget(page).part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
      }
      await widget(first).send('第一个标签页发的');
      for (const page of [first, second]) {
        await widget(page).messages('customer').filter({ hasText: '第一个标签页发的' }).waitFor(WAIT);
      }
      await widget(second).send('第二个标签页发的');
      for (const page of [first, second]) {
        await widget(page).messages('customer').filter({ hasText: '第二个标签页发的' }).waitFor(WAIT);
        await expect(widget(page).messages('customer').count()).resolves.toBe(2);
      }
      expect(streams).toBe(1);

      // The streaming tab goes away: the other takes the stream over and still hears everything.
      await first.close();
      await expect.poll(() => streams, { timeout: 15_000 }).toBe(2);
      await widget(second).send('接手之后');
      await widget(second).messages('customer').filter({ hasText: '接手之后' }).waitFor(WAIT);
      const anonymousId = await second.evaluate(() => localStorage.getItem('threadline.anonymous_id'));
      const session = await api.sessionFor('web', { anonymousId });
      const customerSaid = (await api.timeline(session)).filter((m) => m.author.type === 'customer');
      expect(customerSaid.map((m) => m.text)).toEqual(['第一个标签页发的', '第二个标签页发的', '接手之后']);
    } finally {
      await context.close();
    }
  });

  it('a tab that goes offline, queues a message and closes leaves it to the other tab, which sends it exactly once', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    try {
      const delivered: string[] = [];
      context.on('requestfinished', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/messages')
          delivered.push(JSON.parse(request.postData() ?? '{}').text);
      });
      const [tabA, tabB] = [await context.newPage(), await context.newPage()];
      for (const page of [tabA, tabB]) {
        await page.goto(api.info.shopUrl);
        await page.locator('body[data-ready=true]').waitFor(WAIT);
        await widget(page).open();
        await widget(page).part('status').and(page.locator('[data-connection=online]')).waitFor(WAIT);
      }

      // Only tab A loses the API (the browser-wide offline switch would take tab B too).
      await tabA.route('**/v1/**', (route) => route.abort('internetdisconnected'));
      await widget(tabA).send('A标签页离线时发的');
      await tabA.locator('threadline-chat [data-part=message][data-pending]').waitFor(WAIT);
      // Persisted where every tab can see it, not in tab A's sessionStorage.
      await expect
        .poll(() => tabB.evaluate(() => localStorage.getItem('threadline.send_queue') ?? ''), WAIT)
        .toContain('A标签页离线时发的');
      await widget(tabA).part('status').and(tabA.locator('[data-connection=offline]')).waitFor(WAIT);
      await tabA.close();

      // Tab B's next flush (here: its own message) starts from the shared queue.
      await widget(tabB).send('B标签页发的');
      for (const text of ['A标签页离线时发的', 'B标签页发的'])
        await widget(tabB).messages('customer').filter({ hasText: text }).waitFor(WAIT);
      await expect
        .poll(() => tabB.evaluate(() => localStorage.getItem('threadline.send_queue')), WAIT)
        .toBeNull();

      expect(delivered.filter((text) => text === 'A标签页离线时发的')).toHaveLength(1);
      const anonymousId = await tabB.evaluate(() => localStorage.getItem('threadline.anonymous_id'));
      const session = await api.sessionFor('web', { anonymousId });
      const customerSaid = (await api.timeline(session)).filter((m) => m.author.type === 'customer');
      expect(customerSaid.map((m) => m.text)).toEqual(['A标签页离线时发的', 'B标签页发的']);
    } finally {
      await context.close();
    }
  });
});
