import { randomUUID } from 'node:crypto';
import { kbProductList, message, voiceTurnAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// Each product's own care words (from its article or its `care` attribute), and words that belong
// to another product's care only: a care answer about the tote must never read the jeans' fading.
const CARE = {
  'p-leather-tote': { own: /护理油|防尘袋/, foreign: /牛仔|白醋|掉色|羊毛/ },
  'p-floral-dress': { own: /30℃以下冷水手洗|中性洗涤剂/, foreign: /牛仔|白醋|护理油|羊毛专用/ },
  'p-wool-cardigan': { own: /干洗|羊毛专用洗涤剂/, foreign: /牛仔|白醋|护理油/ },
  'p-straight-jeans': { own: /白醋|单独/, foreign: /护理油|羊毛专用|中性洗涤剂/ },
} as const;
type Cared = keyof typeof CARE;

// Care questions that name or describe one product, in the words shoppers use (the material word
// "真皮" or "leather" describes the tote; the question is about its care).
const CARE_QUESTIONS: [string, Cared][] = [
  ['我买的那个真皮托特包平时要怎么保养啊', 'p-leather-tote'],
  ['真皮包包怎么保养', 'p-leather-tote'],
  ['牛皮通勤包日常怎么打理', 'p-leather-tote'],
  ['how do I care for the leather tote', 'p-leather-tote'],
  ['碎花连衣裙怎么洗才不坏', 'p-floral-dress'],
  ['羊毛开衫要怎么清洗', 'p-wool-cardigan'],
  ['how should I wash the knit cardigan', 'p-wool-cardigan'],
  ['直筒牛仔裤第一次怎么洗', 'p-straight-jeans'],
];

const SDK_CHANNELS = ['web', 'app', 'miniprogram'] as const;

describe('care questions answer the product asked about, on every channel', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  const expectCareOf = (productId: Cared, text: string, where: string) => {
    expect(text, where).toMatch(CARE[productId].own);
    expect(text, where).not.toMatch(CARE[productId].foreign);
  };

  it('on the web, the app and the mini-program', async () => {
    for (const channel of SDK_CHANNELS) {
      for (const [question, productId] of CARE_QUESTIONS) {
        const session = await shop.startSession({ channel });
        const sent = await shop.send(session.sessionToken, question);
        expect(sent.status).toBe(201);
        const reply = message.parse(sent.body.replies[0]);
        const where = `${channel}: ${question} → ${reply.text}`;
        expect(reply.intent, where).toBe('care_instructions');
        expect(reply.meta?.productId, where).toBe(productId);
        expectCareOf(productId, reply.text, where);
      }
    }
  });

  it('on the phone, read aloud, never another product’s step-by-step guide', async () => {
    let n = 0;
    for (const [question, productId] of CARE_QUESTIONS) {
      const from = `+86139${String(7_000_000 + n++).padStart(8, '0')}`;
      const sent = await shop.channelMessage('phone', { phone: from }, question);
      expect(sent.status).toBe(201);
      const reply = message.parse(sent.body.replies[0]);
      const where = `phone: ${question} → ${reply.text}`;
      expect(reply.intent, where).toBe('care_instructions');
      expect(reply.meta?.productId, where).toBe(productId);
      // A guide is read a step at a time: what it reads is all its steps, the product's own.
      const steps = Array.isArray(reply.meta?.steps) ? (reply.meta.steps as string[]) : [];
      expectCareOf(productId, [reply.text, ...steps].join('；'), where);
    }
  });

  it('in a live call through /v1/voice/turn, as in the mini-program card scenario', async () => {
    for (const [utterance, productId] of [
      ['我买的那个真皮托特包平时要怎么保养啊', 'p-leather-tote'],
      ['那条法式碎花裙要怎么洗', 'p-floral-dress'],
    ] as [string, Cared][]) {
      const callId = randomUUID();
      const from = `+8613966${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
      const turns = [{ event: 'start' }, { event: 'speech', utterance }];
      let answer: ReturnType<typeof voiceTurnAnswer.parse> | undefined;
      for (const [sequence, body] of turns.entries()) {
        const res = await api.call('POST', '/v1/voice/turn', {
          token: shop.secretKey,
          body: { callId, from, sequence, ...body },
        });
        expect(res.status).toBe(200);
        answer = voiceTurnAnswer.parse(res.body);
      }
      expectCareOf(productId, answer!.speak, `voice: ${utterance} → ${answer!.speak}`);
    }
  });
});

// "What goes with X": each product's in-stock `goesWith` complements (relations.json).
const PAIRING_QUESTIONS: [string, string, string[]][] = [
  ['托特包有什么配的小东西推荐吗', 'p-leather-tote', ['p-floral-dress', 'p-wool-cardigan']],
  ['what goes with the leather tote?', 'p-leather-tote', ['p-floral-dress', 'p-wool-cardigan']],
  ['碎花裙搭什么外套好看', 'p-floral-dress', ['p-wool-cardigan', 'p-leather-tote']],
  ['直筒牛仔裤怎么搭比较好看', 'p-straight-jeans', ['p-wool-cardigan', 'p-leather-tote']],
  ['what should I wear with the straight jeans', 'p-straight-jeans', ['p-wool-cardigan', 'p-leather-tote']],
  ['玻尿酸面霜配什么一起用', 'p-hyaluronic-cream', ['p-amino-cleanser', 'p-sunscreen-light']],
  ['what pairs well with the velvet lipstick', 'p-velvet-lipstick', ['p-cushion-foundation']],
  ['牛肉干和什么一起买划算', 'p-beef-jerky', ['p-daily-nuts']],
];

describe('"what goes with X" suggests its in-stock complements', () => {
  let api: TestApi;
  let shop: Shop;
  let names: Map<string, string>;
  /** English answers name products by the catalogue's English names (`attributes.names.en`). */
  let englishNames: Map<string, string>;
  const nameIn = (question: string, id: string) =>
    (/\p{Script=Han}/u.test(question) ? names : englishNames).get(id)!;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const listed = await api.call('GET', '/v1/kb/products', { token: shop.secretKey });
    names = new Map(kbProductList.parse(listed.body).products.map((p) => [p.id, p.name] as [string, string]));
    englishNames = new Map(
      kbProductList
        .parse(listed.body)
        .products.map((p) => [p.id, (p.attributes.names as { en: string }).en] as [string, string]),
    );
  });
  afterAll(() => api.close());

  it('on text channels, with a chip for each suggestion', async () => {
    for (const channel of SDK_CHANNELS) {
      for (const [question, productId, pairs] of PAIRING_QUESTIONS) {
        const session = await shop.startSession({ channel });
        const sent = await shop.send(session.sessionToken, question);
        const reply = message.parse(sent.body.replies[0]);
        const where = `${channel}: ${question} → ${reply.text}`;
        expect(reply.intent, where).toBe('product_recommendation');
        expect(reply.meta?.action, where).toBe('answer');
        expect(reply.meta?.productId, where).toBe(productId);
        for (const id of pairs) expect(reply.text, where).toContain(nameIn(question, id));
        expect(reply.meta?.quickReplies, where).toHaveLength(pairs.length);
      }
    }
  });

  it('on the phone, spoken prices and no chips', async () => {
    const [question, productId, pairs] = PAIRING_QUESTIONS[0]!;
    const sent = await shop.channelMessage('phone', { phone: '13800009901' }, question);
    const reply = message.parse(sent.body.replies[0]);
    expect(reply.intent).toBe('product_recommendation');
    expect(reply.meta?.productId).toBe(productId);
    for (const id of pairs) expect(reply.text).toContain(nameIn(question, id));
    expect(reply.text).toMatch(/\d+元/);
    expect(reply.text).not.toContain('¥');
    expect(reply.meta?.quickReplies).toBeUndefined();
  });

  it('leaves out a complement that is out of stock, and asks as before when none is left', async () => {
    const other = await api.createShop();
    await seedDemoStore(api.deps, other.appId);
    const cardigan = await api.call('GET', '/v1/kb/products/p-wool-cardigan', { token: other.secretKey });
    const body = cardigan.body.product ?? cardigan.body;
    const patched = await api.call('POST', '/v1/kb/products', {
      token: other.secretKey,
      body: { ...body, attributes: { ...body.attributes, inStock: false } },
    });
    expect(patched.status).toBeLessThan(300);
    const session = await other.startSession({ channel: 'web' });
    const one = message.parse((await other.send(session.sessionToken, '托特包配什么好')).body.replies[0]);
    expect(one.intent).toBe('product_recommendation');
    expect(one.text).toContain(names.get('p-floral-dress')!);
    expect(one.text).not.toContain(names.get('p-wool-cardigan')!);
    // The lipstick's one complement gone: no empty suggestion.
    const cushion = await api.call('GET', '/v1/kb/products/p-cushion-foundation', { token: other.secretKey });
    const cushionBody = cushion.body.product ?? cushion.body;
    await api.call('POST', '/v1/kb/products', {
      token: other.secretKey,
      body: { ...cushionBody, attributes: { ...cushionBody.attributes, inStock: false } },
    });
    const none = message.parse(
      (await other.send(session.sessionToken, '丝绒口红搭配什么好')).body.replies[0],
    );
    expect(none.intent).not.toBe('product_recommendation');
    expect(none.text).not.toContain(names.get('p-cushion-foundation')!);
  });

  it('keeps other questions that share the words: delivery (配送) and what the tote is made of', async () => {
    const session = await shop.startSession({ channel: 'web' });
    const shipping = message.parse(
      (await shop.send(session.sessionToken, '牛仔裤能配送到新疆吗')).body.replies[0],
    );
    expect(shipping.intent).toBe('shipping_time');
    const material = message.parse(
      (await shop.send(session.sessionToken, '这个托特包是真皮的吗')).body.replies[0],
    );
    expect(material.meta?.attribute).toBe('material');
    expect(material.text).toContain('头层牛皮');
  });
});
