import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientEvents, type ClientOptions, createClient } from './client';
import { HttpError, type ThreadlineError } from './errors';
import { STORAGE_KEYS } from './storage-keys';
import { createFakePlatform, createMemoryStorage, type FakePlatform } from './testing/index';

const silent = { warn() {}, error() {} };
const key = (name: string) => `threadline.${name}`;

function clientOn(platform: FakePlatform, overrides: Partial<ClientOptions> = {}) {
  return createClient({
    appKey: 'pk_test',
    apiUrl: 'https://api.test/',
    channel: 'web',
    platform,
    logger: silent,
    realtime: false,
    ...overrides,
  });
}

describe('sessions and identity', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts with the publishable key and keeps one ≥128-bit anonymousId per device', async () => {
    const storage = createMemoryStorage();
    const first = createFakePlatform({ storage });
    const started = await clientOn(first, { platform: first }).start();
    expect(started.anonymousId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const [call] = first.callsTo('POST', '/v1/sessions');
    expect(call!.token).toBe('pk_test');
    expect(call!.url).toBe('https://api.test/v1/sessions');
    expect(call!.body).toMatchObject({ channel: 'web', anonymousId: started.anonymousId });
    expect(storage.data.get(key(STORAGE_KEYS.anonymousId))).toBe(started.anonymousId);

    const again = await clientOn(createFakePlatform({ storage })).start();
    expect(again.anonymousId).toBe(started.anonymousId);
  });

  it('starts one session however many calls need it at once', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await Promise.all([client.start(), client.timeline(), client.track('product_view'), client.start()]);
    expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(1);
  });

  it('renews an expired session transparently, once, and retries the call', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await client.start();
    await client.send('before');
    platform.expireSessions();

    const [page, sent] = await Promise.all([client.timeline({ limit: 10 }), client.send('after expiry')]);
    expect(page.messages.map((m) => m.text)).toContain('before');
    expect(sent.message.text).toBe('after expiry');
    // Two calls hit the 401 together; they share one new session.
    expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(2);
    const timelineTokens = platform.callsTo('GET', '/v1/timeline').map((c) => c.token);
    expect(timelineTokens).toEqual(['st_1', 'st_2']);
  });

  it('gives up with the HttpError when the renewed session is refused too', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await client.start();
    platform.route('GET', '/v1/timeline', () => ({
      status: 401,
      body: { error: { code: 'session_expired', message: 'expired' } },
    }));
    const error = await client.timeline().catch((e: unknown) => e);
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: 'session_expired' });
    expect(platform.callsTo('GET', '/v1/timeline')).toHaveLength(2);
    expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(2);
  });

  it('does not mistake a refused identity token for an expired session', async () => {
    const platform = createFakePlatform();
    platform.route('POST', '/v1/identify', () => ({
      status: 401,
      body: { error: { code: 'invalid_identity_token', message: 'bad signature' } },
    }));
    const client = clientOn(platform);
    await client.start();
    await expect(client.identify('forged-token-0123456789')).rejects.toMatchObject({
      code: 'invalid_identity_token',
    });
    expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(1);
  });

  it('remembers the identity token for renewals and later starts, until reset()', async () => {
    const storage = createMemoryStorage();
    const platform = createFakePlatform({ storage });
    const client = clientOn(platform);
    await client.start();
    const identified = await client.identify('token-of-user-42');
    expect(identified.customer).toEqual({ id: 'cus_token-of-user-42', identified: true });
    expect(client.getState().customer?.identified).toBe(true);

    platform.expireSessions();
    await client.timeline();
    const renewal = platform.callsTo('POST', '/v1/sessions').at(-1)!;
    expect(renewal.body.identityToken).toBe('token-of-user-42');

    const reloaded = clientOn(createFakePlatform({ storage }));
    expect((await reloaded.start()).customer).toEqual({ id: 'cus_token-of-user-42', identified: true });
  });

  it('falls back to the anonymous id when the remembered identity token has expired', async () => {
    const storage = createMemoryStorage({ [key(STORAGE_KEYS.identityToken)]: 'expired-token-0123456' });
    const platform = createFakePlatform({ storage });
    platform.routeOnce('POST', '/v1/sessions', () => ({
      status: 401,
      body: { error: { code: 'invalid_identity_token', message: 'expired' } },
    }));
    const errors: ThreadlineError[] = [];
    const client = clientOn(platform);
    client.on('error', (e) => errors.push(e));
    const started = await client.start();
    expect(started.customer.identified).toBe(false);
    expect(platform.callsTo('POST', '/v1/sessions')[1]!.body.identityToken).toBeUndefined();
    expect(storage.data.has(key(STORAGE_KEYS.identityToken))).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['invalid_identity_token']);
  });

  it('reset() forgets identity, anonymousId and unsent messages, then starts afresh as someone new', async () => {
    const storage = createMemoryStorage();
    const platform = createFakePlatform({ storage });
    const client = clientOn(platform);
    const before = await client.start();
    await client.identify('token-of-user-42');
    platform.setOnline(false);
    const unsent = client.send('private to user 42').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    platform.setOnline(true);

    await client.reset();
    expect(await unsent).toMatchObject({ code: 'aborted' });
    expect(client.pending()).toEqual([]);
    const after = client.getState();
    expect(after.anonymousId).not.toBe(before.anonymousId);
    expect(after.customer).toEqual({ id: `cus_${after.anonymousId}`, identified: false });
    expect(storage.data.get(key(STORAGE_KEYS.identityToken))).toBeUndefined();
    expect(storage.data.get(key(STORAGE_KEYS.anonymousId))).toBe(after.anonymousId);
    const fresh = platform.callsTo('POST', '/v1/sessions').at(-1)!;
    expect(fresh.body).toEqual({ channel: 'web', anonymousId: after.anonymousId });
    // The API heard of the logout, with the leaving person's session: it ends that session there too.
    const logout = platform.callsTo('DELETE', '/v1/session');
    expect(logout).toHaveLength(1);
    expect(logout[0]!.headers.authorization).not.toContain(String(after.customer?.id));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(platform.api.messages.map((m) => m.text)).not.toContain('private to user 42');
  });

  it('identify() as another person drops what the previous person left unsent; the same person keeps it', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await client.start();
    await client.identify('alice');
    platform.setOnline(false);
    const alices = client.send('alice: my address is 5 Elm St').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    platform.setOnline(true);
    // Alice again (a page that identifies on every load): her message is still hers to send.
    await client.identify('alice');
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(alices).resolves.toMatchObject({ message: { text: 'alice: my address is 5 Elm St' } });

    platform.setOnline(false);
    const unsent = client.send('alice: cancel my order').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    platform.setOnline(true);
    // An account switch without logout: Bob must not post what Alice typed.
    await client.identify('bob');
    await expect(unsent).resolves.toMatchObject({ code: 'aborted' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.pending()).toEqual([]);
    expect(platform.api.messages.map((m) => m.text)).not.toContain('alice: cancel my order');
  });

  it('follows a logout made by another client on the same storage (another tab), adopting its new id', async () => {
    const storage = createMemoryStorage();
    const listeners = new Set<(key: string) => void>();
    const platformA = createFakePlatform({ storage });
    const platformB = createFakePlatform({ storage });
    // The browser tells every other tab which key changed (the storage event); the fake does it by hand.
    platformA.onStorageChange = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    const tabA = clientOn(platformA);
    const tabB = clientOn(platformB);
    await tabA.start();
    await tabB.start();
    await tabA.identify('alice');
    await tabB.identify('alice');
    const events: ClientEvents['session'][] = [];
    tabA.on('session', (event) => events.push(event));

    await tabB.reset();
    const newcomer = tabB.getState().anonymousId;
    for (const listener of listeners) listener(key(STORAGE_KEYS.anonymousId));
    await vi.waitFor(() => expect(events.map((e) => e.reason)).toEqual(['reset']));
    expect(tabA.getState().customer).toEqual({ id: `cus_${newcomer}`, identified: false });
    expect(tabA.getState().anonymousId).toBe(newcomer);
    expect(storage.data.get(key(STORAGE_KEYS.anonymousId))).toBe(newcomer);

    // Another tab signing in (not out) is not a logout: this tab stays who it is.
    await tabB.identify('carol');
    for (const listener of listeners) listener(key(STORAGE_KEYS.identityToken));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toHaveLength(1);
    tabA.close();
    tabB.close();
  });

  it('a renewal reads the device’s identity again: a person who signed in in another tab is who it renews as', async () => {
    const storage = createMemoryStorage();
    const platform = createFakePlatform({ storage });
    const tabA = clientOn(platform);
    const tabB = clientOn(createFakePlatform({ storage }));
    await tabA.start();
    await tabB.start();
    await tabB.identify('dana');
    // Tab A's anonymous session ends (expiry; the API also ends it when that person signs in).
    platform.expireSessions();
    await tabA.timeline();
    const renewal = platform.callsTo('POST', '/v1/sessions').at(-1)!;
    expect(renewal.body.identityToken).toBe('dana');
    expect(tabA.getState().customer).toEqual({ id: 'cus_dana', identified: true });
    tabA.close();
    tabB.close();
  });

  it('hands off and resumes: the resumed session presents the code and reports where it came from', async () => {
    const web = createFakePlatform();
    const webClient = clientOn(web);
    await webClient.start();
    const { code, shortCode } = await webClient.handoff({ toChannel: 'miniprogram' });
    expect(web.callsTo('POST', '/v1/handoffs')[0]!.body).toEqual({ toChannel: 'miniprogram' });
    expect(shortCode).toMatch(/^\d{6}$/);

    const app = createFakePlatform();
    const appClient = clientOn(app, { channel: 'app' });
    const resumed = await appClient.resume(code);
    expect(app.callsTo('POST', '/v1/sessions')).toHaveLength(1);
    expect(app.callsTo('POST', '/v1/sessions')[0]!.body).toMatchObject({ channel: 'app', handoffCode: code });
    expect(resumed.handoff).toEqual({ fromChannel: 'web', conversationId: 'con_1' });
    expect(appClient.getState().customer?.id).toBe('cus_handoff');
  });

  it('escalates and tracks with the session token', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const statuses: string[] = [];
    client.on('conversation', (c) => statuses.push(c.status));
    await client.track('add_to_cart', { sku: 'A1' });
    const escalated = await client.escalate('想找人工');
    expect(escalated.conversation.status).toBe('queued');
    expect(statuses).toEqual(['queued']);
    expect(platform.callsTo('POST', '/v1/track')[0]).toMatchObject({
      token: 'st_1',
      body: { name: 'add_to_cart', properties: { sku: 'A1' } },
    });
    expect(platform.callsTo('POST', '/v1/escalate')[0]!.body).toEqual({ reason: '想找人工' });
  });

  describe('the session event', () => {
    const sessionEvents = (client: ReturnType<typeof clientOn>) => {
      const seen: ClientEvents['session'][] = [];
      client.on('session', (event) => seen.push(event));
      return seen;
    };

    it('is quiet on the first start, and tells identify() with the customer before and after', async () => {
      const platform = createFakePlatform();
      const client = clientOn(platform);
      const events = sessionEvents(client);
      const started = await client.start();
      expect(events).toEqual([]);
      let customerWhenTold: string | undefined;
      client.on('session', () => {
        customerWhenTold = client.getState().customer?.id;
      });
      await client.identify('user-7');
      expect(events).toEqual([
        {
          reason: 'identified',
          customer: { id: 'cus_user-7', identified: true },
          previous: started.customer,
        },
      ]);
      // Listeners can reload the history right away: the state already speaks for the new customer.
      expect(customerWhenTold).toBe('cus_user-7');
    });

    it('tells resume(), loginWithWechatCode() and reset(), the last with the next anonymous customer', async () => {
      const platform = createFakePlatform();
      const client = clientOn(platform);
      const events = sessionEvents(client);
      await client.start();
      await client.resume('handoff-code-0123456789');
      await client.loginWithWechatCode('wx-code-1');
      await client.reset();
      expect(events.map((e) => e.reason)).toEqual(['resumed', 'wechat', 'reset']);
      expect(events[0]!.customer?.id).toBe('cus_handoff');
      expect(events[1]!.previous?.id).toBe('cus_handoff');
      const after = client.getState();
      expect(events[2]).toEqual({ reason: 'reset', customer: after.customer, previous: events[1]!.customer });
      expect(after.customer?.id).toBe(`cus_${after.anonymousId}`);
    });

    it('tells reset() before any session with no customer on either side', async () => {
      const client = clientOn(createFakePlatform());
      const events = sessionEvents(client);
      await client.reset();
      expect(events).toEqual([{ reason: 'reset', customer: null, previous: null }]);
    });

    it('tells a silent renewal only when it lands on another customer', async () => {
      const platform = createFakePlatform();
      const client = clientOn(platform);
      const events = sessionEvents(client);
      await client.start();
      platform.expireSessions();
      await client.timeline();
      expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(2);
      expect(events).toEqual([]);

      platform.expireSessions();
      platform.routeOnce('POST', '/v1/sessions', async (request) => {
        const reply = await platform.defaultHandler(request);
        return {
          ...reply,
          body: { ...(reply.body as object), customer: { id: 'cus_other', identified: true } },
        };
      });
      await client.timeline();
      expect(events).toEqual([
        {
          reason: 'renewed',
          customer: { id: 'cus_other', identified: true },
          previous: expect.objectContaining({ identified: false }),
        },
      ]);
    });
  });
});
