import type {
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
} from '@threadline/sdk-core/protocol';
import { and, count, desc, eq, inArray, lt } from 'drizzle-orm';
import { type AuditActor, recordAudit } from '../audit';
import { webhookAttempts, webhookDeliveries, webhookEvents, webhooks } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomSecret } from '../platform/secrets';
import { DEFAULT_RETRY_WINDOW_MS } from './outbox';
import { checkWebhookUrl, targetPolicyOf } from './targets';

type Deps = Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'config' | 'outbox'>;
type WebhookRow = typeof webhooks.$inferSelect;

/** Who changes a webhook, and from which client address (the audit log's who and from where). */
export interface WebhookChangeBy {
  actor: AuditActor;
  from?: string | null;
}
/** The merchant's backend (secret key, or the CLI); the console's supervisors pass themselves. */
const MERCHANT: WebhookChangeBy = { actor: { type: 'merchant', id: null } };

/** At most this many webhooks per app: each one multiplies every event's deliveries. */
export const MAX_WEBHOOKS_PER_APP = 20;

const policyOf = (deps: Pick<ServiceDeps, 'config'>) => targetPolicyOf(deps.config.webhooks);

/** `*` alone stands for every type; duplicates collapse. */
const normalizeEvents = (events: string[]) => (events.includes('*') ? ['*'] : [...new Set(events)].sort());

async function pendingCounts(deps: Pick<ServiceDeps, 'database'>, ids: string[]) {
  if (ids.length === 0) return new Map<string, number>();
  const rows = await deps.database.db
    .select({ webhookId: webhookDeliveries.webhookId, n: count() })
    .from(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.webhookId, ids), eq(webhookDeliveries.state, 'pending')))
    .groupBy(webhookDeliveries.webhookId);
  return new Map(rows.map((r) => [r.webhookId, r.n]));
}

const toWebhook = (row: WebhookRow, pending: number): Webhook => ({
  id: row.id,
  url: row.url,
  events: row.events,
  enabled: row.enabled,
  description: row.description,
  health: row.health,
  disabledReason: row.disabledReason,
  pendingDeliveries: pending,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

async function findWebhook(deps: Pick<ServiceDeps, 'database'>, appId: string, id: string) {
  const [row] = await deps.database.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.appId, appId)));
  if (!row) throw new ApiError('not_found', 'No such webhook.');
  return row;
}

/** Subscribes a URL; the signing secret is in the answer and never shown again. */
export async function createWebhook(
  deps: Deps,
  appId: string,
  body: CreateWebhookBody,
  by: WebhookChangeBy = MERCHANT,
) {
  const url = checkWebhookUrl(body.url, policyOf(deps));
  const secret = randomSecret('whsec', 32);
  const now = deps.clock.now();
  const row = await deps.database.write(async (db) => {
    const [{ n }] = (await db.select({ n: count() }).from(webhooks).where(eq(webhooks.appId, appId))) as [
      { n: number },
    ];
    if (n >= MAX_WEBHOOKS_PER_APP)
      throw new ApiError('conflict', `An app has at most ${MAX_WEBHOOKS_PER_APP} webhooks.`);
    const [created] = await db
      .insert(webhooks)
      .values({
        id: createId('wh'),
        appId,
        url,
        events: normalizeEvents(body.events),
        enabled: body.enabled ?? true,
        disabledReason: body.enabled === false ? 'merchant' : null,
        secretEnc: deps.sealer.seal(secret),
        description: body.description ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    // A webhook sends customers' messages to its URL: who pointed one where is audited.
    await recordAudit(deps, db, {
      appId,
      actor: by.actor,
      action: 'webhook.created',
      subject: { type: 'webhook', id: created!.id },
      details: { url, events: created!.events, from: by.from ?? null },
    });
    return created!;
  });
  return { webhook: toWebhook(row, 0), secret };
}

export async function listWebhooks(deps: Deps, appId: string) {
  const rows = await deps.database.db
    .select()
    .from(webhooks)
    .where(eq(webhooks.appId, appId))
    .orderBy(webhooks.createdAt);
  const pending = await pendingCounts(
    deps,
    rows.map((r) => r.id),
  );
  return { webhooks: rows.map((r) => toWebhook(r, pending.get(r.id) ?? 0)) };
}

export async function getWebhook(deps: Deps, appId: string, id: string) {
  const row = await findWebhook(deps, appId, id);
  const pending = await pendingCounts(deps, [id]);
  return { webhook: toWebhook(row, pending.get(id) ?? 0) };
}

/**
 * Changes a webhook. Enabling one that was disabled (by the merchant or a 410) resumes its
 * pending deliveries where they stopped.
 */
export async function updateWebhook(
  deps: Deps,
  appId: string,
  id: string,
  body: UpdateWebhookBody,
  by: WebhookChangeBy = MERCHANT,
) {
  const url = body.url === undefined ? undefined : checkWebhookUrl(body.url, policyOf(deps));
  await findWebhook(deps, appId, id);
  await deps.database.write(async (db, onCommit) => {
    await db
      .update(webhooks)
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(body.events ? { events: normalizeEvents(body.events) } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.enabled !== undefined
          ? { enabled: body.enabled, disabledReason: body.enabled ? null : 'merchant' }
          : {}),
        updatedAt: deps.clock.now(),
      })
      .where(and(eq(webhooks.id, id), eq(webhooks.appId, appId)));
    await recordAudit(deps, db, {
      appId,
      actor: by.actor,
      action: 'webhook.updated',
      subject: { type: 'webhook', id },
      details: {
        from: by.from ?? null,
        ...(url !== undefined ? { url } : {}),
        ...(body.events ? { events: normalizeEvents(body.events) } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      },
    });
    if (body.enabled) onCommit(() => deps.outbox?.notify());
  });
  return getWebhook(deps, appId, id);
}

/** Removes a webhook with its queue and delivery log. */
export async function deleteWebhook(deps: Deps, appId: string, id: string, by: WebhookChangeBy = MERCHANT) {
  await findWebhook(deps, appId, id);
  await deps.database.write(async (db) => {
    const seqs = db
      .select({ seq: webhookDeliveries.seq })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, id));
    await db.delete(webhookAttempts).where(inArray(webhookAttempts.deliverySeq, seqs));
    await db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
    await db.delete(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.appId, appId)));
    await recordAudit(deps, db, {
      appId,
      actor: by.actor,
      action: 'webhook.deleted',
      subject: { type: 'webhook', id },
      details: { from: by.from ?? null },
    });
  });
  return { deleted: true as const };
}

const LOG_ATTEMPTS = 20;

async function toDeliveries(
  deps: Pick<ServiceDeps, 'database'>,
  rows: {
    delivery: typeof webhookDeliveries.$inferSelect;
    event: { id: string; type: string; createdAt: number };
  }[],
): Promise<WebhookDelivery[]> {
  const attempts = rows.length
    ? await deps.database.db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliverySeq,
            rows.map((r) => r.delivery.seq),
          ),
        )
        .orderBy(desc(webhookAttempts.id))
    : [];
  const bySeq = new Map<number, typeof attempts>();
  for (const a of attempts) {
    const list = bySeq.get(a.deliverySeq) ?? [];
    if (list.length < LOG_ATTEMPTS) list.push(a);
    bySeq.set(a.deliverySeq, list);
  }
  return rows.map(({ delivery, event }) => ({
    id: delivery.id,
    event: { id: event.id, type: event.type, createdAt: iso(event.createdAt) },
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt:
      delivery.state === 'pending' && delivery.nextAttemptAt ? iso(delivery.nextAttemptAt) : null,
    giveUpAt: iso(delivery.giveUpAt),
    redelivery: delivery.redelivery,
    createdAt: iso(delivery.createdAt),
    finishedAt: delivery.finishedAt ? iso(delivery.finishedAt) : null,
    log: (bySeq.get(delivery.seq) ?? []).map((a) => ({
      at: iso(a.at),
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      responseExcerpt: a.responseExcerpt,
      error: a.error,
    })),
  }));
}

const deliveryColumns = {
  delivery: webhookDeliveries,
  event: { id: webhookEvents.id, type: webhookEvents.type, createdAt: webhookEvents.createdAt },
};

/** A webhook's delivery log, newest first; `before` (a cursor from `nextBefore`) walks back. */
export async function listDeliveries(
  deps: Deps,
  appId: string,
  id: string,
  query: { state?: 'pending' | 'delivered' | 'failed'; before?: string; limit: number },
) {
  await findWebhook(deps, appId, id);
  if (query.before !== undefined && !/^\d{1,15}$/.test(query.before))
    throw new ApiError('validation_failed', 'before must be a cursor returned as nextBefore.');
  const rows = await deps.database.db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.seq, webhookDeliveries.eventSeq))
    .where(
      and(
        eq(webhookDeliveries.webhookId, id),
        query.state ? eq(webhookDeliveries.state, query.state) : undefined,
        query.before !== undefined ? lt(webhookDeliveries.seq, Number(query.before)) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.seq))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return {
    deliveries: await toDeliveries(deps, page),
    nextBefore: rows.length > query.limit ? String(page.at(-1)!.delivery.seq) : null,
  };
}

/**
 * Sends a delivery's event again, as a new delivery outside its conversation's queue (a replay
 * should not wait behind, or hold up, live events). Same event id, so receivers deduplicate.
 */
export async function redeliver(
  deps: Deps,
  appId: string,
  id: string,
  deliveryId: string,
  by: WebhookChangeBy = MERCHANT,
) {
  const webhook = await findWebhook(deps, appId, id);
  const delivery = await deps.database.write(async (db, onCommit) => {
    const [original] = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhook.id)));
    if (!original) throw new ApiError('not_found', 'No such delivery for this webhook.');
    const [event] = await db.select().from(webhookEvents).where(eq(webhookEvents.seq, original.eventSeq));
    if (!event) throw new ApiError('event_expired', 'The event is no longer kept; it cannot be sent again.');
    const now = deps.clock.now();
    const newId = createId('dlv');
    const [created] = await db
      .insert(webhookDeliveries)
      .values({
        id: newId,
        appId,
        webhookId: webhook.id,
        eventSeq: original.eventSeq,
        orderKey: `r:${newId}`,
        state: 'pending',
        nextAttemptAt: now,
        giveUpAt: now + (deps.config.webhooks?.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS),
        redelivery: true,
        createdAt: now,
      })
      .returning();
    // A replay sends a customer's data once more: audited like the first subscription.
    await recordAudit(deps, db, {
      appId,
      actor: by.actor,
      action: 'webhook.redelivered',
      subject: { type: 'webhook', id: webhook.id },
      details: { delivery: original.id, event: event.id, redelivery: newId, from: by.from ?? null },
    });
    onCommit(() => deps.outbox?.notify());
    return { delivery: created!, event };
  });
  const [view] = await toDeliveries(deps, [delivery]);
  return { delivery: view! };
}
