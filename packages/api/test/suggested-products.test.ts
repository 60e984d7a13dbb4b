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
    const shop = await api.createShop({ settings: { followUps: { cardHosts: ['shop.example'] } } });
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

  it('the bot says a size is sold out and names the sizes left; the demo apparel has no replacement, so it offers none (never the cardigan)', async () => {
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
      // The cardigan goes *with* the dress (goesWith) and has no XL: it is not an alternative.
      expect(reply.text, text).not.toMatch(/羊毛混纺针织开衫|也可以看看/);
    }
    const english = await ask('is the floral dress still available in XL?');
    expect(english.text).toMatch(/sold out/i);
    // A size in stock gets the usual answer.
    const inStock = await ask('碎花连衣裙有M码吗');
    expect(inStock.text).not.toMatch(/缺货/);
  });

  it('for every sold-out size of the demo catalog, an alternative (if any) replaces the product, comes in that size and is in stock', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const products = readDemoStore().products as {
      id: string;
      name: string;
      aliases: string[];
      category: string | null;
      attributes: Record<string, unknown>;
    }[];
    const byName = new Map(products.map((p) => [p.name, p]));
    const soldOutCases = products.flatMap((p) =>
      ((p.attributes.soldOutSizes as string[] | undefined) ?? []).map((size) => ({ product: p, size })),
    );
    expect(soldOutCases.length).toBeGreaterThanOrEqual(2);
    for (const { product, size } of soldOutCases) {
      const session = await shop.startSession();
      const question = `${product.aliases[0]}还有${size}码的吗`;
      const res = await shop.send(session.sessionToken, question);
      const reply = res.body.replies[0];
      expect(reply.text, question).toMatch(new RegExp(`${size} 码暂时缺货`));
      const named = /也可以看看 (.+?)（/.exec(reply.text)?.[1];
      if (!named) continue;
      const alternative = byName.get(named)!;
      expect(alternative, `${question}: ${named}`).toBeDefined();
      const alternatives = (product.attributes.alternativeTo as string[] | undefined) ?? null;
      expect(
        alternatives ? alternatives.includes(alternative.id) : alternative.category === product.category,
        `${question} → ${named}`,
      ).toBe(true);
      expect((product.attributes.goesWith as string[] | undefined) ?? []).not.toContain(alternative.id);
      const sizes = (alternative.attributes.sizes as string[] | undefined) ?? [];
      expect(sizes, `${named} comes in ${size}`).toContain(size);
      expect((alternative.attributes.soldOutSizes as string[] | undefined) ?? []).not.toContain(size);
    }
  });

  describe('a shop whose catalog has real alternatives', () => {
    const dress = (id: string, name: string, attributes: Record<string, unknown>) => ({
      id,
      name,
      aliases: [name.slice(0, 4)],
      category: 'apparel',
      price: 299,
      attributes: { sizes: ['S', 'M', 'L', 'XL'], ...attributes },
    });
    async function dressShop() {
      const shop = await api.createShop();
      await seedDemoStore(api.deps, shop.appId);
      const put = async (product: Record<string, unknown>) => {
        const res = await api.call('POST', '/v1/kb/products', { token: shop.secretKey, body: product });
        expect(res.status, res.text).toBe(201);
      };
      await put(
        dress('d-linen', '亚麻系带长款连衣裙', {
          soldOutSizes: ['XL'],
          goesWith: ['d-scarf'],
          alternativeTo: ['d-silk-xl-gone', 'd-cotton'],
        }),
      );
      // Sold out in XL too: cannot replace the linen dress in XL.
      await put(dress('d-silk-xl-gone', '真丝印花茶歇连衣裙', { soldOutSizes: ['XL'] }));
      await put(dress('d-cotton', '纯棉格纹衬衫连衣裙', {}));
      await put({
        id: 'd-scarf',
        name: '桑蚕丝小方巾',
        aliases: ['小方巾'],
        category: 'accessories',
        price: 129,
        attributes: {},
      });
      await put({
        id: 'd-cream',
        name: '山茶花修护晚霜',
        aliases: ['晚霜'],
        category: 'skincare',
        price: 259,
        attributes: { inStock: false, alternativeTo: ['d-cream-2'], goesWith: ['d-scarf'] },
      });
      await put({
        id: 'd-cream-2',
        name: '积雪草舒缓晚霜',
        aliases: ['舒缓晚霜'],
        category: 'skincare',
        price: 199,
        attributes: {},
      });
      return shop;
    }

    it('a sold-out size gets an alternative that has that size (not the complement, not one sold out in it)', async () => {
      const shop = await dressShop();
      const session = await shop.startSession();
      const res = await shop.send(session.sessionToken, '亚麻系带长款连衣裙还有XL码吗');
      const reply = res.body.replies[0];
      expect(reply.text).toMatch(/XL 码暂时缺货/);
      expect(reply.text).toMatch(/也可以看看 纯棉格纹衬衫连衣裙/);
      expect(reply.text).not.toMatch(/真丝印花|小方巾/);
    });

    it('a product out of stock altogether gets an in-stock alternative when asked whether it is in stock', async () => {
      const shop = await dressShop();
      const session = await shop.startSession();
      const res = await shop.send(session.sessionToken, '山茶花修护晚霜现在还有货吗');
      const reply = res.body.replies[0];
      expect(reply.text).toMatch(/暂时缺货/);
      expect(reply.text).toMatch(/积雪草舒缓晚霜/);
      expect(reply.text).not.toMatch(/小方巾/);
    });

    it('the agent’s suggestions read the size on the cart line: an XL sold out brings an alternative in XL', async () => {
      const shop = await dressShop();
      const session = await shop.startSession({ channel: 'miniprogram' });
      const added = await api.call('POST', '/v1/track', {
        token: session.sessionToken,
        body: { name: 'add_to_cart', properties: { sku: 'd-linen', size: 'XL' } },
      });
      expect(added.status, added.text).toBe(202);
      const agent = await shop.addAgent({ name: 'Sizes', skills: [] });
      const res = await agent.call('GET', `/v1/agent/customers/${session.customer.id}`);
      const { suggestions } = customerProfile.parse(res.body);
      expect(suggestions[0]).toMatchObject({
        productId: 'd-cotton',
        reason: 'alternative_to',
        because: 'd-linen',
      });
      expect(suggestions.map((s) => s.productId)).not.toContain('d-silk-xl-gone');
      expect(suggestions.map((s) => s.productId)).toContain('d-scarf');
    });
  });

  it('the reserved catalog keys are checked on import: a CSV-style "false" or a comma list is refused with its path', async () => {
    const shop = await api.createShop();
    const put = (attributes: Record<string, unknown>) =>
      api.call('POST', '/v1/kb/products', {
        token: shop.secretKey,
        body: { id: 'p-x', name: 'X', attributes },
      });
    for (const [attributes, path] of [
      [{ inStock: 'false' }, ['attributes', 'inStock']],
      [{ goesWith: 'p-a,p-b' }, ['attributes', 'goesWith']],
      [{ soldOutSizes: [1, 2] }, ['attributes', 'soldOutSizes']],
      [{ alternativeTo: { id: 'p-a' } }, ['attributes', 'alternativeTo']],
      [{ url: 'http://shop.example/p/x' }, ['attributes', 'url']],
    ] as const) {
      const res = await put(attributes);
      expect(res.status, JSON.stringify(attributes)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.issues.map((i: { path: unknown }) => i.path)).toContainEqual(path);
    }
    const fine = await put({
      inStock: false,
      goesWith: ['p-a'],
      soldOutSizes: ['XL'],
      url: 'https://shop.example/p/x',
    });
    expect(fine.status, fine.text).toBe(201);
  });

  it('suggestions read the seed products and what they name, not the whole catalog (a relation past the 2,000th row still counts)', async () => {
    const shop = await api.createShop();
    const filler = Array.from({ length: 2100 }, (_, i) => ({
      id: `a-${String(i).padStart(5, '0')}`,
      name: `Filler ${i}`,
      category: 'filler',
      attributes: { goesWith: [], alternativeTo: [] },
    }));
    const imported = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: {
        articles: [],
        products: [
          ...filler,
          { id: 'z-seed', name: 'Seed', category: 'z', attributes: { goesWith: ['z-match'] } },
          { id: 'z-match', name: 'Match', category: 'z', attributes: {} },
        ],
      },
    });
    expect(imported.status, imported.text).toBeLessThan(300);
    const session = await shop.startSession();
    await api.call('POST', '/v1/track', {
      token: session.sessionToken,
      body: { name: 'add_to_cart', properties: { sku: 'z-seed' } },
    });
    const agent = await shop.addAgent({ name: 'Big', skills: [] });
    const res = await agent.call('GET', `/v1/agent/customers/${session.customer.id}`);
    expect(res.body.suggestions).toEqual([
      expect.objectContaining({ productId: 'z-match', reason: 'goes_with' }),
    ]);
  });
});
