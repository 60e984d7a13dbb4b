import type {
  AbortSignalLike,
  Platform,
  PlatformStorage,
  StreamHandle,
  StreamHandlers,
  StreamRequest,
} from '@threadline/sdk-core';
import { createBrowserStorage } from './browser-storage';
import { createSharedStream } from './shared-stream';

export interface WebPlatformOptions {
  /** Defaults to the page's `fetch`. */
  fetch?: typeof fetch;
  /** Defaults to localStorage (shared by the tabs, send queue included), falling back to memory. */
  storage?: PlatformStorage;
  /**
   * Tabs sharing this key — and speaking for the same customer — share one realtime stream (Web
   * Locks + BroadcastChannel). `false` gives every tab its own stream.
   */
  tabKey?: string | false;
}

function toAbortSignal(signal: AbortSignalLike): AbortSignal {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort());
  return controller.signal;
}

/** SSE over fetch, so the session token travels in a header rather than the URL. */
function createFetchStream(doFetch: typeof fetch) {
  return (request: StreamRequest, handlers: StreamHandlers): StreamHandle => {
    const controller = new AbortController();
    let done = false;
    const end = (error?: unknown) => {
      if (done) return;
      done = true;
      handlers.onClose(error);
    };
    (async () => {
      const response = await doFetch(request.url, {
        headers: { Accept: 'text/event-stream', ...request.headers },
        signal: controller.signal,
        cache: 'no-store',
      });
      handlers.onOpen({ status: response.status, headers: response.headers });
      if (!response.ok || !response.body) return end();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        const text = decoder.decode(value, { stream: true });
        if (text && !done) handlers.onText(text);
      }
      end();
    })().catch((error: unknown) => end(controller.signal.aborted ? undefined : error));
    return {
      close() {
        done = true;
        controller.abort();
      },
    };
  };
}

/** The browser as a Threadline platform: fetch, localStorage, fetch-streamed SSE, online/offline. */
export function createWebPlatform(options: WebPlatformOptions = {}): Platform {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const stream = createFetchStream(doFetch);
  const nav = globalThis.navigator as Navigator | undefined;
  return {
    async request(request) {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: toAbortSignal(request.signal),
        cache: 'no-store',
      });
      return { status: response.status, headers: response.headers, text: () => response.text() };
    },
    storage: options.storage ?? createBrowserStorage(),
    // Tabs share localStorage, so they share the send queue: one writes or flushes it at a time.
    lock(name, fn) {
      const locks = nav?.locks;
      if (!locks) return fn();
      let ran = false;
      const run = () => {
        ran = true;
        return fn();
      };
      // A browser that refuses the lock (e.g. an opaque origin) still sends, unlocked.
      return locks.request(name, run).catch((error: unknown) => {
        if (ran) throw error;
        return fn();
      }) as ReturnType<typeof fn>;
    },
    openStream(request, handlers) {
      const tabKey = options.tabKey ?? new URL(request.url, globalThis.location?.href).pathname;
      // Without knowing whose events these are, a stream is never shared.
      if (tabKey === false || !request.scope) return stream(request, handlers);
      // Keyed by the person: a tab that logged out or signed in as someone else never reads (or
      // relays to) another person's stream, and opens its own.
      return createSharedStream(`threadline-stream:${tabKey}:${request.scope}`, stream)(request, handlers);
    },
    onNetworkChange(listener) {
      if (typeof addEventListener !== 'function') return () => {};
      const online = () => listener(true);
      const offline = () => listener(false);
      addEventListener('online', online);
      addEventListener('offline', offline);
      return () => {
        removeEventListener('online', online);
        removeEventListener('offline', offline);
      };
    },
    onStorageChange(listener) {
      if (typeof addEventListener !== 'function' || options.storage) return () => {};
      // Fired in every other tab of this origin when one writes localStorage (never in the writer).
      const changed = (event: StorageEvent) => {
        if (event.key) listener(event.key);
      };
      addEventListener('storage', changed);
      return () => removeEventListener('storage', changed);
    },
    device: {
      platform: 'web',
      ...(nav?.userAgent ? { userAgent: nav.userAgent.slice(0, 512) } : {}),
      ...(nav?.language ? { locale: nav.language.slice(0, 35) } : {}),
    },
  };
}
