// review-m: a newcomer's and an attacker's attacks on issue 18's send path — speed-18h's storage side
// (no RETURNING: the answer is built from what was written; the open conversation and webhook
// subscriptions kept per `rowsVersion`; `CALLER_KEEPS_CACHE`; the AsyncLocalStorage on only while a
// group runs) and speed-18i's engine (typed arrays, stable sort, normaliser and glosser skips).
// Everything runs on the real API in-process over a real libSQL file; a second API process is a second
// connection to the same file. Passing cases are guards; each break found was an `it.fails` that
// asserted the right behaviour and named the break (docs/notes/review-m.md); the lead fixed all three at stop 30 and they run as plain tests.
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOpenConversation } from '../src/conversations/messages';
import { createDatabase } from '../src/db/database';
import { createAnswerEngine, createKnowledgeIndex, readDemoStore } from '../src/index';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { maskCardNumbers } from '../src/platform/card-numbers';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { readSse } from './sse-reader';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
type Call = { status: number; text: string; body: any };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every error is the one envelope with a snake_case code (SPEC §5). */
const expectMachineError = (res: Call, status?: number) => {
  expect([res.status, res.text]).toEqual([status ?? res.status, res.text]);
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.body?.error?.code).toMatch(/^[a-z][a-z_]*$/);
};

describe('review-m: attacks on the send path (issue 18)', () => {
  let api: TestApi;
  let shop: Shop;
  let second: ReturnType<TestApi['reopen']>;
  let secondDatabase: ReturnType<typeof createDatabase>;
  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true }, rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    secondDatabase = createDatabase({ url: `file:${api.databasePath}` });
    second = api.reopen({ database: secondDatabase });
  });
  afterAll(() => {
    secondDatabase.close();
    api.close();
  });

  const onSecond = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await second.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const sendOnSecond = (token: string, text: string, clientMessageId: string = randomUUID()) =>
    onSecond('POST', '/v1/messages', token, { clientMessageId, text });
  const count = async (sql: string, args: any[] = []) =>
    Number((await api.rows<{ n: number }>(sql, args))[0]!.n);
  const messagesWithCmid = (customerId: string, clientMessageId: string) =>
    count('select count(*) as n from messages where customer_id = ? and client_message_id = ?', [
      customerId,
      clientMessageId,
    ]);
  const openOf = async (customerId: string) =>
    (
      await api.rows<{
        id: string;
        status: string;
        last_channel: string;
        updated_at: number;
        context: string;
      }>(
        `select id, status, last_channel, updated_at, context from conversations where customer_id = ? and status <> 'resolved'`,
        [customerId],
      )
    )[0];
  /** One identified customer with a session on each given channel. */
  const identified = async (channels: string[]) => {
    const userId = `u-${randomUUID()}`;
    const sessions = [];
    for (const channel of channels)
      sessions.push(await shop.startSession({ channel, identityToken: await shop.identityToken(userId) }));
    expect(new Set(sessions.map((s) => s.customer.id)).size).toBe(1);
    return { userId, sessions, customerId: sessions[0]!.customer.id };
  };

  describe('bad input: a 4xx with a machine-readable code, never a 500', () => {
    const cmid = () => randomUUID();
    const bodies: [string, string][] = [
      ['not JSON', 'this is not json'],
      ['an empty body', ''],
      ['a JSON array', '[]'],
      ['JSON null', 'null'],
      ['a JSON string', '"hello"'],
      ['a JSON number', '42'],
      ['text a number', JSON.stringify({ clientMessageId: cmid(), text: 42 })],
      ['text null', JSON.stringify({ clientMessageId: cmid(), text: null })],
      ['text an object', JSON.stringify({ clientMessageId: cmid(), text: { zh: '退货' } })],
      ['text missing', JSON.stringify({ clientMessageId: cmid() })],
      ['text empty', JSON.stringify({ clientMessageId: cmid(), text: '' })],
      ['text only white space', JSON.stringify({ clientMessageId: cmid(), text: ' \n\t ' })],
      [
        'text only zero-width characters',
        JSON.stringify({ clientMessageId: cmid(), text: '\u200b\u200d\ufeff' }),
      ],
      ['text over 4,000 characters', JSON.stringify({ clientMessageId: cmid(), text: '退'.repeat(4001) })],
      ['text with NUL', JSON.stringify({ clientMessageId: cmid(), text: '保质期\u0000多久' })],
      ['text with a lone high surrogate', `{"clientMessageId":"${cmid()}","text":"\\ud83d保质期"}`],
      ['text with a lone low surrogate', `{"clientMessageId":"${cmid()}","text":"退货\\ude00"}`],
      ['clientMessageId missing', JSON.stringify({ text: '退货' })],
      ['clientMessageId too short', JSON.stringify({ clientMessageId: '1234567', text: '退货' })],
      ['clientMessageId too long', JSON.stringify({ clientMessageId: 'x'.repeat(129), text: '退货' })],
      ['clientMessageId a number', JSON.stringify({ clientMessageId: 123456789, text: '退货' })],
      ['clientMessageId an array', JSON.stringify({ clientMessageId: ['12345678'], text: '退货' })],
      ['nested 5,000 deep', `${'['.repeat(5000)}${']'.repeat(5000)}`],
      ['a 2 MB body', JSON.stringify({ clientMessageId: cmid(), text: 'a'.repeat(2_000_000) })],
      ['truncated JSON', `{"clientMessageId":"${cmid()}","text":"退`],
    ];
    it.each(bodies)('%s', async (_name, rawBody) => {
      const session = await shop.startSession();
      const res = await api.call('POST', '/v1/messages', {
        token: session.sessionToken,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expectMachineError(res);
      expect(
        await count('select count(*) as n from messages where customer_id = ?', [session.customer.id]),
      ).toBe(0);
    });

    it('invalid UTF-8 bytes in the body', async () => {
      const session = await shop.startSession();
      const head = Buffer.from(`{"clientMessageId":"${randomUUID()}","text":"`);
      const body = Buffer.concat([head, Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
      const response = await api.app.request('/v1/messages', {
        method: 'POST',
        headers: { authorization: `Bearer ${session.sessionToken}`, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      // Either refused, or taken with the bytes replaced: never a 5xx.
      expect([response.status, text]).toEqual([response.status, text]);
      expect(response.status).toBeLessThan(500);
      if (response.status >= 400) expect(JSON.parse(text).error.code).toMatch(/^[a-z_]+$/);
    });

    it('a body sent as text/plain, and one with no content type', async () => {
      const session = await shop.startSession();
      for (const headers of [{ 'content-type': 'text/plain' }, {} as Record<string, string>]) {
        const res = await api.call('POST', '/v1/messages', {
          token: session.sessionToken,
          rawBody: JSON.stringify({ clientMessageId: randomUUID(), text: '退货' }),
          headers,
        });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expectMachineError(res);
      }
    });

    it('a __proto__ key and unknown fields are no way in', async () => {
      const session = await shop.startSession();
      const clientMessageId = randomUUID();
      const res = await api.call('POST', '/v1/messages', {
        token: session.sessionToken,
        rawBody: `{"__proto__":{"channel":"phone","customerId":"cus_x"},"constructor":{"prototype":{"x":1}},"clientMessageId":"${clientMessageId}","text":"退货","channel":"phone","customerId":"cus_other","authorName":"admin"}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBeLessThan(500);
      if (res.status === 201) {
        expect(res.body.message.channel).toBe('web');
        expect(res.body.message.author).toEqual({ type: 'customer' });
        expect(await messagesWithCmid(session.customer.id, clientMessageId)).toBe(1);
      } else expectMachineError(res);
    });

    it('no credential, a garbage one, and a secret key on the session route', async () => {
      const body = { clientMessageId: randomUUID(), text: '退货' };
      expectMachineError(await api.call('POST', '/v1/messages', { body }), 401);
      expectMachineError(await api.call('POST', '/v1/messages', { body, token: 'garbage-token-xyz' }), 401);
      expectMachineError(await api.call('POST', '/v1/messages', { body, token: `${'a'.repeat(5000)}` }));
      const wrongKind = await api.call('POST', '/v1/messages', { body, token: shop.secretKey });
      expectMachineError(wrongKind);
    });
  });

  describe('idempotency by clientMessageId', () => {
    it('six concurrent copies on one session store one message and all answer it with the same replies', async () => {
      const session = await shop.startSession();
      const clientMessageId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          shop.send(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
        ),
      );
      for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
      expect(new Set(results.map((r) => r.body.message.id)).size).toBe(1);
      expect(new Set(results.map((r) => JSON.stringify(r.body.replies.map((m: any) => m.id)))).size).toBe(1);
      expect(results[0]!.body.replies.length).toBeGreaterThan(0);
      expect(await messagesWithCmid(session.customer.id, clientMessageId)).toBe(1);
      expect(
        await count('select count(*) as n from messages where customer_id = ?', [session.customer.id]),
      ).toBe(1 + results[0]!.body.replies.length);
    });

    it('the same clientMessageId at once from two devices of one customer and from both processes: one message', async () => {
      const { sessions, customerId } = await identified(['web', 'app', 'miniprogram']);
      const clientMessageId = randomUUID();
      const results = await Promise.all([
        shop.send(sessions[0]!.sessionToken, '有没有小样', clientMessageId),
        sendOnSecond(sessions[1]!.sessionToken, '有没有小样', clientMessageId),
        shop.send(sessions[2]!.sessionToken, '有没有小样', clientMessageId),
        sendOnSecond(sessions[0]!.sessionToken, '有没有小样', clientMessageId),
      ]);
      for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
      expect(new Set(results.map((r) => r.body.message.id)).size).toBe(1);
      expect(new Set(results.map((r) => JSON.stringify(r.body.replies.map((m: any) => m.id)))).size).toBe(1);
      expect(await messagesWithCmid(customerId, clientMessageId)).toBe(1);
      const replies = await count('select count(*) as n from messages where in_reply_to = ?', [
        results[0]!.body.message.id,
      ]);
      expect(replies).toBe(results[0]!.body.replies.length);
      // One message.created event per stored row, no more.
      expect(
        await count(`select count(*) as n from events where customer_id = ? and type = 'message.created'`, [
          customerId,
        ]),
      ).toBe(1 + replies);
    });

    it('a retry after the customer was merged (identify), on the old token, the new token and the other process', async () => {
      const { userId } = await identified(['app']);
      const visitor = await shop.startSession();
      const clientMessageId = randomUUID();
      const first = await shop.send(visitor.sessionToken, '这款面霜保质期多久？', clientMessageId);
      expect(first.status).toBe(201);
      const merged = await shop.identify(visitor.sessionToken, await shop.identityToken(userId));
      expect([merged.status, merged.text]).toEqual([200, merged.text]);
      const survivor = merged.body.customer.id as string;
      expect(survivor).not.toBe(visitor.customer.id);
      const retries = [
        await shop.send(merged.body.sessionToken, '这款面霜保质期多久？', clientMessageId),
        await sendOnSecond(merged.body.sessionToken, '这款面霜保质期多久？', clientMessageId),
      ];
      // The visitor's own token may be revoked by the sign-in: then a 401, never a second message.
      const old = await shop.send(visitor.sessionToken, '这款面霜保质期多久？', clientMessageId);
      if (old.status === 201) retries.push(old);
      else expectMachineError(old, 401);
      for (const retry of retries) {
        expect([retry.status, retry.text]).toEqual([201, retry.text]);
        expect(retry.body.message.id).toBe(first.body.message.id);
        expect(retry.body.replies.map((m: any) => m.id)).toEqual(first.body.replies.map((m: any) => m.id));
      }
      expect(await messagesWithCmid(survivor, clientMessageId)).toBe(1);
      expect(await messagesWithCmid(visitor.customer.id, clientMessageId)).toBe(0);
    });

    it('a visitor and the signed-in customer both used one clientMessageId before the merge: the sign-in works and keeps both', async () => {
      const known = await identified(['app']);
      const visitor = await shop.startSession();
      const clientMessageId = `shared-${randomUUID()}`;
      expect((await shop.send(known.sessions[0]!.sessionToken, '有没有小样', clientMessageId)).status).toBe(
        201,
      );
      expect((await shop.send(visitor.sessionToken, '怎么退货', clientMessageId)).status).toBe(201);
      const before = await count('select count(*) as n from messages where customer_id in (?, ?)', [
        known.customerId,
        visitor.customer.id,
      ]);
      const merged = await shop.identify(visitor.sessionToken, await shop.identityToken(known.userId));
      expect([merged.status, merged.text]).toEqual([200, merged.text]);
      // Nothing lost in the merge.
      expect(
        await count('select count(*) as n from messages where customer_id = ?', [known.customerId]),
      ).toBe(before);
      const retry = await shop.send(merged.body.sessionToken, '有没有小样', clientMessageId);
      expect([retry.status, retry.text]).toEqual([201, retry.text]);
      expect(
        await count('select count(*) as n from messages where customer_id = ?', [known.customerId]),
      ).toBe(before);
    });

    it('a send and the sign-in that merges its customer in the same turn: everything ends with the survivor, one open conversation', async () => {
      for (let round = 0; round < 4; round++) {
        const known = await identified(['app']);
        expect((await shop.send(known.sessions[0]!.sessionToken, '在吗')).status).toBe(201);
        const visitor = await shop.startSession();
        expect((await shop.send(visitor.sessionToken, '这款面霜保质期多久？')).status).toBe(201);
        const clientMessageId = randomUUID();
        const [sent, merged] = await Promise.all([
          shop.send(visitor.sessionToken, '有没有小样', clientMessageId),
          shop.identify(visitor.sessionToken, await shop.identityToken(known.userId)),
        ]);
        expect([merged.status, merged.text]).toEqual([200, merged.text]);
        expect([sent.status, sent.text]).toEqual([201, sent.text]);
        expect(
          await count('select count(*) as n from messages where customer_id = ?', [visitor.customer.id]),
        ).toBe(0);
        expect(await messagesWithCmid(known.customerId, clientMessageId)).toBe(1);
        expect(
          await count(
            `select count(*) as n from conversations where customer_id = ? and status <> 'resolved'`,
            [known.customerId],
          ),
        ).toBe(1);
        const open = await openOf(known.customerId);
        const [row] = await api.rows<{ conversation_id: string }>(
          'select conversation_id from messages where id = ?',
          [sent.body.message.id],
        );
        expect(row!.conversation_id).toBe(open!.id);
        // A retry now (the survivor's token) returns it.
        const retry = await shop.send(merged.body.sessionToken, '有没有小样', clientMessageId);
        expect(retry.body.message.id).toBe(sent.body.message.id);
      }
    });

    it('a retry after the conversation was resolved by an agent returns the first result and opens nothing', async () => {
      const agent = await shop.addAgent({ name: '李雷', capacity: 5 });
      expect((await agent.presence('online')).status).toBe(200);
      try {
        const session = await shop.startSession();
        const clientMessageId = randomUUID();
        const first = await shop.send(session.sessionToken, '人工客服', clientMessageId);
        expect(first.status).toBe(201);
        const open = await openOf(session.customer.id);
        expect(open!.status).toBe('assigned');
        expect((await agent.call('POST', `/v1/agent/conversations/${open!.id}/resolve`)).status).toBe(200);
        const retry = await sendOnSecond(session.sessionToken, '人工客服', clientMessageId);
        expect([retry.status, retry.text]).toEqual([201, retry.text]);
        expect(retry.body.message.id).toBe(first.body.message.id);
        expect(await openOf(session.customer.id)).toBeUndefined();
        expect(await messagesWithCmid(session.customer.id, clientMessageId)).toBe(1);
      } finally {
        await agent.presence('offline');
      }
    });

    it('a retry after the customer was erased stores nothing and opens nothing, on either process', async () => {
      const session = await shop.startSession();
      const clientMessageId = randomUUID();
      expect((await shop.send(session.sessionToken, '这款面霜保质期多久？', clientMessageId)).status).toBe(
        201,
      );
      const erased = await api.call('DELETE', `/v1/customers/${session.customer.id}`, {
        token: shop.secretKey,
      });
      expect([erased.status, erased.text]).toEqual([200, erased.text]);
      // Erase keeps redacted rows (or deletes them): whatever it left, the retries add nothing.
      const messagesLeft = () =>
        count('select count(*) as n from messages where customer_id = ?', [session.customer.id]);
      const conversationsLeft = () =>
        count('select count(*) as n from conversations where customer_id = ?', [session.customer.id]);
      const [m0, c0] = [await messagesLeft(), await conversationsLeft()];
      for (const retry of [
        await shop.send(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
        await sendOnSecond(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
        await shop.send(session.sessionToken, '新的一条'),
      ]) {
        expect(retry.status).toBeGreaterThanOrEqual(400);
        expect(retry.status).toBeLessThan(500);
      }
      expect([await messagesLeft(), await conversationsLeft()]).toEqual([m0, c0]);
      expect(await openOf(session.customer.id)).toBeUndefined();
    });

    it('concurrent copies, while the first attempt fails: all fail, and the next retry stores it once', async () => {
      const session = await shop.startSession();
      const clientMessageId = randomUUID();
      await api.rows(
        `create trigger review_m_refuse_once before insert on events when new.customer_id = '${session.customer.id}' begin select raise(abort, 'review-m injected failure'); end`,
      );
      let failed: Call[];
      try {
        failed = await Promise.all([
          shop.send(session.sessionToken, '有没有小样', clientMessageId),
          shop.send(session.sessionToken, '有没有小样', clientMessageId),
          sendOnSecond(session.sessionToken, '有没有小样', clientMessageId),
        ]);
      } finally {
        await api.rows('drop trigger review_m_refuse_once');
      }
      for (const res of failed) expect(res.status).toBeGreaterThanOrEqual(500);
      expect(await messagesWithCmid(session.customer.id, clientMessageId)).toBe(0);
      const [again, twice] = await Promise.all([
        shop.send(session.sessionToken, '有没有小样', clientMessageId),
        sendOnSecond(session.sessionToken, '有没有小样', clientMessageId),
      ]);
      expect([again.status, twice.status]).toEqual([201, 201]);
      expect(twice.body.message.id).toBe(again.body.message.id);
      expect(await messagesWithCmid(session.customer.id, clientMessageId)).toBe(1);
    });

    it('a webhook sees each message once under concurrent copies from both processes', async () => {
      const own = await api.createShop();
      await seedDemoStore(api.deps, own.appId);
      const made = await api.call('POST', '/v1/webhooks', {
        token: own.secretKey,
        body: { url: 'http://127.0.0.1:9/hook', events: ['message.created'] },
      });
      expect([made.status, made.text]).toEqual([201, made.text]);
      const session = await own.startSession();
      for (let round = 0; round < 3; round++) {
        const clientMessageId = randomUUID();
        const copies = await Promise.all([
          own.send(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
          sendOnSecond(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
          own.send(session.sessionToken, '这款面霜保质期多久？', clientMessageId),
        ]);
        for (const res of copies) expect([res.status, res.text]).toEqual([201, res.text]);
      }
      const stored = await count('select count(*) as n from messages where customer_id = ?', [
        session.customer.id,
      ]);
      expect(
        await count('select count(*) as n from webhook_deliveries where webhook_id = ?', [
          made.body.webhook.id,
        ]),
      ).toBe(stored);
    });

    it('the same clientMessageId for two customers is two messages; a retry with other text returns the first', async () => {
      const a = await shop.startSession();
      const b = await shop.startSession();
      const clientMessageId = randomUUID();
      const [ra, rb] = await Promise.all([
        shop.send(a.sessionToken, '有没有小样', clientMessageId),
        shop.send(b.sessionToken, '怎么退货', clientMessageId),
      ]);
      expect([ra.status, rb.status]).toEqual([201, 201]);
      expect(ra.body.message.id).not.toBe(rb.body.message.id);
      const again = await shop.send(a.sessionToken, '完全不同的一句', clientMessageId);
      expect(again.body.message.id).toBe(ra.body.message.id);
      expect(again.body.message.text).toBe('有没有小样');
    });

    // Was BREAK (review-m, fixed by the lead at stop 30) 1): the clientMessageId schema (`z.string().min(8).max(128)`) lets unpaired
    // surrogates through, and libSQL stores a string as UTF-8, where each one becomes U+FFFD. Two
    // different ids that differ only there are one id in the unique index: the second send is
    // answered with the first message (its text, created: false) and its own text is lost; and since
    // speed-18h builds the answer from what was written, the first answer echoes an id no read shows.
    it('two clientMessageIds that differ only in an unpaired surrogate are two messages (or a 400)', async () => {
      const session = await shop.startSession();
      const base = randomUUID();
      const one = await shop.send(session.sessionToken, '第一条：有没有小样', `${base}\ud800`);
      const two = await shop.send(session.sessionToken, '第二条：怎么退货', `${base}\udbff`);
      if (one.status === 400 && two.status === 400) {
        expectMachineError(one, 400);
        return;
      }
      expect([one.status, two.status]).toEqual([201, 201]);
      expect(two.body.message.id).not.toBe(one.body.message.id);
      expect(two.body.message.text).toBe('第二条：怎么退货');
      // What the first answer said is what the timeline says.
      const timeline = await api.call('GET', '/v1/timeline?limit=10', { token: session.sessionToken });
      const stored = timeline.body.messages.find((m: any) => m.id === one.body.message.id);
      expect(stored.clientMessageId).toBe(one.body.message.clientMessageId);
    });

    // Was BREAK (review-m, fixed by the lead at stop 30) 1b): the channel route's sender name (`from.name`, `z.string().max(128)`) takes
    // unpaired surrogates and control characters; the 201 answer echoes what was written (no read back),
    // the stored author name has U+FFFD instead, so the answer is not the stored message.
    it('a server-channel sender name: the 201 answer is the stored message (or a 400)', async () => {
      const res = await shop.channelMessage(
        'sms',
        { phone: '+8613800138000', name: '王\ud800小姐' },
        '你好',
        randomUUID(),
      );
      if (res.status === 400) {
        expectMachineError(res, 400);
        return;
      }
      expect(res.status).toBe(201);
      const timeline = await api.call('GET', `/v1/agent/customers/${res.body.customer.id}`, {
        token: shop.secretKey,
      });
      const [row] = await api.rows<{ author_name: string }>('select author_name from messages where id = ?', [
        res.body.message.id,
      ]);
      expect(timeline.status).toBeLessThan(500);
      expect(res.body.message.author.name).toBe(row!.author_name);
    });

    it('a clientMessageId with control characters: refused, or kept exactly (two ids stay two)', async () => {
      const session = await shop.startSession();
      const base = randomUUID();
      const one = await shop.send(session.sessionToken, '第一条', `${base}\u0000a`);
      const two = await shop.send(session.sessionToken, '第二条', `${base}\u0000b`);
      for (const res of [one, two]) expect(res.status).toBeLessThan(500);
      if (one.status === 201 && two.status === 201) {
        expect(two.body.message.id).not.toBe(one.body.message.id);
        const retry = await shop.send(session.sessionToken, '第一条', `${base}\u0000a`);
        expect(retry.body.message.id).toBe(one.body.message.id);
      }
    });
  });

  describe('the kept open conversation against channel switches, agents, failures and time', () => {
    it('one customer switching channels, sends in pairs in one turn: the stored last_channel is the last send’s, and the kept row is the stored row', async () => {
      const { sessions, customerId } = await identified(['web', 'app', 'miniprogram']);
      const order = [
        [0, 1],
        [1, 2],
        [2, 0],
        [1, 1],
        [0, 2],
        [2, 1],
        [0, 0],
        [1, 0],
      ];
      for (const [round, [a, b]] of order.entries()) {
        const results = await Promise.all([
          shop.send(sessions[a!]!.sessionToken, round % 2 ? '这款面霜保质期多久？' : '退订'),
          (round % 3 ? shop.send : sendOnSecond)(sessions[b!]!.sessionToken, '有没有小样'),
        ]);
        for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
        const [last] = await api.rows<{ channel: string }>(
          `select channel from messages where customer_id = ? and author_type = 'customer' order by seq desc limit 1`,
          [customerId],
        );
        const open = await openOf(customerId);
        expect(open!.last_channel).toBe(last!.channel);
        const held = await heldOpenConversation(api.database, customerId);
        if (held) {
          expect(held.id).toBe(open!.id);
          expect(held.lastChannel).toBe(open!.last_channel);
          expect(held.updatedAt).toBe(open!.updated_at);
          expect(held.status).toBe(open!.status);
          expect(held.context).toEqual(JSON.parse(open!.context));
        }
      }
    });

    it('claimed by an agent on the other process between two sends: the bot stays quiet and the answer says assigned', async () => {
      const agent = await shop.addAgent({ name: '韩梅梅', capacity: 5 });
      expect((await agent.presence('online')).status).toBe(200);
      try {
        const session = await shop.startSession();
        for (const text of ['这款面霜保质期多久？', '有没有小样'])
          expect((await shop.send(session.sessionToken, text)).body.replies.length).toBeGreaterThan(0);
        const open = await openOf(session.customer.id);
        // Released to the queue and claimed there, by the agent, on the second process.
        const escalated = await onSecond('POST', '/v1/escalate', session.sessionToken, {});
        expect([escalated.status, escalated.text]).toEqual([200, escalated.text]);
        const claimed = await onSecond('POST', `/v1/agent/conversations/${open!.id}/claim`, agent.token);
        expect(claimed.status).toBeLessThan(500);
        const now = await openOf(session.customer.id);
        expect(['queued', 'assigned']).toContain(now!.status);
        const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
        expect([res.status, res.text]).toEqual([201, res.text]);
        expect(res.body.replies).toEqual([]);
        expect(res.body.conversation).toEqual({ id: open!.id, status: now!.status });
      } finally {
        await agent.presence('offline');
      }
    });

    it('the bot hands over on one device while another device sends in the same turn: no bot answer after the hand-over', async () => {
      for (let round = 0; round < 3; round++) {
        const { sessions, customerId } = await identified(['web', 'app']);
        expect((await shop.send(sessions[0]!.sessionToken, '这款面霜保质期多久？')).status).toBe(201);
        const results = await Promise.all([
          shop.send(sessions[1]!.sessionToken, '这款面霜保质期多久？'),
          shop.send(sessions[0]!.sessionToken, '人工客服'),
          shop.send(sessions[1]!.sessionToken, '有没有小样'),
          sendOnSecond(sessions[0]!.sessionToken, '怎么退货'),
        ]);
        for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
        const rows = await api.rows<{ id: string; author_type: string; in_reply_to: string | null }>(
          'select id, author_type, in_reply_to from messages where customer_id = ? order by seq',
          [customerId],
        );
        const handover = results[1]!.body.message.id as string;
        const at = rows.findIndex((r) => r.id === handover);
        // After the hand-over's own reply, the bot answers nobody in this conversation.
        const later = rows.slice(at + 1).filter((r) => r.author_type === 'bot' && r.in_reply_to !== handover);
        expect(later).toEqual([]);
        expect((await openOf(customerId))!.status).not.toBe('bot');
      }
    });

    it('the conversation UPDATE fails (a trigger): nothing of the send is stored, the kept row is not the failed one, the next send lands right', async () => {
      const { sessions, customerId } = await identified(['web', 'app']);
      expect((await shop.send(sessions[0]!.sessionToken, '这款面霜保质期多久？')).status).toBe(201);
      const before = await openOf(customerId);
      const messagesBefore = await count('select count(*) as n from messages where customer_id = ?', [
        customerId,
      ]);
      const eventsBefore = await count('select count(*) as n from events where customer_id = ?', [
        customerId,
      ]);
      await api.rows(
        `create trigger review_m_refuse_update before update on conversations when new.customer_id = '${customerId}' begin select raise(abort, 'review-m injected failure'); end`,
      );
      let failed: Call;
      try {
        // From the other channel: the UPDATE would set last_channel too.
        failed = await shop.send(sessions[1]!.sessionToken, '有没有小样');
      } finally {
        await api.rows('drop trigger review_m_refuse_update');
      }
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await count('select count(*) as n from messages where customer_id = ?', [customerId])).toBe(
        messagesBefore,
      );
      expect(await count('select count(*) as n from events where customer_id = ?', [customerId])).toBe(
        eventsBefore,
      );
      expect(await openOf(customerId)).toEqual(before);
      const held = await heldOpenConversation(api.database, customerId);
      if (held)
        expect([held.lastChannel, held.updatedAt]).toEqual([before!.last_channel, before!.updated_at]);
      const next = await shop.send(sessions[1]!.sessionToken, '有没有小样');
      expect([next.status, next.text]).toEqual([201, next.text]);
      expect(next.body.message.conversationId).toBe(before!.id);
      expect((await openOf(customerId))!.last_channel).toBe('app');
    });

    it('time moves (an injected clock), forwards and back: updated_at is the send’s, the timeline keeps send order, an expired session is refused', async () => {
      const clock = createManualClock(Date.UTC(2026, 5, 1, 8));
      const timed = await createTestApi({ clock, rateLimits: UNLIMITED });
      try {
        const timedShop = await timed.createShop();
        await seedDemoStore(timed.deps, timedShop.appId);
        const session = await timedShop.startSession();
        const sent: string[] = [];
        for (const step of [0, 60_000, 3_600_000, -7_200_000, 1, 86_400_000]) {
          clock.advance(step);
          const res = await timedShop.send(session.sessionToken, `这款面霜保质期多久？ ${step}`);
          expect([res.status, res.text]).toEqual([201, res.text]);
          sent.push(res.body.message.id);
          const [row] = await timed.rows<{ updated_at: number }>(
            `select updated_at from conversations where id = ?`,
            [res.body.message.conversationId],
          );
          expect(row!.updated_at).toBe(clock.now());
          const held = await heldOpenConversation(timed.database, session.customer.id);
          if (held) expect(held.updatedAt).toBe(clock.now());
        }
        const timeline = await timed.call('GET', '/v1/timeline?limit=50', { token: session.sessionToken });
        const customerIds = timeline.body.messages
          .filter((m: any) => m.author.type === 'customer')
          .map((m: any) => m.id);
        expect(customerIds).toEqual(sent);
        clock.advance(400 * 86_400_000);
        const late = await timedShop.send(session.sessionToken, '还在吗');
        expectMachineError(late, 401);
      } finally {
        timed.close();
      }
    });
  });

  describe('events in commit order, none missing or twice', () => {
    it('a reader polling /v1/updates while three devices and both processes send at once', async () => {
      const { sessions, customerId } = await identified(['web', 'app', 'miniprogram']);
      const seen: { id: number; type: string; data: any }[] = [];
      let cursor = '0';
      let sending = true;
      const poll = async () => {
        const res = await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, {
          token: sessions[0]!.sessionToken,
        });
        expect([res.status, res.text]).toEqual([200, res.text]);
        for (const event of res.body.events) seen.push({ ...event, id: Number(event.id) });
        cursor = res.body.cursor;
      };
      const reader = (async () => {
        while (sending) {
          await poll();
          await new Promise((r) => setTimeout(r, 3));
        }
      })();
      const texts = ['这款面霜保质期多久？', '有没有小样', '怎么退货', '人工', '好的谢谢', '😀😀', '123456'];
      const sends: Promise<Call | { status: number; text: string; body: any }>[] = [];
      for (let i = 0; i < 21; i++) {
        const session = sessions[i % 3]!;
        const text = texts[i % texts.length]!;
        sends.push(
          i % 4 === 3 ? sendOnSecond(session.sessionToken, text) : shop.send(session.sessionToken, text),
        );
        if (i % 5 === 4) await new Promise((r) => setTimeout(r, 1));
      }
      const results = await Promise.all(sends);
      sending = false;
      await reader;
      await poll();
      for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
      // Strictly increasing ids: no event twice, none out of order.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.id).toBeGreaterThan(seen[i - 1]!.id);
      const created = seen.filter((e) => e.type === 'message.created').map((e) => e.data.id);
      const stored = await api.rows<{ id: string }>(
        'select id from messages where customer_id = ? order by seq',
        [customerId],
      );
      // Every stored message once, in the order the database keeps them (commit order).
      expect(created).toEqual(stored.map((r) => r.id));
      const answered = results.flatMap((r) => [r.body.message.id, ...r.body.replies.map((m: any) => m.id)]);
      expect(new Set(answered)).toEqual(new Set(stored.map((r) => r.id)));
    });
  });

  describe('events on the SSE stream under concurrent sends', () => {
    it('a live stream and one that drops and resumes by Last-Event-ID: each message once, in commit order', async () => {
      const { sessions, customerId } = await identified(['web', 'app', 'miniprogram']);
      const open = (token: string, lastEventId?: string) =>
        api.app.request(lastEventId ? '/v1/stream' : '/v1/stream?after=0', {
          headers: {
            authorization: `Bearer ${token}`,
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
        });
      const live = readSse(await open(sessions[0]!.sessionToken));
      const dropping = readSse(await open(sessions[1]!.sessionToken));
      const created = (frames: { event?: string; data?: string; id?: string }[]) =>
        frames.filter((f) => f.id !== undefined && f.event === 'message.created');
      const texts = ['这款面霜保质期多久？', '有没有小样', '怎么退货', '好的', '😀', '退订'];
      const first: Promise<Call>[] = [];
      for (let i = 0; i < 9; i++) {
        const token = sessions[i % 3]!.sessionToken;
        first.push(i % 3 === 2 ? sendOnSecond(token, texts[i % 6]!) : shop.send(token, texts[i % 6]!));
      }
      // The dropping reader leaves after a few events, while sends still run.
      await dropping.until((frames) => created(frames).length >= 4);
      await dropping.close();
      const lastSeen = dropping.events().at(-1)!.id!;
      const rest: Promise<Call>[] = [];
      for (let i = 9; i < 18; i++) {
        const token = sessions[i % 3]!.sessionToken;
        rest.push(i % 3 === 2 ? sendOnSecond(token, texts[i % 6]!) : shop.send(token, texts[i % 6]!));
      }
      const results = await Promise.all([...first, ...rest]);
      for (const res of results) expect([res.status, res.text]).toEqual([201, res.text]);
      // A last send on this process wakes its streams for anything the other process committed last.
      expect((await shop.send(sessions[0]!.sessionToken, '最后一条')).status).toBe(201);
      const stored = (
        await api.rows<{ id: string }>('select id from messages where customer_id = ? order by seq', [
          customerId,
        ])
      ).map((r) => r.id);
      const resumed = readSse(await open(sessions[1]!.sessionToken, lastSeen));
      await live.until((frames) => created(frames).length >= stored.length);
      await resumed.until(
        (frames) => created(frames).length + created(dropping.frames).length >= stored.length,
      );
      await live.close();
      await resumed.close();
      const idsOf = (frames: { data?: string }[]) => frames.map((f) => JSON.parse(f.data!).id as string);
      expect(idsOf(created(live.frames))).toEqual(stored);
      expect([...idsOf(created(dropping.frames)), ...idsOf(created(resumed.frames))]).toEqual(stored);
      for (const reader of [live, resumed]) {
        const ids = reader.events().map((f) => Number(f.id));
        for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      }
    });
  });

  describe('a group of writers when the database rolls the whole transaction back mid-group', () => {
    // Was BREAK (review-m, fixed by the lead at stop 30) 2): db/database.ts runs a group as BEGIN IMMEDIATE + one SAVEPOINT per writer. When
    // a statement makes SQLite roll back the whole transaction (RAISE(ROLLBACK) in a trigger here; the
    // engine does the same on some SQLITE_FULL/IOERR/NOMEM errors), `ROLLBACK TO group_write` fails
    // quietly and the writers after it run outside any transaction: each SAVEPOINT opens one and its
    // RELEASE commits it. The final COMMIT then fails ("no transaction is active") and every writer of
    // the group is rejected — including those whose rows are now committed. A 5xx for a stored row: a
    // send without clientMessageId (channels, agents) is stored twice by the client's retry, and its
    // commit callbacks (live events, kept conversation) never run.
    it('a writer answered with an error stored nothing; a writer that stored its row was answered ok', async () => {
      await api.rows('create table if not exists review_m_side (id integer primary key, who text not null)');
      await api.rows(
        `create trigger if not exists review_m_whole_rollback before insert on review_m_side when new.who = 'doomed' begin select raise(rollback, 'review-m: the whole transaction rolls back'); end`,
      );
      try {
        const write = (who: string) =>
          api.database.write(async () => {
            await api.database.client.execute({
              sql: 'insert into review_m_side (who) values (?)',
              args: [who],
            });
            return who;
          });
        // Queued in one turn: one group, in this order.
        const outcomes = await Promise.allSettled([
          write('first'),
          write('doomed'),
          write('third'),
          write('fourth'),
        ]);
        const stored = new Set(
          (await api.rows<{ who: string }>('select who from review_m_side')).map((row) => row.who),
        );
        const report = ['first', 'doomed', 'third', 'fourth'].map((who, i) => ({
          who,
          answered: outcomes[i]!.status,
          stored: stored.has(who),
        }));
        for (const line of report) expect(line).toEqual({ ...line, stored: line.answered === 'fulfilled' });
      } finally {
        await api.rows('drop trigger if exists review_m_whole_rollback');
      }
    });

    // Was BREAK (review-m, fixed by the lead at stop 30) 2, with no trigger): SQLITE_FULL (the file reaches `max_page_count`, as a full disk
    // would) rolls libSQL's whole transaction back, not just the statement. The sends queued after the
    // one that hit it commit on their own, outside the group, and are answered 5xx.
    it('the database is full in the middle of a group: a send answered 5xx left no message behind', async () => {
      const full = await createTestApi({ rateLimits: UNLIMITED });
      try {
        const fullShop = await full.createShop();
        for (let round = 0; round < 4; round++) {
          const sessions = await Promise.all(Array.from({ length: 4 }, () => fullShop.startSession()));
          const doomed = await fullShop.startSession();
          // Warm every customer (data key, conversation), so a small send adds few pages.
          for (const s of [...sessions, doomed])
            expect((await fullShop.send(s.sessionToken, '你好')).status).toBe(201);
          const { pages } = (
            await full.rows<{ pages: number }>('select page_count as pages from pragma_page_count()')
          )[0]!;
          const { free } = (
            await full.rows<{ free: number }>('select freelist_count as free from pragma_freelist_count()')
          )[0]!;
          // Room for a few small sends, not for a 4,000-emoji one (~20 KB sealed).
          await full.rows(`PRAGMA max_page_count = ${Number(pages) - Number(free) + 2}`);
          const cmids = sessions.map(() => randomUUID());
          let results: Call[];
          try {
            results = await Promise.all([
              fullShop.send(sessions[0]!.sessionToken, '在吗', cmids[0]),
              fullShop.send(doomed.sessionToken, '😀'.repeat(4000)),
              ...sessions.slice(1).map((s, i) => fullShop.send(s.sessionToken, '在吗', cmids[i + 1])),
            ]);
          } finally {
            await full.rows('PRAGMA max_page_count = 1073741823');
          }
          expect(results[1]!.status).toBeGreaterThanOrEqual(500);
          const outcome = await Promise.all(
            sessions.map(async (s, i) => ({
              status: results[i === 0 ? 0 : i + 1]!.status,
              stored: Number(
                (
                  await full.rows<{ n: number }>(
                    'select count(*) as n from messages where customer_id = ? and client_message_id = ?',
                    [s.customer.id, cmids[i]!],
                  )
                )[0]!.n,
              ),
            })),
          );
          for (const line of outcome) expect(line).toEqual({ ...line, stored: line.status === 201 ? 1 : 0 });
        }
      } finally {
        full.close();
      }
    });

    it('the first writer of a group rolls the whole transaction back: the others run again in the next group and commit', async () => {
      await api.rows('create table if not exists review_m_side (id integer primary key, who text not null)');
      await api.rows(
        `create trigger if not exists review_m_whole_rollback before insert on review_m_side when new.who = 'doomed-first' begin select raise(rollback, 'review-m: the whole transaction rolls back'); end`,
      );
      try {
        const write = (who: string) =>
          api.database.write(async () => {
            await api.database.client.execute({
              sql: 'insert into review_m_side (who) values (?)',
              args: [who],
            });
            return who;
          });
        const outcomes = await Promise.allSettled([
          write('doomed-first'),
          write('second-ok'),
          write('third-ok'),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
        const stored = (await api.rows<{ who: string }>('select who from review_m_side')).map(
          (row) => row.who,
        );
        expect(stored).toContain('second-ok');
        expect(stored).toContain('third-ok');
        expect(stored).not.toContain('doomed-first');
      } finally {
        await api.rows('drop trigger if exists review_m_whole_rollback');
      }
    });

    // Was BREAK (review-m, fixed by the lead at stop 30) 2, through the API): the same defect with real sends — those queued after the
    // doomed one in its group commit on their own and are answered 500.
    it('the same with sends: a send answered 5xx left no message behind', async () => {
      // Which writer of the group meets the failure depends on arrival order: a few rounds make the
      // doomed send land between others at least once (with the fix every round holds).
      for (let round = 0; round < 5; round++) {
        const others = await Promise.all(Array.from({ length: 6 }, () => shop.startSession()));
        const doomed = await shop.startSession();
        // Warm each customer (data key, open conversation), so every send takes the same path.
        for (const s of [...others, doomed])
          expect((await shop.send(s.sessionToken, '你好')).status).toBe(201);
        await api.rows(
          `create trigger review_m_send_rollback before insert on messages when new.customer_id = '${doomed.customer.id}' begin select raise(rollback, 'review-m: whole rollback'); end`,
        );
        let results: Call[];
        const cmids = others.map(() => randomUUID());
        try {
          results = await Promise.all([
            ...others.slice(0, 2).map((s, i) => shop.send(s.sessionToken, '有没有小样', cmids[i])),
            shop.send(doomed.sessionToken, '会整体回滚'),
            ...others.slice(2).map((s, i) => shop.send(s.sessionToken, '有没有小样', cmids[i + 2])),
          ]);
        } finally {
          await api.rows('drop trigger review_m_send_rollback');
        }
        expect(results[2]!.status).toBeGreaterThanOrEqual(500);
        const outcome = await Promise.all(
          others.map(async (s, i) => ({
            round,
            status: results[i < 2 ? i : i + 1]!.status,
            stored: await messagesWithCmid(s.customer.id, cmids[i]!),
          })),
        );
        for (const line of outcome) expect(line).toEqual({ ...line, stored: line.status === 201 ? 1 : 0 });
      }
    });
  });

  describe('the answer engine on odd inputs', () => {
    const ODD = [
      '。',
      '。。。',
      '？？？？？？',
      '!!!!!!!!',
      '……',
      '~~~',
      '😀',
      '😀😀😀',
      '👍🏻',
      '🇨🇳',
      '👨‍👩‍👧‍👦',
      '❤️',
      '😭😭😭退货',
      '保质期😀多久',
      '123',
      '0',
      '12345678901234567890',
      '4111 1111 1111 1111',
      '13800138000',
      '１２３４５',
      'a'.repeat(2000),
      '面'.repeat(2000),
      `${'x'.repeat(500)}保质期多久`,
      '保质期多久'.repeat(400),
      '这款面霜保质期多久？'.repeat(200),
      '?'.repeat(2000),
      '😀'.repeat(1000),
      'a b '.repeat(500),
      '这款cream保质期多久?',
      'Is the 面霜 still 有货?',
      'Привет, где мой заказ?',
      'مرحبا أين طلبي',
      'このクリームの賞味期限は？',
      '배송 언제 와요?',
      '這款面霜保質期多久？',
      '这​款​面霜保质期多久',
      '退‍货',
      '﻿怎么退货',
      '‮退货',
      '退货退货退货',
      '怎么 退 货 ？ ？ ？',
      'refund???!!!',
      '转人工！！！',
      'éé',
      'Ａｂｃ全角',
      '①②③',
      '订单号123456789012怎么还没发货',
      "'; drop table messages; --",
    ];

    // review-m compared these with stop 28's build in a scratch tree with speed-18i's five commits
    // reverted (9,564 answers, 0 differ; docs/notes/review-m.md). What CI can hold for good: every
    // odd input is answered on three channels, twice alike, with a well-formed reply.
    it('answers every odd input on three channels, the same each time, with well-formed text', async () => {
      const { fillStore } = (await import(
        pathToFileURL(join(repoRoot, 'scripts/lib/engine-inputs.mjs')).href
      )) as {
        fillStore: (store: unknown) => any;
      };
      const engineOf = () => createAnswerEngine(createKnowledgeIndex(fillStore(readDemoStore())));
      const [first, second] = [engineOf(), engineOf()];
      const brief = (r: any): unknown => ({
        action: r.action,
        intent: r.intent,
        articleId: r.articleId,
        text: r.text,
        quickReplies: r.quickReplies,
        more: r.more.map(brief),
      });
      const wellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();
      for (const channel of ['web', 'phone', 'douyin_live'])
        for (const text of ODD) {
          const a = first.answer({ text, channel });
          expect(['answer', 'clarify', 'decline', 'escalate', 'ticket', 'smalltalk', 'guide']).toContain(
            a.action,
          );
          expect(wellFormed(a.text)).toBe(true);
          expect(JSON.stringify(brief(second.answer({ text, channel })))).toBe(JSON.stringify(brief(a)));
        }
    });

    // Was BREAK (review-m, fixed by the lead at stop 30) 3): knowledge/engine/product-facts.ts `brief()` cuts a product fact at 48 UTF-16
    // units (`value.slice(0, max)`), so an emoji at the cut leaves an unpaired surrogate in the bot's
    // reply. The 201 answer is built from what was written (messages.ts `insertMessages`: no read
    // back) and shows "\ud83d…"; the sealed row holds U+FFFD, so the timeline, the live event and the
    // retry of the same clientMessageId all show another text than the first answer did.
    it('a product fact cut by the bot: the first answer, its retry and the timeline show the same well-formed reply', async () => {
      const own = await api.createShop();
      const imported = await api.call('POST', '/v1/kb/import', {
        token: own.secretKey,
        body: {
          articles: [{ title: '发货时间', questions: ['什么时候发货'], answer: '工作日当天发货。' }],
          products: [
            {
              id: 'p-tee',
              name: '星空印花T恤',
              aliases: ['星空T恤'],
              category: 'apparel',
              price: 99,
              attributes: { material: `${'棉'.repeat(47)}😀麻混纺面料` },
            },
          ],
        },
      });
      expect([imported.status, imported.text]).toEqual([200, imported.text]);
      const session = await own.startSession();
      const clientMessageId = randomUUID();
      const first = await own.send(session.sessionToken, '星空T恤有什么颜色', clientMessageId);
      expect(first.status).toBe(201);
      const retry = await own.send(session.sessionToken, '星空T恤有什么颜色', clientMessageId);
      const timeline = await api.call('GET', '/v1/timeline?limit=10', { token: session.sessionToken });
      const said = first.body.replies.map((m: any) => m.text as string);
      expect(said.length).toBeGreaterThan(0);
      // Well-formed: no unpaired surrogate (a code point in the Cs category).
      expect(said.filter((text: string) => /\p{Cs}/u.test(text))).toEqual([]);
      expect(retry.body.replies.map((m: any) => m.text)).toEqual(said);
      expect(
        timeline.body.messages.filter((m: any) => m.author.type === 'bot').map((m: any) => m.text),
      ).toEqual(said);
    });

    it('through the API every odd text is a 201 with its answer, the text stored exactly', async () => {
      const session = await shop.startSession();
      for (const text of ODD) {
        const res = await shop.send(session.sessionToken, text);
        expect([res.status, res.text.slice(0, 200)]).toEqual([201, res.text.slice(0, 200)]);
        // Stored exactly, but for card numbers (masked before storage, by design).
        expect(res.body.message.text).toBe(maskCardNumbers(text));
        const retry = await shop.send(session.sessionToken, text, res.body.message.clientMessageId);
        expect(retry.body.message).toEqual(res.body.message);
        expect(retry.body.replies).toEqual(res.body.replies);
      }
    });
  });
});
