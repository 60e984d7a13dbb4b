import { WEBHOOK_EVENT_TYPES, webhookPayload } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFollowUpWorker } from '../src/followups';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { signWebhookPayload, startWebhookWorker, verifyWebhook, type WebhookWorker } from '../src/webhooks';
import { isPrivateAddress } from '../src/webhooks/targets';
import { createTestApi, type TestApi } from './harness';
import { startReceiver } from './webhook-receiver';

/** Every event type reaches a subscriber; bad and dangerous URLs are refused; receivers can verify. */

describe('every webhook event type', () => {
  let api: TestApi;
  let worker: WebhookWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true, retryBaseMs: 30, retryMaxMs: 100 } });
    worker = startWebhookWorker(api.deps, { pollMs: 25 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker.stop();
    await receiver.close();
    await api.close();
  });

  it('sends messages of customer, bot and agent, status and assignment, tickets, handoffs, merges, profile changes and erasure', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const hook = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: receiver.url, events: ['*'], description: 'CRM' },
    });
    expect(hook.body.webhook.events).toEqual(['*']);
    const agent = await shop.addAgent({ name: '小周', skills: [] });
    await agent.presence('online');

    const anonymous = await shop.startSession({ channel: 'app' });
    await shop.send(anonymous.sessionToken, '你好');
    const ticketed = await shop.send(anonymous.sessionToken, '衣服尺码不合适想换大一码');
    const ticketId = ticketed.body.replies[0].meta.ticketId as string;
    await api.call('PATCH', `/v1/tickets/${ticketId}`, {
      token: shop.secretKey,
      body: { status: 'in_progress' },
    });
    const escalated = await api.call('POST', '/v1/escalate', { token: anonymous.sessionToken, body: {} });
    const conversationId = escalated.body.conversation.id as string;
    // Routing hands it to the online agent inside the escalation; the agent answers.
    await agent.call('POST', `/v1/agent/conversations/${conversationId}/messages`, {
      text: '您好，我来帮您',
    });
    const code = await api.call('POST', '/v1/handoffs', { token: anonymous.sessionToken, body: {} });
    await shop.startSession({ channel: 'miniprogram', handoffCode: code.body.code });
    // A follow-up on a server channel (WeCom: no address needed beyond the merchant's webhook; this
    // anonymous shopper has no phone for SMS) once the agent resolves it: `follow_up.sent`.
    await api.call('PATCH', '/v1/follow-up-settings', { token: shop.secretKey, body: { quietHours: null } });
    const rule = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: 'exchange follow-up by WeCom',
        when: { intent: 'exchange_size' },
        delaySeconds: 0,
        send: { channel: 'wecom', content: { kind: 'text', text: '换货进度可在小程序「我的订单」查看' } },
      },
    });
    expect(rule.status).toBe(201);
    await agent.call('POST', `/v1/agent/conversations/${conversationId}/resolve`);
    const followUps = startFollowUpWorker(api.deps, { pollMs: 3_600_000 });
    await followUps.drain();
    await followUps.stop();
    // Delivered before the rest of the story erases this shopper (events of the erased are not sent).
    await receiver.until(
      () =>
        receiver.unique().some((r) => r.body.type === 'follow_up.sent') &&
        receiver
          .unique()
          .some((r) => r.body.type === 'message.created' && r.body.data.message.author.type === 'system'),
    );
    await shop.identify(anonymous.sessionToken, await shop.identityToken('crm-42'));
    const known = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('crm-43'),
    });
    await shop.identify(anonymous.sessionToken, await shop.identityToken('crm-43'));
    await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: { customer: { externalId: 'crm-43' }, name: '王女士', attributes: { tier: 'gold' } },
    });
    const seen = () => new Set(receiver.unique().map((r) => r.body.type));
    // An erase deletes the person's events still queued (docs/security.md), so the profile change
    // is awaited first: otherwise whether it was sent depends on the worker beating the erase.
    await receiver.until(() => seen().has('customer.updated'));
    await api.call('DELETE', `/v1/customers/${known.customer.id}`, { token: shop.secretKey });

    await receiver.until(() => WEBHOOK_EVENT_TYPES.every((type) => seen().has(type)));
    const authors = new Set(
      receiver
        .unique()
        .filter((r) => r.body.type === 'message.created')
        .map((r) => r.body.data.message.author.type),
    );
    // 'system': the SMS follow-up's message on the timeline.
    expect([...authors].sort()).toEqual(['agent', 'bot', 'customer', 'system']);
    const statuses = receiver
      .unique()
      .filter((r) => r.body.type === 'conversation.updated')
      .map((r) => r.body.data.conversation.status);
    expect(statuses).toEqual(expect.arrayContaining(['assigned']));
    const assigned = receiver
      .unique()
      .find((r) => r.body.type === 'conversation.updated' && r.body.data.conversation.assignedAgent);
    expect(assigned?.body.data.conversation.assignedAgent.id).toBe(agent.id);
    const claimed = receiver.unique().find((r) => r.body.type === 'handoff.claimed')!;
    expect(claimed.body.data).toMatchObject({ fromChannel: 'app', toChannel: 'miniprogram', conversationId });
    const updated = receiver.unique().find((r) => r.body.type === 'customer.updated')!;
    expect(updated.body.data).toMatchObject({
      changed: ['name', 'attributes'],
      customer: { name: '王女士', attributes: { tier: 'gold' } },
    });
    for (const r of receiver.unique()) {
      expect(webhookPayload.safeParse(r.body).success).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
    }
  });
});

describe('webhook targets', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi(); // production settings: no private targets
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('refuses non-http, credentials, fragments, plain http and private hosts in every spelling', async () => {
    const refused: [string, string][] = [
      ['ftp://crm.example/hook', 'invalid_webhook_url'],
      ['javascript:alert(1)', 'invalid_webhook_url'],
      ['file:///etc/passwd', 'invalid_webhook_url'],
      ['crm.example/hook', 'invalid_webhook_url'],
      ['https://user:pass@crm.example/hook', 'invalid_webhook_url'],
      ['https://crm.example/hook#frag', 'invalid_webhook_url'],
      ['http://crm.example/hook', 'webhook_target_refused'],
      ['https://127.0.0.1/hook', 'webhook_target_refused'],
      ['https://127.1/hook', 'webhook_target_refused'],
      ['https://2130706433/hook', 'webhook_target_refused'],
      ['https://0x7f.0.0.1/hook', 'webhook_target_refused'],
      ['https://0177.0.0.1/hook', 'webhook_target_refused'],
      ['https://0.0.0.0/hook', 'webhook_target_refused'],
      ['https://10.1.2.3/hook', 'webhook_target_refused'],
      ['https://172.20.0.1/hook', 'webhook_target_refused'],
      ['https://192.168.1.1/hook', 'webhook_target_refused'],
      ['https://100.64.0.1/hook', 'webhook_target_refused'],
      ['https://169.254.169.254/latest/meta-data', 'webhook_target_refused'],
      ['https://[::1]/hook', 'webhook_target_refused'],
      ['https://[::ffff:127.0.0.1]/hook', 'webhook_target_refused'],
      ['https://[::ffff:a9fe:a9fe]/hook', 'webhook_target_refused'],
      ['https://[fd00::1]/hook', 'webhook_target_refused'],
      ['https://[fe80::1]/hook', 'webhook_target_refused'],
      ['https://[64:ff9b::7f00:1]/hook', 'webhook_target_refused'],
      ['https://localhost/hook', 'webhook_target_refused'],
      ['https://localhost./hook', 'webhook_target_refused'],
      ['https://api.localhost/hook', 'webhook_target_refused'],
      ['https://metadata.google.internal/hook', 'webhook_target_refused'],
      ['https://printer.local/hook', 'webhook_target_refused'],
      ['https://intranet/hook', 'webhook_target_refused'],
    ];
    for (const [url, code] of refused) {
      const res = await api.call('POST', '/v1/webhooks', {
        token: shop.secretKey,
        body: { url, events: ['message.created'] },
      });
      expect([url, res.status, res.body?.error?.code]).toEqual([url, 400, code]);
    }
    const ok = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: 'https://crm.example/threadline', events: ['message.created'] },
    });
    expect(ok.status).toBe(201);
    // The same rules when the URL changes.
    const patched = await api.call('PATCH', `/v1/webhooks/${ok.body.webhook.id}`, {
      token: shop.secretKey,
      body: { url: 'https://169.254.169.254/' },
    });
    expect([patched.status, patched.body.error.code]).toEqual([400, 'webhook_target_refused']);
    const unknownEvent = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: 'https://crm.example/x', events: ['message.deleted'] },
    });
    expect(unknownEvent.status).toBe(400);
    // The secret is never listed.
    const listed = await api.call('GET', '/v1/webhooks', { token: shop.secretKey });
    expect(listed.text).not.toContain('whsec_');
    expect(listed.text).not.toContain(ok.body.secret);
  });

  it('refuses at delivery a public-looking name that resolves to a private address (no rebinding)', async () => {
    const target = await startReceiver();
    try {
      const hook = await api.call('POST', '/v1/webhooks', {
        token: shop.secretKey,
        body: { url: `https://crm-rebind.example:${target.port}/hooks`, events: ['message.created'] },
      });
      expect(hook.status).toBe(201);
      // A DNS answer pointing the public name at loopback.
      const worker = startWebhookWorker(api.deps, {
        pollMs: 25,
        lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
      });
      try {
        const session = await shop.startSession();
        await shop.send(session.sessionToken, 'hello');
        let attempt: any;
        const deadline = Date.now() + 10_000;
        do {
          const log = await api.call('GET', `/v1/webhooks/${hook.body.webhook.id}/deliveries`, {
            token: shop.secretKey,
          });
          // A new app greets first: the conversation's first event is the one tried.
          attempt = log.body.deliveries.flatMap((d: any) => d.log)[0];
          if (attempt) break;
          await new Promise((r) => setTimeout(r, 25));
        } while (Date.now() < deadline);
        expect(attempt).toMatchObject({ statusCode: null });
        expect(attempt.error).toMatch(/private or reserved address/);
        expect(target.received).toHaveLength(0);
      } finally {
        await worker.stop();
      }
    } finally {
      await target.close();
    }
  });

  it('knows private addresses in their IPv4, IPv6 and mapped forms', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', '::ffff:10.0.0.1', 'fc00::1'])
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '::ffff:5db8:d822'])
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
  });
});

describe('verifyWebhook (for receivers)', () => {
  const secret = 'whsec_test_secret';
  const body = JSON.stringify({
    id: 'evt_1',
    type: 'message.created',
    createdAt: '2026-01-01T00:00:00Z',
    data: {},
  });
  const now = 1_800_000_000;

  it('accepts a good signature and returns the event', () => {
    const header = signWebhookPayload(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(body, header, secret, { now }).id).toBe('evt_1');
    expect(verifyWebhook(Buffer.from(body), header, ['whsec_old', secret], { now }).type).toBe(
      'message.created',
    );
  });

  it('refuses a changed body, another secret, a stale timestamp and a malformed header', () => {
    const header = signWebhookPayload(secret, body, now);
    expect(() => verifyWebhook(`${body} `, header, secret, { now })).toThrow(/No signature matches/);
    expect(() => verifyWebhook(body, header, 'whsec_other', { now })).toThrow(/No signature matches/);
    expect(() => verifyWebhook(body, header, secret, { now: now + 301 })).toThrow(/tolerance/);
    expect(() => verifyWebhook(body, undefined, secret, { now })).toThrow(/missing/);
    expect(() => verifyWebhook(body, 'v1=abc', secret, { now })).toThrow(/malformed/);
  });
});
