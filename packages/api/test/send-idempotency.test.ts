import { randomUUID } from 'node:crypto';
import { channelMessageAnswer, sendMessageAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder } from '../src/conversations/replies';
import { createTestApi, type TestApi } from './harness';

/** A bot that takes a moment to think, so retries can arrive while it does. */
const thoughtfulBot: Responder = {
  async respond({ message }) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return {
      replies: [{ text: `echo: ${message.text}`, intent: 'echo', meta: { confidence: 1, source: 'kb' } }],
    };
  },
};

describe('the same clientMessageId yields one message', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi({ responder: thoughtfulBot });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  // Text is stored sealed; the test opens it as the API does.
  const stored = async (clientMessageId: string) =>
    api.opened(
      await api.rows<{ id: string; text: string }>(
        "select id, text from messages where client_message_id = ? and author_type = 'customer'",
        [clientMessageId],
      ),
    );
  const replies = async (messageId: string) =>
    api.rows('select id from messages where in_reply_to = ?', [messageId]);

  it('answers a retry with the first result, replies included, and stores nothing new', async () => {
    const session = await shop.startSession({ channel: 'web' });
    const id = randomUUID();
    const first = await shop.send(session.sessionToken, '退货要多久？', id);
    const second = await shop.send(session.sessionToken, '退货要多久？', id);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(sendMessageAnswer.parse(second.body)).toEqual(sendMessageAnswer.parse(first.body));
    expect(first.body.replies).toHaveLength(1);
    expect(await stored(id)).toHaveLength(1);
    expect(await replies(first.body.message.id)).toHaveLength(1);
  });

  it('a retry that fails first in a shared commit loses and duplicates none of the sends grouped with it', async () => {
    // The retry's insert fails on the unique index; as the group's first writer it runs without a
    // savepoint, so the whole transaction rolls back and the others go again, once each.
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () => shop.startSession({ channel: 'web' })),
    );
    const retried = randomUUID();
    const first = await shop.send(sessions[0]!.sessionToken, 'first of all', retried);
    expect(first.status).toBe(201);
    for (let round = 0; round < 3; round++) {
      const ids = sessions.map(() => randomUUID());
      const results = await Promise.all([
        shop.send(sessions[0]!.sessionToken, 'first of all', retried),
        ...sessions.slice(1).map((s, i) => shop.send(s.sessionToken, `round ${round} from ${i}`, ids[i + 1])),
      ]);
      for (const result of results) expect(result.status, result.text).toBe(201);
      expect(results[0]!.body.message.id).toBe(first.body.message.id);
      expect(results[0]!.body.replies.map((r: { id: string }) => r.id)).toEqual(
        first.body.replies.map((r: { id: string }) => r.id),
      );
      for (const [i, result] of results.slice(1).entries()) {
        const rows = await stored(ids[i + 1]!);
        expect(rows.map((r) => [r.id, r.text])).toEqual([
          [result.body.message.id, `round ${round} from ${i}`],
        ]);
        expect(await replies(result.body.message.id)).toHaveLength(1);
      }
    }
    expect(await stored(retried)).toHaveLength(1);
    expect(await replies(first.body.message.id)).toHaveLength(1);
  });

  it('keeps the first text when a retry carries a different one', async () => {
    const session = await shop.startSession({ channel: 'web' });
    const id = randomUUID();
    await shop.send(session.sessionToken, 'the original', id);
    const retry = await shop.send(session.sessionToken, 'an edited retry', id);
    expect(retry.body.message.text).toBe('the original');
    expect((await stored(id)).map((m) => m.text)).toEqual(['the original']);
  });

  it('stores one message and one set of replies for 10 concurrent sends, and gives all the same answer', async () => {
    const session = await shop.startSession({ channel: 'app' });
    const id = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => shop.send(session.sessionToken, '并发发送', id)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const parsed = answers.map((a) => sendMessageAnswer.parse(a.body));
    expect(new Set(parsed.map((a) => a.message.id)).size).toBe(1);
    for (const answer of parsed) expect(answer).toEqual(parsed[0]);
    expect(await stored(id)).toHaveLength(1);
    expect(await replies(parsed[0]!.message.id)).toHaveLength(1);
  });

  it('treats sends of the same customer from two channels with one id as one message', async () => {
    const token = await shop.identityToken('user-idem');
    const web = await shop.startSession({ channel: 'web', identityToken: token });
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    const id = randomUUID();
    const [a, b] = await Promise.all([
      shop.send(web.sessionToken, 'hi', id),
      shop.send(app.sessionToken, 'hi', id),
    ]);
    expect(a.body.message.id).toBe(b.body.message.id);
    expect(await stored(id)).toHaveLength(1);
  });

  it('does not mix two customers who happen to pick the same id', async () => {
    const one = await shop.startSession({ channel: 'web' });
    const two = await shop.startSession({ channel: 'web' });
    const id = 'not-so-unique-0001';
    const [a, b] = await Promise.all([
      shop.send(one.sessionToken, 'from one', id),
      shop.send(two.sessionToken, 'from two', id),
    ]);
    expect(a.body.message.id).not.toBe(b.body.message.id);
    expect((await stored(id)).map((m) => m.text).sort()).toEqual(['from one', 'from two']);
  });

  it('does the same for server-channel messages', async () => {
    const id = randomUUID();
    const from = { externalId: 'caller-idem', phone: '13600000001' };
    const first = await shop.channelMessage('phone', from, '电话转写', id);
    const again = await shop.channelMessage('phone', from, '电话转写', id);
    expect(channelMessageAnswer.parse(again.body)).toEqual(channelMessageAnswer.parse(first.body));

    const burstId = randomUUID();
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        shop.channelMessage('douyin_live', { externalId: 'viewer-9' }, '666', burstId),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(201));
    const parsed = burst.map((r) => channelMessageAnswer.parse(r.body));
    expect(new Set(parsed.map((a) => a.message.id)).size).toBe(1);
    for (const answer of parsed) expect(answer).toEqual(parsed[0]);
    expect(await stored(id)).toHaveLength(1);
    expect(await stored(burstId)).toHaveLength(1);
    const customers = await api.rows(
      "select id from identities where kind = 'external' and value = 'viewer-9'",
    );
    expect(customers).toHaveLength(1);
  });
});
