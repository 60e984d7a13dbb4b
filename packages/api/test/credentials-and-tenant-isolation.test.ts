import { randomBytes } from 'node:crypto';
import { errorEnvelope, timelinePage, updatesAnswer } from '@threadline/sdk-core/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('each route takes only its own kind of credential', () => {
  const clock = createManualClock(Date.UTC(2026, 4, 1, 8));
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let sessionToken: string;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
    sessionToken = (await shop.startSession({ channel: 'web' })).sessionToken;
  });
  afterAll(() => api.close());

  const attempt = (token: string | undefined, method: string, path: string, body?: unknown) =>
    api.call(method, path, { token, body });
  const sender = { from: { externalId: 'u-1' }, text: 'hi' };

  it('refuses a publishable key on secret-key routes', async () => {
    for (const [path, body] of [
      ['/v1/channels/sms/messages', sender],
      ['/v1/channels/phone/calls', { from: { phone: '13800000000' } }],
      ['/v1/handoffs', { customer: { externalId: 'u-1' } }],
    ] as const) {
      const res = await attempt(shop.publishableKey, 'POST', path, body);
      expect([path, res.status, codeOf(res)]).toEqual([path, 403, 'wrong_credential_kind']);
    }
  });

  it('refuses a session token on server channels and a secret key or agent token on session routes', async () => {
    const channel = await attempt(sessionToken, 'POST', '/v1/channels/sms/messages', sender);
    expect([channel.status, codeOf(channel)]).toEqual([403, 'wrong_credential_kind']);
    const call = await attempt(sessionToken, 'POST', '/v1/channels/phone/calls', {
      from: { phone: '13800000000' },
    });
    expect([call.status, codeOf(call)]).toEqual([403, 'wrong_credential_kind']);
    for (const token of [shop.secretKey, shop.agentToken, shop.publishableKey]) {
      const send = await attempt(token, 'POST', '/v1/messages', { clientMessageId: 'cmid-0001', text: 'x' });
      expect([send.status, codeOf(send)]).toEqual([403, 'wrong_credential_kind']);
      const timeline = await attempt(token, 'GET', '/v1/timeline');
      expect([timeline.status, codeOf(timeline)]).toEqual([403, 'wrong_credential_kind']);
    }
    for (const token of [shop.secretKey, sessionToken, shop.agentToken]) {
      const start = await attempt(token, 'POST', '/v1/sessions', { channel: 'web' });
      expect([start.status, codeOf(start)]).toEqual([403, 'wrong_credential_kind']);
    }
  });

  it('answers 401 for a missing, unknown, foreign-signed or expired credential', async () => {
    const missing = await attempt(undefined, 'GET', '/v1/timeline');
    expect([missing.status, codeOf(missing)]).toEqual([401, 'unauthorized']);
    for (const unknown of [
      `pk_${randomBytes(24).toString('base64url')}`,
      `sk_${'x'.repeat(40)}`,
      'at_nope-nope',
    ]) {
      const res = await attempt(unknown, 'POST', '/v1/sessions', { channel: 'web' });
      expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
    }
    // A session token minted with another server's key, with this app's ids in it.
    const [session] = await api.rows<{ id: string }>('select id from sessions limit 1');
    const foreign = await new SignJWT({ app: shop.appId, ch: 'web', typ: 'session' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('threadline')
      .setSubject(session!.id)
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 3600)
      .sign(randomBytes(32));
    const forged = await attempt(foreign, 'GET', '/v1/timeline');
    expect([forged.status, codeOf(forged)]).toEqual([401, 'invalid_credential']);

    clock.advance(25 * 3600_000);
    const expired = await attempt(sessionToken, 'GET', '/v1/timeline');
    expect([expired.status, codeOf(expired)]).toEqual([401, 'session_expired']);
  });

  it('lets a publishable key start sessions only from its allowed origins', async () => {
    const locked = await api.createShop({ allowedOrigins: ['https://shop.example'] });
    const from = (origin?: string) =>
      api.call('POST', '/v1/sessions', {
        token: locked.publishableKey,
        body: { channel: 'web' },
        headers: origin ? { origin } : {},
      });
    const evil = await from('https://evil.example');
    expect([evil.status, codeOf(evil)]).toEqual([403, 'origin_not_allowed']);
    const lookalike = await from('https://shop.example.evil.example');
    expect([lookalike.status, codeOf(lookalike)]).toEqual([403, 'origin_not_allowed']);
    expect((await from('https://shop.example')).status).toBe(201);
    // Apps and mini-programs send no Origin; browsers always do, so the list still binds them.
    expect((await from()).status).toBe(201);
  });
});

describe('no credential of app A reads or writes app B', () => {
  let api: TestApi;
  let a: Awaited<ReturnType<TestApi['createShop']>>;
  let b: Awaited<ReturnType<TestApi['createShop']>>;
  let bUser: { customerId: string; sessionToken: string; anonymousId: string };
  let aSession: string;
  beforeAll(async () => {
    api = await createTestApi();
    a = await api.createShop({ name: 'Shop A' });
    b = await api.createShop({ name: 'Shop B', extraChannels: ['b_only'] });
    // The same merchant user id exists in both apps: two different people.
    const session = await b.startSession({
      channel: 'app',
      identityToken: await b.identityToken('shared-user'),
    });
    await b.send(session.sessionToken, "B's secret order question");
    bUser = {
      customerId: session.customer.id,
      sessionToken: session.sessionToken,
      anonymousId: session.anonymousId,
    };
    aSession = (await a.startSession({ channel: 'web', identityToken: await a.identityToken('shared-user') }))
      .sessionToken;
  });
  afterAll(() => api.close());

  it("refuses A's secret key and agent token on B's customer ids", async () => {
    for (const token of [a.secretKey, a.agentToken]) {
      const res = await api.call('POST', '/v1/handoffs', {
        token,
        body: { customer: { id: bUser.customerId } },
      });
      expect([res.status, codeOf(res)]).toEqual([404, 'not_found']);
    }
    const own = await api.call('POST', '/v1/handoffs', {
      token: b.secretKey,
      body: { customer: { id: bUser.customerId } },
    });
    expect(own.status).toBe(201);
  });

  it("refuses B's identity tokens and B's handoff codes on A's publishable key", async () => {
    const bToken = await b.identityToken('shared-user');
    const start = await api.call('POST', '/v1/sessions', {
      token: a.publishableKey,
      body: { channel: 'web', identityToken: bToken },
    });
    expect([start.status, codeOf(start)]).toEqual([401, 'invalid_identity_token']);
    const identify = await a.identify((await a.startSession()).sessionToken, bToken);
    expect([identify.status, codeOf(identify)]).toEqual([401, 'invalid_identity_token']);

    const code = await api.call('POST', '/v1/handoffs', { token: bUser.sessionToken, body: {} });
    for (const presented of [code.body.code, code.body.shortCode]) {
      const res = await api.call('POST', '/v1/sessions', {
        token: a.publishableKey,
        body: { channel: 'web', handoffCode: presented, handoffCheck: '0000' },
      });
      expect([res.status, codeOf(res)]).toEqual([404, 'handoff_code_invalid']);
    }
  });

  it("keeps A's sessions on A's customers: same user id, same device id, never B's history", async () => {
    const timeline = timelinePage.parse((await api.call('GET', '/v1/timeline', { token: aSession })).body);
    expect(timeline.messages).toEqual([]);
    // A device id seen by app B means nothing to app A.
    const sameDevice = await a.startSession({ channel: 'app', anonymousId: bUser.anonymousId });
    expect(sameDevice.customer.id).not.toBe(bUser.customerId);
    const deviceTimeline = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: sameDevice.sessionToken })).body,
    );
    expect(deviceTimeline.messages).toEqual([]);

    // B's traffic never shows up on A's realtime feed.
    const cursor = updatesAnswer.parse(
      (await api.call('GET', '/v1/updates?wait=0', { token: aSession })).body,
    ).cursor;
    await b.send(bUser.sessionToken, 'another B message');
    await b.channelMessage('phone', { externalId: 'shared-user' }, 'B on the phone');
    const updates = updatesAnswer.parse(
      (await api.call('GET', `/v1/updates?wait=0&after=${cursor}`, { token: aSession })).body,
    );
    expect(updates.events).toEqual([]);
  });

  it("writes A's server-channel traffic to A's customer even when B has the same external id or phone", async () => {
    await b.channelMessage(
      'phone',
      { externalId: 'shared-user', phone: '13700000009' },
      'B registers a phone',
    );
    const posted = await a.channelMessage('phone', { phone: '13700000009' }, 'A caller with that number');
    expect(posted.status).toBe(201);
    const sameUser = await a.channelMessage('sms', { externalId: 'shared-user' }, 'A user by sms');
    expect(sameUser.status).toBe(201);
    const anonymousOfB = await a.channelMessage(
      'douyin_live',
      { identity: { kind: 'anonymous', value: bUser.anonymousId } },
      'A livestream viewer',
    );
    expect(anonymousOfB.status).toBe(201);

    const customers = [posted, sameUser, anonymousOfB].map((r) => r.body.customer.id as string);
    const rows = await api.rows<{ app_id: string }>(
      `select app_id from customers where id in (${customers.map(() => '?').join(',')})`,
      customers,
    );
    expect(rows.map((r) => r.app_id)).toEqual(rows.map(() => a.appId));
    expect(customers).not.toContain(bUser.customerId);

    const bTimeline = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: bUser.sessionToken })).body,
    );
    for (const message of bTimeline.messages) expect(message.text.startsWith('A ')).toBe(false);
    // No row anywhere points across apps.
    for (const table of ['messages', 'conversations', 'identities', 'sessions', 'events']) {
      const crossed = await api.rows(
        `select t.customer_id from ${table} t join customers c on c.id = t.customer_id where t.app_id <> c.app_id`,
      );
      expect(crossed, table).toEqual([]);
    }
  });

  it("keeps each app's own channel list", async () => {
    expect((await b.channelMessage('b_only', { externalId: 'x' }, 'ok')).status).toBe(201);
    const res = await a.channelMessage('b_only', { externalId: 'x' }, 'not for A');
    expect([res.status, codeOf(res)]).toEqual([400, 'unknown_channel']);
  });
});

describe("no credential of app A reads or writes app B's livestream rooms", () => {
  let api: TestApi;
  let a: Awaited<ReturnType<TestApi['createShop']>>;
  let b: Awaited<ReturnType<TestApi['createShop']>>;
  const say = (token: string, roomId: string, viewerId: string, text: string, id: string) =>
    api.call('POST', '/v1/channels/douyin_live/comments', {
      token,
      body: { roomId, items: [{ id, viewerId, nickname: 'n', text, at: Date.now() }] },
    });
  const room = (roomId: string, path = '') => `/v1/channels/douyin_live/rooms/${roomId}${path}`;
  beforeAll(async () => {
    api = await createTestApi({ liveTickMs: 0 });
    a = await api.createShop({ name: 'Shop A' });
    b = await api.createShop({ name: 'Shop B' });
    // The same platform room id and viewer id in both apps: two rooms, two people.
    expect((await say(b.secretKey, 'same-room', 'dy_1', '几号发货', 'c-1')).status).toBe(200);
    expect((await say(b.secretKey, 'only-b', 'dy_1', '包邮吗', 'c-2')).status).toBe(200);
    expect((await say(a.secretKey, 'same-room', 'dy_1', '几号发货', 'c-1')).status).toBe(200);
  });
  afterAll(async () => {
    api.app.livestream.close();
    await api.close();
  });

  it("keeps A's comments, viewers and rooms apart from B's, even with the same ids", async () => {
    const rooms = await api.rows<{ app_id: string; n: number }>(
      "select r.app_id, count(c.seq) as n from live_rooms r join live_comments c on c.room_id = r.id where r.platform_room_id = 'same-room' group by r.app_id",
    );
    expect(rooms.map((r) => r.n)).toEqual([1, 1]);
    const viewers = await api.rows<{ app_id: string }>(
      "select i.app_id from identities i where i.kind = 'douyin' and i.value = 'dy_1' order by i.app_id",
    );
    expect(viewers.map((v) => v.app_id).sort()).toEqual([a.appId, b.appId].sort());
    // Every comment points at a customer of its room's app.
    const crossed = await api.rows(
      'select c.seq from live_comments c join live_rooms r on r.id = c.room_id join customers u on u.id = c.customer_id where u.app_id <> r.app_id',
    );
    expect(crossed).toEqual([]);
  });

  it("answers 404 to A's keys and tokens on a room only B has", async () => {
    for (const token of [a.secretKey, a.agentToken]) {
      for (const [method, path, body] of [
        ['GET', room('only-b')],
        ['GET', room('only-b', '/hot-questions')],
        ['GET', room('only-b', '/hot-questions/stream')],
        ['GET', room('only-b', '/figures')],
        ['POST', room('only-b', '/pins'), { questionKey: 'shipping_time|kb-shipping-carrier-fee|' }],
        ['DELETE', room('only-b', '/pins')],
      ] as const) {
        const res = await api.call(method, path, { token, body });
        expect([path, res.status, codeOf(res)]).toEqual([path, 404, 'not_found']);
      }
    }
  });

  it('lets a host key see only its own room of its own app', async () => {
    const aKey = (await api.call('POST', room('same-room', '/host-keys'), { token: a.secretKey, body: {} }))
      .body.key;
    const own = await api.call('GET', room('same-room', '/hot-questions'), { token: aKey });
    expect(own.status).toBe(200);
    expect(own.body.totals.ingested).toBe(1);
    for (const path of [room('only-b', '/hot-questions'), room('only-b')]) {
      const res = await api.call('GET', path, { token: aKey });
      expect([path, res.status, codeOf(res)]).toEqual([path, 404, 'not_found']);
    }
    // B's own pin does not show in A's room, and A's settings do not reach B.
    await api.call('PUT', '/v1/live/settings', {
      token: a.secretKey,
      body: { replyUrl: 'http://127.0.0.1:9/a' },
    });
    const bSettings = await api.call('GET', '/v1/live/settings', { token: b.secretKey });
    expect(bSettings.body.settings.replyUrl).toBeNull();
  });
});

describe('no agent credential of app A reads or changes anything of app B', () => {
  let api: TestApi;
  let a: Awaited<ReturnType<TestApi['createShop']>>;
  let b: Awaited<ReturnType<TestApi['createShop']>>;
  let aAgent: Awaited<ReturnType<Awaited<ReturnType<TestApi['createShop']>>['addAgent']>>;
  let aConversation: string;
  const bIds = {
    conversation: '',
    customer: '',
    agent: '',
    token: '',
    ticket: '',
    webhook: '',
    delivery: '',
  };
  const B_PASSWORD = 'b-agent-password-1';

  beforeAll(async () => {
    api = await createTestApi();
    a = await api.createShop({ name: 'Shop A' });
    b = await api.createShop({ name: 'Shop B' });
    await seedDemoStore(api.deps, a.appId);
    await seedDemoStore(api.deps, b.appId);
    const bAgent = await b.addAgent({
      name: 'B 客服',
      email: 'agent@b.example',
      password: B_PASSWORD,
      role: 'supervisor',
    });
    await bAgent.presence('online');
    // B's CRM hears everything (no worker runs here: the deliveries stay queued).
    const hook = await api.call('POST', '/v1/webhooks', {
      token: b.secretKey,
      body: { url: 'https://crm.b.example/hooks', events: ['*'] },
    });
    expect(hook.status).toBe(201);
    const session = await b.startSession({
      channel: 'web',
      identityToken: await b.identityToken('b-user', { phone: '13600001234' }),
    });
    await b.send(session.sessionToken, '衣服尺码不合适想换大一码');
    const asked = await b.send(session.sessionToken, '转人工');
    await bAgent.call('POST', `/v1/agent/conversations/${asked.body.conversation.id}/notes`, {
      text: 'B 的备注',
    });
    await api.call('POST', '/v1/orders', {
      token: b.secretKey,
      body: {
        customer: { externalId: 'b-user' },
        orders: [{ id: 'B-ORDER-1', status: 'paid', items: [], amount: 10, address: 'B 的地址' }],
      },
    });
    const [ticket] = await api.rows<{ id: string }>('select id from tickets where app_id = ?', [b.appId]);
    const [token] = await api.rows<{ id: string }>('select id from agent_tokens where agent_id = ?', [
      bAgent.id,
    ]);
    const [delivery] = await api.rows<{ id: string }>('select id from webhook_deliveries where app_id = ?', [
      b.appId,
    ]);
    Object.assign(bIds, {
      webhook: hook.body.webhook.id,
      delivery: delivery!.id,
      conversation: asked.body.conversation.id,
      customer: session.customer.id,
      agent: bAgent.id,
      token: token!.id,
      ticket: ticket!.id,
    });

    aAgent = await a.addAgent({ name: 'A 主管', role: 'supervisor', capacity: 10 });
    await aAgent.presence('online');
    const aSession = await a.startSession({ channel: 'web' });
    aConversation = (await a.send(aSession.sessionToken, '转人工')).body.conversation.id;
  });
  afterAll(() => api.close());

  /** Everything of app B an agent route could touch, as stored. */
  const snapshotOfB = async () => {
    const parts: unknown[] = [];
    for (const table of [
      'conversations',
      'messages',
      'assignments',
      'conversation_notes',
      'agents',
      'agent_tokens',
      'orders',
      'customer_pii',
      'customers',
      'tickets',
      'handoff_codes',
      'audit_log',
      'identities',
      'webhooks',
      'webhook_events',
      'webhook_deliveries',
      'erased_customers',
    ]) {
      parts.push(await api.rows(`select * from ${table} where app_id = ? order by rowid`, [b.appId]));
    }
    return JSON.stringify(parts);
  };

  it("answers 404 to every route that names one of B's conversations, customers, agents, tokens or tickets, and changes nothing of B", async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: Record<string, unknown>[];
            requestBody?: { content?: Record<string, { schema?: { example?: unknown } }> };
          }
        >
      >;
    };
    const idFor = (template: string, param: string) => {
      if (param === 'tokenId') return bIds.token;
      if (param === 'deliveryId') return bIds.delivery;
      if (template.startsWith('/v1/webhooks/')) return bIds.webhook;
      if (template.startsWith('/v1/customers/')) return bIds.customer;
      if (template.startsWith('/v1/agent/conversations/')) return bIds.conversation;
      if (template.startsWith('/v1/agent/customers/')) return bIds.customer;
      if (template.startsWith('/v1/agents/')) return bIds.agent;
      if (template.startsWith('/v1/tickets/')) return bIds.ticket;
      return null;
    };
    const before = await snapshotOfB();
    const tried: string[] = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        if (params.length === 0 || params.some((p) => idFor(template, p) === null)) continue;
        const path = params.reduce((p, name) => p.replace(`{${name}}`, idFor(template, name)!), template);
        // A valid body, so it is the tenant check that refuses and not validation.
        const body =
          operation.requestBody?.content?.['application/json']?.schema?.example ??
          (template === '/v1/tickets/{id}' ? { status: 'in_progress', note: 'A was here' } : undefined);
        const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
        for (const [scheme, token] of [
          ['agentToken', aAgent.token],
          ['secretKey', a.secretKey],
        ] as const) {
          if (!schemes.includes(scheme)) continue;
          const res = await api.call(method.toUpperCase(), path, {
            token,
            ...(method === 'get' ? {} : { body: body ?? {} }),
          });
          tried.push(`${method.toUpperCase()} ${template} [${scheme}]`);
          expect([`${method.toUpperCase()} ${template} [${scheme}]`, res.status]).toEqual([
            `${method.toUpperCase()} ${template} [${scheme}]`,
            404,
          ]);
        }
      }
    }
    expect(tried.length).toBeGreaterThanOrEqual(20);
    expect(tried).toEqual(
      expect.arrayContaining([
        'POST /v1/agent/conversations/{id}/claim [agentToken]',
        'DELETE /v1/customers/{id} [secretKey]',
        'GET /v1/customers/{id}/export [secretKey]',
        'GET /v1/webhooks/{id}/deliveries [secretKey]',
        'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver [secretKey]',
        'DELETE /v1/webhooks/{id} [secretKey]',
      ]),
    );
    expect(await snapshotOfB()).toBe(before);
  });

  it("never shows B's conversations, agents, customers or events to A's agent, nor lets A transfer to B's agent", async () => {
    const secrets = [bIds.conversation, bIds.customer, bIds.agent, 'B 客服', 'B 的备注'];
    for (const view of ['open', 'mine', 'queued', 'assigned', 'bot', 'resolved', 'all']) {
      const inbox = await aAgent.call('GET', `/v1/agent/inbox?view=${view}&limit=100`);
      for (const secret of secrets) expect(inbox.text).not.toContain(secret);
    }
    // A's secret key lists none of B's webhooks.
    const listed = await api.call('GET', '/v1/webhooks', { token: a.secretKey });
    expect(listed.body.webhooks).toEqual([]);
    for (const path of [
      '/v1/agent/queue',
      '/v1/agents',
      '/v1/agent/updates?after=0&wait=0',
      '/v1/audit-log',
      '/v1/tickets',
    ]) {
      const res = await aAgent.call('GET', path);
      expect(res.status).toBe(200);
      for (const secret of secrets) expect(res.text).not.toContain(secret);
    }
    const queue = (await aAgent.call('GET', '/v1/agent/queue')).body;
    expect(queue.total.assigned + queue.total.waiting).toBe(1);

    const transfer = await aAgent.call('POST', `/v1/agent/conversations/${aConversation}/transfer`, {
      agentId: bIds.agent,
    });
    expect([transfer.status, codeOf(transfer)]).toEqual([404, 'not_found']);

    // B's agent signs in to B, never to A.
    const toA = await api.call('POST', '/v1/agent/sign-in', {
      body: { app: a.appId, email: 'agent@b.example', password: B_PASSWORD },
    });
    expect([toA.status, codeOf(toA)]).toEqual([401, 'sign_in_failed']);
    const toB = await api.call('POST', '/v1/agent/sign-in', {
      body: { app: b.appId, email: 'agent@b.example', password: B_PASSWORD },
    });
    expect(toB.status).toBe(201);
    // …and that token is B's alone.
    const crossed = await api.call('GET', `/v1/agent/conversations/${aConversation}`, {
      token: toB.body.token,
    });
    expect([crossed.status, codeOf(crossed)]).toEqual([404, 'not_found']);
  });

  it("keeps B's live traffic off A's agent stream", async () => {
    const cursor = (await aAgent.call('GET', '/v1/agent/updates?wait=0')).body.cursor;
    await b.channelMessage('phone', { externalId: 'b-user' }, 'B 的电话留言');
    await api.call('POST', '/v1/customers', {
      token: b.secretKey,
      body: { customer: { externalId: 'b-user' }, attributes: { vip: true } },
    });
    const seen = await aAgent.call('GET', `/v1/agent/updates?wait=0&after=${cursor}`);
    expect(seen.body.events).toEqual([]);
    for (const table of ['assignments', 'conversation_notes', 'orders', 'customer_pii']) {
      const crossed = await api.rows(
        `select t.customer_id from ${table} t join customers c on c.id = t.customer_id where t.app_id <> c.app_id`,
      );
      expect(crossed, table).toEqual([]);
    }
  });
});
