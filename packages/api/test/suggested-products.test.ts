import { customerProfile } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoStore, seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Suggested products in the agent's 360° profile: up to three, from the catalog's relations
 * (`goesWith`, `alternativeTo`, kept in the repo's seed/demo-store/relations.json for the demo
 * shop) to the shopper's cart and recent views, in stock and not already in the cart.
 */

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
});
afterAll(() => api.close());

describe('suggested products', () => {
  it('the demo catalog carries its relations as product attributes', () => {
    const products = readDemoStore().products as { id: string; attributes: Record<string, unknown> }[];
    const dress = products.find((p) => p.id === 'p-floral-dress')!;
    expect(dress.attributes).toMatchObject({
      goesWith: ['p-wool-cardigan', 'p-leather-tote'],
      soldOutSizes: ['XL'],
    });
    // Every relation names a product of the catalog.
    const ids = new Set(products.map((p) => p.id));
    for (const p of products)
      for (const key of ['goesWith', 'alternativeTo'])
        for (const id of (p.attributes[key] as string[] | undefined) ?? [])
          expect(ids.has(id), `${p.id} ${key} ${id}`).toBe(true);
  });

  it('the agent sees up to three for the cart and recent views, in stock, never what is in the cart', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const session = await shop.startSession({ channel: 'miniprogram' });
    const track = (name: string, properties: Record<string, unknown>) =>
      api.call('POST', '/v1/track', { token: session.sessionToken, body: { name, properties } });
    await track('add_to_cart', { sku: 'p-floral-dress', size: 'M' });
    await track('add_to_cart', { sku: 'p-wool-cardigan', size: 'M' });
    await track('product_view', { productId: 'p-sunscreen-light' });
    const agent = await shop.addAgent({ name: 'Suggest', skills: [] });

    const profile = async () => {
      const res = await agent.call('GET', `/v1/agent/customers/${session.customer.id}`);
      expect(res.status, res.text).toBe(200);
      return customerProfile.parse(res.body);
    };
    const first = await profile();
    expect(first.suggestions).toEqual([
      // The dress goes with the cardigan (already in the cart) and the tote.
      expect.objectContaining({
        productId: 'p-leather-tote',
        reason: 'goes_with',
        because: 'p-floral-dress',
      }),
      // The cardigan goes with the dress (in the cart) and the jeans.
      expect.objectContaining({
        productId: 'p-straight-jeans',
        reason: 'goes_with',
        because: 'p-wool-cardigan',
      }),
      // Looked at a sunscreen: the one for sensitive skin can replace it.
      expect.objectContaining({
        productId: 'p-sunscreen-sensitive',
        reason: 'alternative_to',
        because: 'p-sunscreen-light',
      }),
    ]);
    expect(first.suggestions[0]).toMatchObject({ name: '头层牛皮通勤托特包', price: expect.any(Number) });

    // The agent sends the first suggestion to the shopper as a card; it arrives on their timeline.
    const conversation = await shop.send(session.sessionToken, '有什么搭配推荐吗');
    const pick = first.suggestions[0]!;
    const card = {
      title: pick.name,
      description: `¥${pick.price}`,
      targetUrl: `https://shop.example/p/${pick.productId}`,
    };
    const sent = await agent.call(
      'POST',
      `/v1/agent/conversations/${conversation.body.conversation.id}/cards`,
      {
        card,
        text: '这款和您购物车里的连衣裙很搭：',
      },
    );
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.message).toMatchObject({ author: { type: 'agent' }, meta: { card } });
    const timeline = await api.call('GET', '/v1/timeline', { token: session.sessionToken });
    expect(timeline.body.messages.at(-1)).toMatchObject({ id: sent.body.message.id, meta: { card } });
    const refused = await agent.call(
      'POST',
      `/v1/agent/conversations/${conversation.body.conversation.id}/cards`,
      {
        card: { ...card, targetUrl: 'javascript:alert(1)' },
      },
    );
    expect(refused.status).toBe(400);

    // The tote sells out (the catalog sync marks it `inStock: false`): the next related product takes its place.
    await api.rows(
      "update kb_products set attributes = json_set(attributes, '$.inStock', json('false')) where app_id = ? and id = 'p-leather-tote'",
      [shop.appId],
    );
    const second = await profile();
    expect(second.suggestions.map((s) => s.productId)).not.toContain('p-leather-tote');
    expect(second.suggestions).toHaveLength(3);
    expect(second.suggestions.map((s) => s.productId)).not.toContain('p-wool-cardigan');
  });

  it('suggests nothing without a cart or views', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const session = await shop.startSession();
    const agent = await shop.addAgent({ name: 'Empty', skills: [] });
    const res = await agent.call('GET', `/v1/agent/customers/${session.customer.id}`);
    expect(res.body.suggestions).toEqual([]);
  });

  it('the bot says a size is sold out and suggests an in-stock alternative, asked in new words', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const ask = async (text: string) => {
      const session = await shop.startSession();
      const res = await shop.send(session.sessionToken, text);
      expect(res.status, res.text).toBe(201);
      return res.body.replies[0];
    };
    for (const text of ['那条法式碎花连衣裙还有XL的吗', '碎花裙 xl 码有货没']) {
      const reply = await ask(text);
      expect(reply.text, text).toMatch(/XL 码暂时缺货/);
      expect(reply.text, text).toMatch(/S、M、L/);
      // The dress relates to the cardigan: in stock, suggested, with a chip to ask about it.
      expect(reply.text, text).toMatch(/羊毛混纺针织开衫/);
      expect(reply.meta.quickReplies, text).toHaveLength(1);
    }
    const english = await ask('is the floral dress still available in XL?');
    expect(english.text).toMatch(/sold out/i);
    // A size in stock gets the usual answer.
    const inStock = await ask('碎花连衣裙有M码吗');
    expect(inStock.text).not.toMatch(/缺货/);
  });
});
