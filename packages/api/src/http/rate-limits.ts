import type { RateLimitSettings } from '@threadline/sdk-core/protocol';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../platform/errors';

/**
 * The limits every app starts with (docs/security.md explains each). Session creation, messages
 * and track are generous per address because shoppers behind one carrier NAT share an address;
 * the per-session and per-app limits are the ones that stop a script.
 */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  sessionsPerIpPerMinute: 120,
  sessionsPerAppPerMinute: 6000,
  messagesPerSessionPerMinute: 30,
  messagesPerIpPerMinute: 600,
  messagesPerAppPerMinute: 6000,
  trackPerSessionPerMinute: 120,
  trackPerIpPerMinute: 1200,
  handoffsPerSessionPerHour: 20,
  // Sessions are cheap to make: without these, per-session is no limit. At most this many codes an
  // hour keeps live short codes far below the 10⁶ space even at the longest code lifetime (24 h).
  handoffsPerIpPerHour: 300,
  handoffsPerAppPerHour: 6000,
  streamsPerSession: 4,
  streamsPerIp: 200,
  handoffClaimFailuresPerIpPerMinute: 10,
  handoffClaimFailuresPerDevicePerHour: 20,
};

type ConcurrentRule = 'streamsPerSession' | 'streamsPerIp';
/** Limits on a count of events within a fixed window. */
export type WindowRule = Exclude<keyof RateLimitSettings, ConcurrentRule>;

const WINDOW_SEC: Record<WindowRule, number> = {
  sessionsPerIpPerMinute: 60,
  sessionsPerAppPerMinute: 60,
  messagesPerSessionPerMinute: 60,
  messagesPerIpPerMinute: 60,
  messagesPerAppPerMinute: 60,
  trackPerSessionPerMinute: 60,
  trackPerIpPerMinute: 60,
  handoffsPerSessionPerHour: 3600,
  handoffsPerIpPerHour: 3600,
  handoffsPerAppPerHour: 3600,
  handoffClaimFailuresPerIpPerMinute: 60,
  handoffClaimFailuresPerDevicePerHour: 3600,
};

const WHAT: Record<keyof RateLimitSettings, string> = {
  sessionsPerIpPerMinute: 'new sessions from this address',
  sessionsPerAppPerMinute: 'new sessions for this app',
  messagesPerSessionPerMinute: 'messages from this session',
  messagesPerIpPerMinute: 'messages from this address',
  messagesPerAppPerMinute: 'messages for this app',
  trackPerSessionPerMinute: 'tracked events from this session',
  trackPerIpPerMinute: 'tracked events from this address',
  handoffsPerSessionPerHour: 'handoff codes from this session',
  handoffsPerIpPerHour: 'handoff codes from this address',
  handoffsPerAppPerHour: 'handoff codes from shoppers of this app',
  streamsPerSession: 'open streams for this session',
  streamsPerIp: 'open streams from this address',
  handoffClaimFailuresPerIpPerMinute: 'wrong handoff codes from this address',
  handoffClaimFailuresPerDevicePerHour: 'wrong handoff codes from this device',
};

export interface LimiterStoreOptions {
  keyPrefix: string;
  points: number;
  /** Window length, seconds. */
  duration: number;
}

/**
 * Where window counters live: process memory for one process, Redis (`redisLimiterStore`) for
 * several. The one place the store is chosen.
 */
export type LimiterStore = (options: LimiterStoreOptions) => RateLimiterAbstract;

export const memoryLimiterStore: LimiterStore = (options) => new RateLimiterMemory(options);

/** Where concurrent counts (open streams) live: this process's memory, or Redis (`createRedisSlots`). */
export interface SlotStore {
  /** Takes one of `limit` slots of `id`; false when all are taken. */
  take(id: string, limit: number): Promise<boolean>;
  /** Gives back one slot taken with `take`. */
  give(id: string): void;
}

export function createMemorySlots(): SlotStore {
  const open = new Map<string, number>();
  return {
    async take(id, limit) {
      const count = open.get(id) ?? 0;
      if (count >= limit) return false;
      open.set(id, count + 1);
      return true;
    },
    give(id) {
      const left = (open.get(id) ?? 1) - 1;
      if (left <= 0) open.delete(id);
      else open.set(id, left);
    },
  };
}

/** The app-level settings the limits read. */
export interface LimitedApp {
  id: string;
  settings: { rateLimits?: Partial<RateLimitSettings> };
}

export interface RateLimits {
  /** The limits in force for an app: its own settings over the server's defaults. */
  of(app: LimitedApp): RateLimitSettings;
  /** Counts one hit of `rule` for `key`; past the app's limit throws 429 `rate_limited`. */
  consume(app: LimitedApp, rule: WindowRule, key: string): Promise<void>;
  /**
   * Counts one attempt against `rule` for `key` before the attempt is made, and throws 429 when
   * the limit is used up; call the returned function to give the point back when the attempt
   * turns out not to count (a right handoff code). Counting first is what makes a limit on
   * failures hold under concurrency: checking "blocked?" and counting the failure afterwards lets
   * every guess of a burst — on one process or spread over many — pass the check before any of
   * them is counted.
   */
  reserve(app: LimitedApp, rule: WindowRule, key: string): Promise<() => Promise<void>>;
  /**
   * Takes one of the concurrent slots of `rule` for `key` (open streams); throws 429 when none is
   * left. Call the returned function once when the stream ends. Counted across processes when
   * the slots live in Redis.
   */
  acquire(app: LimitedApp, rule: ConcurrentRule, key: string): Promise<() => void>;
  /**
   * The store these counters live in, for other counters that must be shared the same way across
   * processes (failed agent sign-ins).
   */
  store: LimiterStore;
}

/** A 429 in the one envelope, with Retry-After as a header and in the body. */
export function rateLimited(what: string, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(
    'rate_limited',
    `Too many ${what}; try again in ${seconds} s.`,
    undefined,
    { 'Retry-After': String(seconds) },
    seconds,
  );
}

/** Per-app rate limits over rate-limiter-flexible counters (fixed windows). */
export function createRateLimits(
  options: { defaults?: Partial<RateLimitSettings>; store?: LimiterStore; slots?: SlotStore } = {},
): RateLimits {
  const defaults = { ...DEFAULT_RATE_LIMITS, ...options.defaults };
  const store = options.store ?? memoryLimiterStore;
  const slots = options.slots ?? createMemorySlots();
  // One limiter per rule and size: apps that tune a limit get their own counter set.
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (rule: WindowRule, points: number) => {
    const id = `${rule}:${points}`;
    let found = limiters.get(id);
    if (!found) {
      found = store({ keyPrefix: `tl:${id}`, points, duration: WINDOW_SEC[rule] });
      limiters.set(id, found);
    }
    return found;
  };
  const of = (app: LimitedApp): RateLimitSettings => ({ ...defaults, ...app.settings.rateLimits });

  return {
    of,
    store,
    async consume(app, rule, key) {
      try {
        await limiter(rule, of(app)[rule]).consume(`${app.id}:${key}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw rateLimited(WHAT[rule], error.msBeforeNext);
        throw error;
      }
    },
    async reserve(app, rule, key) {
      const counter = limiter(rule, of(app)[rule]);
      const id = `${app.id}:${key}`;
      try {
        await counter.consume(id);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw rateLimited(WHAT[rule], error.msBeforeNext);
        throw error;
      }
      let refunded = false;
      return async () => {
        if (refunded) return;
        refunded = true;
        await counter.reward(id);
      };
    },
    async acquire(app, rule, key) {
      const id = `${rule}:${app.id}:${key}`;
      if (!(await slots.take(id, of(app)[rule]))) throw rateLimited(WHAT[rule], 5_000);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        slots.give(id);
      };
    },
  };
}
