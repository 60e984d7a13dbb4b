import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

/**
 * Every settings change through `PATCH /v1/app` and every credential rotation is in the audit log
 * with what changed, who changed it and from where; secrets appear by name only. A request that
 * changes nothing, or fails, records nothing.
 */
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi();
  shop = await api.createShop({ name: 'Audited shop' });
});
afterAll(() => api?.close());

type Entry = {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  subject: { type: string; id: string };
  details: Record<string, unknown>;
};
const entries = async (action: string): Promise<Entry[]> => {
  const res = await api.call('GET', `/v1/audit-log?action=${action}&limit=100`, { token: shop.secretKey });
  expect(res.status).toBe(200);
  return res.body.entries;
};
const patch = (body: Record<string, unknown>) =>
  api.call('PATCH', '/v1/app', { token: shop.secretKey, body });

describe('PATCH /v1/app in the audit log', () => {
  it('records the fields changed with their values, secrets by name only, and a language change on its own too', async () => {
    const wechatSecret = 'wx-secret-never-in-the-log-0123456789';
    const res = await patch({
      phoneRegion: 'HK',
      language: 'en-US',
      wechat: { appId: 'wx1234567890', secret: wechatSecret },
    });
    expect(res.status).toBe(200);

    const [entry, ...older] = await entries('app.updated');
    expect(older).toHaveLength(0);
    expect(entry).toMatchObject({
      actor: { type: 'merchant', id: null },
      subject: { type: 'app', id: res.body.app.id },
      details: {
        previous: { phoneRegion: null, language: null, wechat: null },
        now: { phoneRegion: 'HK', language: 'en-US', wechat: { appId: 'wx1234567890' } },
        secretsSet: ['wechat.secret'],
      },
    });
    expect([...(entry!.details.changed as string[])].sort()).toEqual(['language', 'phoneRegion', 'wechat']);
    expect('from' in entry!.details).toBe(true);
    expect(JSON.stringify(entry)).not.toContain(wechatSecret);

    const [language] = await entries('app.language_updated');
    expect(language).toMatchObject({
      actor: { type: 'merchant', id: null },
      details: { previous: null, language: 'en-US' },
    });
  });

  it('a request that changes nothing, or is refused, records nothing', async () => {
    const before = (await entries('app.updated')).length;
    expect((await patch({ phoneRegion: 'HK', language: 'en-US' })).status).toBe(200);
    expect((await patch({})).status).toBe(200);
    const refused = await patch({ phoneRegion: 'HK', messageRetentionDays: 0 });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    expect((await entries('app.updated')).length).toBe(before);
    expect((await entries('app.language_updated')).length).toBe(1);
  });

  it('setting a secret again is recorded by name though no readable field moved; clearing voice names both secrets', async () => {
    const token = 'twilio-auth-token-0123456789abcdef';
    expect((await patch({ voice: { twilioAuthToken: token } })).status).toBe(200);
    expect((await patch({ voice: { twilioAuthToken: token } })).status).toBe(200);
    const [second, first] = await entries('app.updated');
    for (const entry of [first!, second!]) {
      expect(entry.details.secretsSet).toEqual(['voice.twilioAuthToken']);
      expect(JSON.stringify(entry)).not.toContain(token);
    }
    // The first one created the voice settings (an empty readable part); the second moved nothing readable.
    expect(first!.details.changed).toEqual(['voice']);
    expect(second!.details.changed).toEqual([]);

    expect(
      (await patch({ voice: { greeting: '您好，这里是测试店', transferTo: '+8621555000' } })).status,
    ).toBe(200);
    const [greeting] = await entries('app.updated');
    expect(greeting!.details).toMatchObject({
      changed: ['voice'],
      previous: { voice: {} },
      now: { voice: { greeting: '您好，这里是测试店', transferTo: '+8621555000' } },
      secretsSet: [],
    });

    expect((await patch({ voice: null, rateLimits: { messagesPerSessionPerMinute: 12 } })).status).toBe(200);
    const [cleared] = await entries('app.updated');
    expect(cleared!.details.secretsSet).toEqual(['voice.twilioAuthToken', 'voice.smsWebhookSecret']);
    expect([...(cleared!.details.changed as string[])].sort()).toEqual(['rateLimits', 'voice']);
    expect(cleared!.details.now).toMatchObject({
      voice: null,
      rateLimits: { messagesPerSessionPerMinute: 12 },
    });
  });
});

describe('key rotation in the audit log', () => {
  it('records the kind, an API key’s public prefix and the overlap, never the key', async () => {
    const res = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'publishable', overlapSec: 3600 },
    });
    expect(res.status).toBe(201);
    const [entry] = await entries('app.key_rotated');
    expect(entry).toMatchObject({
      actor: { type: 'merchant', id: null },
      subject: { type: 'app' },
      details: { kind: 'publishable', prefix: res.body.prefix, overlapSec: 3600 },
    });
    expect(entry!.details.previousValidUntil).toBe(res.body.previousValidUntil);
    expect(JSON.stringify(entry)).not.toContain(res.body.key);
  });

  it('an identity secret or an agent token leaves no prefix; the agent is the subject; a refused rotation records nothing', async () => {
    const identity = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'identity', overlapSec: 0 },
    });
    expect(identity.status).toBe(201);
    const [identityEntry] = await entries('app.key_rotated');
    expect(identityEntry!.details).toMatchObject({ kind: 'identity', prefix: null, overlapSec: 0 });
    expect(JSON.stringify(identityEntry)).not.toContain(identity.body.key);

    const agent = await shop.addAgent({ name: 'Rotated agent', email: 'rotated@example.com' });
    const rotated = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'agent', agentId: agent.id },
    });
    expect(rotated.status).toBe(201);
    const [agentEntry] = await entries('app.key_rotated');
    expect(agentEntry).toMatchObject({
      subject: { type: 'agent', id: agent.id },
      details: { kind: 'agent', prefix: null, overlapSec: 86_400 },
    });
    expect(JSON.stringify(agentEntry)).not.toContain(rotated.body.key);

    const count = (await entries('app.key_rotated')).length;
    const missing = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'agent', agentId: 'agt_nope' },
    });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await entries('app.key_rotated')).length).toBe(count);
  });
});
