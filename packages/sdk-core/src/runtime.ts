import type { AbortSignalLike, Platform } from './platform';

/** Standard ECMAScript-host timers and crypto, typed here because the core compiles without DOM or Node types. */
interface HostGlobals {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  crypto?: { getRandomValues(array: Uint8Array): Uint8Array };
}
/**
 * The host's global object, read at call time: old WeChat base libraries have no `globalThis`, and
 * reading it while the module loads would throw before any platform could stand in.
 */
export function hostGlobals<T = HostGlobals>(): Partial<T> {
  return (typeof globalThis !== 'undefined' ? globalThis : {}) as Partial<T>;
}

/** Clock, timers and randomness: the platform's when given, else the host's, looked up at call time (so fake timers apply). */
export interface Runtime {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  /** A URL-safe random id of `length` characters, 6 random bits each (22 → 132 bits). */
  randomId(length?: number): string;
  /** Resolves after `ms`, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function createRuntime(platform: Platform): Runtime {
  const host = hostGlobals;
  const setTimer = (callback: () => void, ms: number) =>
    platform.setTimeout ? platform.setTimeout(callback, ms) : host().setTimeout!(callback, ms);
  const clearTimer = (handle: unknown) =>
    platform.clearTimeout ? platform.clearTimeout(handle) : host().clearTimeout!(handle);

  const randomBytes = (length: number): Uint8Array => {
    if (platform.randomBytes) return platform.randomBytes(length);
    const bytes = new Uint8Array(length);
    const crypto = host().crypto;
    if (crypto?.getRandomValues) return crypto.getRandomValues(bytes);
    // Last resort for hosts with no crypto at all; platforms there should supply randomBytes.
    for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return bytes;
  };

  return {
    now: () => (platform.now ? platform.now() : Date.now()),
    setTimeout: setTimer,
    clearTimeout: clearTimer,
    random: Math.random,
    randomId(length = 22) {
      let id = '';
      for (const byte of randomBytes(length)) id += BASE64URL[byte & 63];
      return id;
    },
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          clearTimer(handle);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const handle = setTimer(done, ms);
        signal?.addEventListener('abort', done);
      });
    },
  };
}

/** A cancel switch the core can make on any host (mini-programs have no AbortController). */
export interface AbortSource {
  readonly signal: AbortSignalLike;
  abort(): void;
}

export function createAbortSource(): AbortSource {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_type: 'abort', listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: 'abort', listener: () => void) => listeners.delete(listener),
  };
  return {
    signal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
  };
}
