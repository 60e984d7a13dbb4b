import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientEvents, type ClientOptions, createClient } from './client';
import type { Message } from './protocol/index';
import { createFakePlatform, type FakePlatform } from './testing/index';

const silent = { warn() {}, error() {} };

function clientOn(platform: FakePlatform, overrides: Partial<ClientOptions> = {}) {
  return createClient({
    appKey: 'pk_test',
    apiUrl: 'https://api.test',
    channel: 'web',
    platform,
    logger: silent,
    ...overrides,
  });
}

function record<E extends keyof ClientEvents>(client: ReturnType<typeof createClient>, event: E) {
  const seen: ClientEvents[E][] = [];
  client.on(event, (payload) => seen.push(payload));
  return seen;
}

const phoneMessage = (id: string, text: string): Message => ({
  id,
  conversationId: 'con_1',
  channel: 'phone',
  author: { type: 'customer' },
  text,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('realtime', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('streams over SSE with the token in a header and emits typed events', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const messages = record(client, 'message');
    const deltas = record(client, 'delta');
    const conversations = record(client, 'conversation');
    const typing = record(client, 'typing');
    const tickets = record(client, 'ticket');
    const connection = record(client, 'connection');
    await client.start();
    await vi.waitFor(() => expect(platform.streams[0]?.closed).toBe(false));
    await vi.advanceTimersByTimeAsync(0);
    expect(connection).toEqual(['online']);

    const [stream] = platform.streams;
    expect(stream!.request.headers.authorization).toBe('Bearer st_1');
    expect(stream!.request.url).not.toContain('st_1');

    platform.publish('typing', { conversationId: 'con_1', author: { type: 'bot' }, typing: true });
    platform.publish('message.delta', {
      replyId: 'msg_9',
      conversationId: 'con_1',
      delta: '保质期',
      index: 0,
    });
    platform.publish('message.created', phoneMessage('msg_9', '电话里问的'));
    platform.publish('conversation.updated', { id: 'con_1', status: 'assigned', channel: 'phone' });
    platform.publish('ticket.created', { id: 'tkt_1', kind: 'exchange' });
    await vi.advanceTimersByTimeAsync(0);

    expect(typing).toEqual([{ conversationId: 'con_1', author: { type: 'bot' }, typing: true }]);
    expect(deltas.map((d) => d.delta)).toEqual(['保质期']);
    expect(messages.map((m) => [m.channel, m.text])).toEqual([['phone', '电话里问的']]);
    expect(conversations).toEqual([{ id: 'con_1', status: 'assigned', channel: 'phone' }]);
    expect(tickets).toEqual([{ change: 'created', ticket: { id: 'tkt_1', kind: 'exchange' } }]);
    expect(client.getState().conversation).toEqual({ id: 'con_1', status: 'assigned' });
    client.close();
  });

  it('resumes from the last cursor after a disconnect: missed events arrive, none twice', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const messages = record(client, 'message');
    const connection = record(client, 'connection');
    await client.start();
    await vi.waitFor(() => expect(platform.streams[0]?.closed).toBe(false));
    await vi.advanceTimersByTimeAsync(0);
    expect(connection).toEqual(['online']);
    platform.publish('message.created', phoneMessage('msg_1', 'one'));
    await vi.advanceTimersByTimeAsync(0);

    platform.setOnline(false);
    expect(connection).toEqual(['online', 'offline']);
    platform.publish('message.created', phoneMessage('msg_2', 'two (while away)'));
    await vi.advanceTimersByTimeAsync(5_000);
    platform.setOnline(true);
    await vi.waitFor(() => expect(platform.streams.at(-1)?.closed).toBe(false));
    await vi.advanceTimersByTimeAsync(0);
    expect(connection.at(-1)).toBe('online');

    const resumed = platform.streams.at(-1)!;
    expect(resumed.request.headers['last-event-id']).toBe('1');
    expect(resumed.request.query.after).toBe('1');
    // A server replaying an event the client already has must not show it twice.
    resumed.event(platform.api.events[0]!);
    platform.publish('message.created', phoneMessage('msg_3', 'three'));
    await vi.advanceTimersByTimeAsync(0);
    expect(messages.map((m) => m.text)).toEqual(['one', 'two (while away)', 'three']);
    client.close();
  });

  it('asks for a starting cursor first, so a drop before the first event still leaves no gap', async () => {
    const platform = createFakePlatform();
    platform.publish('message.created', phoneMessage('msg_0', 'old history'));
    const client = clientOn(platform);
    const messages = record(client, 'message');
    await client.start();
    await vi.waitFor(() => expect(platform.streams).toHaveLength(1));
    expect(platform.callsTo('GET', '/v1/updates')[0]!.query).toEqual({ wait: '0' });
    expect(platform.streams[0]!.request.headers['last-event-id']).toBe('1');

    platform.streams[0]!.fail();
    platform.publish('message.created', phoneMessage('msg_1', 'during the drop'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(platform.streams).toHaveLength(2);
    expect(messages.map((m) => m.text)).toEqual(['during the drop']);
    client.close();
  });

  it('renews the session when the stream answers 401 and reconnects with the new token', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const connection = record(client, 'connection');
    await client.start();
    await vi.waitFor(() => expect(platform.streams[0]?.closed).toBe(false));
    await vi.advanceTimersByTimeAsync(0);
    expect(connection).toEqual(['online']);
    platform.expireSessions();
    platform.streams[0]!.end();
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.waitFor(() => expect(platform.streams).toHaveLength(3));
    expect(connection.at(-1)).toBe('online');
    expect(platform.callsTo('POST', '/v1/sessions')).toHaveLength(2);
    expect(platform.streams.map((s) => s.request.token)).toEqual(['st_1', 'st_1', 'st_2']);
    client.close();
  });

  it('reconnects when the stream goes silent past the heartbeat timeout', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform, { realtime: { heartbeatTimeoutMs: 10_000 } });
    await client.start();
    await vi.waitFor(() => expect(platform.streams).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(9_000);
    platform.streams[0]!.text(': ping\n\n');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(platform.streams).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(platform.streams[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(platform.streams).toHaveLength(2);
    client.close();
  });

  it('long-polls /v1/updates from the cursor when the platform cannot stream', async () => {
    const platform = createFakePlatform({ stream: false });
    const client = clientOn(platform);
    const messages = record(client, 'message');
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    platform.publish('message.created', phoneMessage('msg_1', 'via poll'));
    await vi.waitFor(() => expect(messages.map((m) => m.text)).toEqual(['via poll']));

    platform.setOnline(false);
    platform.publish('message.created', phoneMessage('msg_2', 'while offline'));
    await vi.advanceTimersByTimeAsync(3_000);
    platform.setOnline(true);
    await vi.waitFor(() => expect(messages.map((m) => m.text)).toEqual(['via poll', 'while offline']));

    const polls = platform.callsTo('GET', '/v1/updates').map((c) => c.query);
    expect(polls[0]).toEqual({ wait: '0' });
    expect(polls.at(-1)).toEqual({ after: '2', wait: '25' });
    expect(polls.filter((q) => q.after === '1').length).toBeGreaterThan(0);
    client.close();
  });

  it('settles for long-polling when streams open and then say nothing (a buffering proxy, a fetch without streams)', async () => {
    const platform = createFakePlatform({ autoOpenStreams: false });
    const real = platform.openStream!;
    // Every stream answers 200 and ends at once without a byte: streaming is broken on this page.
    platform.openStream = (request, handlers) => {
      const handle = real(request, handlers);
      void Promise.resolve().then(() => {
        handlers.onOpen({ status: 200, headers: { get: () => null } });
        handlers.onClose();
      });
      return handle;
    };
    const client = clientOn(platform);
    const messages = record(client, 'message');
    await client.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const streamsTried = platform.streams.length;
    expect(streamsTried).toBeGreaterThanOrEqual(2);
    platform.publish('message.created', phoneMessage('msg_1', 'still arrives'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(messages.map((m) => m.text)).toEqual(['still arrives']);
    // It stopped opening streams that never carry anything.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(platform.streams.length).toBe(streamsTried);
    expect(client.getState().connection).toBe('online');
    client.close();
  });

  it('a stream refused by the page (an extension, a proxy) while the API answers: online, events by long-poll', async () => {
    const platform = createFakePlatform({ autoOpenStreams: false });
    const real = platform.openStream!;
    platform.openStream = (request, handlers) => {
      const handle = real(request, handlers);
      void Promise.resolve().then(() => handlers.onClose(new TypeError('Failed to fetch')));
      return handle;
    };
    const client = clientOn(platform);
    const connection = record(client, 'connection');
    const messages = record(client, 'message');
    await client.start();
    await vi.advanceTimersByTimeAsync(5_000);
    platform.publish('message.created', phoneMessage('msg_1', 'by long-poll'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(messages.map((m) => m.text)).toEqual(['by long-poll']);
    expect(connection).not.toContain('offline');
    expect(client.getState().connection).toBe('online');
    client.close();
  });

  it('back online after a drop the stream survived: a fresh stream, and the state is online again at once', async () => {
    const platform = createFakePlatform({ networkEvents: false });
    let tell: ((online: boolean) => void) | undefined;
    const watch = platform.onNetworkChange!;
    platform.onNetworkChange = (listener) => {
      tell = listener;
      return watch(listener);
    };
    const client = clientOn(platform);
    const connection = record(client, 'connection');
    await client.start();
    await vi.waitFor(() => expect(platform.streams[0]?.closed).toBe(false));
    await vi.advanceTimersByTimeAsync(0);
    // The browser says offline, then online; the stream itself never noticed.
    tell!(false);
    tell!(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(connection).toEqual(['online', 'offline', 'online']);
    expect(platform.streams).toHaveLength(2);
    expect(platform.streams[0]!.closed).toBe(true);
    platform.publish('message.created', phoneMessage('msg_1', 'after the blip'));
    await vi.advanceTimersByTimeAsync(100);
    expect(client.getState().connection).toBe('online');
    client.close();
  });

  it('emits each message once, whether it comes from the send answer or the stream', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const messages = record(client, 'message');
    await client.start();
    await vi.waitFor(() => expect(platform.streams).toHaveLength(1));
    await client.send('你好');
    await vi.advanceTimersByTimeAsync(0);
    expect(messages.map((m) => [m.author.type, m.text])).toEqual([
      ['customer', '你好'],
      ['bot', 're: 你好'],
    ]);
    client.close();
  });

  it('reconnects with the new token after identify()', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    await client.start();
    await vi.waitFor(() => expect(platform.streams).toHaveLength(1));
    await client.identify('token-of-user-42');
    await vi.waitFor(() => expect(platform.streams).toHaveLength(2));
    expect(platform.streams[0]!.closed).toBe(true);
    expect(platform.streams[1]!.request.token).toBe('st_2');
    client.close();
    expect(platform.streams[1]!.closed).toBe(true);
  });
});

describe('the connection state', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  const networkDown = () => {
    throw new TypeError('Failed to fetch');
  };

  it('comes back online with the next acknowledged send when the stream outlived the blip', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform);
    const connection = record(client, 'connection');
    await client.start();
    await vi.waitFor(() => expect(platform.streams[0]?.closed).toBe(false));
    platform.routeOnce('POST', '/v1/messages', networkDown);
    platform.routeOnce('POST', '/v1/messages', networkDown);
    const sent = client.send('还在吗');
    await vi.advanceTimersByTimeAsync(0);
    expect(connection).toEqual(['online', 'offline']);
    await vi.advanceTimersByTimeAsync(5_000);
    await sent;
    // Two failures told once; the stream never dropped, yet the state is online again.
    expect(connection).toEqual(['online', 'offline', 'online']);
    expect(platform.streams).toHaveLength(1);
    expect(client.getState().connection).toBe('online');
    client.close();
  });

  it('long-polling: a failed poll says offline once, the next answered poll says online once', async () => {
    const platform = createFakePlatform({ stream: false });
    const client = clientOn(platform);
    const connection = record(client, 'connection');
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(connection).toEqual(['online']);
    const polls = platform.callsTo('GET', '/v1/updates').length;
    platform.route('GET', '/v1/updates', networkDown);
    platform.publish('typing', { conversationId: 'con_1', author: { type: 'bot' }, typing: true });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(platform.callsTo('GET', '/v1/updates').length).toBeGreaterThan(polls + 2);
    expect(connection).toEqual(['online', 'offline']);
    platform.route('GET', '/v1/updates', platform.defaultHandler);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(connection).toEqual(['online', 'offline', 'online']);
    client.close();
  });

  it('any answered request ends offline, even with realtime off; close() leaves it offline for good', async () => {
    const platform = createFakePlatform();
    const client = clientOn(platform, { realtime: false });
    const connection = record(client, 'connection');
    platform.setOnline(false);
    await client.start().catch(() => {});
    await client.timeline().catch(() => {});
    expect(connection).toEqual([]); // it starts offline: nothing changed
    platform.setOnline(true);
    await client.timeline();
    expect(connection).toEqual(['online']);
    const late = client.track('after_close');
    client.close();
    await late.catch(() => {});
    expect(connection).toEqual(['online', 'offline']);
    expect(client.getState().connection).toBe('offline');
  });
});
