import { randomUUID } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

// The X-Twilio-Signature is HMAC-SHA1 over the URL Twilio called and the sorted form parameters.
// Behind proxies the URL the API sees differs from it (scheme, host, a path prefix); the checks
// here are signed exactly as Twilio signs (the twilio package's own helper), and sent the way the
// proxies in front of us would pass them on.

const AUTH_TOKEN = 'twilio-auth-token-signature-0123456';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

async function configured(options: Parameters<typeof createTestApi>[0]) {
  const api = await createTestApi({ rateLimits: UNLIMITED, ...options });
  const shop = await api.createShop();
  const patched = await api.call('PATCH', '/v1/app', {
    token: shop.secretKey,
    body: { voice: { twilioAuthToken: AUTH_TOKEN } },
  });
  expect(patched.status).toBe(200);
  return { api, shop };
}

/** Posts a form signed for `signedFor` (the URL Twilio called) to `path` on the API, with headers. */
async function post(
  api: TestApi,
  path: string,
  form: [string, string][],
  signedFor: string,
  headers: Record<string, string> = {},
  sign: (url: string, params: Record<string, string | string[]>) => string = (url, params) =>
    webhooks.getExpectedTwilioSignature(AUTH_TOKEN, url, params),
) {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of form) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const response = await api.app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(signedFor, params),
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, text: await response.text() };
}

const call = () => `CA${randomUUID().replace(/-/g, '')}`;

describe('Twilio signatures behind a TLS-terminating proxy of our own (trustedProxyHops: 1)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    ({ api, shop } = await configured({ trustedProxyHops: 1 }));
  });
  afterAll(() => api.close());

  it('checks the https URL Twilio called, from the forwarded scheme and host, turn after turn', async () => {
    const sid = call();
    const path = `/v1/voice/twilio/${shop.appId}`;
    const proxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'voice.shop.example' };
    const first = await post(
      api,
      path,
      [
        ['CallSid', sid],
        ['From', '+8613800138000'],
      ],
      `https://voice.shop.example${path}`,
      proxy,
    );
    expect(first.status).toBe(200);
    // The Gather action is relative: Twilio resolves it against the URL it called, and signs that.
    const action = /action="([^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(action).toBe(`${path}?turn=1`);
    const second = await post(
      api,
      action,
      [
        ['CallSid', sid],
        ['From', '+8613800138000'],
        ['SpeechResult', '你好'],
      ],
      `https://voice.shop.example${action}`,
      proxy,
    );
    expect(second.status).toBe(200);
    // The URL the API itself sees (http, the inner host) is not what Twilio signed.
    const inner = await post(
      api,
      path,
      [
        ['CallSid', call()],
        ['From', '+8613800138000'],
      ],
      `http://localhost${path}`,
      proxy,
    );
    expect(inner.status).toBe(403);
  });

  it('ignores scheme and host entries the caller put in front of what our proxy appended', async () => {
    const path = `/v1/voice/twilio/${shop.appId}`;
    // The caller sent X-Forwarded-Host/Proto of its own; our one proxy appended the real ones.
    const spoofed = {
      'x-forwarded-proto': 'http, https',
      'x-forwarded-host': 'attacker.example, voice.shop.example',
    };
    const genuine = await post(
      api,
      path,
      [
        ['CallSid', call()],
        ['From', '+8613800138000'],
      ],
      `https://voice.shop.example${path}`,
      spoofed,
    );
    expect(genuine.status).toBe(200);
    // A signature made for a URL of the caller's choosing (one another service of the same Twilio
    // account was called at) does not pass here.
    const chosen = await post(
      api,
      path,
      [
        ['CallSid', call()],
        ['From', '+8613800138000'],
      ],
      `http://attacker.example${path}`,
      spoofed,
    );
    expect(chosen.status).toBe(403);
    expect(JSON.parse(chosen.text).error.code).toBe('twilio_signature_invalid');
  });
});

describe('Twilio signatures with a public URL behind a path-rewriting proxy (publicUrl)', () => {
  let api: TestApi;
  let shop: Shop;
  const PUBLIC = 'https://shop.example/threadline';
  beforeAll(async () => {
    ({ api, shop } = await configured({ publicUrl: `${PUBLIC}/` }));
  });
  afterAll(() => api.close());

  it('checks the public URL with the path prefix, and points the next turn at it', async () => {
    const path = `/v1/voice/twilio/${shop.appId}`;
    const ok = await post(
      api,
      path,
      [
        ['CallSid', call()],
        ['From', '+8613800138000'],
      ],
      `${PUBLIC}${path}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`action="${PUBLIC}${path}?turn=1"`);
    const withoutPrefix = await post(
      api,
      path,
      [
        ['CallSid', call()],
        ['From', '+8613800138000'],
      ],
      `https://shop.example${path}`,
    );
    expect(withoutPrefix.status).toBe(403);
  });

  it('takes the form in any order, with repeated keys, and refuses a dropped or altered value', async () => {
    const path = `/v1/voice/twilio/${shop.appId}`;
    const url = `${PUBLIC}${path}`;
    const sid = call();
    const form: [string, string][] = [
      ['From', '+8613800138000'],
      ['CallSid', sid],
      ['Custom', 'b'],
      ['ApiVersion', '2010-04-01'],
      ['Custom', 'a'],
    ];
    expect((await post(api, path, form, url)).status).toBe(200);
    // The same parameters sent in another order: the signature sorts them.
    expect((await post(api, path, [...form].reverse(), url)).status).toBe(200);
    // One value of a repeated key left out (signed with it): refused.
    const signedWithBoth = (u: string, p: Record<string, string | string[]>) =>
      webhooks.getExpectedTwilioSignature(AUTH_TOKEN, u, { ...p, Custom: ['b', 'a'] });
    const dropped = await post(api, path, form.slice(0, 4), url, {}, signedWithBoth);
    expect(dropped.status).toBe(403);
    // A changed caller id under a signature for the original: refused.
    const forged = await post(
      api,
      path,
      [
        ['CallSid', sid],
        ['From', '+8613900139000'],
      ],
      url,
      {},
      (u) => webhooks.getExpectedTwilioSignature(AUTH_TOKEN, u, { CallSid: sid, From: '+8613800138000' }),
    );
    expect(forged.status).toBe(403);
    // No signature at all.
    const bare = await api.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ CallSid: call(), From: '+8613800138000' }).toString(),
    });
    expect(bare.status).toBe(403);
  });
});
