import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

/**
 * The shop's language alone (`GET`/`PUT /v1/app/language`): the secret key or a supervisor's agent
 * token; a plain agent is refused; a bad tag is a 400 with the protocol's reason; a change is
 * audited once, and a widget already talking to the API (its session and app row cached) speaks
 * the new language on its next GET /v1/conversation.
 */
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi();
  shop = await api.createShop({ name: 'Language shop' });
});
afterAll(() => api?.close());

const audits = async () =>
  (await api.call('GET', '/v1/audit-log?action=app.language_updated&limit=50', { token: shop.secretKey }))
    .body.entries as { actor: { type: string; id: string | null }; details: Record<string, unknown> }[];

describe('the shop language route', () => {
  it('a supervisor reads and sets it; the widget speaks it on its next read, cache and all', async () => {
    const session = await shop.startSession();
    const widget = async () =>
      (await api.call('GET', '/v1/conversation', { token: session.sessionToken })).body.language;
    // The widget has read the app once (its session and the app row are now cached).
    expect(await widget()).toBeNull();

    const supervisor = shop.agentToken;
    const before = await api.call('GET', '/v1/app/language', { token: supervisor });
    expect(before).toMatchObject({ status: 200, body: { language: null } });

    const set = await api.call('PUT', '/v1/app/language', { token: supervisor, body: { language: 'en-US' } });
    expect(set).toMatchObject({ status: 200, body: { language: 'en-US' } });
    expect(await widget()).toBe('en-US');
    expect((await api.call('GET', '/v1/app/language', { token: supervisor })).body).toEqual({
      language: 'en-US',
    });
    // The secret key's full view agrees.
    expect((await api.call('GET', '/v1/app', { token: shop.secretKey })).body.app.language).toBe('en-US');

    const [entry] = await audits();
    const me = await api.call('GET', '/v1/agent/me', { token: supervisor });
    expect(entry).toMatchObject({
      actor: { type: 'agent', id: me.body.agent.id },
      details: { previous: null, language: 'en-US' },
    });
  });

  it('saving the same value again changes nothing and is not audited twice', async () => {
    const count = (await audits()).length;
    const again = await api.call('PUT', '/v1/app/language', {
      token: shop.agentToken,
      body: { language: 'en-US' },
    });
    expect(again).toMatchObject({ status: 200, body: { language: 'en-US' } });
    expect((await audits()).length).toBe(count);
  });

  it('the secret key may set any BCP 47 tag and null clears it (the page and browser decide)', async () => {
    const session = await shop.startSession();
    const tagged = await api.call('PUT', '/v1/app/language', {
      token: shop.secretKey,
      body: { language: 'zh-Hant-TW' },
    });
    expect(tagged).toMatchObject({ status: 200, body: { language: 'zh-Hant-TW' } });
    expect((await api.call('GET', '/v1/conversation', { token: session.sessionToken })).body.language).toBe(
      'zh-Hant-TW',
    );
    expect((await audits())[0]).toMatchObject({
      actor: { type: 'merchant', id: null },
      details: { previous: 'en-US', language: 'zh-Hant-TW' },
    });

    const cleared = await api.call('PUT', '/v1/app/language', {
      token: shop.secretKey,
      body: { language: null },
    });
    expect(cleared).toMatchObject({ status: 200, body: { language: null } });
    expect(
      (await api.call('GET', '/v1/conversation', { token: session.sessionToken })).body.language,
    ).toBeNull();
    expect((await api.call('GET', '/v1/app', { token: shop.secretKey })).body.app.language).toBeNull();
    expect((await audits())[0]).toMatchObject({ details: { previous: 'zh-Hant-TW', language: null } });
  });

  it('refuses a plain agent with 403 role_forbidden, reading or writing, and changes nothing', async () => {
    const agent = await shop.addAgent({ name: 'Plain', role: 'agent' });
    const read = await agent.call('GET', '/v1/app/language');
    expect([read.status, read.body.error.code]).toEqual([403, 'role_forbidden']);
    const write = await agent.call('PUT', '/v1/app/language', { language: 'fr' });
    expect([write.status, write.body.error.code]).toEqual([403, 'role_forbidden']);
    expect((await api.call('GET', '/v1/app/language', { token: shop.secretKey })).body.language).toBeNull();
    // PATCH /v1/app stays with the secret key, supervisors included.
    const patch = await api.call('PATCH', '/v1/app', { token: shop.agentToken, body: { language: 'fr' } });
    expect([patch.status, patch.body.error.code]).toEqual([403, 'wrong_credential_kind']);
    expect((await api.call('GET', '/v1/app', { token: shop.secretKey })).body.app.language).toBeNull();
  });

  it('refuses bad tags and bodies with 400 validation_failed and the protocol’s reason', async () => {
    const bad: unknown[] = [
      { language: 'english please' },
      { language: 'e' },
      { language: '' },
      { language: 'en_US' },
      { language: 42 },
      {},
      { language: 'en-US', allowedOrigins: [] },
    ];
    for (const body of bad) {
      const res = await api.call('PUT', '/v1/app/language', { token: shop.agentToken, body });
      expect([JSON.stringify(body), res.status, res.body?.error?.code]).toEqual([
        JSON.stringify(body),
        400,
        'validation_failed',
      ]);
    }
    const res = await api.call('PUT', '/v1/app/language', {
      token: shop.agentToken,
      body: { language: 'english please' },
    });
    expect(res.body.error.issues).toEqual([
      { path: ['language'], message: 'A BCP 47 language tag, e.g. en-US or zh-CN' },
    ]);
    const raw = await api.call('PUT', '/v1/app/language', {
      token: shop.agentToken,
      rawBody: '{"language":',
      headers: { 'content-type': 'application/json' },
    });
    expect([raw.status, raw.body.error.code]).toEqual([400, 'invalid_json']);
    expect((await api.call('GET', '/v1/app/language', { token: shop.secretKey })).body.language).toBeNull();
  });

  it('is another app’s setting only with that app’s credentials', async () => {
    const other = await api.createShop({ name: 'Other shop' });
    await api.call('PUT', '/v1/app/language', { token: other.agentToken, body: { language: 'ja-JP' } });
    expect((await api.call('GET', '/v1/app/language', { token: shop.agentToken })).body.language).toBeNull();
    expect((await api.call('GET', '/v1/app/language', { token: other.secretKey })).body.language).toBe(
      'ja-JP',
    );
    const anonymous = await api.call('PUT', '/v1/app/language', { body: { language: 'fr' } });
    expect(anonymous.status).toBe(401);
  });

  it('is described in /openapi.json with both credentials and its body', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body;
    const put = doc.paths['/v1/app/language'].put;
    expect(put.operationId).toBe('setAppLanguage');
    expect(put.summary).toBeTruthy();
    expect(put.security).toEqual([{ secretKey: [] }, { agentToken: [] }]);
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '403']));
    expect(doc.paths['/v1/app/language'].get.operationId).toBe('getAppLanguage');
  });
});
