import { HttpError, NetworkError, TimeoutError } from './errors';

/**
 * The one place that decides whether a failed request may be tried again: network errors,
 * timeouts, 408, 429 and 5xx are transient; every other 4xx means the request itself is wrong.
 */
export function isRetryable(error: unknown): boolean {
  if (NetworkError.isInstance(error) || TimeoutError.isInstance(error)) return true;
  if (HttpError.isInstance(error)) {
    return error.status === 408 || error.status === 429 || error.status >= 500;
  }
  return false;
}

/** A 401 that a fresh session cures (as opposed to a bad key or identity token). */
export function needsNewSession(error: unknown): boolean {
  return (
    HttpError.isInstance(error) &&
    error.status === 401 &&
    (error.code === 'session_expired' || error.code === 'invalid_credential')
  );
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

/**
 * The longest a Retry-After is honoured. Longer ones (a proxy's, a far-off date) would stall sends
 * for good — and past 2^31 - 1 ms, timers fire at once, which would turn a "wait" into a storm.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, doubling up to `maxMs`; half of
 * each delay is random so many clients coming back at once do not retry in step. A server's
 * Retry-After wins when it asks for longer, up to MAX_RETRY_AFTER_MS.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  options: BackoffOptions = {},
  retryAfterMs?: number,
): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 20));
  const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return retryAfterMs !== undefined ? Math.max(delay, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)) : delay;
}

/** Reads Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
