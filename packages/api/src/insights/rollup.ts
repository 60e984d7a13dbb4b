import { and, asc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { bulkInsertWith, type RawExecute, rawExecutor, selectIn } from '../db/bulk-insert';
import type { Db } from '../db/database';
import {
  customerEvents,
  customers,
  events,
  insightCarts,
  insightContacts,
  insightConversations,
  insightCursors,
  insightMessageCounts,
  kbIntents,
} from '../db/schema';
import { openAllForCustomers } from '../identity';
import { greetingIntentOf, normalizeText } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { currentCart } from '../profile';
import {
  extendsPrevious,
  REPEAT_WINDOW_MS,
  SAME_CONTACT_MS,
  settleTimeline,
  type TimelineContact,
  writeSettled,
} from './contact-timeline';
import { foldFirstAgentMessages, foldFirstAgentMessagesIn } from './first-agent-messages';
import { createFoldThread } from './fold-thread';
import { backfillSlotTotals } from './slot-totals';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'> & {
  config?: Pick<ServiceDeps['config'], 'insights'>;
};

/** Slots of the per-channel message counts: 15 min, so any real time zone's days are whole slots. */
export const SLOT_MS = 15 * 60_000;
/** The built-in fallback's greeting (ai-responder), whatever the app's own intents are. */
const BUILT_IN_GREETING = 'greeting';
/** Rows per fold transaction: short enough that sends queue behind it for milliseconds only. */
export const FOLD_BATCH = 2000;
const BATCH = FOLD_BATCH;
/**
 * Batches of each source a reader folds before it answers: a reader never waits for a backlog (an
 * upgrade's history, another app's burst); the background worker folds the rest, and the answer
 * says how far behind it is (`asOf`, `behind`). `config.insights.readerBatches` overrides it.
 */
export const READER_BATCHES = 1;
const IN_CHUNK = 400;

type Source = 'messages' | 'events' | 'carts';

export { REPEAT_WINDOW_MS, SAME_CONTACT_MS };

async function cursorOf(db: Db, source: Source): Promise<number> {
  const [row] = await db.select().from(insightCursors).where(eq(insightCursors.source, source));
  return row?.position ?? 0;
}
async function moveCursor(db: Db, source: Source, position: number, now: number) {
  await db
    .insert(insightCursors)
    .values({ source, position, updatedAt: now })
    .onConflictDoUpdate({ target: insightCursors.source, set: { position, updatedAt: now } });
}

const chunks = <T>(list: T[], size = IN_CHUNK) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

type ConversationFacts = typeof insightConversations.$inferSelect;

/** `insight_conversations`' columns in the order the raw statements below read and write them. */
const CONVERSATION_COLUMNS = [
  'conversation_id',
  'app_id',
  'customer_id',
  'channel',
  'started_at',
  'customer_messages',
  'bot_messages',
  'agent_messages',
  'first_customer_at',
  'first_response_at',
  'escalated_at',
] as const;
/** Rows per upsert statement, largest first (a handful of texts, each prepared once). */
const UPSERT_SIZES = [64, 16, 4, 1] as const;
const upsertTexts = new Map<number, string>();

/**
 * Writes the folded facts: a new conversation's row as it is; a stored one's counts, start and
 * first times replaced (`escalated_at` is the events pass's, and the app and customer never move
 * here). Same statement as before in raw form.
 */
async function upsertConversationFacts(execute: RawExecute, facts: ConversationFacts[]) {
  let offset = 0;
  for (const size of UPSERT_SIZES) {
    let text = upsertTexts.get(size);
    if (!text) {
      const row = `(${CONVERSATION_COLUMNS.map(() => '?').join(',')})`;
      text = `insert into insight_conversations (${CONVERSATION_COLUMNS.join(', ')}) values ${Array.from({ length: size }, () => row).join(',')}
        on conflict (conversation_id) do update set channel = excluded.channel, started_at = excluded.started_at,
        customer_messages = excluded.customer_messages, bot_messages = excluded.bot_messages,
        agent_messages = excluded.agent_messages, first_customer_at = excluded.first_customer_at,
        first_response_at = excluded.first_response_at`;
      upsertTexts.set(size, text);
    }
    while (facts.length - offset >= size) {
      const args: (string | number | null)[] = [];
      for (let i = offset; i < offset + size; i++) {
        const f = facts[i]!;
        args.push(
          f.conversationId,
          f.appId,
          f.customerId,
          f.channel,
          f.startedAt,
          f.customerMessages,
          f.botMessages,
          f.agentMessages,
          f.firstCustomerAt,
          f.firstResponseAt,
          f.escalatedAt,
        );
      }
      await execute(text, args);
      offset += size;
    }
  }
}

/** True when two facts of one conversation differ at most in `customer_messages` (no index holds it). */
const sameButCustomerMessages = (a: ConversationFacts, b: ConversationFacts) =>
  a.channel === b.channel &&
  a.startedAt === b.startedAt &&
  a.botMessages === b.botMessages &&
  a.agentMessages === b.agentMessages &&
  a.firstCustomerAt === b.firstCustomerAt &&
  a.firstResponseAt === b.firstResponseAt &&
  a.escalatedAt === b.escalatedAt;

/** Folds one batch of (at most `limit`) messages after the cursor; answers how many were folded. */
async function foldMessages(deps: Pick<Deps, 'clock'>, db: Db, limit = BATCH): Promise<number> {
  const after = await cursorOf(db, 'messages');
  // Raw, fixed texts (prepared once) in this pass: a livestream minute is tens of thousands of
  // messages, and building each statement through drizzle (placeholders mapped one by one) cost
  // about as much as SQLite running it.
  const execute = rawExecutor(db);
  const read = await execute(
    `select seq, app_id, customer_id, conversation_id, channel, author_type, intent, created_at
      from messages where seq > ? order by seq limit ?`,
    [after, limit],
  );
  const rows: (Labelled & { seq: number })[] = read.rows.map((r) => ({
    seq: Number(r[0]),
    appId: r[1] as string,
    customerId: r[2] as string,
    conversationId: r[3] as string,
    channel: r[4] as string,
    authorType: r[5] as string,
    intent: (r[6] as string | null) ?? null,
    createdAt: Number(r[7]),
  }));
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
  /** Each stored row as it was read, to write back only what the batch moved. */
  const stored = new Map<string, ConversationFacts>();
  for (const r of await selectIn(
    db,
    { select: CONVERSATION_COLUMNS.join(', '), from: 'insight_conversations', column: 'conversation_id' },
    ids,
  )) {
    const row: ConversationFacts = {
      conversationId: r[0] as string,
      appId: r[1] as string,
      customerId: r[2] as string,
      channel: r[3] as string,
      startedAt: Number(r[4]),
      customerMessages: Number(r[5]),
      botMessages: Number(r[6]),
      agentMessages: Number(r[7]),
      firstCustomerAt: r[8] === null ? null : Number(r[8]),
      firstResponseAt: r[9] === null ? null : Number(r[9]),
      escalatedAt: r[10] === null ? null : Number(r[10]),
    };
    facts.set(row.conversationId, row);
    stored.set(row.conversationId, { ...row });
  }
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
    // Where and when it started come from its earliest message, whichever pass made the row: the
    // events pass may have made it first (an escalation folded before its messages), with the
    // escalation's time and the channel the conversation was on by then.
    if (f.customerMessages + f.botMessages + f.agentMessages === 0 || r.createdAt < f.startedAt) {
      f.startedAt = r.createdAt;
      f.channel = r.channel;
    }
    if (r.authorType === 'customer') {
      f.customerMessages++;
      f.firstCustomerAt ??= r.createdAt;
    } else if (r.authorType === 'bot' || r.authorType === 'agent') {
      if (r.authorType === 'bot') f.botMessages++;
      else f.agentMessages++;
      if (f.firstCustomerAt !== null && f.firstResponseAt === null) f.firstResponseAt = r.createdAt;
    }
  }
  // A stored conversation whose batch brought only more customer messages (a livestream viewer's
  // next questions, most of a room's batches) moves a column no index holds: it is set in one
  // statement for the batch. The upsert sets every column, so SQLite rewrote both of the table's
  // wide indexes for each such row (~50 µs a row in a grown file). Rows that moved anything else
  // (and new rows) are upserted as before; a row the batch did not move is not written.
  const upserts: ConversationFacts[] = [];
  const customerCounts: [conversationId: string, customerMessages: number][] = [];
  for (const f of facts.values()) {
    const was = stored.get(f.conversationId);
    if (!was || !sameButCustomerMessages(was, f)) upserts.push(f);
    else if (was.customerMessages !== f.customerMessages)
      customerCounts.push([f.conversationId, f.customerMessages]);
  }
  await upsertConversationFacts(execute, upserts);
  if (customerCounts.length > 0)
    await execute(
      `update insight_conversations set customer_messages = v.value ->> 1 from json_each(?) v
        where insight_conversations.conversation_id = v.value ->> 0`,
      [JSON.stringify(customerCounts)],
    );

  await foldContactRows(db, rows);
  await moveCursor(db, 'messages', rows[rows.length - 1]!.seq, deps.clock.now());
  return rows.length;
}

type Labelled = {
  seq?: number;
  appId: string;
  customerId: string;
  conversationId: string;
  channel: string;
  intent: string | null;
  authorType: string;
  createdAt: number;
};
type Contact = typeof insightContacts.$inferInsert & Pick<TimelineContact, 'dirty' | 'gone' | 'rejudged'>;
/**
 * What the rules read of a stored contact (and write back: its times): its pair, conversation and
 * times. The fold loads only these columns: every column of every row is handed over to JS, and
 * a livestream batch loads thousands of contacts.
 */
export type StoredContact = Pick<
  Contact,
  | 'id'
  | 'customerId'
  | 'conversationId'
  | 'intent'
  | 'at'
  | 'lastAt'
  | 'isRepeat'
  | 'withContext'
  | 'dirty'
  | 'gone'
  | 'rejudged'
>;

/**
 * Intents that are no matter a customer raises, per app, from the intents' metadata: the app's
 * greeting intent (the one bare greetings belong to, as the engine decides it) and every intent
 * whose policy is `human` (asking for a person is a way to get a matter served, not the matter:
 * asking twice is not a repeat of "human_agent"); plus the built-in fallback's `greeting`.
 */
async function notAMatter(db: Db, appIds: string[]): Promise<Map<string, Set<string>>> {
  const byApp = new Map(appIds.map((id) => [id, new Set([BUILT_IN_GREETING])]));
  const rows = await db
    .select({
      appId: kbIntents.appId,
      id: kbIntents.id,
      policy: kbIntents.policy,
      examples: kbIntents.examples,
    })
    .from(kbIntents)
    .where(inArray(kbIntents.appId, appIds));
  for (const appId of appIds) {
    const own = rows.filter((r) => r.appId === appId);
    const set = byApp.get(appId)!;
    for (const r of own) if (r.policy === 'human') set.add(r.id);
    const greeting = greetingIntentOf(own, normalizeText);
    if (greeting) set.add(greeting.id);
  }
  return byApp;
}

/**
 * The repeat-contact rules, pure: folds labelled messages (bot replies carrying the intent of the
 * customer message they answer, and customer messages the bot did not answer, labelled at send)
 * into the contacts already stored for the same customers. A
 * contact is one customer raising one intent; per customer and intent:
 * 1. messages are taken in time order (`createdAt`, then `seq`), whatever order they were stored
 *    in (servers' clocks differ by a little);
 * 2. a message in the same conversation less than 30 min after the contact's last message extends
 *    that contact (one matter, one sitting — a chain of messages each < 30 min apart stays one);
 * 3. a message in another conversation starts a new contact even within 30 min: the earlier
 *    conversation was resolved (a customer has one open conversation), so asking again is the
 *    premature-resolve failure the metric exists to show;
 * 4. a new contact is a repeat when it starts at most 72 h (inclusive) after the previous
 *    contact's last message, with context when it is in the same conversation as that contact;
 * 5. intents in `skip` (greeting, policy human) make no contact;
 * 6. a customer message labelled at send because the bot did not answer it (an agent holds the
 *    conversation, or it waits in the queue: `authorType: 'customer'` with an intent) is a contact
 *    for a new intent, judged by rules 1–5; for an intent the conversation already has a contact
 *    of, it joins that contact whatever the time between (the matter the customer was escalated
 *    with is not counted again while the agent serves it).
 * A late message (earlier than contacts already folded) joins the contact it falls in, or starts
 * its own judged against the contact before it; then the contacts after it are settled
 * (contact-timeline.ts `settleTimeline`): two it brought within 30 min in one conversation are one
 * (the later `gone`), and each is judged again against the one now before it — the same contacts
 * as had the messages come in time order (review-z). Messages in time order change nothing there.
 * `stored` is every contact of these customers whose last message is within 72 h before the
 * earliest message; it is changed in place (`dirty`, `rejudged`, `gone`) and the new contacts are
 * returned.
 */
export function foldContacts(
  stored: StoredContact[],
  rows: Labelled[],
  skip: (appId: string, intent: string) => boolean,
): Contact[] {
  const candidates = rows
    .filter(
      (r): r is Labelled & { intent: string } =>
        (r.authorType === 'bot' || r.authorType === 'customer') && !!r.intent && !skip(r.appId, r.intent),
    )
    .sort((a, b) => a.createdAt - b.createdAt || (a.seq ?? 0) - (b.seq ?? 0));
  const pairOf = (c: { customerId: string; intent: string }) => `${c.customerId}\u0000${c.intent}`;
  const timelines = new Map<string, StoredContact[]>();
  for (const contact of [...stored].sort((a, b) => a.at - b.at)) {
    const list = timelines.get(pairOf(contact)) ?? [];
    list.push(contact);
    timelines.set(pairOf(contact), list);
  }
  const fresh: Contact[] = [];
  /** Per timeline a late message reached: the first place to settle from (see above). */
  const late = new Map<StoredContact[], number>();
  const settleFrom = (list: StoredContact[], at: number) =>
    late.set(list, Math.max(0, Math.min(at, late.get(list) ?? at)));
  for (const c of candidates) {
    const list = timelines.get(pairOf(c)) ?? [];
    timelines.set(pairOf(c), list);
    // The contacts just before and just after the message in time.
    let after = list.findIndex((x) => x.at > c.createdAt);
    if (after < 0) after = list.length;
    else settleFrom(list, after - 1);
    const previous = list[after - 1];
    const next = list[after];
    // Rule 6: told to an agent. The conversation's own contact of this intent takes it, however
    // long the wait or the talk: an agent's conversation is one sitting for its matters.
    if (c.authorType === 'customer') {
      const own = list.filter((x) => x.conversationId === c.conversationId);
      const host = own.filter((x) => x.at <= c.createdAt).at(-1) ?? own[0];
      if (host) {
        if (after < list.length) settleFrom(list, list.indexOf(host));
        if (c.createdAt > host.lastAt) host.lastAt = c.createdAt;
        if (c.createdAt < host.at) host.at = c.createdAt;
        host.dirty = true;
        continue;
      }
    }
    if (extendsPrevious(previous, c.conversationId, c.createdAt, c.createdAt)) continue;
    if (next && next.conversationId === c.conversationId && next.at - c.createdAt < SAME_CONTACT_MS) {
      next.at = c.createdAt;
      next.dirty = true;
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
    list.splice(after, 0, contact);
  }
  // Insertions only move a recorded place later: settling from it covers everything after it.
  for (const [list, from] of late) settleTimeline(list, from);
  return fresh.filter((contact) => !contact.gone);
}

/**
 * The stored contacts of the batch's (customer, intent) pairs — the only ones the rules look at
 * (`foldContacts` keys every lookup by the pair) — whose last message is at or after `since`.
 * One statement whatever the batch's size: the customers and the pairs go in as JSON arrays. The
 * pair filter is what keeps the load in proportion to the batch: a livestream viewer raises several
 * intents over a room and rooms after rooms, and loading every contact of each customer in the
 * batch (as before) handed over three to four rows for each one used, more as the file grew.
 */
async function storedContactsOf(
  execute: RawExecute,
  pairs: [customerId: string, intent: string][],
  since: number,
): Promise<StoredContact[]> {
  const customers = [...new Set(pairs.map(([customerId]) => customerId))];
  const read = await execute(
    `select id, customer_id, conversation_id, intent, at, last_at, is_repeat, with_context from insight_contacts
      where last_at >= ? and customer_id in (select value from json_each(?))
        and (customer_id, intent) in (select value ->> 0, value ->> 1 from json_each(?))`,
    [since, JSON.stringify(customers), JSON.stringify(pairs)],
  );
  return read.rows.map((r) => ({
    id: Number(r[0]),
    customerId: r[1] as string,
    conversationId: r[2] as string,
    intent: r[3] as string,
    at: Number(r[4]),
    lastAt: Number(r[5]),
    isRepeat: Number(r[6]) !== 0,
    withContext: r[7] === null ? null : Number(r[7]) !== 0,
  }));
}

/** Loads the contacts the batch's labelled messages may join or repeat, folds, writes. */
async function foldContactRows(db: Db, rows: Labelled[]) {
  const labelled = rows.filter((r) => (r.authorType === 'bot' || r.authorType === 'customer') && !!r.intent);
  if (labelled.length === 0) return;
  const skipping = await notAMatter(db, [...new Set(labelled.map((r) => r.appId))]);
  const skip = (appId: string, intent: string) => skipping.get(appId)?.has(intent) ?? false;
  const pairs = new Map<string, [string, string]>();
  for (const r of labelled)
    if (!skip(r.appId, r.intent!)) pairs.set(`${r.customerId}\u0000${r.intent}`, [r.customerId, r.intent!]);
  if (pairs.size === 0) return;
  const since = Math.min(...labelled.map((c) => c.createdAt)) - REPEAT_WINDOW_MS - SAME_CONTACT_MS;
  const execute = rawExecutor(db);
  const stored = await storedContactsOf(execute, [...pairs.values()], since);
  // What each stored contact was before the fold: a contact is written back only where its times
  // moved, and only the time that moved. A livestream round @-mentions thousands of askers, each
  // answer extending its asker's contact: setting `at` too (unchanged) made SQLite rewrite the
  // two indexes on `at` for every one of them, and a contact rule 6 merely touched was written
  // back unchanged. Each statement is raw and the same text every time (prepared once).
  const before = new Map<number, { at: number; lastAt: number }>();
  for (const c of stored) if (c.id !== undefined) before.set(c.id, { at: c.at, lastAt: c.lastAt });
  const fresh = foldContacts(stored, labelled, skip);
  // Only `last_at` moved (a room answer extending its asker's contact, thousands a round): one
  // statement for the batch, not one per contact.
  const lastAts: [id: number, lastAt: number][] = [];
  for (const contact of stored) {
    if (!contact.dirty || contact.gone || contact.id === undefined) continue;
    const was = before.get(contact.id)!;
    const atMoved = contact.at !== was.at;
    const lastMoved = contact.lastAt !== was.lastAt;
    if (atMoved && lastMoved)
      await execute('update insight_contacts set at = ?, last_at = ? where id = ?', [
        contact.at,
        contact.lastAt,
        contact.id,
      ]);
    else if (atMoved)
      await execute('update insight_contacts set at = ? where id = ?', [contact.at, contact.id]);
    else if (lastMoved) lastAts.push([contact.id, contact.lastAt]);
  }
  if (lastAts.length > 0)
    await execute(
      `update insight_contacts set last_at = v.value ->> 1 from json_each(?) v
        where insight_contacts.id = v.value ->> 0`,
      [JSON.stringify(lastAts)],
    );
  // A late message's settling: stored contacts joined into another, or judged again.
  await writeSettled(db, stored);
  await bulkInsertWith(db, FRESH_CONTACTS, fresh.length, (i, args) => {
    const c = fresh[i]!;
    args.push(
      c.appId,
      c.customerId,
      c.conversationId,
      c.channel,
      c.intent,
      c.at,
      c.lastAt,
      c.isRepeat ? 1 : 0,
      c.withContext === null || c.withContext === undefined ? null : c.withContext ? 1 : 0,
    );
  });
}

const FRESH_CONTACTS = {
  table: insightContacts,
  columns: [
    'appId',
    'customerId',
    'conversationId',
    'channel',
    'intent',
    'at',
    'lastAt',
    'isRepeat',
    'withContext',
  ],
} as const;

/** Escalations read from one batch of the event log, opened before the write lock is taken. */
interface EventBatch {
  after: number;
  last: number;
  rows: number;
  escalations: { conversationId: string; appId: string; customerId: string; channel: string; at: number }[];
}

/**
 * Reads one batch of the event log after `after` and opens its `conversation.updated` payloads
 * (sealed with the customer's key; an erased customer's no longer open and are skipped) — outside
 * the write transaction, so sends never queue behind the decryption. A conversation that reached
 * a person's hands (queued or assigned) asked for a person: the customer's request, an intent
 * whose policy says human, the bot handing over.
 */
async function readEvents(deps: Deps, db: Db, after: number): Promise<EventBatch> {
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
  const batch: EventBatch = { after, last: rows.at(-1)?.id ?? after, rows: rows.length, escalations: [] };
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
    batch.escalations.push({
      conversationId: data.id,
      appId: r.appId,
      customerId: r.customerId,
      channel: typeof data.channel === 'string' ? data.channel : 'unknown',
      at: r.createdAt,
    });
  }
  return batch;
}

/**
 * Writes a batch read by `readEvents`, if the cursor still stands where it was read (another
 * process may have folded it meanwhile: then nothing is written, and the caller reads again).
 * Answers the rows folded, or null when the batch was stale.
 */
async function writeEvents(deps: Deps, db: Db, batch: EventBatch): Promise<number | null> {
  if ((await cursorOf(db, 'events')) !== batch.after) return null;
  if (batch.rows === 0) return 0;
  const survivors = await survivorsOf(
    db,
    batch.escalations.map((e) => e.customerId),
  );
  const kept = await keptConversationsOf(
    db,
    batch.escalations.map((e) => e.conversationId),
  );
  for (const e of batch.escalations)
    await db
      .insert(insightConversations)
      .values({
        conversationId: kept.get(e.conversationId) ?? e.conversationId,
        appId: e.appId,
        customerId: survivors.get(e.customerId) ?? e.customerId,
        // Provisional: the conversation's first message (messages pass) sets where it started.
        channel: e.channel,
        startedAt: e.at,
        escalatedAt: e.at,
      })
      .onConflictDoUpdate({
        target: insightConversations.conversationId,
        set: { escalatedAt: sql`coalesce(${insightConversations.escalatedAt}, excluded.escalated_at)` },
      });
  await moveCursor(db, 'events', batch.last, deps.clock.now());
  return batch.rows;
}

/**
 * Folds one batch of a source read (and opened) outside the write lock, then written under it.
 * `write` answers null when the cursor moved meanwhile (another fold took those rows): read again.
 */
async function foldReadThenWrite<Batch>(
  deps: Deps,
  source: Source,
  read: (deps: Deps, db: Db, after: number) => Promise<Batch>,
  write: (deps: Deps, db: Db, batch: Batch) => Promise<number | null>,
): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const batch = await read(deps, deps.database.db, await cursorOf(deps.database.db, source));
    const written = await deps.database.write((db) => write(deps, db, batch));
    if (written !== null) return written;
  }
  // Another process keeps folding the same rows: it is doing the work.
  return 0;
}

/** Folds one batch of the event log: read and open outside the lock, then write under it. */
const foldEvents = (deps: Deps) => foldReadThenWrite(deps, 'events', readEvents, writeEvents);

/** Tracked events that change a cart (profile/track.ts `currentCart` replays the same ones). */
const CART_EVENTS = ['add_to_cart', 'remove_from_cart', 'cart_cleared', 'order_placed'];

/** Carts whose events come after the cursor, their worth computed (sealed events opened) outside the lock. */
async function readCarts(deps: Deps, db: Db, after: number) {
  const rows = await db
    .select({ id: customerEvents.id, appId: customerEvents.appId, customerId: customerEvents.customerId })
    .from(customerEvents)
    .where(and(gt(customerEvents.id, after), inArray(customerEvents.name, CART_EVENTS)))
    .orderBy(asc(customerEvents.id))
    .limit(BATCH);
  const owners = new Map(rows.map((r) => [r.customerId, r.appId]));
  const carts: { customerId: string; appId: string; worth: number }[] = [];
  for (const [customerId, appId] of owners) {
    const lines = await currentCart(deps, db, customerId);
    const worth = lines.reduce(
      (sum, line) => sum + line.quantity * (typeof line.price === 'number' ? line.price : 0),
      0,
    );
    carts.push({ customerId, appId, worth });
  }
  return { after, last: rows.at(-1)?.id ?? after, rows: rows.length, carts };
}

/** Writes what `readCarts` read if the cursor still stands there; null when another fold got there first. */
async function writeCarts(deps: Deps, db: Db, batch: Awaited<ReturnType<typeof readCarts>>) {
  if ((await cursorOf(db, 'carts')) !== batch.after) return null;
  if (batch.rows === 0) return 0;
  const now = deps.clock.now();
  const survivors = await survivorsOf(
    db,
    batch.carts.map((c) => c.customerId),
  );
  const current = batch.carts.filter((c) => !survivors.has(c.customerId));
  for (const part of chunks(current, 200))
    await db
      .insert(insightCarts)
      .values(part.map((c) => ({ ...c, updatedAt: now })))
      .onConflictDoUpdate({
        target: insightCarts.customerId,
        set: { worth: sql`excluded.worth`, updatedAt: now },
      });
  // Merged since the read: the worth goes to the survivor by the merge's own rule (the larger of
  // the two until its next cart event recomputes the joined cart), never to the alias.
  for (const c of batch.carts.filter((c) => survivors.has(c.customerId)))
    await db
      .insert(insightCarts)
      .values({ ...c, customerId: survivors.get(c.customerId)!, updatedAt: now })
      .onConflictDoUpdate({
        target: insightCarts.customerId,
        set: { worth: sql`max(${insightCarts.worth}, excluded.worth)`, updatedAt: now },
      });
  await moveCursor(db, 'carts', batch.last, now);
  return batch.rows;
}

/** Folds one batch of the tracked cart events, the same way as the event log. */
const foldCarts = (deps: Deps) => foldReadThenWrite(deps, 'carts', readCarts, writeCarts);

/**
 * The surviving customer of each id merged away, read under the write lock. The events and carts
 * passes read (and open) outside the lock, so a login's merge may commit between their read and
 * their write; what they write must name the person as the merge left them, not the alias (which
 * the merge already moved every folded row away from). Aliases point straight at the survivor.
 */
async function survivorsOf(db: Db, customerIds: string[]): Promise<Map<string, string>> {
  const survivors = new Map<string, string>();
  for (const part of chunks([...new Set(customerIds)]))
    for (const row of await db
      .select({ id: customers.id, into: customers.mergedInto })
      .from(customers)
      .where(and(inArray(customers.id, part), isNotNull(customers.mergedInto))))
      survivors.set(row.id, row.into!);
  return survivors;
}

/**
 * The kept conversation of each one a customer merge folded into another (its messages moved
 * there, and so did its folded row): an escalation of the dropped one, folded after the merge,
 * counts on the kept one, as it would have had the fold run first.
 */
async function keptConversationsOf(db: Db, conversationIds: string[]): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  for (const part of chunks([...new Set(conversationIds)]))
    for (const row of await db.all<{ id: string; into: string }>(sql`SELECT id,
          json_extract(context, '$.mergedIntoConversation') AS "into" FROM conversations
        WHERE id IN (${sql.join(
          part.map((id) => sql`${id}`),
          sql`, `,
        )}) AND json_extract(context, '$.mergedIntoConversation') IS NOT NULL`))
      kept.set(row.id, row.into);
  return kept;
}

/** Statuses of a conversation in a person's hands, waiting or owned: reaching one is an escalation. */
const HUMAN_STATUSES = new Set(['queued', 'assigned']);

/**
 * One transaction of the messages pass on `database` (the insights fold worker's own connection,
 * insights-fold-worker.ts): at most `rows` messages, the cursor read and moved under the lock. `inside` runs
 * after the batch's statements, before COMMIT (the worker's crash tests exit there).
 */
export function foldMessagesOnce(
  deps: Pick<Deps, 'clock'>,
  database: ServiceDeps['database'],
  rows: number,
  inside?: () => void,
): Promise<number> {
  return database.write(async (db) => {
    const folded = await foldMessages(deps, db, rows);
    inside?.();
    return folded;
  });
}

/** One batch of one source, for tests that fold the two passes apart (see foldInsights). */
export async function foldBatch(deps: Deps, source: Source): Promise<number> {
  if (source === 'messages') return deps.database.write((db) => foldMessages(deps, db));
  return source === 'events' ? foldEvents(deps) : foldCarts(deps);
}

/**
 * Folds everything left, inside the caller's transaction (erasure folds before it deletes what
 * the rollups are made of). Bounded by `maxBatches` per source; answers the rows folded.
 */
export async function foldInsightsIn(deps: Deps, db: Db, maxBatches = 10_000): Promise<number> {
  let folded = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await foldMessages(deps, db);
    folded += n;
    if (n < BATCH) break;
  }
  for (let batch = 0; batch < maxBatches; batch++) {
    const read = await readEvents(deps, db, await cursorOf(db, 'events'));
    const n = (await writeEvents(deps, db, read)) ?? 0;
    folded += n;
    if (n < BATCH) break;
  }
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = (await writeCarts(deps, db, await readCarts(deps, db, await cursorOf(db, 'carts')))) ?? 0;
    folded += n;
    if (n < BATCH) break;
  }
  await foldFirstAgentMessagesIn(deps, db);
  return folded;
}

const running = new WeakMap<ServiceDeps['database'], Promise<number>>();

/**
 * Brings the rollups up to date with everything committed: batches of messages, then of the event
 * log, then of the tracked cart events (then the first agent messages up to the messages cursor, then
 * after an upgrade a chunk of the per-slot totals' backfill), each in its own short transaction that also moves its cursor (so a crash mid-way repeats
 * nothing). One fold at a time per database; a caller arriving meanwhile waits for the running one
 * and then folds what is left. Bounded by `maxBatches` per source; answers how many rows were folded.
 */
export async function foldInsights(
  deps: Deps,
  maxBatches = 10_000,
  messagesPass?: MessagesPass,
): Promise<number> {
  const previous = running.get(deps.database);
  if (previous) await previous.catch(() => 0);
  const fold = (async () => {
    let folded = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = messagesPass ? await messagesPass.fold() : await foldBatch(deps, 'messages');
      folded += n;
      if (n < (messagesPass?.rows ?? BATCH)) break;
    }
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await foldEvents(deps);
      folded += n;
      if (n < BATCH) break;
    }
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await foldCarts(deps);
      folded += n;
      if (n < BATCH) break;
    }
    // Up to the messages cursor just moved: the human first response (escalation → first agent message).
    await foldFirstAgentMessages(deps);
    // After an upgrade: the rows folded before the per-slot totals existed (nothing once done).
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await backfillSlotTotals(deps);
      folded += n;
      if (n === 0) break;
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

/** How current an insights answer is, for one app. */
export interface Freshness {
  /** Everything of the app stored before this instant is in the figures (ISO 8601; now when nothing is left). */
  asOf: string;
  /** The app's messages, event-log rows and cart events stored but not folded yet. */
  behind: number;
}

/**
 * What a reader does before it answers: folds at most `READER_BATCHES` batches of each source
 * (the background worker folds the rest; nothing when the backlog is past `READER_FOLDS_UP_TO`),
 * then says how current the app's rollups are.
 */
export async function foldForReader(deps: Deps, appId: string): Promise<Freshness> {
  const upTo = deps.config?.insights?.readerFoldsUpTo ?? READER_FOLDS_UP_TO;
  if ((await unfoldedMessagesAtMost(deps.database.db)) <= upTo)
    await foldInsights(deps, deps.config?.insights?.readerBatches ?? READER_BATCHES);
  return freshness(deps, appId);
}

/**
 * A reader folds only while the messages backlog is at most this many rows. Past it (an upgrade's
 * stored history, a bulk import) its own batch would not catch up, and the reader would first
 * wait for the worker's running fold and then fold a batch itself — most of a first read's time
 * after an upgrade. It answers at once instead, with `behind`, and the worker folds the backlog.
 */
export const READER_FOLDS_UP_TO = 10 * FOLD_BATCH;

/** Messages stored after the fold's cursor, counted from the keys (an upper bound: sweeps leave gaps). */
async function unfoldedMessagesAtMost(db: Db): Promise<number> {
  const [row] = await db.all<{ n: number | null }>(sql`SELECT (SELECT max(seq) FROM messages) -
      coalesce((SELECT position FROM insight_cursors WHERE source = 'messages'), 0) AS n`);
  return Math.max(0, row?.n ?? 0);
}

/**
 * `asOf`: the app's earliest stored time not folded yet (else now); `behind`: the app's rows not
 * folded yet. Per app, though the fold is shared: another shop's backlog (its volume and when it
 * began) is not this shop's business, and does not make this shop's figures any older. Each count
 * walks the unfolded tail by its primary key, as before, so the cost is that of the backlog left.
 */
export async function freshness(deps: Pick<Deps, 'database' | 'clock'>, appId: string): Promise<Freshness> {
  const db = deps.database.db;
  const [m] = await db.all<{
    n: number;
    first: number | null;
  }>(sql`SELECT count(*) AS n, min(created_at) AS first
    FROM messages, (SELECT coalesce(max(position), 0) AS position FROM insight_cursors WHERE source = 'messages') p
    WHERE seq > p.position AND app_id = ${appId}`);
  const [e] = await db.all<{
    n: number;
    first: number | null;
  }>(sql`SELECT count(*) AS n, min(created_at) AS first
    FROM events, (SELECT coalesce(max(position), 0) AS position FROM insight_cursors WHERE source = 'events') p
    WHERE id > p.position AND app_id = ${appId}`);
  const [c] = await db.all<{
    n: number;
    first: number | null;
  }>(sql`SELECT count(*) AS n, min(created_at) AS first
    FROM customer_events, (SELECT coalesce(max(position), 0) AS position FROM insight_cursors WHERE source = 'carts') p
    WHERE id > p.position AND app_id = ${appId}
      AND name IN ('add_to_cart', 'remove_from_cart', 'cart_cleared', 'order_placed')`);
  const behind = (m?.n ?? 0) + (e?.n ?? 0) + (c?.n ?? 0);
  const firsts = [m?.first, e?.first, c?.first].filter((t): t is number => typeof t === 'number');
  return { asOf: iso(firsts.length ? Math.min(...firsts) : deps.clock.now()), behind };
}

/**
 * Insights reads in flight per database. Every statement of a local database goes through one
 * queue, so a read's statements would each wait behind one of the background worker's fold
 * transactions: after an upgrade, with a long backlog, that was most of a read's time (a first
 * read took ~1 s, its own SQL ~0.3 s, at 1 M stored messages). The worker therefore folds between
 * reads, not in the middle of one, waiting at most `READ_YIELD_MS` per batch so a stream of
 * reads never stops it (and each read folds its own batch anyway).
 */
const reads = new WeakMap<
  ServiceDeps['database'],
  { count: number; idle: Promise<void>; settle: () => void }
>();
/** The longest the background worker waits for reads in flight before its next batch. */
export const READ_YIELD_MS = 2000;

/** Runs an insights read, keeping the background worker's batches out of the middle of it. */
export async function whileReadingInsights<T>(
  database: ServiceDeps['database'],
  read: () => Promise<T>,
): Promise<T> {
  let state = reads.get(database);
  if (!state) {
    let settle = () => {};
    const idle = new Promise<void>((resolve) => {
      settle = resolve;
    });
    state = { count: 0, idle, settle };
    reads.set(database, state);
  }
  state.count++;
  try {
    return await read();
  } finally {
    if (--state.count === 0) {
      reads.delete(database);
      state.settle();
    }
  }
}

/** Resolves once no insights read is in flight on `database`, or after `maxMs`. */
async function readsSettled(database: ServiceDeps['database'], maxMs: number): Promise<void> {
  const state = reads.get(database);
  if (!state) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    state.idle,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Who folds the messages pass's batches, and how many rows each at most (see foldInsights). */
interface MessagesPass {
  rows: number;
  fold(): Promise<number>;
}

/**
 * Rows per batch of the messages pass on the worker thread. Each batch holds this process's write
 * turn while it runs (the request thread's comment batches queue behind it), so batches are kept
 * short enough that the request thread's own work on the next comment batches covers them.
 */
export const WORKER_FOLD_BATCH = 500;

export interface InsightsRollupOptions {
  /**
   * The messages pass on a worker thread with its own connection (local files only; see
   * fold-thread.ts). Default false: everything folds in the calling thread.
   */
  worker?: boolean;
}

/** Folds at start and then every `everyMs` in the background (and the retention sweep folds before deleting). */
export function startInsightsRollup(
  deps: Deps,
  everyMs = 60_000,
  options: InsightsRollupOptions = {},
): () => Promise<void> {
  let busy = false;
  let stopped = false;
  const thread = options.worker ? createFoldThread(deps) : null;
  // On the worker while it works; a batch it failed (or died in) is folded here instead, which
  // reads the cursor afresh: whatever the worker committed is not folded again.
  const messagesPass: MessagesPass | undefined = thread
    ? {
        rows: WORKER_FOLD_BATCH,
        fold: async () => {
          if (!thread.broken) {
            try {
              return await thread.foldMessages(WORKER_FOLD_BATCH, deps.clock.now());
            } catch (error) {
              // Stopped: the worker was closed under this batch, and the database is closing.
              if (stopped) return 0;
              deps.logger.warn('insights fold worker batch failed; folding in-thread', {
                error: String(error),
              });
            }
          }
          return foldBatch(deps, 'messages');
        },
      }
    : undefined;
  // In short folds of one batch per source, one after another: a reader arriving meanwhile waits
  // for one short fold at most (never for the whole backlog), then folds its own batches.
  const fold = async () => {
    if (busy) return;
    busy = true;
    try {
      for (let round = 0; round < 1_000_000 && !stopped; round++) {
        await readsSettled(deps.database, READ_YIELD_MS);
        if (stopped) break;
        if ((await foldInsights(deps, 1, messagesPass)) === 0) break;
      }
    } catch (error) {
      deps.logger.warn('insights fold failed', { error: String(error) });
    } finally {
      busy = false;
    }
  };
  // At once too: after an upgrade the stored history is folded in the background, not by a reader.
  void fold();
  const timer = setInterval(fold, everyMs);
  timer.unref?.();
  /** Stops folding; settles once the fold worker (if any) has closed its connection and ended. */
  return () => {
    stopped = true;
    clearInterval(timer);
    return thread ? thread.close() : Promise.resolve();
  };
}
