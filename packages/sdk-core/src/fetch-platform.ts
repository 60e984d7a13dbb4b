import { createMemoryStorage } from './memory-storage';
import type { Platform, PlatformStorage } from './platform';

/** The parts of a WHATWG `fetch` Response the platform reads. */
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body?: {
    getReader(): {
      read(): Promise<{ done: boolean; value?: Uint8Array }>;
      cancel(reason?: unknown): Promise<void>;
    };
  } | null;
}

/** Any WHATWG-style fetch: the browser's, Node's, undici's, a Hono app's `fetch`. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: unknown },
) => Promise<FetchResponseLike>;

export interface FetchPlatformOptions {
  /** Defaults to the host's global `fetch`. */
  fetch?: FetchLike;
  /** Defaults to memory (nothing survives a restart). */
  storage?: PlatformStorage;
  /** Stream SSE over fetch (needs streaming response bodies and TextDecoder). Default true. */
  stream?: boolean;
  device?: Platform['device'];
  onNetworkChange?: Platform['onNetworkChange'];
}

interface FetchHost {
  fetch?: FetchLike;
  AbortController?: new () => { signal: unknown; abort(): void };
  TextDecoder?: new () => { decode(input?: Uint8Array, options?: { stream?: boolean }): string };
}

/**
 * A platform for any host with WHATWG fetch (browsers, Node ≥ 18, Deno, Bun, workers). SSE goes
 * over fetch so the session token travels in a header, never in the URL.
 */
export function createFetchPlatform(options: FetchPlatformOptions = {}): Platform {
  const host = globalThis as unknown as FetchHost;
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => host.fetch!(url, init));

  // The core's signal is a plain object; fetch wants a real AbortSignal.
  const bridge = (signal?: { aborted: boolean; addEventListener(type: 'abort', fn: () => void): void }) => {
    if (!signal || !host.AbortController) return undefined;
    const controller = new host.AbortController();
    if (signal.aborted) controller.abort();
    else signal.addEventListener('abort', () => controller.abort());
    return controller.signal;
  };

  const platform: Platform = {
    storage: options.storage ?? createMemoryStorage(),
    device: options.device,
    onNetworkChange: options.onNetworkChange,
    request: (request) =>
      fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: bridge(request.signal),
      }),
  };

  if (options.stream !== false && host.TextDecoder && host.AbortController) {
    const { TextDecoder, AbortController } = host;
    platform.openStream = (request, handlers) => {
      const controller = new AbortController();
      let closed = false;
      (async () => {
        const response = await fetchImpl(request.url, {
          method: 'GET',
          headers: request.headers,
          signal: controller.signal,
        });
        if (closed) return;
        handlers.onOpen({ status: response.status, headers: response.headers });
        if (response.status < 200 || response.status >= 300 || !response.body) {
          if (!response.body) handlers.onClose(new Error('This fetch cannot stream response bodies.'));
          return;
        }
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        while (!closed) {
          const { done, value } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          if (text && !closed) handlers.onText(text);
        }
        if (closed) await reader.cancel().catch(() => {});
        else handlers.onClose();
      })().catch((error) => {
        if (!closed) handlers.onClose(error);
      });
      return {
        close() {
          closed = true;
          controller.abort();
        },
      };
    };
  }
  return platform;
}
