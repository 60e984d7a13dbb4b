import { randomUUID } from 'node:crypto';
import { inboxAnswer } from '@threadline/sdk-core/protocol';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';

const AUTH_TOKEN = 'twilio-auth-token-inbox-0123456789';

describe('a voice escalation reaches the agents (issue 9 routing)', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    await (await shop.addAgent({ name: '值班客服' })).presence('online');
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { twilioAuthToken: AUTH_TOKEN } },
    });
  });
  afterAll(() => api.close());

  async function twilio(params: Record<string, string>, turn?: number) {
    const path = `/v1/voice/twilio/${shop.appId}${turn === undefined ? '' : `?turn=${turn}`}`;
    const res = await api.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': webhooks.getExpectedTwilioSignature(
          AUTH_TOKEN,
          `http://localhost${path}`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
    return res.text();
  }

  it('转人工 on the phone shows in the agent inbox with the handoff summary, channel phone, the app question in it', async () => {
    const phone = '+8613866667777';
    const identityToken = await shop.identityToken('user-voice-inbox', { phone });
    const app = await shop.startSession({ channel: 'app', anonymousId: anonymousId(), identityToken });
    await shop.send(app.sessionToken, '玻尿酸水润保湿面霜多少钱');
    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    await twilio({ CallSid: callSid, From: phone });
    await twilio({ CallSid: callSid, From: phone, SpeechResult: '保质期多久' }, 1);
    const human = await twilio({ CallSid: callSid, From: phone, SpeechResult: '转人工' }, 2);
    expect(human).toMatch(/<Enqueue>|<Dial/);

    const inbox = inboxAnswer.parse(
      (await api.call('GET', '/v1/agent/inbox?view=all', { token: shop.agentToken })).body,
    );
    const row = inbox.conversations.find((c) => c.customer.id === app.customer.id);
    expect(row).toBeDefined();
    expect(['queued', 'assigned']).toContain(row!.status);
    expect(row!.lastChannel).toBe('phone');
    expect(row!.channels).toEqual(expect.arrayContaining(['app', 'phone']));
    expect(row!.summary?.reason).toBe('escalation');
    expect(row!.summary?.channels).toEqual(expect.arrayContaining(['app', 'phone']));
    expect(JSON.stringify(row!.summary)).toContain('p-hyaluronic-cream');
  });
});
