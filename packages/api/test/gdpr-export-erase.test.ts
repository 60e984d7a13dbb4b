import { readFileSync } from 'node:fs';
import { customerExport, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { startWebhookWorker, type WebhookWorker } from '../src/webhooks';
import { createTestApi, type TestApi } from './harness';
import { startReceiver } from './webhook-receiver';

/**
 * One shopper talks on web, app, mini-program and phone, with a merge along the way; export
 * returns all of it, erase removes all of it — down to the bytes of the database file and its WAL —
 * and another shopper's history, inbox and counts stay as they were.
 */

const EXTERNAL_ID = 'crm-user-zq81x4';
const PHONE = '+8613912345678';
const NATIONAL = '13912345678';
const EMAIL = 'lin.xiaoyu.q7@example.cn';
const NAME = '林晓雨测试';
const ADDRESS = '上海市徐汇区漕溪北路88号';
const MARKER_PROPERTY = 'wishlist-aurora-77';
const VIEWER = 'dy_viewer_erase_k2';
const NICKNAME = '晚风拂柳k2';
const LIVE_TEXT = '主播今天的口红颜色真好看 k2';
const VOICE_TEXT = '电话里问一下那瓶精华的保质期 v9';
const CSAT_COMMENT = '那位客服态度一般 等了好久 c7';
const TEXTS = {
  app: '应用里问一下粉底液色号 q1',
  web: '网页上问退货流程 w2',
  miniprogram: '小程序里问优惠券 m3',
  phone: '电话里说快递没到 p4',
} as const;

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

/** The database file and its write-ahead log, as bytes on disk. */
const rawBytes = (path: string) =>
  Buffer.concat(
    [path, `${path}-wal`].map((file) => {
      try {
        return readFileSync(file);
      } catch {
        return Buffer.alloc(0);
      }
    }),
  );

describe('GDPR export and erase across every channel', () => {
  let api: TestApi;
  let shop: Shop;
  let worker: WebhookWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let customerId: string;
  let anonymousCustomerId: string;
  let viewerCustomerId: string;
  let sessionTokens: string[] = [];
  let other: { token: string; customerId: string; texts: string[] };

  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true, retryBaseMs: 30, retryMaxMs: 100 } });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    worker = startWebhookWorker(api.deps, { pollMs: 25 });
    receiver = await startReceiver();
    const hook = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: receiver.url, events: ['customer.erased', 'customer.merged'] },
    });
    expect(hook.status).toBe(201);

    // A livestream viewer first: the user's identity token later names the handle, which merges them.
    const live = await api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      body: {
        roomId: 'room-erase',
        items: [
          {
            id: 'c-erase-1',
            viewerId: VIEWER,
            nickname: NICKNAME,
            text: LIVE_TEXT,
            at: api.deps.clock.now(),
          },
        ],
      },
    });
    expect(live.status).toBe(200);
    const [viewer] = await api.rows<{ customer_id: string }>(
      "SELECT customer_id FROM identities WHERE kind = 'douyin' AND value = ?",
      [VIEWER],
    );
    viewerCustomerId = viewer!.customer_id;
    // Anonymous on the app first; identifying merges that customer into the user (an alias stays).
    const app = await shop.startSession({ channel: 'app' });
    anonymousCustomerId = app.customer.id;
    await shop.send(app.sessionToken, TEXTS.app);
    await api.call('POST', '/v1/track', {
      token: app.sessionToken,
      body: { name: 'add_to_cart', properties: { productId: 'p1', note: MARKER_PROPERTY } },
    });
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken(EXTERNAL_ID, {
        phone: PHONE,
        email: EMAIL,
        name: NAME,
      }),
    });
    customerId = web.customer.id;
    const identified = await shop.identify(
      app.sessionToken,
      await shop.identityToken(EXTERNAL_ID, { phone: PHONE, email: EMAIL }),
    );
    expect(identified.body.merged).toBe(true);
    await shop.send(web.sessionToken, TEXTS.web);
    // A return request opens a ticket.
    const ticketed = await shop.send(web.sessionToken, '衣服尺码不合适想换大一码');
    expect(ticketed.body.replies[0]?.meta?.ticketId).toBeTruthy();
    const mini = await shop.startSession({
      channel: 'miniprogram',
      // This token links the livestream handle: the viewer merges into the user.
      identityToken: await shop.identityToken(EXTERNAL_ID, { handles: { douyin: VIEWER } }),
    });
    await shop.send(mini.sessionToken, TEXTS.miniprogram);
    const phone = await shop.channelMessage('phone', { phone: PHONE }, TEXTS.phone);
    expect(phone.status).toBe(201);
    expect(phone.body.customer.id).toBe(customerId);
    // A call to the voice bot from the same number (the generic turn protocol).
    const call = await api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: { callId: 'gdpr-call-1', from: PHONE, event: 'speech', utterance: VOICE_TEXT, sequence: 0 },
    });
    expect(call.status).toBe(200);
    const profile = await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: {
        customer: { externalId: EXTERNAL_ID },
        phone: PHONE,
        address: ADDRESS,
        payment: 'Visa 4000 0566 5566 5556',
      },
    });
    expect(profile.status).toBe(200);
    const order = await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { externalId: EXTERNAL_ID },
        orders: [
          {
            id: 'ORD-ERASE-1',
            status: 'shipped',
            items: [{ sku: 'sku-1', name: '粉底液', quantity: 1, price: 199 }],
            amount: 199,
            currency: 'CNY',
            address: ADDRESS,
          },
        ],
      },
    });
    expect(order.status).toBe(200);
    const handoff = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'app' },
    });
    expect(handoff.status).toBe(201);
    // An agent helps and resolves; the shopper rates the help with a comment of their own words.
    const rater = await shop.addAgent({ name: '王敏', skills: [] });
    expect((await rater.presence('online')).status).toBe(200);
    const asked = await shop.send(web.sessionToken, '转人工');
    const helped = asked.body.conversation.id as string;
    await rater.call('POST', `/v1/agent/conversations/${helped}/claim`);
    expect((await rater.call('POST', `/v1/agent/conversations/${helped}/resolve`)).status).toBe(200);
    const rated = await api.call('POST', '/v1/csat', {
      token: web.sessionToken,
      body: { conversationId: helped, rating: 2, comment: CSAT_COMMENT },
    });
    expect(rated.status).toBe(201);
    expect((await rater.presence('offline')).status).toBe(200);
    sessionTokens = [web.sessionToken, app.sessionToken, mini.sessionToken];

    // Someone else, whose history must not move.
    const otherSession = await shop.startSession({ channel: 'web' });
    const texts = ['另一位顾客的问题一', '量子纠缠和猫有什么关系'];
    for (const text of texts) await shop.send(otherSession.sessionToken, text);
    await api.call('POST', '/v1/escalate', { token: otherSession.sessionToken, body: {} });
    other = { token: otherSession.sessionToken, customerId: otherSession.customer.id, texts };
  });
  afterAll(async () => {
    await worker.stop();
    await receiver.close();
    await api.close();
  });

  it('exports everything of the person on every channel, merged ids included, decrypted', async () => {
    // The merged-away id gives the same person.
    for (const id of [customerId, anonymousCustomerId, viewerCustomerId]) {
      const res = await api.call('GET', `/v1/customers/${id}/export`, { token: shop.secretKey });
      expect(res.status).toBe(200);
      const doc = customerExport.parse(res.body);
      expect(doc.customer.id).toBe(customerId);
      expect(doc.customer.mergedIds).toEqual(expect.arrayContaining([anonymousCustomerId]));
      expect(doc.customer.mergedIds).toHaveLength(2);
      expect(doc.liveComments).toEqual([
        expect.objectContaining({
          channel: 'douyin_live',
          viewerId: VIEWER,
          nickname: NICKNAME,
          text: LIVE_TEXT,
        }),
      ]);
      expect(doc.customer.name).toBe(NAME);
      const identities = doc.identities.map((i) => `${i.kind}:${i.value}`);
      expect(identities).toEqual(
        expect.arrayContaining([`external:${EXTERNAL_ID}`, `phone:${PHONE}`, `email:${EMAIL}`]),
      );
      expect(doc.contact).toMatchObject({ phone: PHONE, address: ADDRESS });
      expect(doc.channels).toEqual(expect.arrayContaining(['web', 'app', 'miniprogram', 'phone']));
      const texts = doc.messages.map((m) => `${m.channel}:${m.text}`);
      for (const [channel, text] of Object.entries(TEXTS)) expect(texts).toContain(`${channel}:${text}`);
      expect(doc.tickets.length).toBeGreaterThanOrEqual(1);
      expect(doc.orders).toEqual([expect.objectContaining({ id: 'ORD-ERASE-1', address: ADDRESS })]);
      expect(JSON.stringify(doc.events)).toContain(MARKER_PROPERTY);
      expect(doc.handoffs).toEqual([expect.objectContaining({ toChannel: 'app' })]);
      expect(doc.csat).toEqual([expect.objectContaining({ rating: 2, comment: CSAT_COMMENT })]);
      expect(doc.voiceCalls).toEqual([expect.objectContaining({ callId: 'gdpr-call-1', turns: 1 })]);
      expect(texts).toContain(`phone:${VOICE_TEXT}`);
      expect(JSON.stringify(doc)).not.toContain(other.texts[0]);
    }
    const audit = await api.call('GET', '/v1/audit-log?action=customer.exported', { token: shop.secretKey });
    expect(audit.body.entries).toHaveLength(3);
    expect(audit.body.entries[0]).toMatchObject({
      actor: { type: 'merchant' },
      subject: { type: 'customer', id: customerId },
    });
    expect(audit.body.entries[0].details.from).toBeTruthy();
  });

  it('erases the person: the raw database and WAL hold none of their data; others are untouched', async () => {
    const agent = await shop.addAgent({ name: '小周', skills: [] });
    await agent.presence('online');
    const inboxBefore = await agent.call('GET', '/v1/agent/inbox');
    // Before: the user id and name are in the file (look-up columns are not sealed), so the check below can see.
    const before = rawBytes(api.databasePath);
    expect(before.includes(Buffer.from(EXTERNAL_ID)) && before.includes(Buffer.from(NAME))).toBe(true);
    const otherBefore = await api.call('GET', '/v1/timeline', { token: other.token });
    const insightsBefore = await api.call('GET', '/v1/insights/unanswered', { token: shop.secretKey });

    const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=redact`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ erased: true });

    // Raw bytes: the database file and its write-ahead log.
    const raw = rawBytes(api.databasePath);
    for (const secret of [
      EXTERNAL_ID,
      PHONE,
      NATIONAL,
      EMAIL,
      NAME,
      ADDRESS,
      MARKER_PROPERTY,
      VIEWER,
      NICKNAME,
      LIVE_TEXT,
      CSAT_COMMENT,
      VOICE_TEXT,
      'gdpr-call-1',
      ...Object.values(TEXTS),
    ])
      expect(raw.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);

    // Every table that names a customer holds nothing of theirs but redacted messages in closed conversations.
    const ids = [customerId, anonymousCustomerId, viewerCustomerId];
    const tables = await api.rows<{ name: string }>(
      "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'customer_id')",
    );
    expect(tables.length).toBeGreaterThan(10);
    const kept: Record<string, number> = {};
    for (const { name } of tables) {
      const [row] = await api.rows<{ n: number }>(
        `SELECT count(*) AS n FROM "${name}" WHERE customer_id IN (?, ?, ?)`,
        ids,
      );
      if (row!.n > 0) kept[name] = row!.n;
    }
    expect(Object.keys(kept).sort()).toEqual(
      ['assignments', 'conversations', 'erased_customers', 'messages'].filter((t) => t in kept),
    );
    const texts = await api.rows<{ text: string; author_name: string | null }>(
      'SELECT text, author_name FROM messages WHERE customer_id IN (?, ?, ?)',
      ids,
    );
    expect(texts.every((m) => m.text === '[erased]' && m.author_name === null)).toBe(true);
    const [customer] = await api.rows<{ name: string | null; attributes: string }>(
      'SELECT name, attributes FROM customers WHERE id = ?',
      [customerId],
    );
    expect(customer).toMatchObject({ name: null, attributes: '{}' });
    expect(
      await api.rows('SELECT id FROM customers WHERE id IN (?, ?)', [anonymousCustomerId, viewerCustomerId]),
    ).toEqual([]);

    // Their sessions are over.
    for (const token of sessionTokens)
      expect((await api.call('GET', '/v1/timeline', { token })).status).toBe(401);

    // Another customer's timeline and the inbox are as they were.
    const otherAfter = await api.call('GET', '/v1/timeline', { token: other.token });
    expect(otherAfter.body).toEqual(otherBefore.body);
    expect(timelinePage.parse(otherAfter.body).messages.map((m) => m.text)).toEqual(
      expect.arrayContaining(other.texts),
    );
    // The other shopper's unanswered question still counts in the insights.
    const insightsAfter = await api.call('GET', '/v1/insights/unanswered', { token: shop.secretKey });
    const samples = (body: any) => body.clusters.flatMap((c: any) => c.samples);
    expect(samples(insightsBefore.body)).toContain(other.texts[1]);
    expect(samples(insightsAfter.body)).toEqual(
      samples(insightsBefore.body).filter((t: string) => !Object.values(TEXTS).includes(t as never)),
    );
    const inboxAfter = await agent.call('GET', '/v1/agent/inbox');
    const otherRow = (body: any) => body.conversations.find((c: any) => c.customer.id === other.customerId);
    expect(otherRow(inboxAfter.body)).toEqual(otherRow(inboxBefore.body));

    // The tombstone keeps counts, nothing else.
    const [tombstone] = await api.rows<{ counts: string }>(
      'SELECT counts FROM erased_customers WHERE customer_id = ?',
      [customerId],
    );
    const counts = JSON.parse(tombstone!.counts);
    expect(Object.keys(counts.messages).sort()).toEqual(['app', 'miniprogram', 'phone', 'web']);
    expect(counts.tickets).not.toEqual({});
    expect(counts.aliases).toBe(2);

    // Idempotent; the export is gone; the audit log and the webhook say what happened.
    for (const id of [customerId, anonymousCustomerId, viewerCustomerId]) {
      const again = await api.call('DELETE', `/v1/customers/${id}`, { token: shop.secretKey });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ erased: true });
      expect((await api.call('GET', `/v1/customers/${id}/export`, { token: shop.secretKey })).status).toBe(
        404,
      );
    }
    const audit = await api.call('GET', '/v1/audit-log?action=customer.erased', { token: shop.secretKey });
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0].details).toMatchObject({ messages: 'redact', aliases: 2 });
    await receiver.until(() => receiver.unique().some((r) => r.body.type === 'customer.erased'));
    const event = receiver.unique().find((r) => r.body.type === 'customer.erased')!;
    expect(event.body.data).toMatchObject({
      customerId,
      mergedIds: expect.arrayContaining([anonymousCustomerId, viewerCustomerId]),
      messages: 'redact',
    });
    expect(receiver.unique().filter((r) => r.body.type === 'customer.erased')).toHaveLength(1);
  });

  it('erase with messages=delete removes the conversations too; unknown ids are 404', async () => {
    const session = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('crm-user-delete-me'),
    });
    await shop.send(session.sessionToken, '请删除我的全部对话 d9');
    const res = await api.call('DELETE', `/v1/customers/${session.customer.id}?messages=delete`, {
      token: shop.secretKey,
    });
    expect(res.status).toBe(200);
    for (const table of ['messages', 'conversations', 'customers', 'identities'])
      expect(
        await api.rows(`SELECT 1 FROM ${table} WHERE ${table === 'customers' ? 'id' : 'customer_id'} = ?`, [
          session.customer.id,
        ]),
      ).toEqual([]);
    const missing = await api.call('DELETE', '/v1/customers/cus_nobody', { token: shop.secretKey });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const bad = await api.call('DELETE', `/v1/customers/${session.customer.id}?messages=shred`, {
      token: shop.secretKey,
    });
    expect(bad.status).toBe(400);
  });
});
