import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_URL, type StartedApi, startApi } from './api-harness';
import { answerWithApi } from './api-wx';
import { createFakeWx } from './fake-wx';

// The component as WeChat devtools gets it: the built miniprogram_dist, rendered by
// miniprogram-simulate (official wcc compiler) into a jsdom document. Run `npm run build` first
// (npm test does).
//
// jsdom is installed by hand rather than as vitest's jsdom environment: that environment swaps
// the realm's Uint8Array, and the in-process API's JWT signing (jose) then rejects Node's keys.
// miniprogram-simulate needs only the DOM entry points below.
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
const previous = Object.fromEntries(Object.keys(installed).map((key) => [key, g[key]]));
Object.assign(g, installed);
const dist = join(__dirname, '..', 'miniprogram_dist');
const simulate = require('miniprogram-simulate');

// The component reaches the API only through the client; nothing may leak to the network.
const network = setupServer(http.all('*', () => HttpResponse.error()));

/** The bits of a jsdom element the assertions read. */
interface DomElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement> & Iterable<DomElement>;
}
interface SimulatedNode {
  dom: DomElement;
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
}
interface SimulatedComponent {
  dom: DomElement;
  data: Record<string, unknown>;
  querySelector(selector: string): SimulatedNode | undefined;
  attach(parent: unknown): void;
  detach(): void;
}

type Shop = Awaited<ReturnType<StartedApi['createShop']>>;

const shown = (comp: SimulatedComponent) =>
  [...comp.dom.querySelectorAll('[data-part="message"]')].map((el) => ({
    author: el.getAttribute('data-author'),
    channel: el.getAttribute('data-channel'),
    text: el.querySelector('[data-part="text"]')?.textContent ?? '',
    mark: el.querySelector('[data-part="channel-mark"]')?.textContent ?? '',
  }));

describe('<threadline-chat> rendered by miniprogram-simulate', () => {
  let api: StartedApi;
  let sdk: any;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.js')))
      throw new Error(
        'miniprogram_dist is missing: run `npm run build -w @threadline/sdk-miniprogram` first.',
      );
    network.listen({ onUnhandledRequest: 'bypass' });
    api = await startApi();
    sdk = require(join(dist, 'index.js'));
  });
  afterAll(async () => {
    sdk?.getThreadline()?.close();
    network.close();
    await api?.close();
    Object.assign(g, previous);
    dom.window.close();
  });

  async function renderChat(properties: Record<string, string> = {}, existingShop?: Shop) {
    const shop = existingShop ?? (await api.createShop());
    const wx = createFakeWx({ respond: answerWithApi(api.app) });
    const client = sdk.createThreadline({
      appKey: shop.publishableKey,
      apiUrl: API_URL,
      wx,
      logger: { warn() {}, error() {} },
    });
    const id = simulate.load(join(dist, 'threadline-chat', 'index'), 'threadline-chat', { rootPath: dist });
    const comp: SimulatedComponent = simulate.render(id, properties);
    const parent = dom.window.document.createElement('parent-wrapper');
    comp.attach(parent);
    await vi.waitFor(() => expect(comp.data.ready).toBe(true));
    return { shop, wx, client, comp };
  }

  it('typing and sending shows the message and the AI answer', async () => {
    const { comp, shop } = await renderChat();
    await shop.article({
      title: '面霜保质期',
      questions: ['这款面霜保质期多久？', '面霜能放多久'],
      answer: '未开封保质期 3 年，开封后建议 12 个月内用完。',
    });
    expect(comp.querySelector('#status')!.dom.textContent).toBe('智能客服');

    comp.querySelector('#input')!.dispatchEvent('input', { detail: { value: '这款面霜保质期多久？' } });
    await vi.waitFor(() => expect(comp.data.draft).toBe('这款面霜保质期多久？'));
    comp.querySelector('#send')!.dispatchEvent('tap');

    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual(
        expect.objectContaining({ author: 'customer', channel: 'miniprogram', text: '这款面霜保质期多久？' }),
      ),
    );
    expect(comp.data.draft).toBe('');
    // The embedded AI engine answers from the article, on this channel (so no channel mark).
    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual({
        author: 'bot',
        channel: 'miniprogram',
        text: expect.stringContaining('开封后建议 12 个月内用完'),
        mark: '',
      }),
    );
    // The optimistic copy is gone once the API acknowledged the message: it shows once.
    expect(shown(comp).filter((m) => m.text === '这款面霜保质期多久？')).toHaveLength(1);
  });

  it('marks messages from other channels, and shows a phone message as it arrives', async () => {
    const { comp, shop, client } = await renderChat();
    await client.identify(await shop.identityToken('user-c', { phone: '+8613900139000' }));
    await shop.phoneMessage({ phone: '+8613900139000' }, '电话里补充：要 M 码');
    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual(
        expect.objectContaining({ channel: 'phone', text: '电话里补充：要 M 码', mark: '来自电话' }),
      ),
    );
  });

  it('after a login on the open chat, shows the history the shopper had on other channels', async () => {
    const { comp, shop, client } = await renderChat();
    // Said on the phone before this mini-program user logged in.
    await shop.phoneMessage({ phone: '+8613700137000' }, '登录前在电话里问过：有赠品吗');
    expect(shown(comp)).toEqual([]);
    await client.identify(await shop.identityToken('user-d', { phone: '+8613700137000' }));
    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual(
        expect.objectContaining({ channel: 'phone', text: '登录前在电话里问过：有赠品吗', mark: '来自电话' }),
      ),
    );
    await client.reset();
    await vi.waitFor(() => expect(shown(comp)).toEqual([]));
  });

  it('shows a ticket card when the conversation opens one', async () => {
    const { comp, shop } = await renderChat();
    await shop.intent({
      id: 'exchange_size',
      name: '尺码换货',
      policy: 'ticket',
      ticketType: 'exchange',
      examples: ['衣服尺码不合适', '尺码不对想换一件', '买小了能换大一码吗'],
    });
    comp.querySelector('#input')!.dispatchEvent('input', { detail: { value: '衣服尺码不合适，想换大一码' } });
    await vi.waitFor(() => expect(comp.data.draft).not.toBe(''));
    comp.querySelector('#send')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.dom.querySelectorAll('[data-part="ticket"]')).toHaveLength(1));
    expect(comp.dom.querySelector('[data-part="ticket"]')!.textContent).toContain('换货 工单');
  });

  it("shows the bot's options as chips under its question; a tap sends the option as the shopper's message", async () => {
    const { comp, shop } = await renderChat();
    await shop.article({
      title: '怎么查物流',
      questions: ['我的快递到哪了'],
      answer: '在「我的订单」里点查看物流。',
    });
    // A bare order number: the bot asks what it is for, with options.
    comp.querySelector('#input')!.dispatchEvent('input', { detail: { value: '20251203556170' } });
    await vi.waitFor(() => expect(comp.data.draft).toBe('20251203556170'));
    comp.querySelector('#send')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.dom.querySelectorAll('[data-part="quick-reply"]')).toHaveLength(3));
    const chips = [...comp.dom.querySelectorAll('[data-part="quick-reply"]')].map((el) =>
      el.textContent?.trim(),
    );
    expect(chips).toEqual(['查订单 20251203556170 的物流', '订单 20251203556170 要申请售后', '转人工']);

    comp.querySelector('.option')!.dispatchEvent('tap');
    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual(
        expect.objectContaining({ author: 'customer', text: '查订单 20251203556170 的物流' }),
      ),
    );
    // The options answered the earlier question: once the shopper has spoken they are gone.
    await vi.waitFor(() =>
      expect(
        [...comp.dom.querySelectorAll('[data-part="quick-reply"]')].map((el) => el.textContent?.trim()),
      ).not.toContain('订单 20251203556170 要申请售后'),
    );
  });

  it('"转人工" asks for a human and the status changes', async () => {
    const { comp } = await renderChat();
    comp.querySelector('#escalate')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.querySelector('#status')!.dom.textContent).toBe('排队等待人工…'));
    expect(comp.querySelector('#status')!.dom.getAttribute('data-status')).toBe('queued');
  });

  it('while waiting with nobody online it says so and offers the bot back; after an agent resolves it asks for a rating', async () => {
    const { comp, shop, client } = await renderChat();
    comp.querySelector('#escalate')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.querySelector('#wait')).toBeDefined());
    expect(comp.querySelector('#wait')!.dom.textContent).toContain('目前没有客服在线');
    expect(comp.querySelector('#wait')!.dom.getAttribute('data-agents-online')).toBe('0');

    comp.querySelector('#back-to-bot')!.dispatchEvent('tap');
    await vi.waitFor(() =>
      expect(comp.querySelector('#status')!.dom.getAttribute('data-status')).toBe('bot'),
    );
    await vi.waitFor(() => expect(comp.querySelector('#wait')).toBeUndefined());

    // Asked again; an agent takes it and resolves: the component asks for 1–5 and a comment.
    const { conversation } = await client.escalate();
    const agent = await api.call('POST', '/v1/agents', shop.secretKey, { name: '王敏', capacity: 3 });
    const { token } = await api.call('POST', `/v1/agents/${agent.agent.id}/tokens`, shop.secretKey, {});
    await api.call('POST', `/v1/agent/conversations/${conversation.id}/claim`, token);
    await api.call('POST', `/v1/agent/conversations/${conversation.id}/resolve`, token);
    await vi.waitFor(() => expect(comp.querySelector('#csat')).toBeDefined(), { timeout: 10_000 });
    expect(comp.querySelector('#csat')!.dom.textContent).toContain('请为王敏服务打分');
    comp.querySelector('#star-5')!.dispatchEvent('tap');
    comp.querySelector('#rate-comment')!.dispatchEvent('input', { detail: { value: '很耐心' } });
    await vi.waitFor(() => expect(comp.data.rateComment).toBe('很耐心'));
    comp.querySelector('#rate-submit')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.data.rated).toBe(true));
    expect(comp.querySelector('#csat')!.dom.textContent).toContain('感谢您的评价');
    const insights = await api.call('GET', '/v1/insights/csat', shop.secretKey);
    expect(insights.total).toMatchObject({ responses: 1, average: 5 });
    expect(insights.recent[0]).toMatchObject({ comment: '很耐心', agentId: agent.agent.id });
  });

  it('asks before continuing a conversation from a link, and shows it only after "继续对话"', async () => {
    const shop = await api.createShop();
    const web = await shop.webSession();
    await shop.send(web.sessionToken, '网页上问过：这件外套有 M 码吗');
    const { code } = await shop.handoff(web.sessionToken);
    // What onLoad(query) hands on for a link opened as pages/service/index?handoff=<code>.
    const { comp } = await renderChat({ handoff: code }, shop);
    await vi.waitFor(() => expect(comp.querySelector('#resume-prompt')).toBeDefined());
    expect(comp.querySelector('#resume-prompt')!.dom.textContent).toContain('继续链接里的对话？');
    // Nothing of the linked conversation is on screen before the shopper says yes.
    expect(shown(comp).map((m) => m.text)).not.toContain('网页上问过：这件外套有 M 码吗');

    comp.querySelector('#resume-accept')!.dispatchEvent('tap');
    await vi.waitFor(() =>
      expect(shown(comp)).toContainEqual(
        expect.objectContaining({ text: '网页上问过：这件外套有 M 码吗', mark: '来自网页' }),
      ),
    );
    await vi.waitFor(() =>
      expect(comp.querySelector('#notice')!.dom.textContent).toContain('已接上你在网页上的对话'),
    );
    expect(comp.querySelector('#resume-prompt')).toBeUndefined();
  });

  it('keeps the shopper’s own chat when they decline, and says when a link was already used', async () => {
    const shop = await api.createShop();
    const web = await shop.webSession();
    await shop.send(web.sessionToken, 'not yours');
    const { code } = await shop.handoff(web.sessionToken);
    const declined = await renderChat({ handoff: code }, shop);
    await vi.waitFor(() => expect(declined.comp.querySelector('#resume-decline')).toBeDefined());
    declined.comp.querySelector('#resume-decline')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(declined.comp.querySelector('#resume-prompt')).toBeUndefined());
    expect(shown(declined.comp).map((m) => m.text)).not.toContain('not yours');

    // The code is still unused (declining claims nothing); someone else uses it first.
    const claimed = await api.call('POST', '/v1/sessions', shop.publishableKey, {
      channel: 'web',
      handoffCode: code,
    });
    expect(claimed.sessionToken).toBeDefined();
    const late = await renderChat({ handoff: `handoff=${code}` }, shop);
    await vi.waitFor(() => expect(late.comp.querySelector('#resume-accept')).toBeDefined());
    late.comp.querySelector('#resume-accept')!.dispatchEvent('tap');
    await vi.waitFor(() =>
      expect(late.comp.querySelector('#notice')!.dom.textContent).toContain('这个链接已经用过了'),
    );
    expect(shown(late.comp).map((m) => m.text)).not.toContain('not yours');
  });

  it('"转电话" shows the 6-digit short code to read out on the phone', async () => {
    const { comp } = await renderChat();
    comp.querySelector('#handoff')!.dispatchEvent('tap');
    await vi.waitFor(() => expect(comp.querySelector('#handoff-code')).toBeDefined());
    expect(comp.querySelector('#handoff-code')!.dom.textContent).toMatch(/^\d{6}$/);
    expect(comp.dom.textContent).toContain('接续码');
  });
});
