import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appAnswer, errorEnvelope, rotateKeyAnswer, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchantApp } from '../src/apps/apps';
import { mountStaticFolder } from '../src/demo';
import { createManualClock } from '../src/platform/clock';
import { silentLogger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';
import { anonymousId, createTestApi, type TestApi } from './harness';

/** Issue 8, items 7 and 10–17: the smaller holes, each as a kind. */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('stalled readers, slow bodies and connection floods on a real server (item 7)', () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-edges-'));
    server = await startServer({
      databaseUrl: `file:${join(dir, 'db.sqlite')}`,
      port: 0,
      masterKey: new Uint8Array(32).fill(1),
      sessionSigningKey: new Uint8Array(32).fill(2),
      logger: silentLogger,
      bodyTimeoutMs: 1_000,
      streamWriteTimeoutMs: 300,
      maxConnectionsPerIp: 20,
      rateLimits: { streamsPerSession: 1 },
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A raw HTTP/1.1 request on its own socket; resolves with what came back when the server closes it. */
  const raw = (
    head: string,
    options: {
      trickle?: string;
      pause?: boolean;
      onSocket?: (socket: ReturnType<typeof connect>) => void;
    } = {},
  ) =>
    new Promise<{ text: string; closedAfterMs: number; socket: ReturnType<typeof connect> }>((resolve) => {
      const started = Date.now();
      const socket = connect(server.port, '127.0.0.1');
      options.onSocket?.(socket);
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started, socket }));
      socket.write(head);
      if (options.pause) socket.pause();
      if (options.trickle) {
        let i = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || i >= options.trickle!.length) return clearInterval(timer);
          socket.write(options.trickle![i++]!);
        }, 150);
      }
    });

  it('cuts a body that trickles in, but lets a long-poll wait longer than the body deadline', async () => {
    const slow = await raw(
      'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n',
      { trickle: '{"channel":"web"'.padEnd(200, ' ') },
    );
    expect(slow.closedAfterMs).toBeLessThan(12_000);
    expect(slow.text).not.toContain('201 Created');

    const keys = await createMerchantApp(server.app.deps, {
      name: 'edges',
      allowedOrigins: ['https://x.example'],
    });
    const started = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'web', anonymousId: anonymousId() }),
    });
    const { sessionToken } = (await started.json()) as { sessionToken: string };
    const begun = Date.now();
    const poll = await fetch(`${server.url}/v1/updates?wait=2`, {
      headers: { authorization: `Bearer ${sessionToken}` },
    });
    expect(poll.status).toBe(200);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(1_900);
  });

  it('drops a stream client that stops reading, and gives its stream slot back', async () => {
    const keys = await createMerchantApp(server.app.deps, {
      name: 'stalls',
      allowedOrigins: ['https://x.example'],
    });
    const session = (await (
      await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.publishableKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'web', anonymousId: anonymousId() }),
      })
    ).json()) as { sessionToken: string; customer: { id: string } };
    let reader: ReturnType<typeof connect> | undefined;
    // It stops reading once the stream has begun (its feed's start is set before `: connected` is
    // written), not after a fixed 200 ms: under load the stream could begin after the burst below,
    // and it would then never see the events it is to be overwhelmed by.
    let begun: () => void;
    const connected = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const stalled = raw(
      `GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${session.sessionToken}\r\n\r\n`,
      {
        onSocket: (socket) => {
          reader = socket;
          let seen = '';
          const look = (chunk: Buffer) => {
            seen += chunk.toString();
            if (!seen.includes(': connected')) return;
            socket.pause();
            socket.off('data', look);
            begun();
          };
          socket.on('data', look);
        },
      },
    );
    const began = await Promise.race([
      connected.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    expect(began, 'the stream began').toBe(true);
    // Several MB of events for a reader that takes none, in one burst (the writes share their
    // commits): the stream reads them a page (~2 MB) at a time, faster than loopback takes them
    // unread, so its queue passes the limit. (Written one by one, with the stream getting a turn
    // after each, ~100 KB at a time, loopback's socket buffers — tens of MB here — would hold all
    // of it and the server would never have anything queued to drop the reader for.)
    const big = 'x'.repeat(3_900);
    const { appendEvents } = await import('../src/realtime/events');
    const rounds = Array.from({ length: 40 }, (_, round) => round);
    await Promise.all(
      rounds.map((round) =>
        server.app.deps.database.write((db, onCommit) =>
          appendEvents(
            server.app.deps,
            db,
            onCommit,
            Array.from({ length: 25 }, (_, i) => ({
              appId: keys.appId,
              customerId: session.customer.id,
              type: 'message.created',
              data: {
                id: `msg_${round}_${i}`,
                conversationId: 'c',
                channel: 'web',
                author: { type: 'bot' },
                text: big,
                createdAt: new Date().toISOString(),
              },
            })),
          ),
        ),
      ),
    );
    // A paused socket does not notice the server closing it; let it read what was queued, then look.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    reader!.resume();
    const dropped = await Promise.race([
      stalled,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000)),
    ]);
    expect(dropped).not.toBeNull();
    // It got the first few MB (what the socket buffers held), not all 4 MB and not the stream's end.
    expect(dropped!.text.length).toBeLessThan(40 * 25 * 3_900);
    // The one stream this session may hold is free again.
    const again = await fetch(`${server.url}/v1/stream`, {
      headers: { authorization: `Bearer ${session.sessionToken}` },
    });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it('caps open connections per address', async () => {
    const sockets = Array.from({ length: 25 }, () => connect(server.port, '127.0.0.1'));
    const closed = await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            socket.on('error', () => {});
            socket.on('close', () => resolve(true));
            setTimeout(() => resolve(false), 1_500);
          }),
      ),
    );
    for (const socket of sockets) socket.destroy();
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(5);
  });
});

describe('behind a reverse proxy (item 10)', () => {
  it('takes the address the configured hop saw, not the client-controlled leftmost entry', async () => {
    const api = await createTestApi({
      trustedProxyHops: 1,
      rateLimits: { handoffClaimFailuresPerIpPerMinute: 2 },
    });
    try {
      const shop = await api.createShop();
      const guess = (forwarded: string) =>
        api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          headers: { 'x-forwarded-for': forwarded },
          body: { channel: 'web', handoffCode: 'not-a-code-xxxxxxxxxxxx' },
        });
      // The attacker rotates a fake leftmost entry; the proxy appended the real one on the right.
      expect((await guess('1.1.1.1, 203.0.113.7')).status).toBe(404);
      expect((await guess('2.2.2.2, 203.0.113.7')).status).toBe(404);
      expect((await guess('3.3.3.3, 203.0.113.7')).status).toBe(429);
      // Another shopper behind the same proxy is someone else.
      expect((await guess('203.0.113.8')).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const api = await createTestApi({ rateLimits: { handoffClaimFailuresPerIpPerMinute: 2 } });
    try {
      const shop = await api.createShop();
      const guess = (forwarded: string) =>
        api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          headers: { 'x-forwarded-for': forwarded },
          body: { channel: 'web', handoffCode: 'not-a-code-xxxxxxxxxxxx' },
        });
      await guess('10.0.0.1');
      await guess('10.0.0.2');
      expect((await guess('10.0.0.3')).status).toBe(429);
    } finally {
      await api.close();
    }
  });
});

describe('bad input and paths (items 11, 12)', () => {
  let api: TestApi;
  let shop: Shop;
  let root: string;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    root = mkdtempSync(join(tmpdir(), 'threadline-static-'));
    mkdirSync(join(root, 'shop'));
    mkdirSync(join(root, 'shop-private'));
    mkdirSync(join(root, 'shop', 'sub'));
    writeFileSync(join(root, 'shop', 'index.html'), '<p>shop</p>');
    writeFileSync(join(root, 'shop-private', 'secret.txt'), 'do not serve');
    mountStaticFolder(api.app, '/shop', join(root, 'shop'));
  });
  afterAll(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses deeply nested free-form objects with a 4xx', async () => {
    const session = await shop.startSession();
    const deep = JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`);
    const track = await api.call('POST', '/v1/track', {
      token: session.sessionToken,
      body: { name: 'product_view', properties: deep },
    });
    expect([track.status, codeOf(track)]).toEqual([400, 'validation_failed']);
    const kb = await api.call('POST', '/v1/kb/products', {
      token: shop.secretKey,
      body: { id: 'p1', name: 'x', attributes: deep },
    });
    expect(kb.status).toBeLessThan(500);
    expect(kb.status).toBeGreaterThanOrEqual(400);
  });

  it('serves the folder, and nothing beside it or from a malformed escape', async () => {
    expect((await api.app.request('/shop/index.html')).status).toBe(200);
    for (const path of [
      '/shop/%E0%A4%A',
      '/shop/%',
      '/shop/..%2Fshop-private%2Fsecret.txt',
      '/shop/../shop-private/secret.txt',
      '/shop/%2e%2e/shop-private/secret.txt',
      '/shop/sub',
      '/shop/%00index.html',
    ]) {
      const res = await api.app.request(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).not.toContain('do not serve');
    }
  });
});

describe('keys users choose are looked up as own properties (item 13)', () => {
  it('answers on a channel named like an Object.prototype member without leaking a function', async () => {
    const api = await createTestApi();
    try {
      const shop = await api.createShop({ extraChannels: ['constructor', 'tostring', 'valueof'] });
      await api.call('POST', '/v1/kb/import', {
        token: shop.secretKey,
        body: {
          articles: [
            {
              id: 'ship',
              title: '发货时间',
              questions: ['什么时候发货', '多久发货'],
              answer: '下单后 48 小时内发货。',
            },
          ],
          products: [{ id: 'p1', name: '云感面霜', attributes: { constructor: 'x', shelfLife: '3 年' } }],
        },
      });
      for (const channel of ['constructor', 'tostring', 'valueof']) {
        const res = await shop.channelMessage(channel, { externalId: `u-${channel}` }, '什么时候发货');
        expect(res.status).toBe(201);
        const said = JSON.stringify(res.body.replies);
        expect(said).not.toMatch(/function|native code|\[object/);
      }
    } finally {
      await api.close();
    }
  });
});

describe('phone numbers are E.164, per app region, and refused when they do not parse (item 14)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('refuses a phone with no digits everywhere phones enter', async () => {
    for (const bad of ['---', '((()))', '123', 'abc-defg']) {
      const channel = await shop.channelMessage('phone', { phone: bad }, 'hello');
      expect([bad, channel.status, codeOf(channel)]).toEqual([bad, 400, 'invalid_phone']);
      const identity = await shop.channelMessage('sms', { identity: { kind: 'phone', value: bad } }, 'hi');
      expect(codeOf(identity)).toBe('invalid_phone');
      const call = await api.call('POST', '/v1/channels/phone/calls', {
        token: shop.secretKey,
        body: { from: { phone: bad.padEnd(3, '-') } },
      });
      expect(codeOf(call)).toBe('invalid_phone');
      const handoff = await api.call('POST', '/v1/handoffs', {
        token: shop.secretKey,
        body: { customer: { phone: bad } },
      });
      expect(codeOf(handoff)).toBe('invalid_phone');
    }
    const token = await shop.identityToken('phone-claim', { phone: '---' });
    const start = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'web', identityToken: token },
    });
    expect(codeOf(start)).toBe('invalid_phone');
  });

  it('makes one person of a number written with and without the country code', async () => {
    const a = await shop.channelMessage('phone', { phone: '138-0013-8000' }, 'first call');
    const b = await shop.channelMessage('sms', { phone: '+86 138 0013 8000' }, 'an sms');
    const c = await shop.channelMessage('phone', { phone: '008613800138000' }, 'again');
    expect(b.body.customer.id).toBe(a.body.customer.id);
    expect(c.body.customer.id).toBe(a.body.customer.id);
  });

  it('reads local numbers in the app’s region', async () => {
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { phoneRegion: 'US' } });
    const local = await shop.channelMessage('phone', { phone: '(415) 555-2671' }, 'from SF');
    const intl = await shop.channelMessage('sms', { phone: '+1 415 555 2671' }, 'sms');
    expect(intl.body.customer.id).toBe(local.body.customer.id);
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { phoneRegion: 'CN' } });
  });
});

describe('origins and link bases (item 15)', () => {
  it('accepts only scheme://host[:port] origins and http(s) link bases, and warns about no origin', async () => {
    const api = await createTestApi();
    try {
      const shop = await api.createShop();
      for (const allowedOrigins of [
        ['https://shop.example/'],
        ['https://shop.example/path'],
        ['javascript:alert(1)'],
        ['HTTPS://SHOP.EXAMPLE'],
        ['data:text/html,x'],
      ]) {
        const res = await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { allowedOrigins } });
        expect([allowedOrigins[0], res.status]).toEqual([allowedOrigins[0], 400]);
      }
      for (const handoffUrlBase of ['javascript:alert(1)//', 'data:text/html,hi', 'ftp://x.example/c']) {
        const res = await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { handoffUrlBase } });
        expect([handoffUrlBase, res.status]).toEqual([handoffUrlBase, 400]);
      }
      const ok = await api.call('PATCH', '/v1/app', {
        token: shop.secretKey,
        body: { allowedOrigins: ['https://shop.example', 'http://localhost:5173', 'capacitor://localhost'] },
      });
      expect(appAnswer.parse(ok.body).app.allowedOrigins).toHaveLength(3);

      const created = await createMerchantApp(api.deps, { name: 'no origin' });
      expect(created.warnings?.join(' ')).toMatch(/origin/i);
      const withOrigin = await createMerchantApp(api.deps, {
        name: 'ok',
        allowedOrigins: ['https://a.example'],
      });
      expect(withOrigin.warnings).toBeUndefined();
      await expect(
        createMerchantApp(api.deps, { name: 'bad', allowedOrigins: ['javascript:x'] }),
      ).rejects.toThrow(/not an origin/);
    } finally {
      await api.close();
    }
  });
});

describe('message text is stored exactly as sent, or refused (item 16)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('keeps white space, emoji and line breaks, and refuses control characters with a clear error', async () => {
    const session = await shop.startSession();
    for (const text of [
      '  两个空格开头，结尾也有  ',
      '第一行\n第二行\r\n\t缩进',
      '😀'.repeat(4000),
      'e\u0301 é',
    ]) {
      const res = await shop.send(session.sessionToken, text);
      expect(res.status).toBe(201);
      expect(res.body.message.text).toBe(text);
    }
    const page = timelinePage.parse(
      (await api.call('GET', '/v1/timeline?limit=10', { token: session.sessionToken })).body,
    );
    expect(page.messages.map((m) => m.text)).toContain('  两个空格开头，结尾也有  ');
    for (const text of [
      'cut\u0000here',
      'bell\u0007',
      'esc\u001b[31m',
      '\ud800 lone',
      '   ',
      '😀'.repeat(4001),
    ]) {
      const res = await shop.send(session.sessionToken, text);
      expect([JSON.stringify(text.slice(0, 12)), res.status, codeOf(res)]).toEqual([
        JSON.stringify(text.slice(0, 12)),
        400,
        'validation_failed',
      ]);
      expect(errorEnvelope.parse(res.body).error.issues?.[0]?.path).toEqual(['text']);
    }
  });
});

describe('session revocation and key rotation (item 17)', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 9));
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('revokes every session of a customer, and the identity tokens issued before', async () => {
    const oldToken = await shop.identityToken('revoke-me');
    const web = await shop.startSession({ channel: 'web', identityToken: oldToken });
    const app = await shop.startSession({ channel: 'app', identityToken: oldToken });
    clock.advance(2_000);
    const res = await api.call('DELETE', `/v1/customers/${web.customer.id}/sessions`, {
      token: shop.secretKey,
    });
    expect(res.body).toEqual({ revoked: 2 });
    for (const token of [web.sessionToken, app.sessionToken]) {
      const read = await api.call('GET', '/v1/timeline', { token });
      expect([read.status, codeOf(read)]).toEqual([401, 'invalid_credential']);
    }
    const replay = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'web', identityToken: oldToken },
    });
    expect([replay.status, codeOf(replay)]).toEqual([401, 'invalid_identity_token']);
    clock.advance(2_000);
    expect(
      (await shop.startSession({ identityToken: await shop.identityToken('revoke-me') })).customer.id,
    ).toBe(web.customer.id);
    const unknown = await api.call('DELETE', '/v1/sessions/ses_nope', { token: shop.secretKey });
    expect(unknown.status).toBe(404);
  });

  it('rotates publishable keys, secret keys and agent tokens with an overlap window', async () => {
    const rotate = async (body: Record<string, unknown>) => {
      const res = await api.call('POST', '/v1/app/keys/rotate', { token: shop.secretKey, body });
      expect(res.status).toBe(201);
      return rotateKeyAnswer.parse(res.body);
    };
    const pk = await rotate({ kind: 'publishable', overlapSec: 60 });
    expect(pk.key).toMatch(/^pk_/);
    const start = (key: string) =>
      api.call('POST', '/v1/sessions', { token: key, body: { channel: 'web', anonymousId: anonymousId() } });
    expect((await start(shop.publishableKey)).status).toBe(201);
    expect((await start(pk.key)).status).toBe(201);

    const [agent] = await api.rows<{ id: string }>('select id from agents where app_id = ?', [shop.appId]);
    const at = await rotate({ kind: 'agent', agentId: agent!.id, overlapSec: 60 });
    const tickets = (token: string) => api.call('GET', '/v1/tickets', { token });
    expect((await tickets(shop.agentToken)).status).toBe(200);
    expect((await tickets(at.key)).status).toBe(200);

    clock.advance(61_000);
    expect((await start(shop.publishableKey)).status).toBe(401);
    expect((await start(pk.key)).status).toBe(201);
    expect((await tickets(shop.agentToken)).status).toBe(401);
    expect((await tickets(at.key)).status).toBe(200);

    // The secret key rotates itself; 0 s of overlap ends the old one at once.
    const sk = await rotate({ kind: 'secret', overlapSec: 0 });
    expect((await api.call('GET', '/v1/app', { token: shop.secretKey })).status).toBe(401);
    expect((await api.call('GET', '/v1/app', { token: sk.key })).status).toBe(200);
  });
});
