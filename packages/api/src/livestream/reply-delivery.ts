import { createHmac } from 'node:crypto';
import { and, asc, eq, lte, notInArray } from 'drizzle-orm';
import type { ServiceDeps } from '../platform/deps';
import { postOutbound } from '../platform/outbound';
import { liveSettingsOf } from './rooms';
import { liveReplies } from './schema';

/** Seconds before each retry; after the last the reply is marked failed. */
const BACKOFF_SEC = [1, 5, 30, 120, 600, 1800];
const TIMEOUT_MS = 5000;
/** A claimed reply is not picked up again by another process for this long. */
const LEASE_MS = 60_000;
const PER_RUN = 100;
/** Rooms whose callbacks are called at the same time, at most. */
const MAX_ROOMS_IN_FLIGHT = 16;
const MAX_SLEEP_MS = 30_000;

/** `Threadline-Signature` for a body, as for webhooks (SPEC §9b): `t=<unix s>,v1=<hex HMAC-SHA256>`. */
export function signReply(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * The reply callback's outbox worker: room answers and pins are rows written in the same
 * transaction as the round; this posts them after the commit, signed, and retries failures with
 * backoff (1 s … 30 min, 6 retries) from the table — so a crash or restart loses nothing, and a
 * connector sees at most a repeat it can drop by `Threadline-Event-Id`. Calls go through
 * `postOutbound`: public addresses only (unless the server allows private callbacks), no redirects
 * followed, 5 s for the whole exchange.
 */
export function createReplyDelivery(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'config' | 'logger' | 'sealer'>,
) {
  let running: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const policy = { allowPrivate: deps.config.allowPrivateCallbacks === true };

  async function deliverOne(row: typeof liveReplies.$inferSelect): Promise<void> {
    const now = deps.clock.now();
    // Claim it: another process that read the same row finds next_attempt_at moved and skips it.
    // Awaited inside the work: a drizzle query runs when awaited, and must run inside the transaction.
    const [claimed] = await deps.database.write(
      async (db) =>
        await db
          .update(liveReplies)
          .set({ nextAttemptAt: now + LEASE_MS })
          .where(
            and(
              eq(liveReplies.id, row.id),
              eq(liveReplies.status, 'pending'),
              eq(liveReplies.nextAttemptAt, row.nextAttemptAt!),
            ),
          )
          .returning({ id: liveReplies.id }),
    );
    if (!claimed) return;
    const settings = await liveSettingsOf(deps, row.appId);
    const body = JSON.stringify(row.payload);
    let error: string | null = null;
    try {
      const answer = await postOutbound(row.url!, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Threadline-Livestream/1',
          'threadline-event-id': row.id,
          ...(settings.replySecret
            ? { 'threadline-signature': signReply(settings.replySecret, body, deps.clock.now()) }
            : {}),
        },
        body,
        timeoutMs: TIMEOUT_MS,
        policy,
      });
      if (answer.status >= 300 && answer.status < 400)
        error = `HTTP ${answer.status} (redirects are not followed)`;
      else if (answer.status < 200 || answer.status >= 300) error = `HTTP ${answer.status}`;
    } catch (failure) {
      error = String((failure as Error)?.message ?? failure).slice(0, 300);
    }
    const attempts = row.attempts + 1;
    const later = deps.clock.now();
    await deps.database.write(async (db) => {
      await db
        .update(liveReplies)
        .set(
          error === null
            ? { status: 'sent', attempts, deliveredAt: later, nextAttemptAt: null, lastError: null }
            : attempts > BACKOFF_SEC.length
              ? { status: 'failed', attempts, nextAttemptAt: null, lastError: error }
              : { attempts, nextAttemptAt: later + BACKOFF_SEC[attempts - 1]! * 1000, lastError: error },
        )
        .where(eq(liveReplies.id, row.id));
    });
    if (error !== null) deps.logger.warn('room reply not delivered', { replyId: row.id, attempts, error });
  }

  /** Rooms whose replies are being posted now, each by one worker, in order. */
  const roomWorkers = new Map<string, Promise<void>>();

  /**
   * Starts a worker for every room with replies due (up to MAX_ROOMS_IN_FLIGHT at once). A room's
   * replies go out in order, one at a time; rooms go side by side, so one merchant's slow or hanging
   * callback holds up only its own room. Resolves once the workers are started; returns them.
   */
  async function scan(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    for (let pass = 0; pass < 50 && !closed && roomWorkers.size < MAX_ROOMS_IN_FLIGHT; pass++) {
      const busy = [...roomWorkers.keys()];
      const due = await deps.database.db
        .select()
        .from(liveReplies)
        .where(
          and(
            eq(liveReplies.status, 'pending'),
            lte(liveReplies.nextAttemptAt, deps.clock.now()),
            ...(busy.length > 0 ? [notInArray(liveReplies.roomId, busy)] : []),
          ),
        )
        .orderBy(asc(liveReplies.nextAttemptAt))
        .limit(PER_RUN);
      if (due.length === 0) break;
      const byRoom = new Map<string, (typeof due)[number][]>();
      for (const row of due) {
        const queue = byRoom.get(row.roomId) ?? [];
        queue.push(row);
        byRoom.set(row.roomId, queue);
      }
      for (const [roomId, rows] of byRoom) {
        if (roomWorkers.has(roomId)) continue;
        if (roomWorkers.size >= MAX_ROOMS_IN_FLIGHT) break;
        const worker = (async () => {
          for (const row of rows) if (!closed) await deliverOne(row);
        })()
          .catch((error) => deps.logger.error('room reply delivery failed', { error: String(error) }))
          .finally(() => {
            roomWorkers.delete(roomId);
            // The room may have more due (its next page, or a retry): look again.
            if (!closed) kick();
          });
        roomWorkers.set(roomId, worker);
        started.push(worker);
      }
    }
    await scheduleNext();
    return started;
  }

  async function scheduleNext(): Promise<void> {
    if (closed) return;
    // A busy room's worker looks again when it is done; the timer is for the others.
    const busy = [...roomWorkers.keys()];
    const [next] = await deps.database.db
      .select({ at: liveReplies.nextAttemptAt })
      .from(liveReplies)
      .where(
        and(
          eq(liveReplies.status, 'pending'),
          ...(busy.length > 0 ? [notInArray(liveReplies.roomId, busy)] : []),
        ),
      )
      .orderBy(asc(liveReplies.nextAttemptAt))
      .limit(1);
    if (timer) clearTimeout(timer);
    timer = null;
    if (next?.at == null) return;
    const wait = Math.min(MAX_SLEEP_MS, Math.max(50, next.at - deps.clock.now()));
    timer = setTimeout(kick, wait);
    timer.unref?.();
  }

  /** Starts a delivery pass soon (or another right after the running one). */
  function kick(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    // A pass is short: it starts room workers and returns; they run on their own. One pass at a time.
    running = scan()
      .then(() => undefined)
      .catch((error) => deps.logger.error('room reply delivery failed', { error: String(error) }))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    /** Waits for the running pass and runs one more (tests, after moving the clock). */
    async flush(): Promise<void> {
      for (let i = 0; i < 10; i++) {
        await running;
        await Promise.all(roomWorkers.values());
        if (running === null && roomWorkers.size === 0) break;
      }
      await Promise.all(await scan());
      await Promise.all(roomWorkers.values());
    },
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export type ReplyDelivery = ReturnType<typeof createReplyDelivery>;
