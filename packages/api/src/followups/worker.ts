import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { followUps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { sweepIdleConversations } from './ending';
import { type SendOutcome, sendFollowUp } from './sending';

export interface FollowUpWorkerOptions {
  /** Follow-ups read per scan (default 200). */
  batch?: number;
  /** Sends in flight at once; their writes share group commits (default 32). */
  concurrency?: number;
  /** How often due follow-ups are looked for when nothing wakes the worker (default 1 s). */
  pollMs?: number;
  /** Failed sends before a follow-up is skipped `failed` (default `FOLLOW_UP_MAX_ATTEMPTS`). */
  maxAttempts?: number;
  /** How often bot-only conversations are checked for the idle rule (default 60 s, by `deps.clock`). */
  idleSweepMs?: number;
  /** Told of every follow-up looked at (tests, logs). */
  onOutcome?: (id: string, outcome: SendOutcome) => void;
}

/** Failed sends before a follow-up is given up as `skipped / failed`. */
export const FOLLOW_UP_MAX_ATTEMPTS = 6;
/** The wait after the first failed send; it doubles per attempt (1, 2, 4, 8, 16 min), capped. */
export const FOLLOW_UP_RETRY_BASE_MS = 60_000;
const FOLLOW_UP_RETRY_MAX_MS = 3600_000;

/**
 * Records a failed send of a still-scheduled follow-up in its own transaction: `attempts` + 1 and
 * `due_at` moved out by the backoff, or `skipped / failed` once `maxAttempts` is reached. Returns
 * what happened, or null when the row is no longer scheduled (another worker settled it).
 */
export async function recordFailedAttempt(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  id: string,
  maxAttempts = FOLLOW_UP_MAX_ATTEMPTS,
): Promise<SendOutcome | null> {
  return deps.database.write(async (db) => {
    const now = deps.clock.now();
    const [row] = await db
      .select({ attempts: followUps.attempts })
      .from(followUps)
      .where(and(eq(followUps.id, id), eq(followUps.state, 'scheduled')))
      .limit(1);
    if (!row) return null;
    const attempts = row.attempts + 1;
    if (attempts >= maxAttempts) {
      await db
        .update(followUps)
        .set({ state: 'skipped', reason: 'failed', attempts, updatedAt: now })
        .where(eq(followUps.id, id));
      return { outcome: 'skipped', reason: 'failed' };
    }
    const until = now + Math.min(FOLLOW_UP_RETRY_BASE_MS * 2 ** (attempts - 1), FOLLOW_UP_RETRY_MAX_MS);
    await db.update(followUps).set({ attempts, dueAt: until, updatedAt: now }).where(eq(followUps.id, id));
    return { outcome: 'deferred', until, why: 'failed' };
  });
}

/**
 * Worker sizing from the environment, for operators and for the crash test:
 * - THREADLINE_FOLLOW_UP_BATCH — follow-ups read per scan (default 200);
 * - THREADLINE_FOLLOW_UP_CONCURRENCY — sends in flight at once (default 32).
 * Anything but a positive integer is ignored (the default applies).
 */
export function followUpWorkerOptionsFromEnv(env: NodeJS.ProcessEnv): FollowUpWorkerOptions {
  const positive = (value: string | undefined) => {
    const n = Number(value);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const batch = positive(env.THREADLINE_FOLLOW_UP_BATCH);
  const concurrency = positive(env.THREADLINE_FOLLOW_UP_CONCURRENCY);
  return { ...(batch ? { batch } : {}), ...(concurrency ? { concurrency } : {}) };
}

export interface FollowUpWorker {
  /** Look for due follow-ups now. */
  kick(): void;
  /** Resolves once nothing is due (everything due was sent, moved or skipped). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Sends due follow-ups. Nothing lives in memory: each scan reads what is due from the database,
 * and each send claims its row in its own transaction (see `sendFollowUp`), so several workers —
 * in one process or many — and a restart after a crash never send one twice or lose one.
 */
export function startFollowUpWorker(deps: ServiceDeps, options: FollowUpWorkerOptions = {}): FollowUpWorker {
  const batch = options.batch ?? 200;
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const pollMs = options.pollMs ?? 1000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? FOLLOW_UP_MAX_ATTEMPTS);
  const idleSweepMs = options.idleSweepMs ?? 60_000;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  const due = () =>
    deps.database.db
      .select({ id: followUps.id })
      .from(followUps)
      // The 'scheduled' literal (not a bound parameter) lets SQLite use the partial index follow_ups_due.
      .where(and(sql`${followUps.state} = 'scheduled'`, lte(followUps.dueAt, deps.clock.now())))
      .orderBy(asc(followUps.dueAt))
      .limit(batch);

  async function one(id: string) {
    try {
      const outcome = await sendFollowUp(deps, id);
      options.onOutcome?.(id, outcome);
    } catch (error) {
      // The send rolled back. Its own small write moves it out with backoff (or settles it
      // `failed`), so a follow-up that always fails — an app whose time zone this Node rejects, a
      // key that no longer opens — neither spins the scan nor keeps later ones from being reached.
      deps.logger.error('follow-up send failed', { followUp: id, error: String(error) });
      try {
        const outcome = await recordFailedAttempt(deps, id, maxAttempts);
        if (outcome) options.onOutcome?.(id, outcome);
      } catch (again) {
        deps.logger.error('follow-up failure not recorded', { followUp: id, error: String(again) });
      }
    }
  }

  let lastSweep = Number.NEGATIVE_INFINITY;
  async function scan() {
    // Bot-only conversations gone idle end here (see `sweepIdleConversations`), at most every
    // `idleSweepMs`, before the due follow-ups are read (one due at once goes in this scan).
    if (deps.clock.now() - lastSweep >= idleSweepMs) {
      lastSweep = deps.clock.now();
      try {
        await sweepIdleConversations(deps);
      } catch (error) {
        deps.logger.error('idle conversation sweep failed', { error: String(error) });
      }
    }
    // Bounded: each round takes at most `batch` rows and every row it takes leaves `scheduled`
    // (sent, skipped, cancelled) or moves into the future; a round that finds fewer stops.
    for (let round = 0; round < 10_000 && !stopped; round++) {
      const rows = await due();
      if (rows.length === 0) return;
      for (let i = 0; i < rows.length && !stopped; i += concurrency)
        await Promise.all(rows.slice(i, i + concurrency).map((r) => one(r.id)));
      if (rows.length < batch) return;
    }
  }

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    running = scan()
      .catch((error) => deps.logger.error('follow-up scan failed', { error: String(error) }))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        } else if (!stopped) {
          timer = setTimeout(kick, pollMs);
          timer.unref?.();
        }
      });
  }

  const unsubscribe = deps.followUps?.onScheduled(kick) ?? (() => {});
  kick();

  return {
    kick,
    async drain() {
      // Bounded: each pass sends or moves everything due at its start.
      for (let pass = 0; pass < 1000; pass++) {
        kick();
        while (running) await running;
        if ((await due()).length === 0) return;
      }
    },
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      while (running) await running;
    },
  };
}
