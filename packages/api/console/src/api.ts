import { createParser } from 'eventsource-parser';

/** An error answer of the API: `{"error":{"code","message","issues"?}}` with its HTTP status. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** With `validation_failed`: what is wrong with each field, in the API's words. */
    readonly issues: { path: (string | number)[]; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface ConsoleApi {
  token: string;
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/**
 * JSON calls to the API this page was served from, with the agent token. `onUnauthorized` runs on
 * any 401 (token revoked, expired, or the agent deactivated), whichever call meets it first.
 */
export function createConsoleApi(token: string, base = '', onUnauthorized?: () => void): ConsoleApi {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    // JSON; a CSV export is returned as its text.
    let json: ReturnType<typeof JSON.parse> = text || undefined;
    try {
      json = JSON.parse(text);
    } catch {}
    if (response.status === 401) onUnauthorized?.();
    if (!response.ok)
      throw new ConsoleApiError(
        response.status,
        json?.error?.code ?? 'http_error',
        json?.error?.message ?? `HTTP ${response.status}`,
        json?.error?.issues,
      );
    return json as T;
  }
  return {
    token,
    get: (path) => request('GET', path),
    send: (method, path, body) => request(method, path, body),
  };
}

export async function signInWithPassword(app: string, email: string, password: string) {
  const response = await fetch('/v1/agent/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app, email, password }),
  });
  const json = await response.json().catch(() => undefined);
  if (!response.ok)
    throw new ConsoleApiError(response.status, json?.error?.code ?? 'http_error', json?.error?.message ?? '');
  return json as { token: string };
}

export interface StreamEvent {
  id: string;
  type: string;
  data: unknown;
}

/**
 * An SSE stream over fetch (EventSource cannot send the Authorization header), parsed by
 * eventsource-parser. Reconnects with the last event id (`url(lastId)` builds the address), so
 * nothing is missed or repeated; backs off up to 10 s. A 401 ends it (token revoked or expired).
 */
export function openEventStream(
  api: ConsoleApi,
  url: (lastId: string | undefined) => string,
  handlers: {
    onEvent(event: StreamEvent): void;
    /** `busy`: the server refused another stream for this token (too many tabs open); retrying. */
    onState(state: 'live' | 'reconnecting' | 'busy'): void;
    onUnauthorized(): void;
  },
  after?: string,
) {
  let lastId = after;
  let closed = false;
  let controller: AbortController | undefined;
  let delay = 500;

  async function connect() {
    while (!closed) {
      controller = new AbortController();
      try {
        const response = await fetch(url(lastId), {
          headers: { authorization: `Bearer ${api.token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (response.status === 401) {
          handlers.onUnauthorized();
          return;
        }
        if (response.status === 429) {
          // The token's open streams are at their limit (one per console tab): say so, keep trying
          // (another tab closing frees a slot).
          await response.body?.cancel();
          handlers.onState('busy');
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 10_000);
          continue;
        }
        if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
        handlers.onState('live');
        delay = 500;
        const parser = createParser({
          onEvent(message) {
            if (message.id) lastId = message.id;
            let data: unknown;
            try {
              data = JSON.parse(message.data);
            } catch {
              return;
            }
            handlers.onEvent({ id: message.id ?? '', type: message.event ?? 'message', data });
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Network loss or abort: fall through to the reconnect below.
      }
      if (closed) return;
      handlers.onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
  void connect();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}

/** The agent event stream (`/v1/agent/stream`), resumed after the last event id. */
export const openAgentStream = (
  api: ConsoleApi,
  handlers: Parameters<typeof openEventStream>[2],
  after?: string,
) =>
  openEventStream(
    api,
    (lastId) => `/v1/agent/stream${lastId ? `?after=${encodeURIComponent(lastId)}` : ''}`,
    handlers,
    after,
  );
