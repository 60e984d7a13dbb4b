import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { refreshHandoffSummary } from '../conversations/handoff-summary';
import type { Db } from '../db/database';
import {
  assignments,
  conversationNotes,
  conversations,
  customerEvents,
  customerPii,
  customers,
  events,
  followUps,
  handoffCodes,
  identities,
  insightCarts,
  insightContacts,
  insightConversations,
  messages,
  orders,
  sessions,
  tickets,
  unansweredQuestions,
} from '../db/schema';
import { settleContactsOf } from '../insights/contact-timeline';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, createSortableId } from '../platform/secrets';

export type CustomerRow = typeof customers.$inferSelect;

export interface IdentityInput {
  kind: string;
  value: string;
  verified: boolean;
}

const PII_KINDS = new Set(['phone', 'email']);

const E164 = /^\+[1-9]\d{5,14}$/;

/**
 * Phone numbers and emails are matched in one canonical form. Phones arrive here already in E.164
 * (`toE164` with the app's region, at every edge); anything else is refused rather than guessed.
 */
export function normalizeIdentityValue(kind: string, value: string): string {
  const trimmed = value.trim();
  if (kind === 'phone') {
    if (!E164.test(trimmed))
      throw new ApiError('invalid_phone', 'A phone identity must be a phone number (E.164).');
    return trimmed;
  }
  if (kind === 'email') return trimmed.toLowerCase();
  return trimmed;
}

/** How an identity is stored: PII as a keyed hash plus ciphertext, everything else as is. */
function storedIdentity(deps: Pick<ServiceDeps, 'sealer'>, kind: string, value: string) {
  const normal = normalizeIdentityValue(kind, value);
  if (!PII_KINDS.has(kind)) return { value: normal, valueEnc: null };
  return { value: deps.sealer.blindIndex(`${kind}:${normal}`), valueEnc: deps.sealer.seal(normal) };
}

export async function findCustomerByIdentity(
  deps: Pick<ServiceDeps, 'sealer'>,
  db: Db,
  appId: string,
  kind: string,
  value: string,
): Promise<{ customer: CustomerRow; verified: boolean } | null> {
  const stored = storedIdentity(deps, kind, value);
  const [row] = await db
    .select({ customer: customers, verified: identities.verified })
    .from(identities)
    .innerJoin(customers, eq(customers.id, identities.customerId))
    .where(and(eq(identities.appId, appId), eq(identities.kind, kind), eq(identities.value, stored.value)))
    .limit(1);
  return row ?? null;
}

export async function getCustomer(db: Db, appId: string, customerId: string): Promise<CustomerRow> {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.appId, appId)))
    .limit(1);
  if (!row) throw new ApiError('not_found', 'Customer not found.');
  return row;
}

/**
 * Follows merge aliases: an old customer id still resolves to the customer it became. One
 * implementation: `resolveCustomers` for one id (one query, as `getCustomer`); a customer that is
 * gone (erased, or a broken alias chain) is refused with `not_found`.
 */
export async function resolveCustomer(db: Db, appId: string, customerId: string): Promise<CustomerRow> {
  const found = (await resolveCustomers(db, appId, [customerId])).get(customerId);
  if (!found) throw new ApiError('not_found', 'Customer not found.');
  return found;
}

/**
 * Customers by id, merge aliases followed (one query; aliases, which are rare, are followed one hop
 * at a time, at most 16). An id whose row is gone (erased) or whose alias chain is broken (or loops) is left
 * out of the map — `resolveCustomer` refuses it — so one erased customer does not stop a bulk
 * writer's others.
 */
export async function resolveCustomers(
  db: Db,
  appId: string,
  customerIds: Iterable<string>,
): Promise<Map<string, CustomerRow>> {
  const ids = [...new Set(customerIds)];
  const found = new Map<string, CustomerRow>();
  if (ids.length === 0) return found;
  const rows = await db
    .select()
    .from(customers)
    .where(and(eq(customers.appId, appId), inArray(customers.id, ids)));
  for (const row of rows) {
    let current: CustomerRow | undefined = row;
    for (let hops = 0; current?.mergedInto && hops < 16; hops++) {
      [current] = await db
        .select()
        .from(customers)
        .where(and(eq(customers.id, current.mergedInto), eq(customers.appId, appId)))
        .limit(1);
    }
    // A broken alias chain, or one that still points on after 16 hops (a loop, from an old
    // database or an import): left out, as a gone id — never a merged-away customer (review-x).
    if (current && !current.mergedInto) found.set(row.id, current);
  }
  return found;
}

/**
 * The id a customer id stands for now: the customer it was merged into (aliases point straight at
 * the survivor), or itself — also when the row is gone (erased), which the caller's own checks meet.
 * For writes decided before they took the write lock (a request authenticated, a bot that thought
 * for a while): a merge may have committed in between, and rows written under the merged-away id
 * would be seen by nobody.
 */
export async function survivingCustomerId(db: Db, appId: string, customerId: string): Promise<string> {
  const [row] = await db
    .select({ into: customers.mergedInto })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.appId, appId)))
    .limit(1);
  return row?.into ?? customerId;
}

export async function createCustomer(
  deps: Pick<ServiceDeps, 'clock' | 'sealer'>,
  db: Db,
  appId: string,
  init: { identified: boolean; name?: string | null; identities: IdentityInput[] },
): Promise<CustomerRow> {
  const now = deps.clock.now();
  const [customer] = await db
    .insert(customers)
    .values({
      id: createSortableId('cus', now),
      appId,
      identified: init.identified,
      name: init.name ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  for (const identity of init.identities) await attachIdentity(deps, db, appId, customer!.id, identity);
  return customer!;
}

/** Adds an identity to a customer unless it is already someone's; returns the current owner. */
export async function attachIdentity(
  deps: Pick<ServiceDeps, 'clock' | 'sealer'>,
  db: Db,
  appId: string,
  customerId: string,
  identity: IdentityInput,
): Promise<string> {
  return (await attachIdentityRow(deps, db, appId, customerId, identity)).customerId;
}

/** `attachIdentity`, also saying whether the identity is new (the customer gained it just now). */
async function attachIdentityRow(
  deps: Pick<ServiceDeps, 'clock' | 'sealer'>,
  db: Db,
  appId: string,
  customerId: string,
  identity: IdentityInput,
): Promise<{ customerId: string; inserted: boolean }> {
  const stored = storedIdentity(deps, identity.kind, identity.value);
  const [inserted] = await db
    .insert(identities)
    .values({
      id: createId('idn'),
      appId,
      customerId,
      kind: identity.kind,
      value: stored.value,
      valueEnc: stored.valueEnc,
      verified: identity.verified,
      createdAt: deps.clock.now(),
    })
    .onConflictDoNothing()
    .returning({ customerId: identities.customerId });
  if (inserted) return { customerId: inserted.customerId, inserted: true };
  const [existing] = await db
    .select({ customerId: identities.customerId })
    .from(identities)
    .where(
      and(
        eq(identities.appId, appId),
        eq(identities.kind, identity.kind),
        eq(identities.value, stored.value),
      ),
    )
    .limit(1);
  return { customerId: existing!.customerId, inserted: false };
}

export async function hasExternalIdentity(db: Db, customerId: string, except?: string): Promise<boolean> {
  const rows = await db
    .select({ value: identities.value })
    .from(identities)
    .where(and(eq(identities.customerId, customerId), eq(identities.kind, 'external')));
  return rows.some((r) => r.value !== except);
}

/** Bus-only notice on `sessionTopic(id)`: the session was revoked or now speaks for someone else. */
export const SESSION_ENDED = 'session.ended';
/** The bus topic a session's open streams listen on besides their customer's. */
export const sessionTopic = (sessionId: string) => `session:${sessionId}`;

/**
 * Revokes sessions in the caller's transaction and, after COMMIT, ends their open streams. The
 * SDK renews a revoked session on its next request, with whatever the device can still prove.
 */
export async function revokeSessions(
  deps: Pick<ServiceDeps, 'clock' | 'bus'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  where: {
    appId: string;
    sessionId?: string;
    customerId?: string;
    exceptSessionId?: string;
    /** Only sessions made by claiming a handoff code. */
    viaHandoff?: boolean;
  },
): Promise<string[]> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: deps.clock.now() })
    .where(
      and(
        eq(sessions.appId, where.appId),
        isNull(sessions.revokedAt),
        where.sessionId ? eq(sessions.id, where.sessionId) : undefined,
        where.customerId ? eq(sessions.customerId, where.customerId) : undefined,
        where.exceptSessionId ? ne(sessions.id, where.exceptSessionId) : undefined,
        where.viaHandoff ? eq(sessions.viaHandoff, true) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  for (const { id } of revoked) endSessionStreams(deps, onCommit, where.appId, id);
  return revoked.map((r) => r.id);
}

/** After COMMIT, tells the session's open streams to stop (revoked, or switched to another customer). */
export function endSessionStreams(
  deps: Pick<ServiceDeps, 'bus'>,
  onCommit: (callback: () => void) => void,
  appId: string,
  sessionId: string,
): void {
  onCommit(() =>
    deps.bus.publish({ topic: sessionTopic(sessionId), id: 0, appId, type: SESSION_ENDED, data: {} }),
  );
}

/**
 * Moves everything of `fromId` to `intoId` in the caller's transaction: messages, conversations,
 * events (so cursors keep working), verified identities, tracked events and handoff codes.
 * `fromId` stays as an alias. Two open conversations become one: the newer customer keeps its
 * own and the merged-in messages join it.
 *
 * Sessions follow only when `fromId` was verified (the merchant says both are one person), and
 * then only those that proved it: a session made by claiming a handoff code is a bearer of `fromId`
 * as it was, never of the account it joins, so it is revoked. An unverified customer's sessions may
 * be anyone holding its device id or a handoff code: only `bringSessionId` (the session that proved
 * who it is) moves; the others are revoked. Anonymous device ids never move: they are never a way
 * into a verified customer.
 */
export async function mergeCustomers(
  deps: Pick<ServiceDeps, 'clock' | 'bus' | 'outbox' | 'database' | 'sealer' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  appId: string,
  fromId: string,
  intoId: string,
  options: { bringSessionId?: string } = {},
): Promise<void> {
  if (fromId === intoId) return;
  const now = deps.clock.now();
  const [from] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, fromId), eq(customers.appId, appId)));
  const [into] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, intoId), eq(customers.appId, appId)));
  if (!from || !into) throw new ApiError('not_found', 'Customer not found.');

  const open = await db
    .select()
    .from(conversations)
    .where(and(inArray(conversations.customerId, [fromId, intoId]), ne(conversations.status, 'resolved')));
  const fromOpen = open.find((c) => c.customerId === fromId);
  const intoOpen = open.find((c) => c.customerId === intoId);
  // Client message ids are unique per customer; where both used one, the merged-in message keeps
  // it with its old customer id appended, so neither message is lost.
  const takenIds = db
    .select({ id: messages.clientMessageId })
    .from(messages)
    .where(and(eq(messages.customerId, intoId), isNotNull(messages.clientMessageId)));
  await db
    .update(messages)
    .set({ clientMessageId: sql`${messages.clientMessageId} || ${`:${fromId}`}` })
    .where(and(eq(messages.customerId, fromId), inArray(messages.clientMessageId, takenIds)));
  if (fromOpen && intoOpen) {
    await db
      .update(messages)
      .set({ conversationId: intoOpen.id })
      .where(eq(messages.conversationId, fromOpen.id));
    await db
      .update(conversations)
      .set({
        status: 'resolved',
        resolvedAt: now,
        updatedAt: now,
        context: { ...fromOpen.context, mergedIntoConversation: intoOpen.id },
      })
      .where(eq(conversations.id, fromOpen.id));
    // A request for a human (or an agent already on it) made on either side is kept.
    const human = HUMAN_STAGE[fromOpen.status] > HUMAN_STAGE[intoOpen.status] ? fromOpen : intoOpen;
    // The assignment history follows: the kept owner's open stretch moves along, the other ends.
    const [kept, dropped] = human === fromOpen ? [fromOpen, intoOpen] : [intoOpen, fromOpen];
    await db
      .update(assignments)
      .set({ endedAt: now, endReason: 'merged' })
      .where(and(eq(assignments.conversationId, dropped.id), isNull(assignments.endedAt)));
    await db
      .update(assignments)
      .set({ conversationId: intoOpen.id })
      .where(and(eq(assignments.conversationId, kept.id), isNull(assignments.endedAt)));
    await db
      .update(conversations)
      .set({
        context: { ...fromOpen.context, ...intoOpen.context },
        status: human.status,
        assignedAgentId: human.assignedAgentId,
        waitingSince: human.waitingSince,
        priority: Math.max(fromOpen.priority, intoOpen.priority),
        updatedAt: now,
      })
      .where(eq(conversations.id, intoOpen.id));
  }
  await db.update(conversations).set({ customerId: intoId }).where(eq(conversations.customerId, fromId));
  await db.update(messages).set({ customerId: intoId }).where(eq(messages.customerId, fromId));
  await db.update(events).set({ customerId: intoId }).where(eq(events.customerId, fromId));
  await db
    .update(identities)
    .set({ customerId: intoId })
    .where(and(eq(identities.customerId, fromId), ne(identities.kind, 'anonymous')));
  if (from.identified) {
    await revokeSessions(deps, db, onCommit, {
      appId,
      customerId: fromId,
      viaHandoff: true,
      exceptSessionId: options.bringSessionId,
    });
    await db.update(sessions).set({ customerId: intoId }).where(eq(sessions.customerId, fromId));
  } else {
    await revokeSessions(deps, db, onCommit, {
      appId,
      customerId: fromId,
      exceptSessionId: options.bringSessionId,
    });
    if (options.bringSessionId)
      await db
        .update(sessions)
        .set({ customerId: intoId })
        .where(and(eq(sessions.id, options.bringSessionId), eq(sessions.customerId, fromId)));
  }
  await db.update(customerEvents).set({ customerId: intoId }).where(eq(customerEvents.customerId, fromId));
  await db.update(handoffCodes).set({ customerId: intoId }).where(eq(handoffCodes.customerId, fromId));
  await db.update(tickets).set({ customerId: intoId }).where(eq(tickets.customerId, fromId));
  await db
    .update(unansweredQuestions)
    .set({ customerId: intoId })
    .where(eq(unansweredQuestions.customerId, fromId));
  await db.update(orders).set({ customerId: intoId }).where(eq(orders.customerId, fromId));
  await db
    .update(conversationNotes)
    .set({ customerId: intoId })
    .where(eq(conversationNotes.customerId, fromId));
  await db.update(assignments).set({ customerId: intoId }).where(eq(assignments.customerId, fromId));
  // Follow-ups follow the person: the weekly cap, an opt-out's cancel and the list all read one id.
  await db.update(followUps).set({ customerId: intoId }).where(eq(followUps.customerId, fromId));
  // Insights' folded rows follow the person (a repeat contact after login is a repeat of the
  // anonymous one), and contacts of a conversation merged into another now belong to that one.
  await db.update(insightContacts).set({ customerId: intoId }).where(eq(insightContacts.customerId, fromId));
  await db
    .update(insightConversations)
    .set({ customerId: intoId })
    .where(eq(insightConversations.customerId, fromId));
  // The cart worth: the larger of the two, until the next cart event recomputes the joined cart.
  await db.run(sql`UPDATE ${insightCarts} SET worth = max(worth, coalesce((SELECT f.worth FROM ${insightCarts} f
    WHERE f.customer_id = ${fromId}), 0)) WHERE ${insightCarts.customerId} = ${intoId}`);
  await db.run(
    sql`UPDATE OR IGNORE ${insightCarts} SET customer_id = ${intoId} WHERE ${insightCarts.customerId} = ${fromId}`,
  );
  await db.delete(insightCarts).where(eq(insightCarts.customerId, fromId));
  if (fromOpen && intoOpen) {
    await db
      .update(insightContacts)
      .set({ conversationId: intoOpen.id })
      .where(eq(insightContacts.conversationId, fromOpen.id));
    await mergeInsightConversations(db, fromOpen.id, intoOpen.id);
  }
  // The two timelines are one person's now: contacts of one sitting join, repeats are judged again.
  await settleContactsOf(db, intoId);
  // Contact details on file: the surviving customer's own win; the merged-in fill the gaps.
  await db.run(
    sql`UPDATE OR IGNORE ${customerPii} SET customer_id = ${intoId} WHERE ${customerPii.customerId} = ${fromId}`,
  );
  await db.delete(customerPii).where(eq(customerPii.customerId, fromId));
  await db
    .update(customers)
    .set({
      attributes: { ...from.attributes, ...into.attributes },
      name: into.name ?? from.name,
      identified: into.identified || from.identified,
      updatedAt: now,
    })
    .where(eq(customers.id, intoId));
  await db.update(customers).set({ mergedInto: intoId, updatedAt: now }).where(eq(customers.id, fromId));
  // Earlier aliases of `from` now point straight at `into`.
  await db.update(customers).set({ mergedInto: intoId }).where(eq(customers.mergedInto, fromId));
  if (fromOpen && intoOpen) await refreshMergedSummary(deps, db, onCommit, fromOpen, intoOpen, now);
  await deps.outbox?.record(db, onCommit, [
    {
      appId,
      type: 'customer.merged',
      customerId: intoId,
      data: { customerId: intoId, mergedCustomerId: fromId, identified: into.identified || from.identified },
    },
  ]);
  // Open streams of `from` follow to `into`; this notice is not logged, so it has no cursor.
  onCommit(() =>
    deps.bus.publish({ topic: fromId, id: 0, appId, type: CUSTOMER_MERGED, data: { into: intoId } }),
  );
}

/**
 * Two open conversations became one: when it is with a human (queued, or an agent on it), its
 * handoff summary is built again over the joined thread, as an escalation would. Otherwise the
 * survivor keeps its own — none when the human stage came from the merged-in side (its queued
 * conversation had one), and a later escalation builds none (already queued) (review-x). Runs
 * after everything of `fromId` moved, so the open tickets and attributes read are the person's.
 * The reason and channels are those of the summary the agent was to read (the human side's).
 */
async function refreshMergedSummary(
  deps: Pick<ServiceDeps, 'clock' | 'database' | 'sealer' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  fromOpen: ConversationRow,
  intoOpen: ConversationRow,
  now: number,
) {
  const [joined] = await db.select().from(conversations).where(eq(conversations.id, intoOpen.id));
  if (!joined || HUMAN_STAGE[joined.status] < HUMAN_STAGE.queued) return;
  const human = HUMAN_STAGE[fromOpen.status] > HUMAN_STAGE[intoOpen.status] ? fromOpen : intoOpen;
  const was = human.summary ?? fromOpen.summary ?? intoOpen.summary;
  await refreshHandoffSummary(deps, db, onCommit, joined, {
    reason: was?.reason ?? 'escalation',
    fromChannel: was ? was.fromChannel : joined.lastChannel,
    toChannel: was?.toChannel ?? null,
    now,
  });
}

type ConversationRow = typeof conversations.$inferSelect;

/** How far an open conversation has moved towards a human; a merge keeps the further one. */
const HUMAN_STAGE: Record<(typeof conversations.$inferSelect)['status'], number> = {
  resolved: -1,
  bot: 0,
  queued: 1,
  assigned: 2,
};

/** Bus-only notice that a customer was merged away (never stored, never sent to clients). */
export const CUSTOMER_MERGED = 'customer.merged';

export interface VerifiedPerson {
  /** The merchant's user id (identity token `sub`, channel `externalId`). */
  externalId?: string;
  identities: IdentityInput[];
  name?: string;
  attributes?: Record<string, unknown>;
}

/**
 * Finds or creates the customer a set of verified identities points to. Customers found through
 * the other identities (phone, unionid…) are merged in only when they carry no different external
 * id: a shared phone never merges two merchant users.
 *
 * A customer that gains an identity here (a caller's record that a login names by phone becomes
 * the merchant user's account) is more than it was when someone claimed a handoff code of it: those
 * claimed sessions are revoked, all but `provedBySessionId` (the session presenting this proof).
 */
export async function upsertVerifiedCustomer(
  deps: Pick<ServiceDeps, 'clock' | 'sealer' | 'logger' | 'bus' | 'outbox' | 'database' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  appId: string,
  person: VerifiedPerson,
  options: { provedBySessionId?: string } = {},
): Promise<{ customer: CustomerRow; mergedIds: string[] }> {
  const all: IdentityInput[] = [
    ...(person.externalId ? [{ kind: 'external', value: person.externalId, verified: true }] : []),
    ...person.identities,
  ];
  if (all.length === 0) throw new ApiError('bad_request', 'A verified identity is needed.');

  // With a user id, only that id or a customer without another user id can be this person: a phone
  // or email in the token may be shared with someone else.
  const userId = person.externalId ? normalizeIdentityValue('external', person.externalId) : undefined;
  let owner: CustomerRow | null = null;
  for (const identity of all) {
    const found = await findCustomerByIdentity(deps, db, appId, identity.kind, identity.value);
    if (!found) continue;
    const candidate = await resolveCustomer(db, appId, found.customer.id);
    if (userId !== undefined && (await hasExternalIdentity(db, candidate.id, userId))) continue;
    owner = candidate;
    break;
  }
  if (!owner) {
    owner = await createCustomer(deps, db, appId, { identified: true, name: person.name, identities: [] });
  }

  const mergedIds: string[] = [];
  let gained = false;
  for (const identity of all) {
    const attached = await attachIdentityRow(deps, db, appId, owner.id, identity);
    const ownerId = attached.customerId;
    if (ownerId === owner.id) {
      gained ||= attached.inserted;
      continue;
    }
    const other = await resolveCustomer(db, appId, ownerId);
    if (other.id === owner.id) continue;
    const otherIsUser = await hasExternalIdentity(db, other.id);
    const ownerIsUser = await hasExternalIdentity(db, owner.id);
    if (otherIsUser && ownerIsUser) {
      deps.logger.warn('verified identity belongs to another merchant user; not merging', {
        kind: identity.kind,
      });
      continue;
    }
    // The merchant user's record survives; the record without a user id becomes its alias.
    const [keep, drop] = otherIsUser ? [other, owner] : [owner, other];
    await mergeCustomers(deps, db, onCommit, appId, drop.id, keep.id, {
      bringSessionId: options.provedBySessionId,
    });
    mergedIds.push(drop.id);
    gained = true;
    owner = await getCustomer(db, appId, keep.id);
  }
  if (gained)
    await revokeSessions(deps, db, onCommit, {
      appId,
      customerId: owner.id,
      viaHandoff: true,
      exceptSessionId: options.provedBySessionId,
    });

  const now = deps.clock.now();
  const attributes = { ...owner.attributes, ...(person.attributes ?? {}) };
  await db
    .update(customers)
    .set({ identified: true, name: person.name ?? owner.name, attributes, updatedAt: now })
    .where(eq(customers.id, owner.id));
  return { customer: { ...owner, identified: true, name: person.name ?? owner.name, attributes }, mergedIds };
}

/**
 * The dropped conversation's folded facts join the kept one's, as its messages just did. A fold
 * after the merge sees the dropped conversation's messages under the kept id (one conversation);
 * a fold before it had made a row for each: without this the merchant's conversation counts, AI
 * share and channel split would depend on when the fold last ran. Counts add up; where and when it
 * started, the first customer message (with its first response) and the escalation are the
 * earlier of the two. The first agent message goes along, earliest kept.
 */
async function mergeInsightConversations(db: Db, fromId: string, intoId: string) {
  await db.run(sql`UPDATE insight_conversations AS k SET
      customer_messages = k.customer_messages + f.customer_messages,
      bot_messages = k.bot_messages + f.bot_messages,
      agent_messages = k.agent_messages + f.agent_messages,
      channel = CASE WHEN f.started_at < k.started_at THEN f.channel ELSE k.channel END,
      started_at = min(k.started_at, f.started_at),
      first_response_at = CASE WHEN k.first_customer_at IS NULL
          OR (f.first_customer_at IS NOT NULL AND f.first_customer_at < k.first_customer_at)
        THEN f.first_response_at ELSE k.first_response_at END,
      first_customer_at = coalesce(min(k.first_customer_at, f.first_customer_at), k.first_customer_at, f.first_customer_at),
      escalated_at = coalesce(min(k.escalated_at, f.escalated_at), k.escalated_at, f.escalated_at)
    FROM (SELECT * FROM insight_conversations WHERE conversation_id = ${fromId}) AS f
    WHERE k.conversation_id = ${intoId}`);
  // The kept conversation not folded yet: the dropped one's row becomes its row.
  await db.run(
    sql`UPDATE OR IGNORE insight_conversations SET conversation_id = ${intoId} WHERE conversation_id = ${fromId}`,
  );
  await db.run(sql`DELETE FROM insight_conversations WHERE conversation_id = ${fromId}`);
  await db.run(sql`INSERT INTO insight_first_agent_messages (conversation_id, app_id, at)
      SELECT ${intoId}, app_id, at FROM insight_first_agent_messages WHERE conversation_id = ${fromId}
    ON CONFLICT (conversation_id) DO UPDATE SET at = min(at, excluded.at)`);
  await db.run(sql`DELETE FROM insight_first_agent_messages WHERE conversation_id = ${fromId}`);
}
