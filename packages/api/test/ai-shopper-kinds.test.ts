import { randomUUID } from 'node:crypto';
import { type Message, message } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerEngine } from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { loadKnowledge, seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

// Every kind of shopper text issue 12 names, each with sentences that appear nowhere in the
// knowledge, the dev set or the shopper evaluation set — through the real HTTP routes.
type Shop = Awaited<ReturnType<TestApi['createShop']>>;
interface Turn {
  replies: Message[];
  status: string;
}

describe('AI answers on real shopper text, kind by kind', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  /** A fresh shopper who says each line in turn (`channel|text`, web by default); the last turn's answer. */
  async function conversation(...lines: string[]): Promise<Turn> {
    const user = `kinds-${randomUUID().slice(0, 8)}`;
    const sessions = new Map<string, string>();
    let turn: Turn = { replies: [], status: 'bot' };
    for (const line of lines) {
      const [channel, text] = line.includes('|') ? (line.split('|') as [string, string]) : ['web', line];
      let res: { status: number; body: { replies: unknown[]; conversation: { status: string } } };
      if (['web', 'app', 'miniprogram'].includes(channel)) {
        let token = sessions.get(channel);
        if (!token) {
          token = (await shop.startSession({ channel, identityToken: await shop.identityToken(user) }))
            .sessionToken;
          sessions.set(channel, token);
        }
        res = await shop.send(token, text);
      } else {
        res = await shop.channelMessage(channel, { externalId: user }, text);
      }
      expect(res.status).toBe(201);
      turn = { replies: res.body.replies.map((r) => message.parse(r)), status: res.body.conversation.status };
    }
    return turn;
  }

  it('hands a request for a person to a human even without "转人工", and angry complaints too', async () => {
    for (const text of [
      '让你们客服主管来处理一下',
      "I'd like to speak with a person please",
      '能不能换个真正的客服来回答',
    ]) {
      const turn = await conversation(text);
      expect({ text, status: turn.status, intent: turn.replies[0]?.intent }).toEqual({
        text,
        status: 'queued',
        intent: 'human_agent',
      });
    }
    for (const text of [
      '收到的杯子碎成渣了 你们到底怎么包装的 太差劲了',
      '等了半个月都没人回复 这服务也太烂了',
    ]) {
      const turn = await conversation(text);
      expect({ text, status: turn.status, intent: turn.replies[0]?.intent }).toEqual({
        text,
        status: 'queued',
        intent: 'complaint',
      });
    }
    // Asking *about* the service hours is a question, not a hand-over.
    const hours = await conversation('人工客服周末上班吗');
    expect(hours.status).toBe('bot');
    expect(hours.replies[0]?.meta?.articleId).toBe('kb-service-hours');
  });

  it('understands English and pinyin, and answers the system texts in English', async () => {
    const refund = await conversation('how can I get my money back');
    expect(refund.replies[0]?.intent).toBe('return_request');
    const ship = await conversation('app|when does my order get shipped');
    expect(ship.replies[0]?.intent).toBe('shipping_time');
    const pinyin = await conversation('youhuiquan zai na ling');
    expect(pinyin.replies[0]).toMatchObject({ intent: 'coupon_usage' });
    const human = await conversation('please let me chat with a real agent');
    expect(human.status).toBe('queued');
    expect(human.replies[0]?.text).not.toMatch(/\p{Script=Han}/u);
    // A wordless message in an English conversation is answered in English too.
    const number = await conversation('hi, a question about my order', '20251202123456');
    expect(number.replies[0]?.meta?.action).toBe('clarify');
    expect(number.replies[0]?.text).not.toMatch(/\p{Script=Han}/u);
    const away = await conversation('who painted the mona lisa');
    expect(away.replies[0]?.meta?.action).toBe('decline');
    expect(away.replies[0]?.text).not.toMatch(/\p{Script=Han}/u);
  });

  it('follows up elliptical questions with the product of the turn before, on another channel', async () => {
    const cleanser = await conversation('app|每日坚果保质期多久', 'phone|那洗面奶呢');
    expect(cleanser.replies[0]).toMatchObject({
      intent: 'shelf_life',
      meta: { productId: 'p-amino-cleanser' },
    });
    expect(cleanser.replies[0]?.text).toContain('开封后12个月内用完');
    const jeans = await conversation('miniprogram|直筒牛仔裤腰围70穿哪个码', 'web|算了 退了吧 流程是啥');
    expect(jeans.replies[0]).toMatchObject({
      intent: 'return_request',
      meta: { productId: 'p-straight-jeans' },
    });
  });

  it('inherits the product for logistics too, resolves category words and answers prices from the catalogue', async () => {
    const shipping = await conversation('douyin_live|刚下单了碎花连衣裙', 'app|啥时候能发货');
    expect(shipping.replies[0]).toMatchObject({
      intent: 'shipping_time',
      meta: { productId: 'p-floral-dress' },
    });
    const dress = await conversation('这条裙子什么价');
    expect(dress.replies[0]).toMatchObject({ intent: 'product_info', meta: { productId: 'p-floral-dress' } });
    expect(dress.replies[0]?.text).toContain('259');
    const mask = await conversation('面膜多少钱一盒');
    expect(mask.replies[0]?.text).toContain('99');
  });

  it('asks with options instead of guessing below the confidence bar', async () => {
    const turn = await conversation('粉底有没有适合黄皮的色号');
    expect(turn.replies[0]?.meta).toMatchObject({ action: 'clarify', productId: 'p-cushion-foundation' });
    expect(turn.replies[0]?.meta?.quickReplies?.length).toBeGreaterThanOrEqual(2);
    expect(turn.replies[0]?.meta?.articleId).toBeUndefined();
  });

  it('answers small talk briefly, never with a refusal or the welcome article; declines chit-chat and trivia', async () => {
    for (const text of ['好嘞 谢谢亲', 'ok thanks', '知道了']) {
      const turn = await conversation('付款后多久发货', text);
      expect({ text, action: turn.replies[0]?.meta?.action }).toEqual({ text, action: 'smalltalk' });
      expect(turn.replies[0]?.meta?.articleId).toBeUndefined();
    }
    // In a livestream an acknowledgement needs no answer at all.
    const live = await conversation('douyin_live|嗯嗯');
    expect(live.replies).toEqual([]);
    const hello = await conversation('哈喽 在线吗');
    expect(hello.replies[0]).toMatchObject({ intent: 'greeting', meta: { articleId: 'kb-welcome' } });
    // A greeting in front of a question is manners: the question gets the answer.
    const sizes = await conversation('哈喽 请问牛仔裤有29码吗');
    expect(sizes.replies[0]).toMatchObject({
      intent: 'product_info',
      meta: { productId: 'p-straight-jeans' },
    });
    expect(sizes.replies[0]?.text).toContain('29');
    const praise = await conversation('东西收到了 特别满意');
    expect(praise.replies[0]?.meta).toMatchObject({ action: 'smalltalk' });
    for (const text of ['taobao_live|主播你家住哪个城市', '黑洞是怎么形成的']) {
      const turn = await conversation(text);
      expect({ text, action: turn.replies[0]?.meta?.action }).toEqual({ text, action: 'decline' });
    }
  });

  it('answers both questions of one message, and Traditional questions in Traditional', async () => {
    const two = await conversation('app|奶粉保质期多久？可以开发票吗？');
    expect(two.replies.map((r) => r.intent)).toEqual(['shelf_life', 'invoice']);
    const traditional = await conversation('這件開衫可以機洗嗎');
    expect(traditional.replies[0]).toMatchObject({
      intent: 'care_instructions',
      meta: { productId: 'p-wool-cardigan' },
    });
    expect(traditional.replies[0]?.text).toContain('洗滌');
    expect(traditional.replies[0]?.meta?.language).toBe('zh-Hant');
  });

  it('says the shop does not carry what it does not sell, and asks what a bare number is', async () => {
    const coffee = await conversation('你们卖不卖咖啡');
    expect(coffee.replies[0]).toMatchObject({ intent: 'product_info', meta: { action: 'answer' } });
    expect(coffee.replies[0]?.text).toContain('没有咖啡');
    const number = await conversation('20251201007731');
    expect(number.replies[0]?.meta?.action).toBe('clarify');
    expect(number.replies[0]?.meta?.quickReplies?.[0]).toContain('20251201007731');
  });

  it('fills the open ticket with the order number the bot asked for', async () => {
    const user = `fill-${randomUUID().slice(0, 8)}`;
    const web = await shop.startSession({ channel: 'web', identityToken: await shop.identityToken(user) });
    const opened = await shop.send(web.sessionToken, '外套买大了 帮我换小一号');
    const ticketId = opened.body.replies[0].meta.ticketId as string;
    expect(ticketId).toMatch(/^tkt_/);
    expect(opened.body.replies[0].text).toContain('订单号');
    const filled = await shop.channelMessage('wechat_oa', { externalId: user }, '单号是 LY20251201555');
    expect(filled.body.replies[0].meta.ticketId).toBe(ticketId);
    const ticket = await api.call('GET', `/v1/tickets/${ticketId}`, { token: shop.secretKey });
    expect(ticket.body.ticket).toMatchObject({ orderId: 'LY20251201555', productId: 'p-wool-cardigan' });
  });

  it('quotes the policy for the ticket’s reason: a change of mind is not damaged goods', async () => {
    const mind = await conversation('买多了 不想要了 想退一件');
    expect(mind.replies[0]).toMatchObject({
      intent: 'return_request',
      meta: { action: 'ticket', articleId: 'kb-return-policy' },
    });
    const leak = await conversation('app|收到的面霜漏了一半 要退');
    expect(leak.replies[0]).toMatchObject({ meta: { action: 'ticket', articleId: 'kb-damaged-or-missing' } });
  });

  it('takes the merchant’s own words through the knowledge import', async () => {
    const imported = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: {
        articles: [],
        lexicon: [
          { term: '白月光', means: '玻尿酸面霜' },
          { term: 'moisturiser', means: '面霜' },
        ],
      },
    });
    expect(imported.body.imported).toMatchObject({ lexicon: 2 });
    const nickname = await conversation('白月光开封了能放多久');
    expect(nickname.replies[0]).toMatchObject({
      intent: 'shelf_life',
      meta: { productId: 'p-hyaluronic-cream' },
    });
    const english = await conversation('how long does the moisturiser keep after opening');
    expect(english.replies[0]?.meta?.productId).toBe('p-hyaluronic-cream');
  });
});

describe('"where is my order" from the orders the merchant pushed (engine input)', () => {
  it('answers with status, carrier and tracking number when orders are given, else the how-to-track article', async () => {
    const api = await createTestApi();
    try {
      const shop = await api.createShop();
      await seedDemoStore(api.deps, shop.appId);
      const engine = createAnswerEngine(createKnowledgeIndex((await loadKnowledge(api.deps, shop.appId)).kb));
      const orders = [
        {
          id: 'LY20251201777',
          status: '运输中',
          carrier: '顺丰',
          trackingNumber: 'SF1122334455',
          productIds: ['p-leather-tote'],
        },
        {
          id: 'LY20251120001',
          status: '已签收',
          carrier: '中通',
          trackingNumber: 'ZT998877',
          productIds: ['p-daily-nuts'],
        },
      ];
      const mine = engine.answer({
        text: '帮我看看我买的东西到哪了',
        channel: 'app',
        profile: { attributes: {}, cartProductIds: [], orders },
      });
      expect(mine).toMatchObject({ action: 'answer', intent: 'logistics_query', orderId: 'LY20251201777' });
      expect(mine.text).toContain('SF1122334455');
      // With a product in context, the order that holds it.
      const nuts = engine.answer({
        text: '坚果的快递到哪一步了',
        channel: 'app',
        profile: { attributes: {}, cartProductIds: [], orders },
      });
      expect(nuts.orderId).toBe('LY20251120001');
      const none = engine.answer({ text: '帮我看看我买的东西到哪了', channel: 'app' });
      expect(none).toMatchObject({ intent: 'logistics_query', articleId: 'kb-track-order' });
    } finally {
      await api.close();
    }
  });
});
