import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi, widget } from '../../sdk-web/test/harness';

const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
/** Runs axe-core (already evaluated into the page) over the whole document: its violations. */
const AXE_RUN = 'axe.run(document).then((r) => r.violations)';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Collects CSP violations the page reports, so a test can assert the console's bundle satisfies its CSP. */
const CSP_WATCH = `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page (evaluated over CDP, so the console's CSP need not allow it). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(AXE_RUN)) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the agent console at /console, in Chromium, against the real API', () => {
  let api: DemoApi;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  async function newPage(locale = 'zh-CN') {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(CSP_WATCH);
    return page;
  }

  /** Signs in to the console as an agent: by token in the link, or with email and password. */
  async function openConsole(as: { token: string } | { email: string; password: string }, locale = 'zh-CN') {
    const page = await newPage(locale);
    if ('token' in as) await page.goto(`${api.info.consoleUrl}/#token=${as.token}`);
    else {
      await page.goto(`${api.info.consoleUrl}/?app=${api.info.appId}`);
      await page.locator('input[name=email]').fill(as.email);
      await page.locator('input[name=password]').fill(as.password);
      await page.locator('button[type=submit]').click();
    }
    await page.locator('header.top output', { hasText: /实时|Live/ }).waitFor(WAIT);
    return page;
  }
  const row = (page: Page, text: string) => page.locator('[role=option]', { hasText: text });
  const wangmin = () => api.info.agents.find((a) => a.email)!;

  it('a shopper goes from the shop widget to the phone and asks for a person; the agent sees it live, answers in the widget, hands back to the bot', async () => {
    // The agent signs in first (password sign-in) and watches the queue.
    const agent = await openConsole({ email: wangmin().email!, password: wangmin().password! });
    await agent.locator('[data-view=queued]').click();
    expect(await agent.locator('[data-presence=offline][aria-pressed=true]').count()).toBe(1);

    // The shopper logs in on the demo shop, adds a product to the cart and asks the bot something.
    const shopper = await newPage();
    await shopper.goto(api.info.shopUrl);
    await shopper.locator('body[data-ready=true]').waitFor(WAIT);
    await shopper.locator('#login').click();
    await shopper.locator('#user:not([hidden])').waitFor(WAIT);
    const tracked = shopper.waitForResponse((r) => r.url().endsWith('/v1/track'));
    await shopper.locator('[data-product-id=p-hyaluronic-cream] [data-action=add-to-cart]').click();
    expect((await tracked).status()).toBe(202);
    const chat = widget(shopper);
    await chat.open();
    await chat.send('这款面霜保质期多久？');
    await poll(() => chat.messages('bot').count()).toBeGreaterThan(0);

    // The conversation continues on the phone (the telephony backend posts with the secret key)…
    const phone = (text: string) =>
      api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { externalId: 'demo-user-1' },
        text,
      });
    expect((await phone('我在电话里再问一下，面霜适合干皮吗')).status).toBe(201);
    // …where the shopper asks for a person.
    const escalated = await phone('转人工');
    expect(escalated.body.conversation.status).toBe('queued');

    // The row pops into the open console without a reload, with both channels marked.
    const pending = row(agent, '林小姐');
    await pending.waitFor(WAIT);
    await poll(() =>
      pending.locator('[data-channel]').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel'))),
    ).toEqual(expect.arrayContaining(['web', 'phone']));
    await poll(() => agent.locator('[data-view=queued] [data-part=unread]').count()).toBe(1);
    expect(await pending.locator('[data-part=sla]').count()).toBe(1);

    // Opening it shows the handoff summary and the profile with the cart the shop filled.
    await pending.click();
    await agent.locator('[data-part=summary]').waitFor(WAIT);
    await expect(agent.locator('[data-part=summary]').textContent()).resolves.toContain('电话');
    await poll(() => agent.locator('[data-part=profile] [data-part=cart] li').allTextContents()).toEqual([
      expect.stringContaining('玻尿酸'),
    ]);
    // The whole cross-channel timeline, each message with its channel.
    const channels = await agent
      .locator('.timeline [data-part=message]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')));
    // (The demo user also asked on the phone and in the app before today: npm start seeds that.)
    expect(channels).toEqual(expect.arrayContaining(['web', 'phone']));
    expect(channels.every(Boolean)).toBe(true);

    // The agent replies (Enter sends); the reply appears live in the shopper's widget.
    await agent
      .locator('[data-part=reply]')
      .fill('林小姐您好，我是王敏，这款面霜干皮可以用，我来帮您看看订单。');
    await agent.locator('[data-part=reply]').press('Enter');
    await poll(() => chat.messages('agent').allTextContents()).toEqual([expect.stringContaining('我是王敏')]);
    await agent.locator('[data-part=status]', { hasText: '接待中' }).waitFor(WAIT);

    // Released to the bot: the bot answers the shopper's next question again.
    await agent.locator('[data-action=release]').click();
    await agent.locator('[data-part=status]', { hasText: '机器人' }).waitFor(WAIT);
    const botBefore = await chat.messages('bot').count();
    await chat.send('退货运费谁出？');
    await poll(() => chat.messages('bot').count()).toBeGreaterThan(botBefore);

    // A matter the bot turns into a ticket: the agent sees it in the profile and moves it on; the
    // shopper's widget shows the new status live.
    await chat.send('衣服尺码不合适，订单 LY20240601007 想换大一码');
    const card = shopper.locator('threadline-chat [data-part=ticket]');
    await card.waitFor(WAIT);
    const ticketRow = agent.locator('[data-part=profile] [data-part=tickets] li[data-ticket-id]');
    await ticketRow.first().waitFor(WAIT);
    await ticketRow.first().locator('select').selectOption('in_progress');
    await poll(() => card.getAttribute('data-status')).toBe('in_progress');
    await expect(card.textContent()).resolves.toContain('处理中');

    for (const page of [agent, shopper]) expect(await page.evaluate('window.__csp')).toEqual([]);
  });

  it('a supervisor reassigns a conversation from one agent to another; both agents’ consoles update live', async () => {
    const created = await api.call('POST', '/v1/agents', api.keys.secretKey, {
      name: '李雷',
      skills: ['aftersales', 'fashion', 'beauty'],
      capacity: 3,
    });
    expect(created.status).toBe(201);
    const lilei = await api.call(
      'POST',
      `/v1/agents/${created.body.agent.id}/tokens`,
      api.keys.secretKey,
      {},
    );
    const [supervisor, first, second] = await Promise.all([
      openConsole({ token: api.info.agentToken }),
      openConsole({ email: wangmin().email!, password: wangmin().password! }),
      openConsole({ token: lilei.body.token }),
    ]);
    // The supervisor watches the team while 王敏 and 李雷 go online: presence follows live.
    await supervisor.locator('[data-action=supervisor]').click();
    const wangminRow = supervisor.locator(`[data-part=agents] tr[data-agent-id="${wangmin().id}"]`);
    await wangminRow.waitFor(WAIT);
    await first.locator('[data-presence=online]').click();
    await poll(() => wangminRow.locator('.presence-pill').textContent()).toBe('在线');
    await first.locator('[data-presence=online][aria-pressed=true]').waitFor(WAIT);
    await second.locator('[data-presence=online]').click();
    await second.locator('[data-presence=online][aria-pressed=true]').waitFor(WAIT);
    await first.locator('[data-view=mine]').click();
    await second.locator('[data-view=mine]').click();
    await api.call('POST', '/v1/channels/douyin_live/messages', api.keys.secretKey, {
      from: { identity: { kind: 'douyin', value: 'dy_transfer_1' } },
      text: '我要退货，转人工',
    });
    const inbox = await api.call('GET', '/v1/agent/inbox?view=open', api.info.agentToken);
    const conversation = inbox.body.conversations.find(
      (c: { channel: string }) => c.channel === 'douyin_live',
    );
    expect(conversation).toBeTruthy();
    // Whoever routing picked, the supervisor moves it to the other one.
    const [from, to, toName] =
      conversation.assignedAgent?.name === '王敏' ? [first, second, '李雷'] : [second, first, '王敏'];
    expect(conversation.status).toBe('assigned');
    await from.locator(`[role=option][data-conversation-id="${conversation.id}"]`).waitFor(WAIT);

    const line = supervisor.locator(`[data-part=waits] tr[data-conversation-id="${conversation.id}"]`);
    await line.waitFor(WAIT);
    const targetId = (await api.call('GET', '/v1/agents', api.keys.secretKey)).body.agents.find(
      (a: { name: string }) => a.name === toName,
    ).id;
    await line.locator('[data-part=reassign]').selectOption(targetId);

    // Both consoles follow: gone from the first agent's "mine", arrived in the second's.
    await to.locator(`[role=option][data-conversation-id="${conversation.id}"]`).waitFor(WAIT);
    await poll(() => from.locator(`[role=option][data-conversation-id="${conversation.id}"]`).count()).toBe(
      0,
    );
    await poll(() => line.locator('[data-part=owner]').textContent()).toBe(toName);
    // The team table follows the loads (read again after the queue moved).
    await poll(() =>
      supervisor.locator(`[data-part=agents] tr[data-agent-id="${targetId}"] [data-part=load]`).textContent(),
    ).toMatch(/^[1-9]/);
    await to.locator(`[role=option][data-conversation-id="${conversation.id}"]`).click();
    await to.locator('[data-part=status]', { hasText: '接待中' }).waitFor(WAIT);
  });

  it('new work alerts the agent: unread badge and title, a chime, a desktop notification while the tab is hidden; keyboard shortcuts work', async () => {
    const page = await newPage();
    // Stand-ins for the two browser surfaces headless Chromium cannot show: a notification centre
    // and a sound card. They record what the console asked of them.
    await page.addInitScript(`
      window.__notes = []; window.__tones = 0;
      window.Notification = class { constructor(title, options) { window.__notes.push({ title, body: options?.body }); } static permission = 'granted'; static requestPermission() { return Promise.resolve('granted'); } };
      window.AudioContext = class { currentTime = 0; destination = {}; createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x) => x }; } createOscillator() { window.__tones++; return { frequency: {}, connect: (x) => x, start() {}, stop() {} }; } };
      Object.defineProperty(document, 'hidden', { get: () => window.__hidden === true });
    `);
    await page.goto(`${api.info.consoleUrl}/#token=${api.info.agentToken}`);
    await page.locator('header.top output', { hasText: '实时' }).waitFor(WAIT);
    await page.locator('header.top label', { hasText: '提示音' }).locator('input').check();
    await page.locator('header.top label', { hasText: '桌面通知' }).locator('input').check();
    const tonesBefore = Number(await page.evaluate('window.__tones'));
    expect(tonesBefore).toBeGreaterThan(0); // turning the sound on plays it once
    await page.evaluate('window.__hidden = true');

    for (const text of ['快递三天没动了', '转人工'])
      await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { externalId: 'alert-caller' },
        text,
      });
    await poll(() => page.evaluate('window.__notes.length')).toBe(1);
    expect(await page.evaluate('window.__notes[0].title')).toBe('有新会话等待接待');
    expect(Number(await page.evaluate('window.__tones'))).toBeGreaterThan(tonesBefore);
    await poll(() => page.title()).toMatch(/^\(\d+\) /);

    // Keys: j opens the first conversation, r goes to the reply box, t opens transfer, Escape
    // closes it, c claims, e resolves.
    await page.evaluate('window.__hidden = false');
    // "All", newest first: whoever routing gave it to, the supervisor may act on it.
    await page.locator('[data-view=all]').click();
    await page.locator('[role=option]', { hasText: 'alert-caller' }).waitFor(WAIT);
    await page.locator('body').press('j');
    await page.locator('#conversation h1', { hasText: 'alert-caller' }).waitFor(WAIT);
    await page.locator('body').press('c');
    await page.locator('[data-part=status]', { hasText: '接待中' }).waitFor(WAIT);
    await page.locator('body').press('r');
    await poll(() => page.evaluate('document.activeElement?.id')).toBe('reply-box');
    await page.locator('#reply-box').press('Escape');
    await page.locator('#reply-box').evaluate((el) => (el as unknown as { blur(): void }).blur());
    await page.locator('body').press('t');
    await page.locator('dialog[data-part=transfer][open]').waitFor(WAIT);
    await page.keyboard.press('Escape');
    await poll(() => page.locator('dialog[data-part=transfer]').count()).toBe(0);
    await page.locator('body').press('e');
    await page.locator('[data-part=status]', { hasText: '已解决' }).waitFor(WAIT);
  });

  it('finds a conversation by order id, labels it, snoozes it out of "mine", and texts a handoff code to the phone on file', async () => {
    await api.call('POST', '/v1/orders', api.keys.secretKey, {
      customer: { externalId: 'search-buyer' },
      orders: [
        { id: 'LY-SEARCH-42', status: 'paid', items: [{ name: '真丝睡衣', quantity: 1 }], amount: 399 },
      ],
    });
    await api.call('POST', '/v1/customers', api.keys.secretKey, {
      customer: { externalId: 'search-buyer' },
      name: '周女士',
      phone: '13500135000',
    });
    for (const text of ['睡衣什么时候发货', '转人工'])
      await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { externalId: 'search-buyer' },
        text,
      });
    const page = await openConsole({ token: api.info.agentToken });
    await page.locator('body').press('/');
    await page.locator('#search').fill('LY-SEARCH-42');
    await page.locator('#search').press('Enter');
    const hit = page.locator('[role=option]', { hasText: '周女士' });
    await hit.waitFor(WAIT);
    await expect(page.locator('[role=option]').count()).resolves.toBe(1);
    await hit.click();
    await page.locator('[data-action=claim]').click();
    await page.locator('[data-part=status]', { hasText: '接待中' }).waitFor(WAIT);

    await page.locator('.label-input').fill('发货');
    await page.locator('.label-input').press('Enter');
    await hit.locator('.label', { hasText: '发货' }).waitFor(WAIT);

    // The handoff code goes out as a text to the phone on file, masked in the console.
    await page.locator('[data-action=handoff]').click();
    await page.locator('.toast', { hasText: '135****5000' }).waitFor(WAIT);

    // Snoozed: gone from "mine", listed under "snoozed".
    await page.locator('button', { hasText: '清除搜索' }).click();
    await page.locator('[data-view=mine]').click();
    const mine = page.locator('[role=option]', { hasText: '周女士' });
    await mine.waitFor(WAIT);
    await mine.click();
    await page.locator('.snooze select').selectOption('1');
    await poll(() => mine.count()).toBe(0);
    await page.locator('[data-view=snoozed]').click();
    await page.locator('[role=option]', { hasText: '周女士' }).waitFor(WAIT);
  });

  it('axe-core finds no serious or critical violations on the inbox, a conversation and the supervisor view; the shop page is clean too', async () => {
    // Something in the inbox whatever ran before: a caller who asks for a person.
    for (const text of ['订单 LY20240518001 到哪了', '转人工'])
      await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { externalId: 'axe-caller' },
        text,
      });
    const page = await openConsole({ token: api.info.agentToken });
    await page.locator('[data-view=all]').click();
    await page.locator('[role=option]').first().waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);

    await page.locator('[role=option]').first().click();
    await page.locator('[data-part=profile] h2').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);

    await page.locator('[data-action=supervisor]').click();
    await page.locator('[data-part=agents] tbody tr').first().waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate('window.__csp')).toEqual([]);

    // The English console at 1920×1080, and the sign-in page.
    const english = await newPage('en-US');
    await english.setViewportSize({ width: 1920, height: 1080 });
    await english.goto(`${api.info.consoleUrl}/`);
    await english.locator('input[name=email]').waitFor(WAIT);
    expect(await english.locator('h1').textContent()).toBe('Sign in to the agent console');
    expect(await seriousViolations(english)).toEqual([]);

    const shop = await newPage();
    await shop.goto(api.info.shopUrl);
    await shop.locator('body[data-ready=true]').waitFor(WAIT);
    await widget(shop).open();
    // Every impact here: the shop page had 7 nodes (contrast, duplicate banner landmarks).
    await shop.evaluate(axeSource);
    const all = (await shop.evaluate(AXE_RUN)) as AxeViolation[];
    expect(all.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
  });
});

describe('the shopper’s side of a handoff in the widget, with the console at the other end', () => {
  let api: DemoApi;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('says honestly that nobody is online, offers the bot back, shows the agent once one takes it, and asks for a rating the console shows', async () => {
    const shopContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 800 } });
    const shopper = await shopContext.newPage();
    await shopper.goto(api.info.shopUrl);
    await shopper.locator('body[data-ready=true]').waitFor(WAIT);
    const chat = widget(shopper);
    await chat.open();
    const subtitle = shopper.locator('threadline-chat .sub');
    const usual = await subtitle.textContent();

    // Nobody is online: the widget says so, the header stops promising quick answers.
    await chat.part('escalate').click();
    const wait = chat.part('wait');
    await wait.waitFor(WAIT);
    await expect(wait.getAttribute('data-agents-online')).resolves.toBe('0');
    await expect(wait.textContent()).resolves.toContain('目前没有客服在线');
    await poll(() => subtitle.textContent()).toContain('排队等待人工客服');

    // Back to the assistant: the bot answers again.
    await chat.part('back-to-bot').click();
    await poll(() => wait.isVisible()).toBe(false);
    await poll(() => subtitle.textContent()).toBe(usual);
    const bots = await chat.messages('bot').count();
    await chat.send('面霜保质期多久？');
    await poll(() => chat.messages('bot').count()).toBeGreaterThan(bots);

    // One agent is online but busy (capacity 1, a caller took the slot): the place in the queue.
    const xiaozhou = api.info.agents.find((a) => !a.email)!;
    await api.call('PATCH', `/v1/agents/${xiaozhou.id}`, api.keys.secretKey, { capacity: 1 });
    const agentContext = await browser.newContext({
      locale: 'zh-CN',
      viewport: { width: 1280, height: 800 },
    });
    const agent = await agentContext.newPage();
    await agent.goto(`${api.info.consoleUrl}/#token=${api.info.agentToken}`);
    await agent.locator('[data-presence=online]').click();
    await agent.locator('[data-presence=online][aria-pressed=true]').waitFor(WAIT);
    for (const text of ['我的快递到哪了', '转人工'])
      await api.call('POST', '/v1/channels/phone/messages', api.keys.secretKey, {
        from: { phone: '13700001111' },
        text,
      });
    await agent.locator('[data-view=mine]').click();
    await agent.locator('[role=option]').first().waitFor(WAIT);
    await chat.part('escalate').click();
    await poll(() => wait.getAttribute('data-agents-online')).toBe('1');
    await expect(wait.getAttribute('data-position')).resolves.toBe('1');
    await expect(wait.textContent()).resolves.toContain('下一位就轮到您');
    await expect(subtitle.textContent()).resolves.toContain('排队等待人工客服');

    // The agent resolves the call: routing hands the shopper to them, and the widget names them.
    await agent.locator('[role=option]').first().click();
    await agent.locator('[data-action=resolve]').click();
    await poll(() => subtitle.textContent()).toContain('人工客服正在为您服务');
    await poll(() => wait.isVisible()).toBe(false);
    await agent.locator('[data-view=mine]').click();
    await agent.locator('[role=option]').first().click();
    await agent.locator('[data-part=status]', { hasText: '接待中' }).waitFor(WAIT);

    // Resolved: the widget asks for 1–5 and a comment; the console shows the rating live.
    await agent.locator('[data-action=resolve]').click();
    const csat = chat.part('csat');
    await csat.waitFor(WAIT);
    await csat.locator('[data-rating="4"]').click();
    await csat.locator('textarea').fill('回复很快，谢谢');
    await chat.part('csat-submit').click();
    await poll(() => csat.getAttribute('data-rated')).toBe('true');
    await agent.locator('[data-part=csat]', { hasText: '回复很快' }).waitFor(WAIT);
    const insights = await api.call('GET', '/v1/insights/csat', api.keys.secretKey);
    expect(insights.body.total).toMatchObject({ responses: 1, average: 4 });
  });
});
