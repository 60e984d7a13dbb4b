import { randomUUID } from 'node:crypto';
import { customerProfile, followUpList } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFollowUpWorker } from '../src/followups';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Review 19, agent side: a card the agent sends from a phone call lands on the shopper's
 * mini-program (F12); card links stay on the app's own hosts at rule save, agent send and worker
 * send (F11); an agent records an opt-out, and a CRM's `marketingOptOut: "true"` is refused (F8).
 */

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// 11:00 in Shanghai: outside the default quiet hours.
const MORNING = Date.UTC(2026, 5, 1, 3, 0);
const CARD = {
  title: '头层牛皮通勤托特包',
  description: '¥1299',
  imageUrl: 'https://img.shop.example/tote.jpg',
  targetUrl: 'https://shop.example/p/p-leather-tote',
};

let api: TestApi;
let clock: ReturnType<typeof createManualClock>;
beforeAll(async () => {
  clock = createManualClock(MORNING);
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
});
afterAll(() => api.close());

async function cardShop(cardHosts = ['shop.example', '*.shop.example']) {
  const shop = await api.createShop({ settings: { followUps: { cardHosts } } });
  await seedDemoStore(api.deps, shop.appId);
  return shop;
}

/** A caller on the generic voice protocol asks something and stays on the line; returns the conversation id. */
async function call(
  shop: Shop,
  phone: string,
  utterance = '我购物车里那条连衣裙还有什么可以搭的',
  hangUp = false,
) {
  const callId = randomUUID();
  const turn = (sequence: number, body: Record<string, unknown>) =>
    api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: { callId, from: phone, sequence, ...body },
    });
  expect((await turn(0, { event: 'start' })).status).toBe(200);
  const asked = await turn(1, { event: 'speech', utterance });
  expect(asked.status, asked.text).toBe(200);
  if (hangUp) expect((await turn(2, { event: 'hangup' })).status).toBe(200);
  const [row] = await api.rows<{ id: string; last_channel: string }>(
    "select id, last_channel from conversations where app_id = ? and last_channel = 'phone' order by created_at desc limit 1",
    [shop.appId],
  );
  expect(row?.last_channel).toBe('phone');
  return row!.id;
}

const cardsOn = async (sessionToken: string) => {
  const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: sessionToken });
  return timeline.body.messages.filter((m: { meta?: { card?: unknown } }) => m.meta?.card);
};

describe('an agent on a phone call sends a suggested product as a card (F12)', () => {
  it('goes to the caller’s mini-program by default, or to the channel asked for; a voice channel is refused', async () => {
    const shop = await cardShop();
    const phone = '+8613900001111';
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-card-1', { phone }),
    });
    const conversationId = await call(shop, phone);
    const agent = await shop.addAgent({ name: '小周', skills: [] });
    const send = (body: Record<string, unknown>) =>
      agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, body);

    const sent = await send({ card: CARD });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.message).toMatchObject({ channel: 'miniprogram', meta: { card: CARD } });
    expect(await cardsOn(mini.sessionToken)).toEqual([expect.objectContaining({ id: sent.body.message.id })]);

    // An explicit channel wins; a voice one cannot show a card.
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-card-1', { phone }),
    });
    const toWeb = await send({ card: CARD, channel: 'web' });
    expect(toWeb.status, toWeb.text).toBe(201);
    expect(toWeb.body.message.channel).toBe('web');
    expect(await cardsOn(web.sessionToken)).toHaveLength(2);
    const toPhone = await send({ card: CARD, channel: 'phone' });
    expect(toPhone.status).toBe(409);
    expect(toPhone.body.error.code).toBe('no_card_channel');
  });

  it('a caller with no mini-program, app or web session gets a clear 409, not a card stored on the phone', async () => {
    const shop = await cardShop();
    const conversationId = await call(shop, '+8613900002222');
    const agent = await shop.addAgent({ name: '小周', skills: [] });
    const res = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, { card: CARD });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_card_channel');
    const [counted] = await api.rows<{ n: number }>(
      "select count(*) as n from messages where conversation_id = ? and author_type = 'agent'",
      [conversationId],
    );
    expect(counted?.n).toBe(0);
  });
});

describe('card hosts (F11): the app’s allowedOrigins and cardHosts, at rule save, agent send and worker send', () => {
  const outside = [
    ['targetUrl', 'https://evil.example/refund'],
    // A Cyrillic о: reads as shop.example, is xn--shp-…
    ['targetUrl', 'https://shоp.example/p/1'],
    ['targetUrl', 'https://127.0.0.1/p/1'],
    ['targetUrl', 'https://shop.example.evil.example/p/1'],
    ['imageUrl', 'https://track.example/p.gif?c=cus_1'],
  ] as const;

  it('an agent card outside the hosts is 400 card_host_not_allowed with the field, and nothing is stored', async () => {
    const shop = await cardShop();
    const phone = '+8613900003333';
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-card-3', { phone }),
    });
    const sent = await shop.send(mini.sessionToken, '有什么推荐吗');
    const conversationId = sent.body.conversation.id;
    const agent = await shop.addAgent({ name: '小周', skills: [] });
    for (const [field, url] of outside) {
      const res = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, {
        card: { ...CARD, [field]: url },
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('card_host_not_allowed');
      expect(res.body.error.issues).toEqual([expect.objectContaining({ path: ['card', field] })]);
    }
    expect(await cardsOn(mini.sessionToken)).toHaveLength(0);
    // The apex and a subdomain allowed by *.shop.example pass.
    const ok = await agent.call('POST', `/v1/agent/conversations/${conversationId}/cards`, { card: CARD });
    expect(ok.status, ok.text).toBe(201);
  });

  it('a rule card is checked at save (create and update); the app’s allowedOrigins count as card hosts', async () => {
    const shop = await api.createShop({ allowedOrigins: ['https://lanyue.example'] });
    const rule = (card: Record<string, unknown>) => ({
      name: 'Care card',
      when: { intent: 'care_instructions' },
      delaySeconds: 600,
      send: { channel: 'miniprogram', content: { kind: 'card', card } },
    });
    const own = { title: 'Care', targetUrl: 'https://lanyue.example/care' };
    const created = await api.call('POST', '/v1/follow-up-rules', { token: shop.secretKey, body: rule(own) });
    expect(created.status, created.text).toBe(201);
    for (const [field, url] of outside) {
      const res = await api.call('POST', '/v1/follow-up-rules', {
        token: shop.secretKey,
        body: rule({ ...own, [field]: url }),
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'card_host_not_allowed' });
      expect(res.body.error.issues[0].path).toEqual(['send', 'content', 'card', field]);
    }
    const patched = await api.call('PATCH', `/v1/follow-up-rules/${created.body.rule.id}`, {
      token: shop.secretKey,
      body: { send: rule({ ...own, targetUrl: 'https://evil.example/x' }).send },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe('card_host_not_allowed');
    // cardHosts are host names only.
    for (const bad of ['https://cdn.example', 'cdn.example/path', 'CDN.EXAMPLE', '*.', 'cdn.example:443']) {
      const res = await api.call('PATCH', '/v1/follow-up-settings', {
        token: shop.secretKey,
        body: { cardHosts: [bad] },
      });
      expect(res.status, bad).toBe(400);
    }
    const settings = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { cardHosts: ['cdn.lanyue.example'] },
    });
    expect(settings.status, settings.text).toBe(200);
    expect(settings.body.settings.cardHosts).toEqual(['cdn.lanyue.example']);
  });

  it('the worker skips a scheduled card whose host the app no longer allows (card_host_not_allowed)', async () => {
    const shop = await cardShop(['shop.example', 'img.shop.example']);
    const created = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: 'Tote care card',
        when: { channel: 'phone', intent: 'care_instructions', productId: 'p-leather-tote' },
        delaySeconds: 600,
        send: { channel: 'miniprogram', content: { kind: 'card', card: CARD } },
      },
    });
    expect(created.status, created.text).toBe(201);
    const phone = '+8613900004444';
    await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-card-4', { phone }),
    });
    await call(shop, phone, '我买的那个真皮托特包平时要怎么保养啊', true);
    // The merchant moves its pictures off img.shop.example before the card is due.
    const shrunk = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { cardHosts: ['shop.example'] },
    });
    expect(shrunk.status).toBe(200);
    clock.advance(600_000);
    const worker = startFollowUpWorker(api.deps, { pollMs: 3_600_000 });
    try {
      await worker.drain();
    } finally {
      await worker.stop();
    }
    const list = await api.call('GET', '/v1/follow-ups', { token: shop.secretKey });
    expect(followUpList.parse(list.body).followUps).toEqual([
      expect.objectContaining({ state: 'skipped', reason: 'card_host_not_allowed', messageId: null }),
    ]);
  });
});

describe('marketing consent by the agent (F8)', () => {
  it('POST /v1/agent/customers/{id}/consent opts out (cancelling scheduled follow-ups, audited) and back in', async () => {
    const shop = await cardShop();
    await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: 'Care card',
        when: { channel: 'phone', intent: 'care_instructions' },
        delaySeconds: 600,
        send: { channel: 'miniprogram', content: { kind: 'card', card: CARD } },
      },
    });
    const phone = '+8613900005555';
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-consent-1', { phone }),
    });
    await call(shop, phone, '我买的那个真皮托特包平时要怎么保养啊', true);
    const scheduled = await api.call('GET', '/v1/follow-ups', { token: shop.secretKey });
    expect(scheduled.body.followUps).toEqual([expect.objectContaining({ state: 'scheduled' })]);

    const agent = await shop.addAgent({ name: '小周', skills: [] });
    const consent = (body: unknown) =>
      agent.call('POST', `/v1/agent/customers/${mini.customer.id}/consent`, body as Record<string, unknown>);
    for (const bad of [
      {},
      { marketingOptOut: 'true' },
      { marketingOptOut: 1 },
      { marketingOptOut: true, x: 1 },
    ]) {
      const res = await consent(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const out = await consent({ marketingOptOut: true });
    expect(out.status, out.text).toBe(200);
    expect(out.body).toEqual({ customerId: mini.customer.id, marketingOptOut: true, cancelled: 1 });
    const after = await api.call('GET', '/v1/follow-ups', { token: shop.secretKey });
    expect(after.body.followUps).toEqual([
      expect.objectContaining({ state: 'cancelled', reason: 'opted_out' }),
    ]);
    const profile = customerProfile.parse(
      (await agent.call('GET', `/v1/agent/customers/${mini.customer.id}`)).body,
    );
    expect(profile.attributes.marketingOptOut).toBe(true);
    const audit = await api.rows<{ action: string; actor_id: string; details: string }>(
      "select action, actor_id, details from audit_log where app_id = ? and action like 'customer.marketing%' order by id",
      [shop.appId],
    );
    expect(audit).toEqual([
      expect.objectContaining({ action: 'customer.marketing_opted_out', actor_id: agent.id }),
    ]);
    expect(JSON.parse(audit[0]!.details)).toEqual({ cancelledFollowUps: 1 });

    const back = await consent({ marketingOptOut: false });
    expect(back.body).toEqual({ customerId: mini.customer.id, marketingOptOut: false, cancelled: 0 });
    const again = customerProfile.parse(
      (await agent.call('GET', `/v1/agent/customers/${mini.customer.id}`)).body,
    );
    expect(again.attributes.marketingOptOut).toBeUndefined();
    // Another app's customer is not found.
    const other = await cardShop();
    const stranger = await other.addAgent({ name: 'Other', skills: [] });
    const cross = await stranger.call('POST', `/v1/agent/customers/${mini.customer.id}/consent`, {
      marketingOptOut: true,
    });
    expect(cross.status).toBe(404);
  });

  it('POST /v1/customers refuses a marketingOptOut that is not a boolean (or null), with its path', async () => {
    const shop = await cardShop();
    for (const value of ['true', 1, 'yes', { on: true }]) {
      const res = await api.call('POST', '/v1/customers', {
        token: shop.secretKey,
        body: { customer: { externalId: 'crm-1' }, attributes: { marketingOptOut: value } },
      });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.issues).toContainEqual(
        expect.objectContaining({ path: ['attributes', 'marketingOptOut'] }),
      );
    }
    for (const value of [true, false, null]) {
      const res = await api.call('POST', '/v1/customers', {
        token: shop.secretKey,
        body: { customer: { externalId: 'crm-1' }, attributes: { marketingOptOut: value } },
      });
      expect(res.status, JSON.stringify(value)).toBe(200);
    }
  });
});
