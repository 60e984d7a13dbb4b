import type { CreateSessionBody } from './protocol/index';

/** A value or a promise of it: storage and hosts may answer either way. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The subset of `AbortSignal` the core relies on. The core makes its own (hosts such as
 * mini-programs have no `AbortController`); a fetch-based platform bridges it to a real one.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Response headers; only `get` is read (Retry-After). */
export interface PlatformHeaders {
  get(name: string): string | null | undefined;
}

/** One HTTP request as the core asks for it. Bodies are JSON text. */
export interface PlatformRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The core enforces this itself; a host with a native timeout (wx.request) may pass it on. */
  timeoutMs: number;
  /** Aborted when the core gives up on the request (timeout, close, reset). */
  signal: AbortSignalLike;
}

/** What the platform answers: any status (4xx/5xx included). Throw only when nothing came back. */
export interface PlatformResponse {
  status: number;
  headers?: PlatformHeaders;
  text(): Promise<string>;
}

/** Key-value storage, sync (localStorage, wx.*StorageSync) or async (AsyncStorage). */
export interface PlatformStorage {
  getItem(key: string): MaybePromise<string | null | undefined>;
  setItem(key: string, value: string): MaybePromise<void>;
  removeItem(key: string): MaybePromise<void>;
}

/** An SSE request: GET, the token in a header rather than the URL. */
export interface StreamRequest {
  url: string;
  headers: Record<string, string>;
  /**
   * Whose events the stream carries (the customer id). A platform that shares one stream among
   * several clients (browser tabs) shares it only among clients with the same scope.
   */
  scope?: string;
}

/** How a platform reports a stream: open once, text as it arrives, close once. */
export interface StreamHandlers {
  /** Called once with the status; for a non-2xx status the core closes the stream. */
  onOpen(response: { status: number; headers?: PlatformHeaders }): void;
  /** Decoded UTF-8 text in any split; the core parses the SSE framing. */
  onText(chunk: string): void;
  /** The stream ended or failed. Not needed after the core called `close()`. */
  onClose(error?: unknown): void;
}

export interface StreamHandle {
  close(): void;
}

/** Everything the core needs from its host. Only `request` and `storage` are required. */
export interface Platform {
  request(request: PlatformRequest): Promise<PlatformResponse>;
  storage: PlatformStorage;
  /** Streams SSE; without it the core long-polls `/v1/updates`. */
  openStream?(request: StreamRequest, handlers: StreamHandlers): StreamHandle;
  /** Reports connectivity changes so retries and reconnects happen at once; returns an unsubscribe. */
  onNetworkChange?(listener: (online: boolean) => void): () => void;
  /**
   * Reports the host app going to the background (`false`) and back (`true`), e.g. wx.onAppHide /
   * onAppShow: realtime pauses and resumes from its cursor. Returns an unsubscribe.
   */
  onAppStateChange?(listener: (active: boolean) => void): () => void;
  /**
   * Reports a key of `storage` changed by another client on the same storage (another browser tab:
   * the `storage` event), with the full key. The core follows a logout made elsewhere. Returns an
   * unsubscribe.
   */
  onStorageChange?(listener: (key: string) => void): () => void;
  /**
   * Runs `fn` holding the lock `name`, shared by every client on the same storage (browser tabs:
   * Web Locks), and returns what it returns. The send queue uses it so only one client writes or
   * flushes at a time. Without it each client only relies on the API's clientMessageId idempotency.
   */
  lock?<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Cryptographically strong random bytes; defaults to `crypto.getRandomValues` when the host has it. */
  randomBytes?(length: number): Uint8Array;
  /** Sent with every new session (platform, userAgent, locale, appVersion). */
  device?: CreateSessionBody['device'];
  now?(): number;
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}
