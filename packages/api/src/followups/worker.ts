import { and, asc, lte, sql } from 'drizzle-orm';
import { followUps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { type SendOutcome, sendFollowUp } from './sending';

export interface FollowUpWorkerOptions {
  /** Follow-ups read per scan (default 200). */
  batch?: number;
  /** Sends in flight at once; their writes share group commits (default 32). */
  concurrency?: number;
  /** How often due follow-ups are looked for when nothing wakes the worker (default 1 s). */
  pollMs?: number;
  /** Told of every follow-up looked at (tests, logs). */
  onOutcome?: (id: string, outcome: SendOutcome) => void;
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
      // Left scheduled (the transaction rolled back): the next scan tries again.
      deps.logger.error('follow-up send failed', { followUp: id, error: String(error) });
    }
  }

  async function scan() {
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
