import type { Clock } from '../platform/clock';

export interface RateVerdict {
  allowed: boolean;
  retryAfterSec: number;
}

export interface RateLimiter {
  /** Counts one hit for `key`; says whether it is still within the limit. */
  hit(key: string): RateVerdict;
  /** Says whether one more hit would be allowed, without counting it. */
  check(key: string): RateVerdict;
}

/**
 * Fixed-window counter in process memory. Bounded: past `maxKeys` the oldest windows are
 * dropped, so an attacker spraying keys cannot grow it without limit.
 */
export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  clock: Clock;
  maxKeys?: number;
}): RateLimiter {
  const maxKeys = options.maxKeys ?? 50_000;
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string) => {
    const window = windows.get(key);
    if (window && options.clock.now() - window.start < options.windowMs) return window;
    return undefined;
  };
  const retryAfter = (start: number) =>
    Math.max(1, Math.ceil((start + options.windowMs - options.clock.now()) / 1000));
  return {
    hit(key) {
      const now = options.clock.now();
      let window = current(key);
      if (!window) {
        windows.delete(key);
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count++;
      return { allowed: window.count <= options.limit, retryAfterSec: retryAfter(window.start) };
    },
    check(key) {
      const window = current(key);
      if (!window) return { allowed: true, retryAfterSec: 0 };
      return { allowed: window.count < options.limit, retryAfterSec: retryAfter(window.start) };
    },
  };
}
