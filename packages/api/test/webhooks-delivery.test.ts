import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookWorker } from '../src/webhooks';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { freePort, startReceiver } from './webhook-receiver';

/**
 * Webhooks against a real receiver on loopback: retries, order per conversation, a receiver that
 * is down, 410, giving up, redelivery, and one slow conversation beside fast ones.
 */

const FAST = { allowLoopbackTargets: true, retryBaseMs: 30, retryMaxMs: 150, timeoutMs: 5_000 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(webhooks: Record<string, unknown> = {}) {
  const api = await createTestApi({ webhooks: { ...FAST, ...webhooks }, rateLimits: UNLIMITED });
  const shop = await api.createShop();
  const worker = startWebhookWorker(api.deps, { pollMs: 25 });
  cleanups.push(async () => {
    await worker.stop();
    await api.close();
  });
  return { api, shop, worker };
}

async function subscribe(
  api: TestApi,
  secretKey: string,
  url: string,
  events: string[] = ['message.created'],
) {
  const res = await api.call('POST', '/v1/webhooks', { token: secretKey, body: { url, events } });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  return res.body as { webhook: { id: string }; secret: string };
}

/** Two shoppers each send `count` messages; returns message ids per conversation in send order. */
async function converse(shop: Awaited<ReturnType<TestApi['createShop']>>, count: number) {
  const byConversation = new Map<string, string[]>();
  const sessions = [await shop.startSession(), await shop.startSession({ channel: 'app' })];
  for (let i = 0; i < count; i++) {
    for (const session of sessions) {
      const sent = await shop.send(session.sessionToken, `question ${i} from ${session.customer.id}`);
      expect(sent.status).toBe(201);
      const list = byConversation.get(sent.body.conversation.id) ?? [];
      list.push(sent.body.message.id);
      byConversation.set(sent.body.conversation.id, list);
    }
  }
  return byConversation;
}

/** The message ids a deduplicating receiver processed, per conversation, in arrival order. */
function processed(unique: { body: { data: Record<string, any> } }[]) {
  const map = new Map<string, string[]>();
  for (const r of unique) {
    const list = map.get(r.body.data.conversationId) ?? [];
    list.push(r.body.data.message.id);
    map.set(r.body.data.conversationId, list);
  }
  return map;
}

describe('webhook delivery', () => {
  it('a receiver that answers 500 three times still gets every event once, in order, signed', async () => {
    const { api, shop, worker } = await setup();
    const receiver = await startReceiver({ answer: (_r, n) => (n < 3 ? 500 : 200) });
    cleanups.push(receiver.close);
    const { secret, webhook } = await subscribe(api, shop.secretKey, receiver.url);

    const sent = await converse(shop, 5);
    const total = [...sent.values()].flat().length;
    await receiver.until(() => receiver.unique().length >= total);
    // The receiver's 2xx reaches the log with the COMMIT right after it.
    await worker.idle();

    expect(receiver.received.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 500]);
    expect(receiver.unique()).toHaveLength(total);
    expect(processed(receiver.unique())).toEqual(sent);
    expect(receiver.allSigned(secret)).toBe(true);
    // The same event id on every retry; the body names it too.
    for (const r of receiver.received) expect(r.body.id).toBe(r.eventId);
    const retried = receiver.received.filter((r) => r.eventId === receiver.received[0]!.eventId);
    expect(retried.length).toBeGreaterThanOrEqual(2);
    expect(new Set(retried.map((r) => r.raw)).size).toBe(1);

    // The delivery log shows the failed attempts with status, latency and the answer's start.
    const log = await api.call('GET', `/v1/webhooks/${webhook.id}/deliveries?limit=100`, {
      token: shop.secretKey,
    });
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toHaveLength(total);
    const failedAttempts = log.body.deliveries.flatMap((d: any) =>
      d.log.filter((a: any) => a.statusCode === 500),
    );
    expect(failedAttempts).toHaveLength(3);
    expect(failedAttempts[0].responseExcerpt).toBe('receiver says 500');
    expect(failedAttempts[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(log.body.deliveries.every((d: any) => d.state === 'delivered')).toBe(true);
  });

  it('a webhook whose receiver takes every delivery stays healthy after each one', async () => {
    const { api, shop, worker } = await setup();
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { webhook } = await subscribe(api, shop.secretKey, receiver.url);
    const session = await shop.startSession();
    for (let i = 1; i <= 4; i++) {
      await shop.send(session.sessionToken, `healthy ${i}`);
      await receiver.until(() => receiver.unique().some((r) => r.body.data.message.text === `healthy ${i}`));
      await worker.idle();
      const read = await api.call('GET', `/v1/webhooks/${webhook.id}`, { token: shop.secretKey });
      expect([i, read.body.webhook.health]).toEqual([i, 'ok']);
    }
    const [row] = await api.rows<{ failing_since: number | null }>(
      'SELECT failing_since FROM webhooks WHERE id = ?',
      [webhook.id],
    );
    expect(row!.failing_since).toBeNull();
  });

  it('a receiver that is down leaves events pending, not lost; when it is back they arrive in order', async () => {
    const { api, shop, worker } = await setup();
    const port = await freePort();
    const { webhook, secret } = await subscribe(api, shop.secretKey, `http://127.0.0.1:${port}/hooks`);
    const sent = await converse(shop, 4);
    const total = [...sent.values()].flat().length;

    // Let it fail a few times.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await api.rows<{ n: number }>(
        'SELECT count(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.seq = a.delivery_seq WHERE d.webhook_id = ?',
        [webhook.id],
      );
      if (row!.n >= 4 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const listed = await api.call('GET', '/v1/webhooks', { token: shop.secretKey });
    expect(listed.body.webhooks[0].pendingDeliveries).toBe(total);
    const log = await api.call('GET', `/v1/webhooks/${webhook.id}/deliveries?state=pending&limit=100`, {
      token: shop.secretKey,
    });
    expect(log.body.deliveries).toHaveLength(total);
    const attempted = log.body.deliveries.filter((d: any) => d.attempts > 0);
    // Only each conversation's first event is tried while the receiver is down: the rest queue behind it.
    expect(attempted).toHaveLength(sent.size);
    expect(attempted[0].log[0].statusCode).toBeNull();
    expect(attempted[0].log[0].error).toMatch(/ECONNREFUSED/);

    const receiver = await startReceiver({ port });
    cleanups.push(receiver.close);
    worker.kick();
    await receiver.until(() => receiver.unique().length >= total);
    expect(processed(receiver.unique())).toEqual(sent);
    expect(receiver.allSigned(secret)).toBe(true);
  });

  it('410 disables the webhook; enabling it again resumes the pending deliveries in order', async () => {
    const { api, shop } = await setup();
    let gone = true;
    // The first delivery is held until every message is sent, then answered 410.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const receiver = await startReceiver({
      answer: async () => {
        if (gone) await held;
        return gone ? 410 : 200;
      },
    });
    cleanups.push(receiver.close);
    const { webhook } = await subscribe(api, shop.secretKey, receiver.url);
    const sent = await converse(shop, 2);
    release();
    await receiver.until(() => receiver.received.length >= 1);
    const deadline = Date.now() + 10_000;
    let state: any;
    do {
      state = (await api.call('GET', `/v1/webhooks/${webhook.id}`, { token: shop.secretKey })).body.webhook;
      if (!state.enabled) break;
      await new Promise((r) => setTimeout(r, 30));
    } while (Date.now() < deadline);
    expect(state).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect(state.pendingDeliveries).toBe(4);

    // A disabled webhook is not sent to, and gets no new events.
    const before = receiver.received.length;
    const session = await shop.startSession();
    await shop.send(session.sessionToken, 'while disabled');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.length).toBe(before);

    gone = false;
    const enabled = await api.call('PATCH', `/v1/webhooks/${webhook.id}`, {
      token: shop.secretKey,
      body: { enabled: true },
    });
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabledReason: null });
    await receiver.until(() => receiver.unique().length >= 4);
    expect(processed(receiver.unique())).toEqual(sent);
  });

  it('gives a delivery up after the retry window, marks the webhook failing, and moves on', async () => {
    const { api, shop, worker } = await setup({ retryWindowMs: 400 });
    let broken = true;
    const receiver = await startReceiver({ answer: () => (broken ? 503 : 200) });
    cleanups.push(receiver.close);
    const { webhook } = await subscribe(api, shop.secretKey, receiver.url);
    const session = await shop.startSession();
    const first = await shop.send(session.sessionToken, 'first');
    const deadline = Date.now() + 10_000;
    let delivery: any;
    do {
      const log = await api.call('GET', `/v1/webhooks/${webhook.id}/deliveries`, { token: shop.secretKey });
      delivery = log.body.deliveries[0];
      if (delivery?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    expect(delivery.state).toBe('failed');
    expect(delivery.attempts).toBeGreaterThanOrEqual(2);
    expect(delivery.log[0].statusCode).toBe(503);
    const failing = await api.call('GET', `/v1/webhooks/${webhook.id}`, { token: shop.secretKey });
    expect(failing.body.webhook.health).toBe('failing');

    // The next event of the same conversation is not stuck behind the given-up one.
    broken = false;
    const second = await shop.send(session.sessionToken, 'second');
    await receiver.until(() => receiver.unique().length >= 1);
    await worker.idle();
    expect(receiver.unique()[0]!.body.data.message.id).toBe(second.body.message.id);
    const healthy = await api.call('GET', `/v1/webhooks/${webhook.id}`, { token: shop.secretKey });
    expect(healthy.body.webhook.health).toBe('ok');

    // The merchant replays the given-up one: same event id, marked as a redelivery.
    const replay = await api.call('POST', `/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`, {
      token: shop.secretKey,
    });
    expect(replay.status).toBe(202);
    expect(replay.body.delivery).toMatchObject({ redelivery: true, state: 'pending' });
    await receiver.until(() => receiver.unique().length >= 2);
    expect(receiver.unique()[1]!.body.data.message.id).toBe(first.body.message.id);
    expect(receiver.unique()[1]!.eventId).toBe(delivery.event.id);
  });

  it('one slow conversation does not hold up the others', async () => {
    const { api, shop } = await setup();
    let slowConversation = '';
    const receiver = await startReceiver({
      answer: async (r) => {
        if (r.body.data.conversationId === slowConversation) await new Promise((d) => setTimeout(d, 2_500));
        return 200;
      },
    });
    cleanups.push(receiver.close);
    await subscribe(api, shop.secretKey, receiver.url);
    const slow = await shop.startSession();
    const first = await shop.send(slow.sessionToken, 'slow one');
    slowConversation = first.body.conversation.id;
    await shop.send(slow.sessionToken, 'slow two');
    const others = await Promise.all([shop.startSession(), shop.startSession(), shop.startSession()]);
    for (const other of others) for (const text of ['a', 'b']) await shop.send(other.sessionToken, text);

    await receiver.until(() => receiver.unique().length >= 6);
    // Every other conversation's events arrived while the slow one's first event was still being answered.
    expect(
      receiver
        .unique()
        .slice(0, 6)
        .every((r) => r.body.data.conversationId !== slowConversation),
    ).toBe(true);
    await receiver.until(() => receiver.unique().length >= 8);
    expect(
      receiver
        .unique()
        .slice(6)
        .map((r) => r.body.data.message.text),
    ).toEqual(['slow one', 'slow two']);
  });

  it("one merchant's hanging receiver does not hold up another merchant's webhooks", async () => {
    const { api, shop } = await setup();
    const other = await api.createShop({ name: 'Another merchant' });
    let firstSlowAnswerAt = 0;
    const hanging = await startReceiver({
      answer: async () => {
        // Answers only after 4 s, every time (a receiver stuck on its own database, say).
        await new Promise((d) => setTimeout(d, 4_000));
        firstSlowAnswerAt ||= Date.now();
        return 200;
      },
    });
    const fast = await startReceiver();
    cleanups.push(hanging.close, fast.close);
    // The worker is started by setup; queue the slow merchant's backlog first: 12 conversations.
    await subscribe(api, shop.secretKey, hanging.url);
    const sessions = await Promise.all(Array.from({ length: 12 }, () => shop.startSession()));
    await Promise.all(sessions.map((s, i) => shop.send(s.sessionToken, `backlog ${i}`)));
    await subscribe(api, other.secretKey, fast.url);
    const session = await other.startSession();
    await other.send(session.sessionToken, 'the other merchant');
    await fast.until(() => fast.unique().some((r) => r.body.data.message.text === 'the other merchant'));
    // It arrived while the hanging receiver had not answered once: it never waited for a slot.
    expect(firstSlowAnswerAt).toBe(0);
  });
});
