import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  isPrivateAddress,
  startWebhookWorker,
  webhookSettingsFromEnv,
} from '../src/webhooks';
import type { LookupFunction } from '../src/webhooks/targets';
import { createTestApi, type TestApi } from './harness';
import { startReceiver } from './webhook-receiver';

/**
 * The development switch for webhook targets. Tests and the local demo need a receiver on this
 * machine; they must not thereby open the private network or cloud metadata to whoever holds the
 * demo's secret key. `allowLoopbackTargets` (THREADLINE_WEBHOOKS_ALLOW_LOOPBACK=1, what `npm start`
 * on 127.0.0.1 sets) allows loopback only.
 */

const until = async <T>(read: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('the allow-loopback switch', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true, retryBaseMs: 30, retryMaxMs: 60 } });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const subscribe = (url: string) =>
    api.call('POST', '/v1/webhooks', { token: shop.secretKey, body: { url, events: ['message.created'] } });

  it('allows http to 127.0.0.0/8, ::1 and localhost, and nothing else private', async () => {
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://127.8.9.10:9/hook',
      'http://[::1]:9/hook',
      'http://localhost:9/hook',
      'http://hooks.localhost:9/hook',
    ])
      expect([url, (await subscribe(url)).status]).toEqual([url, 201]);
    for (const url of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest/meta-data',
      'https://169.254.169.254/latest/meta-data',
      'http://192.168.1.1/hook',
      'http://[fd00::1]/hook',
      'http://[fe80::1]/hook',
      'http://0.0.0.0:9/hook',
      'http://[::ffff:a9fe:a9fe]/hook',
      'http://printer.local/hook',
      'http://metadata.google.internal/hook',
      // Public hosts still need https: the switch is about this machine, not about plain http.
      'http://crm.example/hook',
    ]) {
      const res = await subscribe(url);
      expect([url, res.status, res.body?.error?.code]).toEqual([url, 400, 'webhook_target_refused']);
    }
  });

  it('delivers to a loopback receiver, and refuses at delivery a name that resolves to a private network', async () => {
    const receiver = await startReceiver();
    const wanted = await subscribe(`http://127.0.0.1:${receiver.port}/hook`);
    const trap = await subscribe(`https://crm-trap.example:${receiver.port}/hook`);
    // `localhost` too must resolve to loopback: a hosts file pointing it elsewhere is refused.
    const local = await subscribe(`http://localhost:${receiver.port}/hook`);
    const lookup: LookupFunction = (host, _options, callback) =>
      callback(null, [{ address: host === 'localhost' ? '10.0.0.7' : '10.0.0.5', family: 4 }]);
    const worker = startWebhookWorker(api.deps, { pollMs: 25, lookup });
    try {
      const session = await shop.startSession();
      await shop.send(session.sessionToken, 'hello from the loopback switch');
      await until(async () => (receiver.unique().length > 0 ? true : undefined));
      for (const hook of [trap, local]) {
        const attempt = await until(async () => {
          const log = await api.call('GET', `/v1/webhooks/${hook.body.webhook.id}/deliveries`, {
            token: shop.secretKey,
          });
          return log.body.deliveries.flatMap((d: any) => d.log)[0];
        });
        expect(attempt.statusCode).toBeNull();
        expect(attempt.error).toMatch(/private or reserved address/);
      }
      // Only the loopback subscription reached the receiver.
      expect(new Set(receiver.received.map((r) => r.headers.host))).toEqual(
        new Set([`127.0.0.1:${receiver.port}`]),
      );
      expect(wanted.status).toBe(201);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  });

  it('is what the environment and the loopback demo set; production refuses loopback too', async () => {
    expect(webhookSettingsFromEnv({ THREADLINE_WEBHOOKS_ALLOW_LOOPBACK: '1' })).toMatchObject({
      allowLoopbackTargets: true,
    });
    expect(webhookSettingsFromEnv({})).not.toHaveProperty('allowPrivateTargets');
    // `threadline demo` / `npm start`: the loopback switch when listening on loopback, nothing otherwise.
    expect(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);

    const production = await createTestApi();
    try {
      const other = await production.createShop();
      const res = await production.call('POST', '/v1/webhooks', {
        token: other.secretKey,
        body: { url: 'http://127.0.0.1:9/hook', events: ['message.created'] },
      });
      expect([res.status, res.body.error.code]).toEqual([400, 'webhook_target_refused']);
    } finally {
      await production.close();
    }
  });
});

describe('IPv6 spellings of IPv4 addresses', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('refuses the IPv4-compatible (::a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d) forms', async () => {
    for (const url of [
      'https://[::127.0.0.1]/hook',
      'https://[::7f00:1]/hook',
      'https://[::a9fe:a9fe]/hook',
      'https://[::ffff:0:127.0.0.1]/hook',
      'https://[::ffff:0:a00:5]/hook',
    ]) {
      const res = await api.call('POST', '/v1/webhooks', {
        token: shop.secretKey,
        body: { url, events: ['message.created'] },
      });
      expect([url, res.status, res.body?.error?.code]).toEqual([url, 400, 'webhook_target_refused']);
    }
    for (const address of ['::7f00:1', '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe'])
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    // Public IPv6 stays a target.
    expect(isPrivateAddress('2606:4700:4700::1111')).toBe(false);
  });
});
