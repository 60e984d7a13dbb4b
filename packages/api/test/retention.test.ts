import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock';
import { sweepRetention } from '../src/privacy';
import { pruneWebhookLog, startWebhookWorker } from '../src/webhooks';
import { createTestApi, type TestApi } from './harness';
import { startReceiver } from './webhook-receiver';

const DAY = 24 * 3600_000;

describe('retention', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ clock, webhooks: { allowLoopbackTargets: true } });
  });
  afterAll(() => api.close());

  it('deletes messages older than the app’s retention period, on every channel, and nothing newer or of other apps', async () => {
    const shop = await api.createShop();
    const keep = await api.createShop({ name: 'Keeps everything' });
    const set = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { messageRetentionDays: 30 },
    });
    expect(set.status).toBe(200);
    expect(set.body.app.messageRetentionDays).toBe(30);
    expect(
      (await api.call('GET', '/v1/app', { token: keep.secretKey })).body.app.messageRetentionDays,
    ).toBeNull();

    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, 'old web question');
    await shop.channelMessage('phone', { phone: '13800138000' }, 'old phone question');
    const other = await keep.startSession();
    await keep.send(other.sessionToken, 'another app, just as old');
    clock.advance(31 * DAY);
    const fresh = await shop.startSession({ channel: 'app' });
    await shop.send(fresh.sessionToken, 'new question');

    expect(await sweepRetention(api.deps)).toBeGreaterThanOrEqual(2);
    const left = await api.opened(
      await api.rows<{ text: string; app_id: string }>('SELECT text, app_id FROM messages ORDER BY seq'),
    );
    const texts = left.map((m) => m.text);
    expect(texts).not.toContain('old web question');
    expect(texts).not.toContain('old phone question');
    expect(texts).toContain('new question');
    expect(texts).toContain('another app, just as old');
    const [{ n }] = (await api.rows<{ n: number }>(
      'SELECT count(*) AS n FROM events WHERE app_id = ? AND created_at < ?',
      [shop.appId, clock.now() - 30 * DAY],
    )) as [{ n: number }];
    expect(n).toBe(0);
    // Off again: nothing more goes.
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { messageRetentionDays: null } });
    clock.advance(400 * DAY);
    expect(await sweepRetention(api.deps)).toBe(0);
  });

  it('keeps the messages of a conversation waiting for or with an agent, and deletes them once it is resolved', async () => {
    const shop = await api.createShop();
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { messageRetentionDays: 7 } });
    const waiting = await shop.startSession({ channel: 'web' });
    await shop.send(waiting.sessionToken, 'my parcel never came, order 7781');
    const asked = await shop.send(waiting.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    const idle = await shop.startSession({ channel: 'app' });
    await shop.send(idle.sessionToken, 'an idle bot chat from long ago');
    clock.advance(10 * DAY);

    await sweepRetention(api.deps);
    const texts = async () =>
      (
        await api.opened(
          await api.rows<{ text: string }>('SELECT text FROM messages WHERE app_id = ? ORDER BY seq', [
            shop.appId,
          ]),
        )
      ).map((m) => m.text);
    // The queued matter keeps its history for the agent who takes it; the idle bot chat goes.
    expect(await texts()).toContain('my parcel never came, order 7781');
    expect(await texts()).not.toContain('an idle bot chat from long ago');

    // Assigned: still kept. (The agent signs in now: the manual clock has moved past older tokens.)
    const agent = await shop.addAgent({ name: 'Keeper', email: 'keeper@shop.example' });
    const conversationId = asked.body.conversation.id as string;
    const claimed = await agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`, {});
    expect(claimed.status).toBe(200);
    await sweepRetention(api.deps);
    expect(await texts()).toContain('my parcel never came, order 7781');
    const detail = await agent.call('GET', `/v1/agent/conversations/${conversationId}`);
    expect(JSON.stringify(detail.body)).toContain('my parcel never came');

    // Resolved: the next sweep applies the period.
    const resolved = await agent.call('POST', `/v1/agent/conversations/${conversationId}/resolve`, {});
    expect(resolved.status).toBe(200);
    await sweepRetention(api.deps);
    expect(await texts()).not.toContain('my parcel never came, order 7781');
  });

  it('prunes finished webhook deliveries after 30 days, never pending ones', async () => {
    const shop = await api.createShop();
    const receiver = await startReceiver({
      answer: (r) => (r.body.data.message.text === 'still pending' ? 500 : 200),
    });
    const worker = startWebhookWorker(api.deps, { pollMs: 25 });
    try {
      const hook = await api.call('POST', '/v1/webhooks', {
        token: shop.secretKey,
        body: { url: receiver.url, events: ['message.created'] },
      });
      const session = await shop.startSession();
      await shop.send(session.sessionToken, 'delivered long ago');
      await receiver.until(() => receiver.unique().length >= 1);
      await worker.idle();
      const delivered = await api.rows("SELECT state FROM webhook_deliveries WHERE state = 'delivered'");
      await shop.send(session.sessionToken, 'still pending');
      await receiver.until(() => receiver.received.some((r) => r.status === 500));
      await worker.idle();
      clock.advance(31 * DAY);
      expect(await pruneWebhookLog(api.deps)).toBe(delivered.length);
      const rows = await api.rows<{ state: string }>(
        'SELECT state FROM webhook_deliveries WHERE webhook_id = ?',
        [hook.body.webhook.id],
      );
      expect(rows).toEqual([{ state: 'pending' }]);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  });

  it('takes the webhook log’s copies of old messages with them, keeping deliveries still owed', async () => {
    const shop = await api.createShop();
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { messageRetentionDays: 7 } });
    const other = await api.createShop({ name: 'No retention' });
    const receiver = await startReceiver({
      answer: (r) => (r.body.data.message.text === 'owed to the CRM' ? 500 : 200),
    });
    const worker = startWebhookWorker(api.deps, { pollMs: 25 });
    try {
      for (const s of [shop, other])
        await api.call('POST', '/v1/webhooks', {
          token: s.secretKey,
          body: { url: receiver.url, events: ['message.created'] },
        });
      const session = await shop.startSession();
      await shop.send(session.sessionToken, 'delivered, then old');
      const otherSession = await other.startSession();
      await other.send(otherSession.sessionToken, 'another app keeps its log');
      await receiver.until(() => receiver.unique().length >= 2);
      const owed = await shop.startSession();
      await shop.send(owed.sessionToken, 'owed to the CRM');
      await receiver.until(() => receiver.received.some((r) => r.status === 500));
      await worker.idle();
      // Stopped first: past its 3-day window the owed delivery would be given up on the next try.
      await worker.stop();
      clock.advance(8 * DAY);

      await sweepRetention(api.deps);
      const states = async (appId: string) =>
        (
          await api.rows<{ state: string }>(
            'SELECT state FROM webhook_deliveries WHERE app_id = ? ORDER BY seq',
            [appId],
          )
        ).map((r) => r.state);
      // Only what is still owed is left of the app with the short period.
      expect(new Set(await states(shop.appId))).toEqual(new Set(['pending']));
      const [{ n }] = (await api.rows<{ n: number }>(
        'SELECT count(*) AS n FROM webhook_events e WHERE e.app_id = ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)',
        [shop.appId],
      )) as [{ n: number }];
      expect(n).toBe(0);
      // The other app keeps its log for the usual 30 days.
      expect((await states(other.appId)).length).toBeGreaterThan(0);
      expect(new Set(await states(other.appId))).toEqual(new Set(['delivered']));
    } finally {
      await worker.stop();
      await receiver.close();
    }
  });
});
