import { and, asc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import {
  events,
  insightContacts,
  insightConversations,
  insightCursors,
  insightMessageCounts,
  messages,
} from '../db/schema';
import { openAllForCustomers } from '../identity';
import type { ServiceDeps } from '../platform/deps';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'>;

/** A contact within this long after an earlier one of the same customer and intent is a repeat. */
export const REPEAT_WINDOW_MS = 72 * 3600_000;
/** Slots of the per-channel message counts: 15 min, so any real time zone's days are whole slots. */
export const SLOT_MS = 15 * 60_000;
/** Messages of one customer and intent closer than this are one contact (one matter, one sitting). */
export const SAME_CONTACT_MS = 30 * 60_000;
/** Intents that are not a matter a customer raises (a greeting repeated is no failure). */
const NOT_A_MATTER = new Set(['greeting']);
/** Rows per fold transaction: short enough that sends queue behind it for milliseconds only. */
const BATCH = 2000;
const IN_CHUNK = 400;

async function cursorOf(db: Db, source: 'messages' | 'events'): Promise<number> {
  const [row] = await db.select().from(insightCursors).where(eq(insightCursors.source, source));
  return row?.position ?? 0;
}
async function moveCursor(db: Db, source: 'messages' | 'events', position: number, now: number) {
  await db
    .insert(insightCursors)
    .values({ source, position, updatedAt: now })
    .onConflictDoUpdate({ target: insightCursors.source, set: { position, updatedAt: now } });
}

const chunks = <T>(list: T[], size = IN_CHUNK) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

type ConversationFacts = typeof insightConversations.$inferSelect;

/** Folds one batch of messages after the cursor; answers how many were folded. */
async function foldMessages(deps: Deps, db: Db): Promise<number> {
  const after = await cursorOf(db, 'messages');
  const rows = await db
    .select({
      seq: messages.seq,
      appId: messages.appId,
      customerId: messages.customerId,
      conversationId: messages.conversationId,
      channel: messages.channel,
      authorType: messages.authorType,
      intent: messages.intent,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(gt(messages.seq, after))
    .orderBy(asc(messages.seq))
    .limit(BATCH);
  if (rows.length === 0) return 0;

  // Message counts per app, slot, channel and author.
  const counts = new Map<
    string,
    { appId: string; slot: number; channel: string; authorType: string; count: number }
  >();
  for (const r of rows) {
    const slot = Math.floor(r.createdAt / SLOT_MS) * SLOT_MS;
    const key = `${r.appId}\u0000${slot}\u0000${r.channel}\u0000${r.authorType}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { appId: r.appId, slot, channel: r.channel, authorType: r.authorType, count: 1 });
  }
  for (const part of chunks([...counts.values()], 200))
    await db
      .insert(insightMessageCounts)
      .values(part)
      .onConflictDoUpdate({
        target: [
          insightMessageCounts.appId,
          insightMessageCounts.slot,
          insightMessageCounts.channel,
          insightMessageCounts.authorType,
        ],
        set: { count: sql`${insightMessageCounts.count} + excluded.count` },
      });

  // Conversation facts: the stored row (if any), advanced by this batch's messages in order.
  const ids = [...new Set(rows.map((r) => r.conversationId))];
  const facts = new Map<string, ConversationFacts>();
  for (const part of chunks(ids))
    for (const row of await db
      .select()
      .from(insightConversations)
      .where(inArray(insightConversations.conversationId, part)))
      facts.set(row.conversationId, row);
  for (const r of rows) {
    let f = facts.get(r.conversationId);
    if (!f) {
      f = {
        conversationId: r.conversationId,
        appId: r.appId,
        customerId: r.customerId,
        channel: r.channel,
        startedAt: r.createdAt,
        customerMessages: 0,
        botMessages: 0,
        agentMessages: 0,
        firstCustomerAt: null,
        firstResponseAt: null,
        escalatedAt: null,
      };
      facts.set(r.conversationId, f);
    }
    if (r.createdAt < f.startedAt) f.startedAt = r.createdAt;
    if (r.authorType === 'customer') {
      f.customerMessages++;
      f.firstCustomerAt ??= r.createdAt;
    } else if (r.authorType === 'bot' || r.authorType === 'agent') {
      if (r.authorType === 'bot') f.botMessages++;
      else f.agentMessages++;
      if (f.firstCustomerAt !== null && f.firstResponseAt === null) f.firstResponseAt = r.createdAt;
    }
  }
  for (const part of chunks([...facts.values()], 100))
    await db
      .insert(insightConversations)
      .values(part)
      .onConflictDoUpdate({
        target: insightConversations.conversationId,
        set: {
          startedAt: sql`excluded.started_at`,
          customerMessages: sql`excluded.customer_messages`,
          botMessages: sql`excluded.bot_messages`,
          agentMessages: sql`excluded.agent_messages`,
          firstCustomerAt: sql`excluded.first_customer_at`,
          firstResponseAt: sql`excluded.first_response_at`,
        },
      });

  await foldContacts(db, rows);
  await moveCursor(db, 'messages', rows[rows.length - 1]!.seq, deps.clock.now());
  return rows.length;
}

type Labelled = {
  appId: string;
  customerId: string;
  conversationId: string;
  channel: string;
  intent: string | null;
  authorType: string;
  createdAt: number;
};
type Contact = typeof insightContacts.$inferInsert;

/**
 * Contacts from the bot's labelled replies (see `insightContacts`): a labelled message extends the
 * customer's latest contact of that intent when it is less than 30 min after its last message,
 * else starts a new one — a repeat when within 72 h of that last message.
 */
async function foldContacts(db: Db, rows: Labelled[]) {
  const candidates = rows.filter(
    (r): r is Labelled & { intent: string } =>
      r.authorType === 'bot' && !!r.intent && !NOT_A_MATTER.has(r.intent),
  );
  if (candidates.length === 0) return;
  const pairOf = (c: { customerId: string; intent: string }) => `${c.customerId}\u0000${c.intent}`;
  const latest = new Map<string, Contact & { dirty?: boolean }>();
  const customers = [...new Set(candidates.map((c) => c.customerId))];
  const since = Math.min(...candidates.map((c) => c.createdAt)) - REPEAT_WINDOW_MS;
  for (const part of chunks(customers))
    for (const row of await db
      .select()
      .from(insightContacts)
      .where(and(inArray(insightContacts.customerId, part), gte(insightContacts.lastAt, since)))
      .orderBy(asc(insightContacts.at), asc(insightContacts.id)))
      latest.set(pairOf(row), row);
  const fresh: Contact[] = [];
  for (const c of candidates) {
    const pair = pairOf(c);
    const previous = latest.get(pair);
    if (previous && c.createdAt - previous.lastAt < SAME_CONTACT_MS) {
      if (c.createdAt > previous.lastAt) {
        previous.lastAt = c.createdAt;
        previous.dirty = true;
      }
      continue;
    }
    const isRepeat = !!previous && c.createdAt - previous.lastAt <= REPEAT_WINDOW_MS;
    const contact: Contact = {
      appId: c.appId,
      customerId: c.customerId,
      conversationId: c.conversationId,
      channel: c.channel,
      intent: c.intent,
      at: c.createdAt,
      lastAt: c.createdAt,
      isRepeat,
      withContext: isRepeat ? previous!.conversationId === c.conversationId : null,
    };
    fresh.push(contact);
    latest.set(pair, contact);
  }
  for (const contact of latest.values())
    if (contact.dirty && contact.id !== undefined)
      await db
        .update(insightContacts)
        .set({ lastAt: contact.lastAt })
        .where(eq(insightContacts.id, contact.id));
  for (const part of chunks(fresh, 100)) await db.insert(insightContacts).values(part);
}

/**
 * Folds one batch of the event log after its cursor: a conversation that became `queued` asked
 * for a person (the customer's request, an intent whose policy says human, the bot handing over).
 * Only `conversation.updated` payloads are opened (they are sealed with the customer's key; an
 * erased customer's no longer open and are skipped).
 */
async function foldEvents(deps: Deps, db: Db): Promise<number> {
  const after = await cursorOf(db, 'events');
  const rows = await db
    .select({
      id: events.id,
      appId: events.appId,
      customerId: events.customerId,
      createdAt: events.createdAt,
      data: sql<unknown>`case when ${events.type} = 'conversation.updated' then ${events.data} end`,
    })
    .from(events)
    .where(gt(events.id, after))
    .orderBy(asc(events.id))
    .limit(BATCH);
  if (rows.length === 0) return 0;
  const updates = rows.filter((r) => r.data !== null && r.data !== undefined);
  const raw = updates.map((r) => {
    const stored = typeof r.data === 'string' ? (JSON.parse(r.data) as unknown) : r.data;
    return typeof stored === 'string' ? stored : JSON.stringify(stored);
  });
  const opened = await openAllForCustomers(deps, raw, db);
  for (const [i, r] of updates.entries()) {
    const text = opened[i];
    if (!text) continue;
    let data: { id?: unknown; status?: unknown; channel?: unknown };
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    // The conversation left the bot for a person. Routing may hand it to a free agent inside the
    // same transaction that queued it, so the only event then says `assigned`, never `queued`:
    // both count, and the first one wins (claims and transfers later keep that time).
    if (!HUMAN_STATUSES.has(data.status as string) || typeof data.id !== 'string') continue;
    await db
      .insert(insightConversations)
      .values({
        conversationId: data.id,
        appId: r.appId,
        customerId: r.customerId,
        channel: typeof data.channel === 'string' ? data.channel : 'unknown',
        startedAt: r.createdAt,
        escalatedAt: r.createdAt,
      })
      .onConflictDoUpdate({
        target: insightConversations.conversationId,
        set: { escalatedAt: sql`coalesce(${insightConversations.escalatedAt}, excluded.escalated_at)` },
      });
  }
  await moveCursor(db, 'events', rows[rows.length - 1]!.id, deps.clock.now());
  return rows.length;
}

/** Statuses of a conversation in a person's hands, waiting or owned: reaching one is an escalation. */
const HUMAN_STATUSES = new Set(['queued', 'assigned']);

const running = new WeakMap<ServiceDeps['database'], Promise<number>>();

/**
 * Brings the rollups up to date with everything committed: batches of messages, then of the event
 * log, each in its own short transaction that also moves its cursor (so a crash mid-way repeats
 * nothing). One fold at a time per database; a caller arriving meanwhile waits for the running one
 * and then folds what is left. Bounded by `maxBatches`; answers how many rows were folded.
 */
export async function foldInsights(deps: Deps, maxBatches = 10_000): Promise<number> {
  const previous = running.get(deps.database);
  if (previous) await previous.catch(() => 0);
  const fold = (async () => {
    let folded = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await deps.database.write((db) => foldMessages(deps, db));
      folded += n;
      if (n < BATCH) break;
    }
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await deps.database.write((db) => foldEvents(deps, db));
      folded += n;
      if (n < BATCH) break;
    }
    return folded;
  })();
  running.set(deps.database, fold);
  try {
    return await fold;
  } finally {
    if (running.get(deps.database) === fold) running.delete(deps.database);
  }
}

/** Folds at start and then every `everyMs` in the background (and the retention sweep folds before deleting). */
export function startInsightsRollup(deps: Deps, everyMs = 60_000): () => void {
  const fold = () =>
    foldInsights(deps).catch((error) => deps.logger.warn('insights fold failed', { error: String(error) }));
  // At once too: after an upgrade the stored history is folded in the background, not by a reader.
  void fold();
  const timer = setInterval(fold, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
