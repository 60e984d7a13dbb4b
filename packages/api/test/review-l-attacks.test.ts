// review-l: attacks on speed-18h's send path (no RETURNING; the open-conversation and
// webhook-subscription caches kept between writes by a per-table rows version; the
// AsyncLocalStorage on only while a write group runs). Each case changes what a send would read —
// through this API, through a second API process on the same libSQL file, or through a write that
// rolls back — and checks the very next send against what the file holds: it lands in the open
// conversation that exists (never a resolved, erased or phantom one), and webhook deliveries follow
// the subscriptions as they stand. A defect found went in as `it.fails` naming it; the one found is fixed.
import { randomUUID } from 'node:crypto';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOpenConversation } from '../src/conversations/messages';
import { createDatabase } from '../src/db/database';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('review-l: the send path’s caches against other orders of events', () => {
  let api: TestApi;
  let shop: Shop;
  let second: ReturnType<TestApi['reopen']>;
  let secondDatabase: ReturnType<typeof createDatabase>;
  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true }, rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    // A second API process: its own connection to the same file, the same keys.
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
  const warm = async () => {
    const session = await shop.startSession();
    for (const text of ['这款面霜保质期多久？', '有没有小样']) {
      expect((await shop.send(session.sessionToken, text)).status).toBe(201);
    }
    return session;
  };
  const openOf = async (customerId: string) =>
    (
      await api.rows<{ id: string; status: string; last_channel: string; updated_at: number }>(
        `select id, status, last_channel, updated_at from conversations where customer_id = ? and status <> 'resolved'`,
        [customerId],
      )
    )[0];
  /** The send landed in a conversation that exists, is open, and is its customer's. */
  const expectLandedRight = async (res: { status: number; text: string; body: any }) => {
    expect([res.status, res.text]).toEqual([201, res.text]);
    const [row] = await api.rows<{ conversation_id: string; customer_id: string }>(
      'select conversation_id, customer_id from messages where id = ?',
      [res.body.message.id],
    );
    expect(row?.conversation_id).toBe(res.body.message.conversationId);
    const [conversation] = await api.rows<{ status: string; customer_id: string }>(
      'select status, customer_id from conversations where id = ?',
      [row!.conversation_id],
    );
    expect(conversation).toBeDefined();
    expect(conversation!.status).not.toBe('resolved');
    expect(conversation!.customer_id).toBe(row!.customer_id);
    return row!.conversation_id;
  };
  /** Statements on a third connection (an operator's shell, a migration, another process). */
  const onOtherConnection = async (...statements: { sql: string; args?: any[] }[]) => {
    const other = createClient({ url: `file:${api.databasePath}` });
    try {
      for (const statement of statements)
        await other.execute({ sql: statement.sql, args: statement.args ?? [] });
    } finally {
      other.close();
    }
  };

  describe('the open conversation changed elsewhere, then a send', () => {
    it('ended (POST /v1/conversations/{id}/end) by the second process: the send opens a new one', async () => {
      const session = await warm();
      const before = await openOf(session.customer.id);
      const ended = await onSecond('POST', `/v1/conversations/${before!.id}/end`, shop.secretKey);
      expect([ended.status, ended.text]).toEqual([200, ended.text]);
      const landed = await expectLandedRight(await shop.send(session.sessionToken, '还有一个问题'));
      expect(landed).not.toBe(before!.id);
    });

    it('ended in this process: the send opens a new one', async () => {
      const session = await warm();
      const before = await openOf(session.customer.id);
      const ended = await api.call('POST', `/v1/conversations/${before!.id}/end`, { token: shop.secretKey });
      expect(ended.status).toBe(200);
      expect(await expectLandedRight(await shop.send(session.sessionToken, '还有一个问题'))).not.toBe(
        before!.id,
      );
    });

    it('handed to an agent who resolves it on the second process: the next send is a new bot conversation', async () => {
      const agent = await shop.addAgent({ name: '王敏', capacity: 5 });
      expect((await agent.presence('online')).status).toBe(200);
      const session = await warm();
      const handed = await shop.send(session.sessionToken, '人工客服');
      expect(handed.status).toBe(201);
      const conversation = await openOf(session.customer.id);
      expect(conversation!.status).toBe('assigned');
      // One more send while assigned keeps the row in this process's cache.
      expect((await shop.send(session.sessionToken, '在吗')).body.replies).toEqual([]);
      const resolved = await onSecond(
        'POST',
        `/v1/agent/conversations/${conversation!.id}/resolve`,
        agent.token,
      );
      expect([resolved.status, resolved.text]).toEqual([200, resolved.text]);
      const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
      expect(await expectLandedRight(res)).not.toBe(conversation!.id);
      expect(res.body.replies.length).toBeGreaterThan(0);
      expect((await agent.presence('offline')).status).toBe(200);
    });

    it('the customer is erased on the second process: a late send stores nothing for them', async () => {
      const session = await warm();
      const customerId = session.customer.id;
      const erased = await onSecond('DELETE', `/v1/customers/${customerId}`, shop.secretKey);
      expect([erased.status, erased.text]).toEqual([200, erased.text]);
      const count = async () =>
        Number(
          (
            await api.rows<{ n: number }>('select count(*) as n from messages where customer_id = ?', [
              customerId,
            ])
          )[0]!.n,
        );
      const open = async () =>
        Number(
          (
            await api.rows<{ n: number }>(
              `select count(*) as n from conversations where customer_id = ? and status <> 'resolved'`,
              [customerId],
            )
          )[0]!.n,
        );
      const messagesBefore = await count();
      const openBefore = await open();
      const late = await shop.send(session.sessionToken, 'after erase elsewhere');
      expect(late.status).not.toBe(201);
      expect(await count()).toBe(messagesBefore);
      expect(await open()).toBe(openBefore);
    });

    it('merged into an identified customer on the second process: the send lands in the survivor’s open conversation', async () => {
      const userId = `u-${randomUUID()}`;
      // The identified customer, with an open conversation of their own.
      const known = await shop.startSession({ identityToken: await shop.identityToken(userId) });
      expect((await shop.send(known.sessionToken, '这款面霜保质期多久？')).status).toBe(201);
      const survivorOpen = await openOf(known.customer.id);
      // An anonymous visitor with a cached open conversation…
      const visitor = await warm();
      // …signs in on the second process: merged into the known customer.
      const identified = await onSecond('POST', '/v1/identify', visitor.sessionToken, {
        identityToken: await shop.identityToken(userId),
      });
      expect([identified.status, identified.text]).toEqual([200, identified.text]);
      const res = await shop.send(visitor.sessionToken, '有没有小样');
      const landed = await expectLandedRight(res);
      const [row] = await api.rows<{ customer_id: string }>('select customer_id from messages where id = ?', [
        res.body.message.id,
      ]);
      // No open conversation is left to the merged-away customer, and the send is not in one.
      expect(await openOf(visitor.customer.id)).toBeUndefined();
      expect(row!.customer_id).not.toBe(visitor.customer.id);
      const open = await api.rows<{ id: string }>(
        `select id from conversations where customer_id = ? and status <> 'resolved'`,
        [row!.customer_id],
      );
      expect(open.map((o) => o.id)).toEqual([landed]);
      expect(survivorOpen).toBeDefined();
    });

    it('the two processes take turns for one customer: each send sees the other’s writes', async () => {
      const session = await warm();
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res =
          i % 2 === 0
            ? await shop.send(session.sessionToken, `轮流 ${i}`)
            : await onSecond('POST', '/v1/messages', session.sessionToken, {
                clientMessageId: randomUUID(),
                text: `轮流 ${i}`,
              });
        ids.add(await expectLandedRight(res));
        if (i === 3) {
          // Resolved between turns by a third connection.
          const open = await openOf(session.customer.id);
          await onOtherConnection({
            sql: `update conversations set status = 'resolved', resolved_at = 1 where id = ?`,
            args: [open!.id],
          });
        }
      }
      expect(ids.size).toBe(2);
      const held = await heldOpenConversation(api.database, session.customer.id);
      if (held) expect(held.id).toBe((await openOf(session.customer.id))!.id);
    });
  });

  describe('a send that rolls back', () => {
    /** A trigger that refuses one customer's rows in `table` (an injected failure in a later statement). */
    const refuse = async (table: 'messages' | 'events', customerId: string) => {
      const name = `review_l_refuse_${table}`;
      await api.rows(
        `create trigger ${name} before insert on ${table} when new.customer_id = '${customerId}' begin select raise(abort, 'review-l injected failure'); end`,
      );
      return () => api.rows(`drop trigger ${name}`);
    };

    for (const table of ['messages', 'events'] as const) {
      it(`opens a new conversation, then its ${table} insert fails: no phantom conversation is kept`, async () => {
        const session = await warm();
        const old = await openOf(session.customer.id);
        await api.rows(`update conversations set status = 'resolved', resolved_at = 1 where id = ?`, [
          old!.id,
        ]);
        const drop = await refuse(table, session.customer.id);
        try {
          const failed = await shop.send(session.sessionToken, '会失败的一条');
          expect(failed.status).toBeGreaterThanOrEqual(500);
        } finally {
          await drop();
        }
        // Nothing of the failed send is in the file, nor kept.
        expect(await openOf(session.customer.id)).toBeUndefined();
        expect(await heldOpenConversation(api.database, session.customer.id)).toBeUndefined();
        await expectLandedRight(await shop.send(session.sessionToken, '这次会成功'));
      });
    }

    it('fails while sharing its group with other sends: theirs commit, its conversation is not kept', async () => {
      const doomed = await warm();
      const others = await Promise.all([warm(), warm()]);
      const old = await openOf(doomed.customer.id);
      await api.rows(`update conversations set status = 'resolved', resolved_at = 1 where id = ?`, [old!.id]);
      const drop = await refuse('events', doomed.customer.id);
      let results: Awaited<ReturnType<Shop['send']>>[];
      try {
        // Issued in one turn: the sends share a group (the doomed one in the middle: a savepoint).
        results = await Promise.all([
          shop.send(others[0]!.sessionToken, '一起 1'),
          shop.send(doomed.sessionToken, '一起 2'),
          shop.send(others[1]!.sessionToken, '一起 3'),
        ]);
      } finally {
        await drop();
      }
      expect(results[1]!.status).toBeGreaterThanOrEqual(500);
      await expectLandedRight(results[0]!);
      await expectLandedRight(results[2]!);
      expect(await openOf(doomed.customer.id)).toBeUndefined();
      await expectLandedRight(await shop.send(doomed.sessionToken, '再来'));
      for (const other of others) await expectLandedRight(await shop.send(other.sessionToken, '再来'));
    });

    it('a retry of the same clientMessageId after the conversation ended elsewhere returns the first result and opens nothing', async () => {
      const session = await warm();
      const clientMessageId = randomUUID();
      const first = await shop.send(session.sessionToken, '只发一次', clientMessageId);
      const firstConversation = await expectLandedRight(first);
      const ended = await onSecond('POST', `/v1/conversations/${firstConversation}/end`, shop.secretKey);
      expect(ended.status).toBe(200);
      const retry = await shop.send(session.sessionToken, '只发一次', clientMessageId);
      expect(retry.status).toBeLessThan(300);
      expect(retry.body.message.id).toBe(first.body.message.id);
      expect(retry.body.message.conversationId).toBe(firstConversation);
      // The retry's new conversation rolled back with it: none open, none kept.
      expect(await openOf(session.customer.id)).toBeUndefined();
      expect(await heldOpenConversation(api.database, session.customer.id)).toBeUndefined();
      const next = await expectLandedRight(await shop.send(session.sessionToken, '新的问题'));
      expect(next).not.toBe(firstConversation);
      const all = await api.rows<{ n: number }>(
        'select count(*) as n from conversations where customer_id = ?',
        [session.customer.id],
      );
      expect(Number(all[0]!.n)).toBe(2);
    });
  });

  describe('keys from lastInsertRowid', () => {
    it('rows added by another connection (keys far ahead) and by a trigger in between: the published event ids are the stored ones', async () => {
      const session = await warm();
      await onOtherConnection(
        {
          sql: `insert into events (id, app_id, customer_id, type, data, audience, created_at) values ((select max(id) from events) + 1000, ?, ?, 'review-l.note', '{}', 'staff', 1)`,
          args: [shop.appId, `cus_review_l_${randomUUID()}`],
        },
        // A side table filled by a trigger on every message and event row (an operator's audit).
        {
          sql: 'create table if not exists review_l_audit (id integer primary key autoincrement, what text)',
        },
        {
          sql: `create trigger if not exists review_l_audit_messages after insert on messages begin insert into review_l_audit (what) values ('m'), ('m2'); end`,
        },
        {
          sql: `create trigger if not exists review_l_audit_events after insert on events begin insert into review_l_audit (what) values ('e'); end`,
        },
      );
      const published: number[] = [];
      const unsubscribe = api.deps.bus.subscribe(session.customer.id, (event) => {
        published.push(event.id as number);
      });
      try {
        const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
        await expectLandedRight(res);
        const stored = await api.rows<{ id: number }>(
          `select id from events where customer_id = ? and type = 'message.created' order by id desc limit ?`,
          [session.customer.id, 1 + res.body.replies.length],
        );
        expect([...published].sort((a, b) => a - b)).toEqual(
          stored.map((row) => Number(row.id)).sort((a, b) => a - b),
        );
        // The timeline reads the rows back by seq: the customer's message and the replies, in order.
        const timeline = await shop.send(session.sessionToken, '有没有小样');
        await expectLandedRight(timeline);
      } finally {
        unsubscribe();
        await onOtherConnection(
          { sql: 'drop trigger if exists review_l_audit_messages' },
          { sql: 'drop trigger if exists review_l_audit_events' },
        );
      }
    });
  });

  describe('webhook subscriptions changed elsewhere, then a send', () => {
    const deliveriesOf = async (webhookId: string) =>
      Number(
        (
          await api.rows<{ n: number }>('select count(*) as n from webhook_deliveries where webhook_id = ?', [
            webhookId,
          ])
        )[0]!.n,
      );
    const body = { url: 'http://127.0.0.1:9/hook', events: ['message.created'] };

    it('made, disabled, enabled, re-subscribed to other events and deleted on the second process: each next send follows', async () => {
      const session = await warm();
      // Warm this process's subscriptions (none yet for the app, or others' from earlier cases).
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      const made = await onSecond('POST', '/v1/webhooks', shop.secretKey, body);
      expect([made.status, made.text]).toEqual([201, made.text]);
      const hook = made.body.webhook.id as string;
      const res = await shop.send(session.sessionToken, '你好');
      expect(res.status).toBe(201);
      const perSend = 1 + res.body.replies.length;
      expect(await deliveriesOf(hook)).toBe(perSend);

      const off = await onSecond('PATCH', `/v1/webhooks/${hook}`, shop.secretKey, { enabled: false });
      expect([off.status, off.text]).toEqual([200, off.text]);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(perSend);

      const on = await onSecond('PATCH', `/v1/webhooks/${hook}`, shop.secretKey, { enabled: true });
      expect(on.status).toBe(200);
      const after = await shop.send(session.sessionToken, '你好');
      expect(await deliveriesOf(hook)).toBe(perSend + 1 + after.body.replies.length);
      const delivered = await deliveriesOf(hook);

      const events = await onSecond('PATCH', `/v1/webhooks/${hook}`, shop.secretKey, {
        events: ['conversation.updated'],
      });
      expect([events.status, events.text]).toEqual([200, events.text]);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(delivered);

      const gone = await onSecond('DELETE', `/v1/webhooks/${hook}`, shop.secretKey);
      expect([gone.status, gone.text]).toEqual([200, gone.text]);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(0);
    });

    it('made and deleted in this process: the next send follows', async () => {
      const session = await warm();
      const made = await api.call('POST', '/v1/webhooks', { token: shop.secretKey, body });
      expect(made.status).toBe(201);
      const hook = made.body.webhook.id as string;
      const res = await shop.send(session.sessionToken, '你好');
      expect(await deliveriesOf(hook)).toBe(1 + res.body.replies.length);
      const off = await api.call('PATCH', `/v1/webhooks/${hook}`, {
        token: shop.secretKey,
        body: { enabled: false },
      });
      expect(off.status).toBe(200);
      const delivered = await deliveriesOf(hook);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(delivered);
      expect((await api.call('DELETE', `/v1/webhooks/${hook}`, { token: shop.secretKey })).status).toBe(200);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
    });

    it('a webhook made in the same group as a send: the send is delivered only if it committed after', async () => {
      const session = await warm();
      const [sent, made] = await Promise.all([
        shop.send(session.sessionToken, '你好'),
        api.call('POST', '/v1/webhooks', { token: shop.secretKey, body }),
      ]);
      expect(sent.status).toBe(201);
      expect(made.status).toBe(201);
      const hook = made.body.webhook.id as string;
      const next = await shop.send(session.sessionToken, '你好');
      const delivered = await deliveriesOf(hook);
      // The concurrent send may have committed before or after the webhook; the next one is always in.
      expect([
        1 + next.body.replies.length,
        2 + next.body.replies.length + sent.body.replies.length,
      ]).toContain(delivered);
      await api.call('DELETE', `/v1/webhooks/${hook}`, { token: shop.secretKey });
    });
  });

  describe('a restart', () => {
    it('a fresh database handle on the file after the other process changed the row: nothing stale survives', async () => {
      const session = await warm();
      const open = await openOf(session.customer.id);
      const restarted = createDatabase({ url: `file:${api.databasePath}` });
      try {
        const app = api.reopen({ database: restarted });
        const send = async (text: string) => {
          const response = await app.request('/v1/messages', {
            method: 'POST',
            headers: { authorization: `Bearer ${session.sessionToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ clientMessageId: randomUUID(), text }),
          });
          const text2 = await response.text();
          return { status: response.status, text: text2, body: JSON.parse(text2) };
        };
        expect(await expectLandedRight(await send('重启后'))).toBe(open!.id);
        // The old process ends it; the restarted one sends next.
        expect(
          (await api.call('POST', `/v1/conversations/${open!.id}/end`, { token: shop.secretKey })).status,
        ).toBe(200);
        expect(await expectLandedRight(await send('重启后 2'))).not.toBe(open!.id);
      } finally {
        restarted.close();
      }
    });
  });

  describe('one customer on two channels, two sends in one group', () => {
    // DEFECT (review-l), fixed in writeKnownConversation: the send's own conversation UPDATE is marked CALLER_KEEPS_CACHE, so it does
    // not move the `conversations` version. When two sends of ONE customer share a write group, the
    // first (bot answer with memory) queues `remember(after1)` for its commit; the second (a stop
    // reply: no bot decision, so no `context`, so it sets no entry) updates the same row — new
    // `updated_at` and `last_channel` — without moving the version. At COMMIT the first send's
    // callback keeps `after1` with the current version: the kept row is not the stored one. The next
    // send reads it, sees `lastChannel` equal to its channel, skips the touch, and the stored
    // `last_channel` stays wrong: agents' replies default to it (agents/agent-work.ts, `asked ??
    // conversation.lastChannel`), so they go to the channel the customer left. Main before speed-18h
    // set last_channel on every send. Fix: in `writeKnownConversation`, when `rowAfter` gives null,
    // queue `onCommit(() => known.delete(customerId))` too (commit callbacks run in group order).
    // Reproduce: identified customer with a 'web' and an 'app' session; warm on web; send on web
    // ('这款面霜保质期多久？') and on app ('退订') in one turn; then held ≠ stored.
    it('the kept row is the stored row after both commit (last_channel, updated_at)', async () => {
      const userId = `u-${randomUUID()}`;
      const token = await shop.identityToken(userId);
      const web = await shop.startSession({ channel: 'web', identityToken: token });
      const app = await shop.startSession({ channel: 'app', identityToken: token });
      expect(app.customer.id).toBe(web.customer.id);
      for (const text of ['这款面霜保质期多久？', '有没有小样']) {
        expect((await shop.send(web.sessionToken, text)).status).toBe(201);
      }
      const seen: { held?: string; stored: string; afterWeb: string }[] = [];
      for (let round = 0; round < 5; round++) {
        const [a, b] = await Promise.all([
          shop.send(web.sessionToken, '这款面霜保质期多久？'),
          shop.send(app.sessionToken, '退订'),
        ]);
        expect([a.status, b.status]).toEqual([201, 201]);
        const held = await heldOpenConversation(api.database, web.customer.id);
        const stored = await openOf(web.customer.id);
        // The customer writes on the web again: the conversation's last channel is the web.
        expect((await shop.send(web.sessionToken, '有没有小样')).status).toBe(201);
        const afterWeb = (await openOf(web.customer.id))!.last_channel;
        seen.push({ held: held?.lastChannel, stored: stored!.last_channel, afterWeb });
        if (held && held.lastChannel !== stored!.last_channel) break;
      }
      // Seen when broken: [{ held: 'web', stored: 'app', afterWeb: 'app' }].
      expect(
        seen.filter((s) => (s.held !== undefined && s.held !== s.stored) || s.afterWeb !== 'web'),
      ).toEqual([]);
    });
  });
});
