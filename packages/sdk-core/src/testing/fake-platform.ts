import { createMemoryStorage, type MemoryStorage } from '../memory-storage';
import type {
  AbortSignalLike,
  Platform,
  PlatformRequest,
  PlatformStorage,
  StreamHandlers,
  StreamRequest,
} from '../platform';
import type { Message, RealtimeEvent, RealtimeEventType, SendMessageAnswer } from '../protocol/index';

/** A request as the fake saw it: path and query split out, JSON body parsed. */
export interface FakeRequest {
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The bearer credential, if any. */
  token?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies of every shape without casts.
  body: any;
  /** The client's cancel signal (plain requests only). */
  signal?: AbortSignalLike;
}

export interface FakeReply {
  status?: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body`. */
  text?: string;
  headers?: Record<string, string>;
}

/** Answers one request; throwing stands for "nothing came back" (a network error). */
export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

/** A stream the client opened; the test drives it. */
export interface FakeStream {
  request: FakeRequest;
  /** Sends the status (the fake opens streams by itself unless `autoOpenStreams` is off). */
  open(status?: number): void;
  event(event: RealtimeEvent): void;
  text(chunk: string): void;
  /** The server ends the stream. */
  end(): void;
  /** The connection breaks. */
  fail(error?: unknown): void;
  /** True once the client closed it or it ended/failed. */
  readonly closed: boolean;
}

export interface FakePlatformOptions {
  storage?: PlatformStorage;
  /** Offer `openStream` (SSE); without it the client long-polls. Default true. */
  stream?: boolean;
  /** Open each stream with 200 (or 401 for a refused token) on its own. Default true. */
  autoOpenStreams?: boolean;
  /** Report network changes through `onNetworkChange`. Default true. */
  networkEvents?: boolean;
}

/** The fake API's memory, for assertions. */
export interface FakeApiState {
  /** Live session tokens and who they belong to. */
  sessions: Map<string, { customerId: string; anonymousId: string; channel: string }>;
  /** Every stored message, in order. */
  messages: Message[];
  events: RealtimeEvent[];
  /** How many times each clientMessageId was posted, retries included. */
  posts: Map<string, number>;
}

export interface FakePlatform extends Platform {
  storage: MemoryStorage | PlatformStorage;
  /** Every request, in order. */
  calls: FakeRequest[];
  /** Every stream opened, in order. */
  streams: FakeStream[];
  api: FakeApiState;
  online: boolean;
  /** Takes the network away (requests throw, streams break) or brings it back. */
  setOnline(online: boolean): void;
  /** The built-in fake API, for routes that want its answer and then something more. */
  defaultHandler: FakeHandler;
  /** Answers `method path` with `handler` from now on (until removed), ahead of the fake API. */
  route(method: string, path: string, handler: FakeHandler): () => void;
  /** Answers the next matching request only, then falls back. */
  routeOnce(method: string, path: string, handler: FakeHandler): void;
  /** Publishes a realtime event to open streams and long-polls; returns it with its id. */
  publish(type: RealtimeEventType, data: unknown): RealtimeEvent;
  /** Makes every issued session token answer 401 session_expired from now on. */
  expireSessions(): void;
  /** Calls to `method path`, e.g. `callsTo('POST', '/v1/messages')`. */
  callsTo(method: string, path: string): FakeRequest[];
}

const host = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

function parseRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): FakeRequest {
  const [withoutQuery = '', search = ''] = url.split('?');
  const path = withoutQuery.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const query: Record<string, string> = {};
  for (const pair of search.split('&').filter(Boolean)) {
    const [key = '', value = ''] = pair.split('=');
    query[decodeURIComponent(key)] = decodeURIComponent(value);
  }
  const auth = headers.authorization ?? '';
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = body;
  }
  return {
    method,
    url,
    path,
    query,
    headers,
    token: auth.startsWith('Bearer ') ? auth.slice(7) : undefined,
    body: parsed,
  };
}

const json = (status: number, body: unknown): FakeReply => ({ status, body });
const apiError = (status: number, code: string, message = code): FakeReply => ({
  status,
  body: { error: { code, message } },
});

/**
 * A scriptable platform for SDK tests: a small in-memory API (sessions, idempotent messages,
 * timeline, realtime, handoff) that records every call, with routes to override any answer, a
 * network switch and hand-driven streams.
 */
export function createFakePlatform(options: FakePlatformOptions = {}): FakePlatform {
  const storage = options.storage ?? createMemoryStorage();
  const routes: { method: string; path: string; handler: FakeHandler; once: boolean }[] = [];
  const networkListeners = new Set<(online: boolean) => void>();
  const api: FakeApiState = { sessions: new Map(), messages: [], events: [], posts: new Map() };
  const answers = new Map<string, SendMessageAnswer>();
  const waitingPolls = new Set<() => void>();
  let sessionCount = 0;
  let messageCount = 0;
  let conversationStatus: 'bot' | 'queued' = 'bot';

  const session = (request: FakeRequest) => (request.token ? api.sessions.get(request.token) : undefined);
  const eventsAfter = (after: string | undefined) =>
    api.events.filter((e) => after === undefined || Number(e.id) > Number(after));

  const fakeApi: FakeHandler = async (request) => {
    const key = `${request.method} ${request.path}`;
    if (key === 'POST /v1/sessions') {
      if (!request.token?.startsWith('pk_')) return apiError(401, 'invalid_credential');
      const token = `st_${++sessionCount}`;
      const anonymousId = request.body?.anonymousId ?? `anon${sessionCount}`.padEnd(22, '0');
      const customerId = request.body?.handoffCode
        ? 'cus_handoff'
        : request.body?.identityToken
          ? `cus_${request.body.identityToken}`
          : `cus_${anonymousId}`;
      api.sessions.set(token, { customerId, anonymousId, channel: request.body?.channel });
      return json(201, {
        sessionToken: token,
        expiresAt: '2099-01-01T00:00:00.000Z',
        anonymousId,
        session: { id: `ses_${sessionCount}`, channel: request.body?.channel },
        customer: { id: customerId, identified: Boolean(request.body?.identityToken) },
        conversation: api.messages.length ? { id: 'con_1', status: conversationStatus } : null,
        ...(request.body?.handoffCode ? { handoff: { fromChannel: 'web', conversationId: 'con_1' } } : {}),
      });
    }
    const current = session(request);
    if (!current) return apiError(401, 'session_expired', 'The session has expired; start a new one.');
    switch (key) {
      case 'POST /v1/identify': {
        const token = `st_${++sessionCount}`;
        const customerId = `cus_${request.body.identityToken}`;
        api.sessions.set(token, { ...current, customerId });
        return json(200, {
          sessionToken: token,
          expiresAt: '2099-01-01T00:00:00.000Z',
          customer: { id: customerId, identified: true },
          merged: true,
        });
      }
      case 'POST /v1/messages': {
        const id: string = request.body.clientMessageId;
        api.posts.set(id, (api.posts.get(id) ?? 0) + 1);
        const known = answers.get(id);
        if (known) return json(201, known);
        const message: Message = {
          id: `msg_${++messageCount}`,
          conversationId: 'con_1',
          channel: current.channel,
          author: { type: 'customer' },
          text: request.body.text,
          createdAt: new Date(0).toISOString(),
          clientMessageId: id,
        };
        const reply: Message = {
          id: `msg_${++messageCount}`,
          conversationId: 'con_1',
          channel: current.channel,
          author: { type: 'bot' },
          text: `re: ${request.body.text}`,
          createdAt: new Date(0).toISOString(),
        };
        api.messages.push(message, reply);
        const answer = {
          message,
          replies: [reply],
          conversation: { id: 'con_1', status: conversationStatus },
        };
        answers.set(id, answer);
        platform.publish('message.created', message);
        platform.publish('message.created', reply);
        return json(201, answer);
      }
      case 'GET /v1/timeline': {
        const limit = Number(request.query.limit ?? 50);
        const end = request.query.before
          ? api.messages.findIndex((m) => m.id === request.query.before)
          : api.messages.length;
        const start = Math.max(0, end - limit);
        return json(200, {
          messages: api.messages.slice(start, end),
          nextBefore: start > 0 ? api.messages[start]!.id : null,
        });
      }
      case 'GET /v1/updates': {
        // Like the API: no cursor means "from now on".
        const after = request.query.after || (api.events.at(-1)?.id ?? '0');
        const wait = Number(request.query.wait ?? 25);
        if (eventsAfter(after).length === 0 && wait > 0) {
          // Hold the poll like the API: until an event, the wait is over, or the client gives up.
          await new Promise<void>((resolve) => {
            const timer = host.setTimeout(done, wait * 1000);
            function done() {
              host.clearTimeout(timer);
              waitingPolls.delete(done);
              request.signal?.removeEventListener('abort', done);
              resolve();
            }
            waitingPolls.add(done);
            // A client that gives up (close, restart) frees the poll, so no timer outlives a test.
            request.signal?.addEventListener('abort', done);
          });
        }
        const events = eventsAfter(after);
        const cursor = events.at(-1)?.id ?? after;
        return json(200, { events, cursor });
      }
      case 'POST /v1/escalate':
        conversationStatus = 'queued';
        return json(200, { conversation: { id: 'con_1', status: 'queued' } });
      case 'POST /v1/track':
        return json(202, { accepted: true });
      case 'POST /v1/handoffs':
        return json(201, {
          code: 'handoff-code-0123456789',
          shortCode: '123456',
          expiresAt: '2099-01-01T00:00:00.000Z',
        });
      default:
        return apiError(404, 'not_found');
    }
  };

  const answer = async (request: FakeRequest): Promise<FakeReply> => {
    const index = routes.findIndex((r) => r.method === request.method && r.path === request.path);
    const route = routes[index];
    if (!route) return fakeApi(request);
    if (route.once) routes.splice(index, 1);
    return route.handler(request);
  };

  const networkDown = () => new TypeError('Failed to fetch (the fake network is off)');

  interface LiveStream extends FakeStream {
    handlers: StreamHandlers;
    opened: boolean;
    closed: boolean;
  }
  const live = new Set<LiveStream>();

  const platform: FakePlatform = {
    storage,
    calls: [],
    streams: [],
    api,
    online: true,
    defaultHandler: fakeApi,

    async request(raw: PlatformRequest) {
      const request = { ...parseRequest(raw.method, raw.url, raw.headers, raw.body), signal: raw.signal };
      platform.calls.push(request);
      if (!platform.online) throw networkDown();
      const reply = await answer(request);
      if (!platform.online) throw networkDown();
      const headers = new Map(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      return {
        status: reply.status ?? 200,
        headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
        text: async () => text,
      };
    },

    setOnline(online) {
      if (platform.online === online) return;
      platform.online = online;
      if (!online) for (const stream of [...live]) stream.fail(networkDown());
      if (options.networkEvents !== false) for (const listener of [...networkListeners]) listener(online);
    },

    route(method, path, handler) {
      const entry = { method, path, handler, once: false };
      routes.unshift(entry);
      return () => {
        const index = routes.indexOf(entry);
        if (index >= 0) routes.splice(index, 1);
      };
    },

    routeOnce(method, path, handler) {
      routes.unshift({ method, path, handler, once: true });
    },

    publish(type, data) {
      const event: RealtimeEvent = { id: String(api.events.length + 1), type, data };
      api.events.push(event);
      for (const stream of live) if (stream.opened) stream.event(event);
      for (const wake of [...waitingPolls]) wake();
      return event;
    },

    expireSessions() {
      api.sessions.clear();
    },

    callsTo: (method, path) => platform.calls.filter((c) => c.method === method && c.path === path),

    onNetworkChange(listener) {
      networkListeners.add(listener);
      return () => networkListeners.delete(listener);
    },
  };

  if (options.stream !== false) {
    platform.openStream = (raw: StreamRequest, handlers: StreamHandlers) => {
      const request = parseRequest('GET', raw.url, raw.headers);
      platform.calls.push(request);
      const stream: LiveStream = {
        request,
        handlers,
        opened: false,
        closed: false,
        open(status = 200) {
          if (stream.closed || stream.opened) return;
          stream.opened = status === 200;
          handlers.onOpen({ status, headers: { get: () => null } });
          if (!stream.opened) return;
          stream.text(': connected\n\n');
          const after = request.headers['last-event-id'] ?? request.query.after;
          // Like the API: without a cursor the stream starts from now.
          if (after !== undefined) for (const event of eventsAfter(after)) stream.event(event);
        },
        event(event) {
          stream.text(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
        },
        text(chunk) {
          if (!stream.closed) handlers.onText(chunk);
        },
        end() {
          if (stream.closed) return;
          stream.closed = true;
          live.delete(stream);
          handlers.onClose();
        },
        fail(error = networkDown()) {
          if (stream.closed) return;
          stream.closed = true;
          live.delete(stream);
          handlers.onClose(error);
        },
      };
      platform.streams.push(stream);
      live.add(stream);
      if (!platform.online) {
        void Promise.resolve().then(() => stream.fail());
      } else if (options.autoOpenStreams !== false) {
        void Promise.resolve().then(() => stream.open(session(request) ? 200 : 401));
      }
      return {
        close() {
          stream.closed = true;
          live.delete(stream);
        },
      };
    };
  }
  return platform;
}
