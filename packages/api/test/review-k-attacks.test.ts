import { randomUUID } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';
import { armWriteRace } from './write-race';

/**
 * review-k: a fresh reviewer's attacks on four changes now on main — the shop language screen
 * (GET/PUT /v1/app/language), POST /v1/identify on a session revoked after its authentication,
 * keypad handoff codes on the phone line, and the product `names` import errors. Passing tests
 * are guards (the defence held). The breaks review-k found are fixed (their DEFECT notes say what
 * was wrong); one it raised was judged not a defect (see the language PUT race below).
 */

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// ---------------------------------------------------------------------------------------------
// 1. The shop language screen
// ---------------------------------------------------------------------------------------------
describe('review-k: GET/PUT /v1/app/language', () => {
  let api: TestApi;
  let shop: Shop;

  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop({ name: 'review-k language' });
  });
  afterAll(() => api?.close());

  const language = async () =>
    (await api.call('GET', '/v1/app/language', { token: shop.secretKey })).body.language as string | null;
  const put = (token: string | undefined, body: unknown) =>
    api.call('PUT', '/v1/app/language', { ...(token ? { token } : {}), body });
  const audits = async () =>
    (
      await api.call('GET', '/v1/audit-log?action=app.language_updated&limit=200', {
        token: shop.secretKey,
      })
    ).body.entries as { actor: { type: string; id: string | null }; details: Record<string, unknown> }[];

  /** A supervisor with a token whose id we know (to revoke it). */
  async function supervisor(name: string) {
    const created = await api.call('POST', '/v1/agents', {
      token: shop.secretKey,
      body: { name, role: 'supervisor' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.agent.id as string;
    const issued = await api.call('POST', `/v1/agents/${id}/tokens`, { token: shop.secretKey, body: {} });
    expect(issued.status, issued.text).toBe(201);
    // One authenticated read first: the token's lastUsedAt bookkeeping write is done, so the next
    // request's first database write is its own.
    expect((await api.call('GET', '/v1/agent/me', { token: issued.body.token })).status).toBe(200);
    return { id, token: issued.body.token as string, tokenId: issued.body.tokenId as string };
  }

  it('refuses every credential that is not the secret key or a live supervisor, and changes nothing', async () => {
    const session = await shop.startSession();
    const gone = await supervisor('Deactivated supervisor');
    expect(
      (await api.call('POST', `/v1/agents/${gone.id}/deactivate`, { token: shop.secretKey })).status,
    ).toBe(200);
    const revoked = await supervisor('Revoked supervisor');
    expect(
      (
        await api.call('DELETE', `/v1/agents/${revoked.id}/tokens/${revoked.tokenId}`, {
          token: shop.secretKey,
        })
      ).status,
    ).toBe(200);
    const demoted = await supervisor('Demoted supervisor');
    expect(
      (
        await api.call('PATCH', `/v1/agents/${demoted.id}`, {
          token: shop.secretKey,
          body: { role: 'agent' },
        })
      ).status,
    ).toBe(200);
    const other = await api.createShop({ name: 'review-k other' });

    const cases: [string, string | undefined, number, string][] = [
      ['none', undefined, 401, 'unauthorized'],
      ['deactivated supervisor', gone.token, 401, 'invalid_credential'],
      ['revoked supervisor token', revoked.token, 401, 'invalid_credential'],
      ['demoted supervisor', demoted.token, 403, 'role_forbidden'],
      ['publishable key', shop.publishableKey, 403, 'wrong_credential_kind'],
      ['session token', session.sessionToken, 403, 'wrong_credential_kind'],
      ['garbage bearer', 'tl_not_a_real_credential_at_all', 401, 'invalid_credential'],
    ];
    for (const [who, token, status, code] of cases) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await api.call(method, '/v1/app/language', {
          ...(token ? { token } : {}),
          ...(method === 'PUT' ? { body: { language: 'fr' } } : {}),
        });
        expect([who, method, res.status, res.body?.error?.code]).toEqual([who, method, status, code]);
      }
    }
    // Another app's supervisor and secret key change only their own app.
    expect((await put(other.agentToken, { language: 'ja' })).status).toBe(200);
    expect((await put(other.secretKey, { language: 'ko' })).status).toBe(200);
    expect(await language()).toBeNull();
    expect(await audits()).toEqual([]);
  });

  it('refuses odd bodies with 400 validation_failed (never 5xx) and stores nothing', async () => {
    const bodies: unknown[] = [
      [],
      [{ language: 'en' }],
      null,
      'en-US',
      42,
      { language: ['en-US'] },
      { language: { tag: 'en-US' } },
      { language: true },
      { language: 0 },
      { language: `en-${'a'.repeat(10_000)}` },
      { language: 'a'.repeat(10_000) },
      { language: ' en-US' },
      { language: 'en-US ' },
      { language: 'en-US\n' },
      { language: '\ten' },
      { language: 'zh-中文' },
      { language: 'ｅｎ' },
      { language: 'en-US\u200b' },
      { language: 'en--US' },
      { language: 'en-' },
      { language: '-en' },
      { language: 'en-US-x-abcdefghi-toolong' },
      { language: '<b>en</b>' },
      { language: '"><img src=x onerror=alert(1)>' },
      { language: 'en', extra: 1 },
      { Language: 'en' },
    ];
    for (const body of bodies) {
      const res = await put(shop.agentToken, body);
      expect([JSON.stringify(body).slice(0, 60), res.status, res.body?.error?.code]).toEqual([
        JSON.stringify(body).slice(0, 60),
        400,
        'validation_failed',
      ]);
    }
    // The reason for a 10,000-character tag does not echo it.
    const long = await put(shop.agentToken, { language: 'x'.repeat(10_000) });
    expect(long.text.length).toBeLessThan(1_000);
    // Raw bodies: prototype keys, a duplicate key, an empty body, a non-JSON type.
    for (const [rawBody, type, code] of [
      ['{"__proto__":{"language":"en"}}', 'application/json', 'validation_failed'],
      ['{"language":"en","language":"<x>"}', 'application/json', 'validation_failed'],
      ['', 'application/json', 'invalid_json'],
      ['language=en', 'application/x-www-form-urlencoded', 'unsupported_media_type'],
    ] as const) {
      const res = await api.call('PUT', '/v1/app/language', {
        token: shop.agentToken,
        rawBody,
        headers: { 'content-type': type },
      });
      expect(res.status, `${rawBody}: ${res.text}`).toBeLessThan(500);
      expect(res.status, rawBody).toBeGreaterThanOrEqual(400);
      expect([rawBody, res.body?.error?.code]).toEqual([rawBody, code]);
    }
    expect(await language()).toBeNull();
    expect(await audits()).toEqual([]);
  });

  it('keeps the tag as given (case included); the widget still speaks it', async () => {
    const session = await shop.startSession();
    expect((await put(shop.agentToken, { language: 'ZH-hant-TW' })).body).toEqual({ language: 'ZH-hant-TW' });
    expect((await api.call('GET', '/v1/conversation', { token: session.sessionToken })).body.language).toBe(
      'ZH-hant-TW',
    );
    expect((await put(shop.agentToken, { language: null })).status).toBe(200);
  });

  it('chains every concurrent change in the audit log: previous → language, nothing lost', async () => {
    const start = (await audits()).length;
    const tags = ['en-US', 'zh-CN', 'ja-JP', 'fr', 'de-DE', 'en-US', 'ko', null, 'zh-CN', 'es'];
    const answers = await Promise.all(
      tags.map((tag, i) => put(i % 2 ? shop.secretKey : shop.agentToken, { language: tag })),
    );
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    const entries = (await audits()).slice(0, (await audits()).length - start).reverse();
    // Oldest first: each entry starts where the previous one ended, and none is a no-op.
    let before: unknown = null;
    for (const entry of entries) {
      expect(entry.details.previous).toEqual(before);
      expect(entry.details.language).not.toEqual(entry.details.previous);
      before = entry.details.language;
    }
    expect(await language()).toEqual(before);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThanOrEqual(tags.length);
    expect((await put(shop.secretKey, { language: null })).status).toBe(200);
  });

  it('saving null over null, or a value over itself, writes no audit entry', async () => {
    expect(await language()).toBeNull();
    const count = (await audits()).length;
    expect((await put(shop.agentToken, { language: null })).status).toBe(200);
    expect((await put(shop.secretKey, { language: null })).status).toBe(200);
    expect((await put(shop.secretKey, { language: 'it' })).status).toBe(200);
    expect((await put(shop.agentToken, { language: 'it' })).status).toBe(200);
    expect((await audits()).length).toBe(count + 1);
    expect((await put(shop.agentToken, { language: null })).status).toBe(200);
  });

  it('PATCH /v1/app still sets it; GET /v1/app/language and a cached widget see the change at once', async () => {
    const session = await shop.startSession();
    const widget = async () =>
      (await api.call('GET', '/v1/conversation', { token: session.sessionToken })).body.language;
    expect(await widget()).toBeNull();
    for (const tag of ['pt-BR', null, 'en']) {
      const patched = await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { language: tag } });
      expect(patched.status, patched.text).toBe(200);
      expect(await language()).toBe(tag);
      expect((await api.call('GET', '/v1/app/language', { token: shop.agentToken })).body.language).toBe(tag);
      expect(await widget()).toBe(tag);
    }
    // And the other way round: PUT, then the widget and PATCH's view.
    expect((await put(shop.agentToken, { language: 'zh-CN' })).status).toBe(200);
    expect(await widget()).toBe('zh-CN');
    expect((await api.call('GET', '/v1/app', { token: shop.secretKey })).body.app.language).toBe('zh-CN');
    expect((await put(shop.agentToken, { language: null })).status).toBe(200);
    expect(await widget()).toBeNull();
  });

  // review-k raised a PUT authenticated just before its supervisor was deactivated or demoted, which
  // then lands. Judged not a defect: a request is ordered at its authentication (as for every agent
  // and session write since review-d), so it is a change the supervisor made while entitled to, and
  // the audit names them truthfully. The guarantee is that a request sent after the deactivation or
  // demotion has answered is refused, checked here.
  it('refuses a PUT sent after its supervisor was deactivated or demoted', async () => {
    const leaving = await supervisor('Leaving supervisor');
    const demoted = await supervisor('Demoted supervisor');
    const before = await language();
    const off = await api.call('POST', `/v1/agents/${leaving.id}/deactivate`, { token: shop.secretKey });
    expect(off.status, off.text).toBe(200);
    const down = await api.call('PATCH', `/v1/agents/${demoted.id}`, {
      token: shop.secretKey,
      body: { role: 'agent' },
    });
    expect(down.status, down.text).toBe(200);
    const refusedOff = await put(leaving.token, { language: 'ru' });
    expect(refusedOff.status).toBe(401);
    const refusedDown = await put(demoted.token, { language: 'ru' });
    expect([refusedDown.status, refusedDown.body?.error?.code]).toEqual([403, 'role_forbidden']);
    expect(await language()).toBe(before);
  });

  it('serves the console page with a CSP that forbids inline script, and the API keeps no cookies', async () => {
    // Built or not (a 404 page when dist/console is missing), the console's answer carries its
    // policy: no inline script, no framing.
    const page = await api.call('GET', '/console/');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src[^;]*'self'/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // Bearer-only: a cross-site form post carries no credential (CSRF has nothing to ride on).
    const formPost = await api.call('PUT', '/v1/app/language', {
      rawBody: 'language=en',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'session=anything' },
    });
    expect(formPost.status).toBe(401);
    const set = await put(shop.agentToken, { language: 'en' });
    expect(set.headers.get('set-cookie')).toBeNull();
    expect((await put(shop.agentToken, { language: null })).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. POST /v1/identify on a session revoked after its authentication
// ---------------------------------------------------------------------------------------------
describe('review-k: POST /v1/identify when a revocation lands between authentication and the write', () => {
  let api: TestApi;
  let race: ReturnType<typeof armWriteRace>;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    race = armWriteRace(api);
  });
  afterAll(() => api?.close());

  async function attempt(
    revoke: (shop: Shop, s: { token: string; id: string; customerId: string }) => Promise<void>,
  ) {
    const shop = await api.createShop();
    const started = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    expect((await shop.send(started.sessionToken, '你好')).status).toBe(201);
    const sub = `review-k-${randomUUID()}`;
    const identityToken = await shop.identityToken(sub);
    let revoked = false;
    const late = await race.beforeFirstWrite(
      async () => {
        await revoke(shop, {
          token: started.sessionToken,
          id: started.session.id,
          customerId: started.customer.id,
        });
        revoked = true;
      },
      () => shop.identify(started.sessionToken, identityToken),
    );
    expect(revoked).toBe(true);
    expect([late.status, late.body?.error?.code], late.text).toEqual([401, 'invalid_credential']);
    expect(late.body?.sessionToken).toBeUndefined();
    // Nothing changed: no customer for the user, the session (if kept) is unverified and revoked.
    const identities = await api.rows('SELECT id FROM identities WHERE kind = ? AND value = ?', [
      'external',
      sub,
    ]);
    expect(identities).toEqual([]);
    const [session] = await api.rows<{ revoked_at: number | null; verified: number }>(
      'SELECT revoked_at, verified FROM sessions WHERE id = ?',
      [started.session.id],
    );
    if (session) {
      expect(session.revoked_at).not.toBeNull();
      expect(Number(session.verified)).toBe(0);
    }
    // The token stays dead.
    expect((await api.call('GET', '/v1/conversation', { token: started.sessionToken })).status).toBe(401);
  }

  it('by the device logging out (DELETE /v1/session)', () =>
    attempt(async (_shop, s) => {
      const res = await api.call('DELETE', '/v1/session', { token: s.token });
      expect(res.status, res.text).toBe(200);
    }));

  it('by the merchant revoking that session (DELETE /v1/sessions/{id})', () =>
    attempt(async (shop, s) => {
      const res = await api.call('DELETE', `/v1/sessions/${s.id}`, { token: shop.secretKey });
      expect(res.status, res.text).toBe(200);
    }));

  it('by the merchant signing the customer out everywhere (DELETE /v1/customers/{id}/sessions)', () =>
    attempt(async (shop, s) => {
      const res = await api.call('DELETE', `/v1/customers/${s.customerId}/sessions`, {
        token: shop.secretKey,
      });
      expect(res.status, res.text).toBe(200);
    }));

  it('by an erasure of the customer (DELETE /v1/customers/{id})', () =>
    attempt(async (shop, s) => {
      const res = await api.call('DELETE', `/v1/customers/${s.customerId}`, { token: shop.secretKey });
      expect(res.status, res.text).toBe(200);
    }));
});

// ---------------------------------------------------------------------------------------------
// 4. Product `names` import errors, through the real routes
// ---------------------------------------------------------------------------------------------
describe('review-k: product names refused through POST /v1/kb/import and POST /v1/kb/products', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
  });
  afterAll(() => api?.close());

  const importing = (names: unknown) =>
    api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: { articles: [], products: [{ id: 'p-1', name: '面霜', attributes: { names } }] },
    });
  const single = (names: unknown) =>
    api.call('POST', '/v1/kb/products', {
      token: shop.secretKey,
      body: { id: 'p-1', name: '面霜', attributes: { names } },
    });
  const rawImport = (json: string) =>
    api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      rawBody: `{"articles":[],"products":[{"id":"p-1","name":"面霜","attributes":{"names":${json}}}]}`,
      headers: { 'content-type': 'application/json' },
    });
  type Issue = { path: (string | number)[]; message: string };
  const products = async () =>
    (await api.call('GET', '/v1/kb/products', { token: shop.secretKey })).body.products as unknown[];

  it('names each bad entry by attributes.names.<tag>, on both routes, and keeps good entries quiet', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ EN: 'Cream' }, 'EN', /not a language tag/],
      [{ 'en ': 'Cream' }, 'en ', /not a language tag/],
      [{ 'zh-中文': '面霜' }, 'zh-中文', /not a language tag/],
      [{ en: 'Cream', fr: ['Crème'] }, 'fr', /names\.fr must be a non-empty name/],
      [{ en: { text: 'Cream' } }, 'en', /names\.en must be/],
      [{ en: null }, 'en', /names\.en must be/],
      [{ en: '\u00a0\u3000' }, 'en', /names\.en must be/],
      [{ en: 7 }, 'en', /names\.en must be/],
    ];
    for (const [names, tag, message] of cases) {
      for (const [route, call, prefix] of [
        ['import', importing, ['products', 0, 'attributes', 'names']],
        ['products', single, ['attributes', 'names']],
      ] as const) {
        const res = await call(names);
        expect([route, tag, res.status, res.body?.error?.code]).toEqual([
          route,
          tag,
          400,
          'validation_failed',
        ]);
        const issues = res.body.error.issues as Issue[];
        expect(issues.map((i) => i.path)).toEqual([[...prefix, tag]]);
        expect(issues[0]!.message).toMatch(message);
      }
    }
    expect(await products()).toEqual([]);
  });

  it('refuses prototype keys as tags, with their own path, and stores nothing', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      const res = await rawImport(`{"${key}":{"en":"x"},"en":"Cream"}`);
      expect([key, res.status, res.body?.error?.code]).toEqual([key, 400, 'validation_failed']);
      expect((res.body.error.issues as Issue[]).map((i) => i.path)).toEqual([
        ['products', 0, 'attributes', 'names', key],
      ]);
    }
    // A prototype key as the attribute itself, beside a bad names: the bad names is still seen.
    const nested = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      rawBody:
        '{"articles":[],"products":[{"id":"p-1","name":"面霜","attributes":{"__proto__":{"x":1},"names":{"EN":"x"}}}]}',
      headers: { 'content-type': 'application/json' },
    });
    expect([nested.status, nested.body?.error?.code]).toEqual([400, 'validation_failed']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(await products()).toEqual([]);
  });

  it('does not echo a 10,000-character tag whole in the message, and answers 400', async () => {
    const tag = `en-${'q'.repeat(10_000)}`;
    for (const call of [importing, single]) {
      const res = await call({ [tag]: 'Cream' });
      expect([res.status, res.body?.error?.code]).toEqual([400, 'validation_failed']);
      const [issue] = res.body.error.issues as Issue[];
      expect(issue!.message.length).toBeLessThan(200);
      expect(issue!.message).not.toContain(tag);
    }
    // A long name (not a tag) is refused by its tag, without echoing the name.
    const res = await importing({ en: 'n'.repeat(10_000) });
    expect([res.status, res.body?.error?.code]).toEqual([400, 'validation_failed']);
    expect(res.text.length).toBeLessThan(1_000);
  });

  // DEFECT (review-k): the issue's path carries the offending key whole. One 10,000-character
  // bad tag comes back as a 10,000-character path element; the message was trimmed to 40
  // characters for this reason, the path was not.
  it('keeps the issue path of a 10,000-character tag short (the error stays small)', async () => {
    const res = await importing({ [`en-${'q'.repeat(10_000)}`]: 'Cream' });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(2_000);
  });

  /** An import whose one product has a `names` of `count` bad tags (`"0":1,"1":1,…`). */
  async function manyBadTags(count: number) {
    const names = Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), 1]));
    const body = JSON.stringify({
      articles: [],
      products: [{ id: 'p-1', name: '面霜', attributes: { names } }],
    });
    const res = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      rawBody: body,
      headers: { 'content-type': 'application/json' },
    });
    return { res, size: body.length };
  }

  // DEFECT (review-k), a 5xx: since 7447d02 every bad tag of `names` is its own zod issue, and zod
  // gathers issues with `issues.push(...prefixIssues(key, issues))` — past ~120,000 issues that
  // spread overflows the stack (RangeError: Maximum call stack size exceeded in zod's
  // handlePropertyResult) and the import answers 500 internal_error. 300,000 tags is a 3.2 MB
  // body, well under the 5 MiB import limit. Measured here: 100,000 tags → 400; 150,000 → 500.
  it('answers 400 validation_failed, never 500, for a names object of 300,000 bad tags', async () => {
    const { res } = await manyBadTags(300_000);
    expect([res.status, res.body?.error?.code]).toEqual([400, 'validation_failed']);
  });

  // DEFECT (review-k): the issues are uncapped — ~6 bytes of input (`"1":1,`) become an issue of
  // ~130 bytes. Measured: a 0.99 MB import with 100,000 bad tags answers a 400 of 13.2 MB (13×),
  // in ~4.8 s. Response amplification and memory per request; cap the issues (e.g. the first 100
  // and a count).
  it('keeps the 400 for a names object of 100,000 bad tags smaller than the request', async () => {
    const { res, size } = await manyBadTags(100_000);
    expect([res.status, res.body?.error?.code]).toEqual([400, 'validation_failed']);
    expect(res.text.length, `request ${size} B, answer ${res.text.length} B`).toBeLessThan(size);
  });

  it('accepts a good names map and stores it as sent', async () => {
    const res = await importing({ en: 'Cream', 'zh-Hant': '面霜', ja: 'クリーム' });
    expect(res.status, res.text).toBe(200);
    const [product] = (await products()) as { attributes: { names: Record<string, string> } }[];
    expect(product!.attributes.names).toEqual({ en: 'Cream', 'zh-Hant': '面霜', ja: 'クリーム' });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Keypad handoff codes on the phone line
// ---------------------------------------------------------------------------------------------
const AUTH_TOKEN = 'twilio-auth-token-review-k-0123456789';
const OTHER_USER = '属于另一个账户';
const WRONG = '这个接续码不对或者已经过期了';
const TOO_MANY = '接续码已经试了好几次';
const JOINED = '已经接上您在';

/** What the <Say> elements say. */
const said = (twiml: string) => [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]!).join('');

async function phoneLine(options: Parameters<typeof createTestApi>[0]) {
  const api = await createTestApi(options);
  const shop = await api.createShop();
  const patched = await api.call('PATCH', '/v1/app', {
    token: shop.secretKey,
    body: { voice: { twilioAuthToken: AUTH_TOKEN } },
  });
  expect(patched.status, patched.text).toBe(200);
  async function twilio(params: Record<string, string>, turn?: number) {
    const path = `/v1/voice/twilio/${shop.appId}${turn === undefined ? '' : `?turn=${turn}`}`;
    const response = await api.app.request(path, {
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
    return { status: response.status, text: await response.text() };
  }
  /** A call: its first turn, then `type(digits)` for the following turns. */
  async function call(from?: string) {
    const sid = `CA${randomUUID().replace(/-/g, '')}`;
    const base: Record<string, string> = from === undefined ? { CallSid: sid } : { CallSid: sid, From: from };
    expect((await twilio(base)).status).toBe(200);
    let turn = 0;
    return {
      sid,
      type: async (digits: string) => {
        turn += 1;
        const res = await twilio({ ...base, Digits: `${digits}#` }, turn);
        expect(res.status, res.text).toBe(200);
        return said(res.text);
      },
    };
  }
  /** A web visitor with a conversation and a phone code for it; signed in as `user` if given. */
  async function webCode(user?: string) {
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    if (user)
      expect((await shop.identify(web.sessionToken, await shop.identityToken(user))).status).toBe(200);
    const sent = await shop.send(web.sessionToken, '我的订单地址写错了');
    expect(sent.status, sent.text).toBe(201);
    const code = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'phone' },
    });
    expect(code.status, code.text).toBe(201);
    return {
      web,
      conversationId: sent.body.conversation.id as string,
      shortCode: code.body.shortCode as string,
    };
  }
  /** A signed-in merchant user whose verified phone is `phone`. */
  async function userWithPhone(user: string, phone: string) {
    return shop.startSession({
      channel: 'app',
      anonymousId: anonymousId(),
      identityToken: await shop.identityToken(user, { phone }),
    });
  }
  async function notJoined(conversationId: string) {
    const phone = await api.rows('SELECT id FROM messages WHERE conversation_id = ? AND channel = ?', [
      conversationId,
      'phone',
    ]);
    expect(phone).toEqual([]);
    const codes = await api.rows<{ claimed_at: number | null }>(
      'SELECT claimed_at FROM handoff_codes WHERE conversation_id = ?',
      [conversationId],
    );
    for (const code of codes) expect(code.claimed_at).toBeNull();
  }
  return { api, shop, twilio, call, webCode, userWithPhone, notJoined };
}

describe('review-k: keypad handoff codes', () => {
  let line: Awaited<ReturnType<typeof phoneLine>>;
  let race: ReturnType<typeof armWriteRace>;
  beforeAll(async () => {
    line = await phoneLine({ rateLimits: UNLIMITED });
    race = armWriteRace(line.api);
  });
  afterAll(() => line?.api.close());

  it('refuses a caller whose phone customer became user A mid-call, typing user B’s code', async () => {
    const phone = '+8613900001111';
    const caller = await line.call(phone); // an unknown number: a phone-only customer
    const foreign = await line.webCode('review-k-user-b1');
    // The caller's phone customer is claimed by merchant user A (the app signs A in with that phone).
    await line.userWithPhone('review-k-user-a1', phone);
    expect(await caller.type(foreign.shortCode)).toContain(OTHER_USER);
    await line.notJoined(foreign.conversationId);
  });

  it('refuses it when the caller is signed in after the code was looked up, before the claim', async () => {
    const phone = '+8613900002222';
    const caller = await line.call(phone);
    const foreign = await line.webCode('review-k-user-b2');
    const typed = await race.beforeFirstWrite(
      async () => {
        await line.userWithPhone('review-k-user-a2', phone);
      },
      () => caller.type(foreign.shortCode),
    );
    expect(typed).toContain(OTHER_USER);
    await line.notJoined(foreign.conversationId);
  });

  it('refuses a user B code whose web visitor merged into B after the code was made (alias owner)', async () => {
    const phone = '+8613900003333';
    await line.userWithPhone('review-k-user-a3', phone);
    const foreign = await line.webCode(); // anonymous when the code is made
    expect(
      (await line.shop.identify(foreign.web.sessionToken, await line.shop.identityToken('review-k-user-b3')))
        .status,
    ).toBe(200);
    const caller = await line.call(phone);
    expect(await caller.type(foreign.shortCode)).toContain(OTHER_USER);
    await line.notJoined(foreign.conversationId);
  });

  it('lets user A join A’s own conversation from another device (an alias of A), by code', async () => {
    const phone = '+8613900004444';
    await line.userWithPhone('review-k-user-a4', phone);
    const own = await line.webCode('review-k-user-a4');
    const caller = await line.call(phone);
    expect(await caller.type(own.shortCode)).toContain(JOINED);
  });

  it('refuses the code of an erased owner: the code is gone, nothing joins', async () => {
    const phone = '+8613900005555';
    await line.userWithPhone('review-k-user-a5', phone);
    const foreign = await line.webCode('review-k-user-b5');
    const erased = await line.api.call('DELETE', `/v1/customers/${foreign.web.customer.id}`, {
      token: line.shop.secretKey,
    });
    expect(erased.status, erased.text).toBe(200);
    for (const from of [phone, 'anonymous', undefined]) {
      const caller = await line.call(from);
      expect(await caller.type(foreign.shortCode)).toContain(WRONG);
    }
    const left = await line.api.rows('SELECT id FROM handoff_codes WHERE short_code = ?', [
      foreign.shortCode,
    ]);
    expect(left).toEqual([]);
  });

  it('counts refusals of another user’s code as attempts: after three, even the caller’s own code is not taken', async () => {
    const phone = '+8613900006666';
    await line.userWithPhone('review-k-user-a6', phone);
    const foreign = await line.webCode('review-k-user-b6');
    const own = await line.webCode('review-k-user-a6');
    const caller = await line.call(phone);
    for (let i = 0; i < 3; i++) expect(await caller.type(foreign.shortCode)).toContain(OTHER_USER);
    expect(await caller.type(own.shortCode)).toContain(TOO_MANY);
    await line.notJoined(own.conversationId);
    await line.notJoined(foreign.conversationId);
  });
});

describe('review-k: keypad code guessing under the default limits', () => {
  let line: Awaited<ReturnType<typeof phoneLine>>;
  beforeAll(async () => {
    line = await phoneLine({});
  });
  afterAll(() => line?.api.close());

  it('limits one caller number across calls: after the per-number failures, the right code is refused too', async () => {
    const phone = '+8613900007777';
    const target = await line.webCode();
    let wrong = 0;
    // 10 failures per number per minute by default; three per call.
    for (let c = 0; c < 4; c++) {
      const caller = await line.call(phone);
      for (let i = 0; i < 3; i++) {
        const guess = String((Number(target.shortCode) + 1 + wrong) % 1_000_000).padStart(6, '0');
        expect(await caller.type(guess)).toContain(WRONG);
        wrong += 1;
      }
    }
    const last = await line.call(phone);
    expect(await last.type(target.shortCode)).not.toContain(JOINED);
    await line.notJoined(target.conversationId);
  });

  // DEFECT (review-k), guessing: with the number withheld, both failure limits are keyed by the
  // call (`voice:<call id>`, `voice-call:<call id>`) and the per-call counter resets with each call,
  // so a withheld caller who places many calls guesses without bound. A code whose customer has
  // no phone on file needs no last-4 check on the phone line, so a guess that hits joins. Key the
  // withheld callers' failures per app (one shared bucket), as one address would be on the web.
  it('limits withheld-number callers across calls as one caller', async () => {
    const target = await line.webCode();
    let wrong = 0;
    for (let c = 0; c < 8; c++) {
      const caller = await line.call('anonymous');
      for (let i = 0; i < 3; i++) {
        const guess = String((Number(target.shortCode) + 1 + wrong) % 1_000_000).padStart(6, '0');
        expect(await caller.type(guess)).toContain(WRONG);
        wrong += 1;
      }
    }
    // 24 wrong codes in a minute from withheld numbers; the 25th guess (right) must not join.
    const last = await line.call('anonymous');
    expect(await last.type(target.shortCode)).not.toContain(JOINED);
    await line.notJoined(target.conversationId);
  });
});
