import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { and, asc, eq, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { webhookAttempts, webhookDeliveries, webhookEvents, webhooks } from '../db/schema';
import { openForCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './signing';
import {
  addressAllowed,
  guardedLookup,
  type LookupFunction,
  systemLookup,
  TargetRefusedError,
  targetPolicyOf,
} from './targets';

/**
 * The delivery worker. It takes due deliveries (heads of their conversation's queue, see
 * `webhookDeliveries`), claims each by pushing its `next_attempt_at` forward by a lease (so
 * another process, or this one after a crash, tries it again only once the lease ran out), POSTs
 * it, records the attempt and either finishes it (promoting the next delivery of that
 * conversation) or schedules a retry with exponential backoff and full jitter.
 *
 * At-least-once: a process killed between the receiver's 2xx and the COMMIT that records it
 * sends that event again after the lease — with the same `Threadline-Event-Id`.
 */

export const RESPONSE_EXCERPT_CHARS = 512;
const RESPONSE_READ_LIMIT = 16 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_BASE_MS = 10_000;
const DEFAULT_RETRY_MAX_MS = 3600_000;

export interface WebhookWorkerOptions {
  /** Deliveries in flight at once (each a different conversation). Default 8. */
  concurrency?: number;
  /**
   * At most this many of them for one webhook (default half the concurrency): a receiver that is
   * slow or hangs until the deadline holds these slots, never every slot — other merchants' and
   * other webhooks' deliveries go on meanwhile.
   */
  perWebhook?: number;
  /** How often due retries are looked for when nothing wakes the worker. Default 1 s. */
  pollMs?: number;
  /** Name resolution (tests inject one; default the system's). */
  lookup?: LookupFunction;
  /** Random in [0, 1) for jitter (tests). */
  random?: () => number;
}

/** A delivery this worker took, with its webhook (for the per-webhook cap). */
interface Claimed {
  seq: number;
  webhookId: string;
}

export interface WebhookWorker {
  /** Look for due deliveries now. */
  kick(): void;
  /** Resolves when nothing is in flight and nothing is due. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

type Deps = Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'config' | 'logger' | 'outbox'>;

interface Outcome {
  statusCode: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
}

/** The delay before retry `attempt` (1-based): base·2^(attempt−1), capped, with full jitter in its upper half. */
export function retryDelayMs(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** How long finished deliveries (and their events) stay in the log for listing and redelivery. */
export const WEBHOOK_LOG_KEEP_MS = 30 * 24 * 3600_000;

/**
 * Drops finished deliveries older than the keep period with their attempts, and events no
 * delivery refers to any more — of one app when `appId` is given (its message retention). Pending
 * deliveries are never dropped. Bounded per call (1,000 deliveries); returns how many went.
 */
export async function pruneWebhookLog(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  keepMs = WEBHOOK_LOG_KEEP_MS,
  appId?: string,
): Promise<number> {
  const cutoff = deps.clock.now() - keepMs;
  return deps.database.write(async (db) => {
    const old = await db
      .select({ seq: webhookDeliveries.seq, eventSeq: webhookDeliveries.eventSeq })
      .from(webhookDeliveries)
      .where(
        and(
          inArray(webhookDeliveries.state, ['delivered', 'failed']),
          lt(webhookDeliveries.createdAt, cutoff),
          appId === undefined ? undefined : eq(webhookDeliveries.appId, appId),
        ),
      )
      .limit(1000);
    if (old.length === 0) return 0;
    const seqs = old.map((r) => r.seq);
    await db.delete(webhookAttempts).where(inArray(webhookAttempts.deliverySeq, seqs));
    await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.seq, seqs));
    const eventSeqs = [...new Set(old.map((r) => r.eventSeq))];
    const stillUsed = new Set(
      (
        await db
          .select({ eventSeq: webhookDeliveries.eventSeq })
          .from(webhookDeliveries)
          .where(inArray(webhookDeliveries.eventSeq, eventSeqs))
      ).map((r) => r.eventSeq),
    );
    const unused = eventSeqs.filter((seq) => !stillUsed.has(seq));
    if (unused.length) await db.delete(webhookEvents).where(inArray(webhookEvents.seq, unused));
    return seqs.length;
  });
}

export function startWebhookWorker(deps: Deps, options: WebhookWorkerOptions = {}): WebhookWorker {
  const settings = deps.config.webhooks ?? {};
  const policy = targetPolicyOf(settings);
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retryBase = settings.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const retryMax = settings.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  // The lease outlives an attempt's deadline (plus time to record it), so a live attempt is never
  // taken twice; after a crash its delivery is due again once the lease runs out.
  const leaseMs = timeoutMs + 5_000;
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs ?? 1000;
  const random = options.random ?? Math.random;
  const lookup = guardedLookup(options.lookup ?? systemLookup, policy);
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
  };
  // Delivery seq → its webhook, and how many each webhook has in flight (for the per-webhook cap).
  const inFlight = new Map<number, string>();
  const perWebhook = new Map<string, number>();
  const perWebhookCap = Math.max(1, options.perWebhook ?? Math.ceil(concurrency / 2));
  const busyWebhooks = () =>
    JSON.stringify([...perWebhook].filter(([, n]) => n >= perWebhookCap).map(([id]) => id));
  // Opened signing secrets by their sealed form (a changed secret is a new key), bounded.
  const secrets = new Map<string, string>();
  const secretOf = (sealed: string) => {
    let secret = secrets.get(sealed);
    if (secret === undefined) {
      if (secrets.size >= 1000) secrets.clear();
      secret = deps.sealer.open(sealed);
      secrets.set(sealed, secret);
    }
    return secret;
  };
  let stopped = false;
  let scanning = false;
  let rescan = false;
  let idleWaiters: (() => void)[] = [];
  let timer: NodeJS.Timeout | null = null;

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(kick, pollMs);
    timer.unref?.();
  };

  /** Due heads of their queues, oldest due first; prepared (the worker runs it after every delivery). */
  const dueQuery = (db: Db) =>
    hotQuery(db, 'webhooks.worker.due', (d) =>
      d
        .select({ seq: webhookDeliveries.seq, webhookId: webhookDeliveries.webhookId })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(
          and(
            eq(webhookDeliveries.state, 'pending'),
            lte(webhookDeliveries.nextAttemptAt, slot('now')),
            eq(webhooks.enabled, true),
            // Webhooks already at their in-flight cap here wait; the others' deliveries are found.
            sql`${webhookDeliveries.webhookId} not in (select value from json_each(${slot('busy')}))`,
          ),
        )
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.seq))
        .limit(sql.placeholder('limit'))
        .prepare(),
    );

  async function dueDeliveries(limit: number, db: Db = deps.database.db) {
    return dueQuery(db).all({
      now: deps.clock.now(),
      // Room for rows in flight here and for rows past a webhook's cap.
      limit: limit + inFlight.size + concurrency,
      busy: busyWebhooks(),
    });
  }

  const claimQuery = (db: Db) =>
    hotQuery(db, 'webhooks.worker.claim', (d) =>
      d
        .update(webhookDeliveries)
        .set({ nextAttemptAt: slot('leaseUntil') })
        .where(
          and(
            eq(webhookDeliveries.seq, slot('seq')),
            eq(webhookDeliveries.state, 'pending'),
            lte(webhookDeliveries.nextAttemptAt, slot('now')),
          ),
        )
        .returning({ seq: webhookDeliveries.seq })
        .prepare(),
    );

  /** Inside a write: takes up to `room` due deliveries not in flight here (each by its lease). */
  async function claimIn(db: Db, room: number): Promise<Claimed[]> {
    if (room <= 0) return [];
    const taken = new Map(perWebhook);
    const due: Claimed[] = [];
    for (const row of await dueDeliveries(room, db)) {
      if (due.length === room) break;
      if (inFlight.has(row.seq) || (taken.get(row.webhookId) ?? 0) >= perWebhookCap) continue;
      taken.set(row.webhookId, (taken.get(row.webhookId) ?? 0) + 1);
      due.push(row);
    }
    const now = deps.clock.now();
    const claimed: Claimed[] = [];
    for (const row of due) {
      const [won] = await claimQuery(db).all({ seq: row.seq, now, leaseUntil: now + leaseMs });
      if (won) claimed.push(row);
    }
    return claimed;
  }

  /**
   * Takes due deliveries in one write: only one taker wins each (the lease moves
   * `next_attempt_at` past now, so another scan — here or in another process — skips it).
   */
  async function claim(room: number): Promise<{ claimed: Claimed[]; full: boolean }> {
    return deps.database.write(async (db) => {
      const claimed = await claimIn(db, room);
      return { claimed, full: claimed.length === room };
    });
  }

  /** Starts an attempt for a claimed delivery in a slot of its own. */
  function launch({ seq, webhookId }: Claimed) {
    inFlight.set(seq, webhookId);
    perWebhook.set(webhookId, (perWebhook.get(webhookId) ?? 0) + 1);
    void attempt(seq)
      .catch((error) => deps.logger.error('webhook attempt failed', { error: String(error) }))
      .finally(() => {
        land(seq);
        kick();
      });
  }

  /** The attempt of `seq` is over here: its slot (and its webhook's) is free. */
  function land(seq: number) {
    const webhookId = inFlight.get(seq);
    if (webhookId === undefined) return;
    inFlight.delete(seq);
    const left = (perWebhook.get(webhookId) ?? 1) - 1;
    if (left > 0) perWebhook.set(webhookId, left);
    else perWebhook.delete(webhookId);
  }

  async function scan() {
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = true;
    try {
      do {
        rescan = false;
        if (stopped) break;
        const room = concurrency - inFlight.size;
        if (room <= 0) break;
        // A read first: an idle poll costs no write.
        const due = (await dueDeliveries(room)).filter((d) => !inFlight.has(d.seq));
        if (stopped || due.length === 0) break;
        const { claimed, full } = await claim(Math.min(room, concurrency - inFlight.size));
        for (const row of claimed) launch(row);
        if (full) rescan = true;
      } while (rescan);
    } catch (error) {
      deps.logger.error('webhook scan failed', { error: String(error) });
    } finally {
      scanning = false;
      if (inFlight.size === 0 && idleWaiters.length > 0) void settleIdle();
      schedule();
    }
  }

  async function settleIdle() {
    const due = await dueDeliveries(1).catch(() => []);
    if (due.length === 0 && inFlight.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const done of waiters) done();
    }
  }

  async function attempt(seq: number) {
    const [row] = await hotQuery(deps.database.db, 'webhooks.worker.load', (d) =>
      d
        .select({ delivery: webhookDeliveries, event: webhookEvents, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.seq, webhookDeliveries.eventSeq))
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(eq(webhookDeliveries.seq, slot('seq')))
        .prepare(),
    ).all({ seq });
    if (!row) return; // erased or the webhook was deleted meanwhile
    const data = await openForCustomer(deps, row.event.data);
    if (data === null) {
      // The customer was erased: nothing to send; the queue moves on.
      await finish(
        row.delivery,
        { statusCode: null, latencyMs: 0, excerpt: null, error: 'erased' },
        'failed',
      );
      return;
    }
    const body = `{"id":${JSON.stringify(row.event.id)},"type":${JSON.stringify(row.event.type)},"createdAt":${JSON.stringify(new Date(row.event.createdAt).toISOString())},"data":${data}}`;
    const secret = secretOf(row.webhook.secretEnc);
    const outcome = await post(row.webhook.url, body, {
      'content-type': 'application/json',
      'user-agent': 'Threadline-Webhooks/1',
      [SIGNATURE_HEADER]: signWebhookPayload(secret, body, Math.floor(deps.clock.now() / 1000)),
      [EVENT_ID_HEADER]: row.event.id,
      'Threadline-Delivery-Id': row.delivery.id,
    });
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    if (ok) return finish(row.delivery, outcome, 'delivered', row.webhook.health);
    if (outcome.statusCode === 410) return gone(row.delivery, outcome);
    if (deps.clock.now() >= row.delivery.giveUpAt) return finish(row.delivery, outcome, 'failed');
    return retry(row.delivery, outcome);
  }

  function post(target: string, body: string, headers: Record<string, string>): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const done = (outcome: Omit<Outcome, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ ...outcome, latencyMs: elapsed() });
      };
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return done({ statusCode: null, excerpt: null, error: 'invalid URL' });
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // Literal addresses skip the look-up: check them here (the server's policy may have changed).
      if (isIP(host) !== 0 && !addressAllowed(policy, host))
        return done({ statusCode: null, excerpt: null, error: 'private address refused' });
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: url.protocol === 'https:' ? agents.https : agents.http,
          lookup: lookup as never,
        },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < RESPONSE_READ_LIMIT) text += chunk;
            // Past the limit the rest is not read: a receiver cannot make us buffer a flood.
            else res.destroy();
          });
          const end = () =>
            done({
              statusCode: res.statusCode ?? null,
              excerpt: text ? text.slice(0, RESPONSE_EXCERPT_CHARS) : null,
              error: null,
            });
          res.on('end', end);
          res.on('close', end);
          res.on('error', end);
        },
      );
      const deadline = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (error) =>
        done({
          statusCode: null,
          excerpt: null,
          error:
            error instanceof TargetRefusedError
              ? error.message
              : (error as NodeJS.ErrnoException).code
                ? `${(error as NodeJS.ErrnoException).code}: ${error.message}`.slice(0, 300)
                : error.message.slice(0, 300),
        }),
      );
      req.end(body);
    });
  }

  const attemptRow = (seq: number, outcome: Outcome) => ({
    deliverySeq: seq,
    at: deps.clock.now(),
    statusCode: outcome.statusCode,
    latencyMs: outcome.latencyMs,
    responseExcerpt: outcome.excerpt,
    error: outcome.error,
  });

  /** The next delivery of the same conversation becomes due. */
  async function promoteNext(db: Db, delivery: typeof webhookDeliveries.$inferSelect) {
    const [next] = await hotQuery(db, 'webhooks.worker.nextInQueue', (d) =>
      d
        .select({ seq: webhookDeliveries.seq })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.webhookId, slot('webhookId')),
            eq(webhookDeliveries.orderKey, slot('orderKey')),
            eq(webhookDeliveries.state, 'pending'),
            isNull(webhookDeliveries.nextAttemptAt),
          ),
        )
        .orderBy(asc(webhookDeliveries.seq))
        .limit(1)
        .prepare(),
    ).all({ webhookId: delivery.webhookId, orderKey: delivery.orderKey });
    if (next)
      await hotQuery(db, 'webhooks.worker.promote', (d) =>
        d
          .update(webhookDeliveries)
          .set({ nextAttemptAt: slot('now') })
          .where(eq(webhookDeliveries.seq, slot('seq')))
          .prepare(),
      ).run({ seq: next.seq, now: deps.clock.now() });
  }

  const insertAttempt = (db: Db, seq: number, outcome: Outcome) =>
    hotQuery(db, 'webhooks.worker.attempt', (d) =>
      d
        .insert(webhookAttempts)
        .values({
          deliverySeq: slot('deliverySeq'),
          at: slot('at'),
          statusCode: slot('statusCode'),
          latencyMs: slot('latencyMs'),
          responseExcerpt: slot('responseExcerpt'),
          error: slot('error'),
        })
        .prepare(),
    ).run(attemptRow(seq, outcome));

  async function finish(
    delivery: typeof webhookDeliveries.$inferSelect,
    outcome: Outcome,
    state: 'delivered' | 'failed',
    health: 'ok' | 'failing' = 'failing',
  ) {
    const handedOver = await deps.database.write(async (db, onCommit) => {
      const now = deps.clock.now();
      await insertAttempt(db, delivery.seq, outcome);
      const [updated] = await hotQuery(db, 'webhooks.worker.finish', (d) =>
        d
          .update(webhookDeliveries)
          .set({
            state: sql`${slot('state')}`,
            attempts: sql`${webhookDeliveries.attempts} + 1`,
            nextAttemptAt: null,
            lastStatus: slot('lastStatus'),
            lastError: slot('lastError'),
            finishedAt: slot('now'),
          })
          .where(and(eq(webhookDeliveries.seq, slot('seq')), eq(webhookDeliveries.state, 'pending')))
          .returning({ seq: webhookDeliveries.seq })
          .prepare(),
      ).all({ seq: delivery.seq, state, lastStatus: outcome.statusCode, lastError: outcome.error, now });
      if (!updated) return [];
      await promoteNext(db, delivery);
      // A success makes a failing webhook healthy (and leaves a healthy one as it is); only a
      // delivery given up makes it failing.
      if (state === 'delivered') {
        if (health === 'failing')
          await db
            .update(webhooks)
            .set({ health: 'ok', failingSince: null })
            .where(and(eq(webhooks.id, delivery.webhookId), eq(webhooks.health, 'failing')));
      } else if (outcome.error !== 'erased')
        await db
          .update(webhooks)
          .set({ health: 'failing', failingSince: sql`coalesce(${webhooks.failingSince}, ${now})` })
          .where(eq(webhooks.id, delivery.webhookId));
      // This attempt's slot goes straight to the next due delivery (the oldest due anywhere, so
      // one busy conversation gets no priority), claimed in this same write: no separate scan
      // and claim transaction per delivered event.
      const next = stopped ? [] : await claimIn(db, 1);
      onCommit(kick);
      return next;
    });
    land(delivery.seq);
    for (const row of handedOver) launch(row);
    if (state === 'failed' && outcome.error !== 'erased')
      deps.logger.warn('webhook delivery given up', { delivery: delivery.id, webhook: delivery.webhookId });
  }

  async function retry(delivery: typeof webhookDeliveries.$inferSelect, outcome: Outcome) {
    const attempts = delivery.attempts + 1;
    const at = Math.min(
      deps.clock.now() + retryDelayMs(attempts, retryBase, retryMax, random),
      // The last try lands on the give-up time rather than past it.
      Math.max(delivery.giveUpAt, deps.clock.now()),
    );
    await deps.database.write(async (db) => {
      await db.insert(webhookAttempts).values(attemptRow(delivery.seq, outcome));
      await db
        .update(webhookDeliveries)
        .set({ attempts, nextAttemptAt: at, lastStatus: outcome.statusCode, lastError: outcome.error })
        .where(and(eq(webhookDeliveries.seq, delivery.seq), eq(webhookDeliveries.state, 'pending')));
    });
  }

  /** 410 Gone: the receiver says the endpoint is no more. The webhook is disabled; nothing is dropped. */
  async function gone(delivery: typeof webhookDeliveries.$inferSelect, outcome: Outcome) {
    await deps.database.write(async (db) => {
      const now = deps.clock.now();
      await db.insert(webhookAttempts).values(attemptRow(delivery.seq, outcome));
      await db
        .update(webhookDeliveries)
        .set({
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          nextAttemptAt: now,
          lastStatus: outcome.statusCode,
          lastError: outcome.error,
        })
        .where(and(eq(webhookDeliveries.seq, delivery.seq), eq(webhookDeliveries.state, 'pending')));
      await db
        .update(webhooks)
        .set({ enabled: false, disabledReason: 'gone', updatedAt: now })
        .where(eq(webhooks.id, delivery.webhookId));
    });
    deps.logger.warn('webhook disabled: the receiver answered 410 Gone', { webhook: delivery.webhookId });
  }

  function kick() {
    if (stopped) return;
    void scan();
  }

  const unsubscribe = deps.outbox?.onNotify(kick) ?? (() => {});
  kick();
  const pruner = setInterval(
    () =>
      void pruneWebhookLog(deps).catch((error) =>
        deps.logger.error('webhook log prune failed', { error: String(error) }),
      ),
    3600_000,
  );
  pruner.unref?.();

  return {
    kick,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        kick();
      }),
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(pruner);
      if (timer) clearTimeout(timer);
      // In-flight attempts finish on their own deadline; their leases cover a restart.
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
