import type { WebhookEventType } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { webhookDeliveries, webhookEvents, webhooks } from '../db/schema';
import { customerSealer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { createId } from '../platform/secrets';

type OnCommit = (callback: () => void) => void;

/** One webhook event as the change that caused it describes it. */
export interface WebhookEventInput {
  appId: string;
  type: WebhookEventType;
  /** The customer it is about: its data is sealed with that customer's key, and erase removes it. */
  customerId?: string | null;
  /** Events of one conversation are delivered in order; others never wait for them. */
  conversationId?: string | null;
  data: Record<string, unknown>;
}

/** A realtime event as `appendEvents` has it, before its customer-facing cut. */
export interface RealtimeEventLike {
  appId: string;
  customerId: string;
  type: string;
  data: unknown;
  audience?: 'customer' | 'staff';
}

/**
 * What the webhooks domain plugs into every write (`ServiceDeps.outbox`). Everything runs inside
 * the caller's transaction: an event is in the outbox exactly when its change committed.
 */
export interface WebhookOutbox {
  record(db: Db, onCommit: OnCommit, events: WebhookEventInput[]): Promise<void>;
  /** Realtime events that are also webhook events (messages, conversation and ticket changes). */
  fromRealtime(db: Db, onCommit: OnCommit, events: readonly RealtimeEventLike[]): Promise<void>;
  /** Wakes the delivery worker (after a COMMIT that added deliveries). */
  notify(): void;
  /** The worker listens here; returns the unsubscribe. */
  onNotify(listener: () => void): () => void;
}

/** Apps whose webhook subscriptions one process keeps in memory at most (then it starts over). */
const KNOWN_APPS_MAX = 10_000;

/** Where the retry window starts to count; 3 days, as Stripe. */
export const DEFAULT_RETRY_WINDOW_MS = 3 * 24 * 3600_000;

type Deps = Pick<ServiceDeps, 'clock' | 'database' | 'sealer' | 'config'>;

/** The webhook event a realtime event becomes, or null when it is not one (deltas, typing, staff). */
function webhookEventOf(event: RealtimeEventLike): WebhookEventInput | null {
  if (event.audience === 'staff') return null;
  const data = event.data as Record<string, unknown>;
  const base = { appId: event.appId, customerId: event.customerId };
  switch (event.type) {
    case 'message.created':
      return {
        ...base,
        type: 'message.created',
        conversationId: String(data.conversationId),
        data: { customerId: event.customerId, conversationId: data.conversationId, message: data },
      };
    case 'conversation.updated':
      return {
        ...base,
        type: 'conversation.updated',
        conversationId: String(data.id),
        data: { customerId: event.customerId, conversation: data },
      };
    case 'ticket.created':
    case 'ticket.updated':
      return {
        ...base,
        type: event.type,
        conversationId: (data.conversationId as string | null) ?? null,
        data: { customerId: event.customerId, ticket: data },
      };
    default:
      return null;
  }
}

export function createWebhookOutbox(deps: Deps): WebhookOutbox {
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  const retryWindowMs = () => deps.config.webhooks?.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;

  type Subscription = Readonly<{ id: string; events: readonly string[] }>;
  type Subscriptions = Map<string, readonly Subscription[]>;
  /**
   * Apps' enabled webhooks as last read, with the `webhooks` rows version they were read at
   * (`Database.rowsVersion`): a send asks for them on every write, and they change rarely. Any
   * statement of this process that may change a webhook row, and any commit of another process,
   * moves the version, so an entry is used only while it is what the table holds — in the same
   * transaction as the event it decides about. Remote databases have no version: read every time.
   */
  const known = new Map<string, { version: number; subs: readonly Subscription[] }>();
  /** The app's enabled webhooks, read once per app and write (or taken from `known`). */
  const subscriptionsOf = async (db: Db, subscribed: Subscriptions, appId: string) => {
    let subs = subscribed.get(appId);
    if (!subs) {
      const version = deps.database.rowsVersion?.('webhooks');
      const hit = version === undefined ? undefined : known.get(appId);
      if (hit && hit.version === version) {
        subs = hit.subs;
      } else {
        // A prepared statement over the app's index.
        const read = await hotQuery(db, 'webhooks.enabledOfApp', (d) =>
          d
            .select({ id: webhooks.id, events: webhooks.events })
            .from(webhooks)
            .where(and(eq(webhooks.appId, slot('appId')), eq(webhooks.enabled, true)))
            .prepare(),
        ).all({ appId });
        subs = Object.freeze(
          read.map((sub) => Object.freeze({ id: sub.id, events: Object.freeze(sub.events) })),
        );
        if (version !== undefined && deps.database.rowsVersion?.('webhooks') === version) {
          if (known.size >= KNOWN_APPS_MAX) known.clear();
          known.set(appId, { version, subs });
        }
      }
      subscribed.set(appId, subs);
    }
    return subs;
  };

  const recordFor = async (
    db: Db,
    onCommit: OnCommit,
    list: WebhookEventInput[],
    subscribed: Subscriptions = new Map(),
  ) => {
    if (list.length === 0) return;
    let added = 0;
    for (const event of list) {
      const subs = await subscriptionsOf(db, subscribed, event.appId);
      const wanted = subs.filter((s) => s.events.includes('*') || s.events.includes(event.type));
      if (wanted.length === 0) continue;
      const now = deps.clock.now();
      const id = createId('evt');
      const payload = JSON.stringify(event.data);
      const seal = event.customerId
        ? await customerSealer(deps, db, onCommit, { appId: event.appId, customerId: event.customerId })
        : null;
      const [stored] = await hotQuery(db, 'webhooks.insertEvent', (d) =>
        d
          .insert(webhookEvents)
          .values({
            id: slot('id'),
            appId: slot('appId'),
            type: slot('type'),
            customerId: slot('customerId'),
            conversationId: slot('conversationId'),
            data: slot('data'),
            createdAt: slot('createdAt'),
          })
          .returning({ seq: webhookEvents.seq })
          .prepare(),
      ).all({
        id,
        appId: event.appId,
        type: event.type,
        customerId: event.customerId ?? null,
        conversationId: event.conversationId ?? null,
        data: seal ? seal(payload) : payload,
        createdAt: now,
      });
      const orderKey = event.conversationId
        ? `c:${event.conversationId}`
        : event.customerId
          ? `u:${event.customerId}`
          : `e:${id}`;
      for (const sub of wanted) {
        // Only the oldest pending delivery of a conversation (per webhook) is due; others queue behind it.
        const [ahead] = await hotQuery(db, 'webhooks.pendingAhead', (d) =>
          d
            .select({ seq: webhookDeliveries.seq })
            .from(webhookDeliveries)
            .where(
              and(
                eq(webhookDeliveries.webhookId, slot('webhookId')),
                eq(webhookDeliveries.orderKey, slot('orderKey')),
                eq(webhookDeliveries.state, 'pending'),
              ),
            )
            .limit(1)
            .prepare(),
        ).all({ webhookId: sub.id, orderKey });
        await hotQuery(db, 'webhooks.insertDelivery', (d) =>
          d
            .insert(webhookDeliveries)
            .values({
              id: slot('id'),
              appId: slot('appId'),
              webhookId: slot('webhookId'),
              eventSeq: slot('eventSeq'),
              orderKey: slot('orderKey'),
              state: 'pending',
              nextAttemptAt: slot('nextAttemptAt'),
              giveUpAt: slot('giveUpAt'),
              createdAt: slot('createdAt'),
            })
            .prepare(),
        ).run({
          id: createId('dlv'),
          appId: event.appId,
          webhookId: sub.id,
          eventSeq: stored!.seq,
          orderKey,
          nextAttemptAt: ahead ? null : now,
          giveUpAt: now + retryWindowMs(),
          createdAt: now,
        });
        added++;
      }
    }
    if (added > 0) onCommit(notify);
  };

  return {
    record: (db, onCommit, list) => recordFor(db, onCommit, list),
    async fromRealtime(db, onCommit, events) {
      // Most apps have no webhooks: ask first, and build the webhook payloads (a copy of every
      // message) only for an app that has some (issue 18). The answer is kept for `recordFor`.
      const subscribed: Subscriptions = new Map();
      let any = false;
      for (const event of events) {
        if ((await subscriptionsOf(db, subscribed, event.appId)).length > 0) {
          any = true;
          break;
        }
      }
      if (!any) return;
      const list = events.map(webhookEventOf).filter((e): e is WebhookEventInput => e !== null);
      if (list.length > 0) await recordFor(db, onCommit, list, subscribed);
    },
    notify,
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Records webhook events when the deps carry an outbox (every app built by `createApp` does). */
export async function emitWebhookEvents(
  deps: Pick<ServiceDeps, 'outbox'>,
  db: Db,
  onCommit: OnCommit,
  events: WebhookEventInput[],
): Promise<void> {
  await deps.outbox?.record(db, onCommit, events);
}
