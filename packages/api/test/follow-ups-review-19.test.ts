import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Review 19 (second pass, after fix-19a/b/c): what an attacker or a careless agent could still do
 * with cards. A card link keeps the app's card hosts at click time, not only at send time; and an
 * agent's card goes only to a channel the shopper actually has a client on.
 */

// 11:00 in Shanghai: outside the default quiet hours.
const MORNING = Date.UTC(2026, 5, 1, 3, 0);
const CARD = {
  title: '头层牛皮通勤托特包',
  imageUrl: 'https://img.shop.example/tote.jpg',
  targetUrl: 'https://campaign.shop.example/p/p-leather-tote',
};

let api: TestApi;
let clock: ReturnType<typeof createManualClock>;
beforeAll(async () => {
  clock = createManualClock(MORNING);
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
});
afterAll(() => api.close());

async function cardShop() {
  const shop = await api.createShop({
    settings: { followUps: { cardHosts: ['shop.example', 'img.shop.example', 'campaign.shop.example'] } },
  });
  await seedDemoStore(api.deps, shop.appId);
  return shop;
}

async function webShopperWithAgent(shop: Awaited<ReturnType<typeof cardShop>>) {
  const web = await shop.startSession({ channel: 'web' });
  const sent = await shop.send(web.sessionToken, '托特包有什么推荐吗');
  expect(sent.status, sent.text).toBeLessThan(300);
  const agent = await shop.addAgent({ name: '小周', skills: [] });
  return { web, agent, conversationId: sent.body.conversation.id as string };
}

describe('a card link keeps the app’s card hosts at click time', () => {
  it('stops redirecting once the merchant removes the target’s host (a compromised campaign domain)', async () => {
    const shop = await cardShop();
    const { agent, conversationId } = await webShopperWithAgent(shop);
    const sent = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, { card: CARD });
    expect(sent.status, sent.text).toBe(201);
    const link = sent.body.message.meta.card.clickUrl as string;
    const before = await api.app.request(link);
    expect(before.status).toBe(302);
    expect(before.headers.get('location')).toBe(CARD.targetUrl);

    // The campaign domain lapses (or is taken over): the merchant drops it from the card hosts.
    const shrunk = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { cardHosts: ['shop.example', 'img.shop.example'] },
    });
    expect(shrunk.status, shrunk.text).toBe(200);
    // The API's own domain must no longer vouch for it: no redirect, no JSON target, no open.
    const opensBefore = await api.rows('SELECT * FROM card_opens WHERE message_id = ?', [
      sent.body.message.id,
    ]);
    for (const init of [{}, { method: 'HEAD' }, { headers: { accept: 'application/json' } }]) {
      const res = await api.app.request(link, init);
      expect(res.status, JSON.stringify(init)).toBe(404);
      expect(res.headers.get('location')).toBeNull();
    }
    expect(await api.rows('SELECT * FROM card_opens WHERE message_id = ?', [sent.body.message.id])).toEqual(
      opensBefore,
    );

    // Putting the host back brings the link back.
    await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { cardHosts: ['shop.example', 'img.shop.example', 'campaign.shop.example'] },
    });
    expect((await api.app.request(link)).status).toBe(302);
  });
});

describe('an agent’s card goes only where the shopper has a client', () => {
  it('an SDK channel the customer never used is 409 no_card_channel, and nothing is stored', async () => {
    const shop = await cardShop();
    const { agent, conversationId, web } = await webShopperWithAgent(shop);
    for (const channel of ['miniprogram', 'app']) {
      const res = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, {
        card: CARD,
        channel,
      });
      expect(res.status, `${channel}: ${res.text}`).toBe(409);
      expect(res.body.error.code).toBe('no_card_channel');
    }
    const [counted] = await api.rows<{ n: number }>(
      "select count(*) as n from messages where conversation_id = ? and author_type = 'agent'",
      [conversationId],
    );
    expect(counted?.n).toBe(0);
    // The channel they are on works, explicitly or by default.
    for (const body of [{ card: CARD, channel: 'web' }, { card: CARD }]) {
      const res = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, body);
      expect(res.status, res.text).toBe(201);
      expect(res.body.message.channel).toBe('web');
    }
    expect(web.customer.id).toBeTruthy();
  });
});

describe('the bot answers a size’s stock from the catalog, whatever the size', () => {
  it('in stock, not made, or sold out — in Chinese and English; the size list marks what is sold out; a fit question is not a stock question', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const ask = async (text: string) => {
      const session = await shop.startSession();
      const res = await shop.send(session.sessionToken, text);
      expect(res.status, res.text).toBe(201);
      return res.body.replies[0].text as string;
    };
    // An in-stock size was answered with the size-exchange policy.
    const m = await ask('碎花连衣裙M码有货吗');
    expect(m).toMatch(/M 码有货/);
    expect(m).not.toMatch(/换|缺货/);
    expect(await ask('牛仔裤27码还有吗')).toMatch(/27 码有货/);
    expect(await ask('do you have the jeans in 27?')).toMatch(/in stock in 27/);
    // A size the product is not made in was met with "which aspect?".
    const cardigan = await ask('开衫有XL吗');
    expect(cardigan).toMatch(/没有 XL 码/);
    expect(cardigan).toMatch(/S、M、L/);
    expect(await ask('does the cardigan come in XL?')).toMatch(/does not come in XL/);
    // The size list named XL as if it could be bought.
    expect(await ask('碎花连衣裙有哪些尺码')).toMatch(/XL 码暂时缺货/);
    expect(await ask('what sizes does the floral dress come in?')).toMatch(/XL sold out/);
    // Unchanged: the sold-out size, a price, a fit question.
    expect(await ask('那条碎花裙XL还有吗')).toMatch(/XL 码暂时缺货/);
    expect(await ask("what's the price of the floral dress")).toMatch(/259/);
    expect(await ask('碎花裙M码穿起来会不会有点紧')).not.toMatch(/有货/);
  });
});

describe('POST /v1/conversations/{id}/end tells everyone, as an agent’s resolve does', () => {
  it('appends one conversation.updated (resolved) for the shopper’s clients, the console and the webhook outbox', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web' });
    const sent = await shop.send(web.sessionToken, '真皮包平时怎么保养');
    expect(sent.status, sent.text).toBe(201);
    const id = sent.body.conversation.id as string;
    // Event data is sealed at rest: count the conversation.updated events of this customer.
    const updates = async () =>
      (
        await api.rows<{ n: number }>(
          "SELECT count(*) AS n FROM events WHERE customer_id = ? AND type = 'conversation.updated'",
          [web.customer.id],
        )
      )[0]!.n;
    const before = await updates();
    const ended = await api.call('POST', `/v1/conversations/${id}/end`, { token: shop.secretKey });
    expect(ended.status, ended.text).toBe(200);
    expect(await updates()).toBe(before + 1);
    // Ending it again says nothing new.
    await api.call('POST', `/v1/conversations/${id}/end`, { token: shop.secretKey });
    expect(await updates()).toBe(before + 1);
  });
});
