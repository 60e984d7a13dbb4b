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
