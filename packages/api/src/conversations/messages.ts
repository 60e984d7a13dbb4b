import { type InValue, LibsqlError } from '@libsql/client';
import type { Message, TimelinePage } from '@threadline/sdk-core/protocol';
import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { settleDeferredWrites } from '../db/deferred-writes';
import { hotQuery, insertedKeys, rawRows, rawRun, slot, tableRowReader } from '../db/hot-queries';
import { CALLER_KEEPS_CACHE } from '../db/local-client';
import { conversations, messages } from '../db/schema';
import {
  type CustomerRow,
  customerSealer,
  customerSealers,
  getCustomer,
  openAllForCustomers,
  survivingCustomerId,
} from '../identity';
import { maskCardNumbers } from '../platform/card-numbers';
import { withClickUrl } from '../platform/click-links';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId } from '../platform/secrets';
import { toVoiceText } from '../platform/spoken-text';
import { appendEvent, appendEvents, type MessageEventResolver } from '../realtime';
import { announceQueued, type ConversationRow, openConversation } from './conversations';
import { refreshHandoffSummary } from './handoff-summary';
import type { BotReply, InlineResponder, IntentLabeler, Responder, ResponderDecision } from './replies';

export type MessageRow = typeof messages.$inferSelect;

/** A message row as the app reads it: `text` opened (the stored column holds ciphertext). */
export type OpenMessageRow = MessageRow;

/** Maps an opened row to the wire. Rows read from the database go through `openMessageRows` first. */
export function toWireMessage(row: OpenMessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversationId,
    channel: row.channel,
    author: {
      type: row.authorType,
      ...(row.authorId ? { id: row.authorId } : {}),
      ...(row.authorName ? { name: row.authorName } : {}),
    },
    text: row.text,
    createdAt: iso(row.createdAt),
    ...(row.clientMessageId ? { clientMessageId: row.clientMessageId } : {}),
    ...(row.intent ? { intent: row.intent } : {}),
    ...(row.meta ? { meta: row.meta } : {}),
    // Worked out when read, not stored: it is derived from the (sealed) text and the rules may improve.
    ...(row.authorType === 'bot' && VOICE_CHANNELS.has(row.channel)
      ? { voiceText: toVoiceText(row.text) }
      : {}),
  };
}

/** Channels where bot replies are heard: their messages carry `voiceText`. */
export const VOICE_CHANNELS: ReadonlySet<string> = new Set(['phone']);

export interface CustomerMessageInput {
  appId: string;
  customerId: string;
  channel: string;
  text: string;
  clientMessageId?: string;
  authorName?: string;
}

export interface PostedMessage {
  message: MessageRow;
  replies: MessageRow[];
  conversation: ConversationRow;
  /** False when the clientMessageId had been seen: the first result is returned as it was. */
  created: boolean;
}

/**
 * The one way message rows leave the database: texts opened with their customers' data keys (an
 * erased customer's text opens as ''). Every reader maps rows through here before `toWireMessage`.
 */
export async function openMessageRows(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  rows: MessageRow[],
  db?: Db,
): Promise<OpenMessageRow[]> {
  const texts = await openAllForCustomers(
    deps,
    rows.map((row) => row.text),
    db,
  );
  return rows.map((row, i) => ({ ...row, text: texts[i] ?? '' }));
}

/** Reads and opens messages, then maps them to the wire. */
export async function toWireMessages(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  rows: MessageRow[],
  db?: Db,
): Promise<Message[]> {
  return (await openMessageRows(deps, rows, db)).map(toWireMessage);
}

/**
 * `deps.messageEvents`: the wire messages of the given ids, texts opened with their customers'
 * keys, for the event log's `message.created` rows, which hold a reference (realtime/events.ts).
 * Messages that are gone (retention, erase) and erased customers' (text opens as null) are left
 * out, so their events are too — as a sealed copy's were.
 */
export function messageEventResolver(deps: Pick<ServiceDeps, 'database' | 'sealer'>): MessageEventResolver {
  return async (ids) => {
    const shown: Awaited<ReturnType<MessageEventResolver>> = new Map();
    const rows = await deps.database.db.select().from(messages).where(inArray(messages.id, ids));
    const texts = await openAllForCustomers(
      deps,
      rows.map((row) => row.text),
    );
    for (const [i, row] of rows.entries()) {
      const text = texts[i];
      if (text !== null && text !== undefined)
        shown.set(row.id, {
          appId: row.appId,
          customerId: row.customerId,
          message: toWireMessage({ ...row, text }),
        });
    }
    return shown;
  };
}

async function findByClientMessageId(db: Db, customerId: string, clientMessageId: string) {
  const query = hotQuery(db, 'messages.byClientMessageId', (d) =>
    d
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, slot('customerId')), eq(messages.clientMessageId, slot('cmid'))))
      .limit(1)
      .prepare(),
  );
  const [row] = await query.all({ customerId, cmid: clientMessageId });
  return row ?? null;
}

const conversationRow = tableRowReader(conversations);
let openConversationSql: string | undefined;

/**
 * Customers' open conversations as a send last read or wrote them, per database, each with the
 * `conversations` rows version it is good for (`Database.rowsVersion`, local files only). A send
 * reads its customer's open conversation first thing, and the customer's previous send wrote it
 * last: kept here, the read costs no statement (issue 18). Every statement that may change a
 * conversation row moves the version — except the send's own two writes (the new conversation and
 * the touch/memory UPDATE, marked `CALLER_KEEPS_CACHE`), which drop their customer's entry before
 * they run and set it again, with the version right after them, only once the write commits. So an
 * entry is used only while it is exactly the row the transaction would read: a write elsewhere
 * (an agent's claim, a resolve, a merge, erase), a rollback, or another process's commit makes it
 * stale. Rows are handed out as copies (JSON columns parsed anew): the bot may keep what it gets.
 */
interface KnownConversation {
  version: number;
  row: ConversationRow;
  context: string;
  summary: string | null;
}
const knownConversations = new WeakMap<ServiceDeps['database'], Map<string, KnownConversation>>();
const KNOWN_CONVERSATIONS_MAX = 10_000;

function knownOf(database: ServiceDeps['database']): Map<string, KnownConversation> {
  let known = knownConversations.get(database);
  if (!known) {
    known = new Map();
    knownConversations.set(database, known);
  }
  return known;
}

function copyOf(known: KnownConversation): ConversationRow {
  return {
    ...known.row,
    context: JSON.parse(known.context) as ConversationRow['context'],
    summary: known.summary === null ? null : (JSON.parse(known.summary) as ConversationRow['summary']),
  };
}

function remember(database: ServiceDeps['database'], version: number, row: ConversationRow): void {
  const known = knownOf(database);
  if (known.size >= KNOWN_CONVERSATIONS_MAX) known.clear();
  known.set(row.customerId, {
    version,
    row: { ...row, context: {}, summary: null },
    context: JSON.stringify(row.context),
    summary: row.summary === null || row.summary === undefined ? null : JSON.stringify(row.summary),
  });
}

/** Tests: the open conversation kept for a customer (a copy), if its entry is current. */
export function heldOpenConversation(
  database: ServiceDeps['database'],
  customerId: string,
): Promise<ConversationRow | undefined> {
  return database.write(async () => {
    const known = knownConversations.get(database)?.get(customerId);
    return known && known.version === database.rowsVersion?.('conversations') ? copyOf(known) : undefined;
  });
}

/**
 * The send's own write of its customer's conversation row (`statement` is marked
 * `CALLER_KEEPS_CACHE`): drops the entry now, and once the write commits sets `rowAfter`'s row (what
 * the row is after the statement) with the version right after it — or, when that is null, drops
 * the entry again.
 */
async function writeKnownConversation<T>(
  deps: Pick<ServiceDeps, 'database'>,
  onCommit: (callback: () => void) => void,
  customerId: string,
  run: () => Promise<T>,
  rowAfter: (result: T) => ConversationRow | null,
): Promise<T> {
  const version = deps.database.rowsVersion?.('conversations');
  if (version !== undefined) knownOf(deps.database).delete(customerId);
  const result = await run();
  const after = deps.database.rowsVersion?.('conversations');
  if (after !== undefined) {
    const row = rowAfter(result);
    // Commit callbacks run in the group's order, so the last send of a group to write this row
    // decides the entry: its row, or none. Without the delete, an earlier send's row would stay
    // cached at a version this write did not move (review-l: a stale `last_channel`).
    if (row) onCommit(() => remember(deps.database, after, row));
    else onCommit(() => knownOf(deps.database).delete(customerId));
  }
  return result;
}

/**
 * The customer's open conversation, read in the send's transaction: from `knownConversations` when
 * the entry is current, or one cached statement, run raw and read by `tableRowReader` (drizzle's
 * row mapping cost more than the statement; issue 18).
 */
async function readOpenConversation(
  deps: Pick<ServiceDeps, 'database'>,
  db: Db,
  customerId: string,
): Promise<ConversationRow | undefined> {
  const version = deps.database.rowsVersion?.('conversations');
  if (version !== undefined) {
    const known = knownOf(deps.database).get(customerId);
    if (known && known.version === version) return copyOf(known);
  }
  // The 'resolved' literal (not a bound parameter) lets SQLite use the one-open-per-customer index.
  openConversationSql ??= `select ${conversationRow.selectList('conversations')} from "conversations" where "conversations"."customer_id" = ? and "conversations"."status" <> 'resolved' limit 1`;
  const [row] = await rawRows(db, openConversationSql, [customerId]);
  if (!row) return undefined;
  const open = conversationRow.read(row);
  // Kept only when nothing moved the version while it was read.
  if (version !== undefined && deps.database.rowsVersion?.('conversations') === version)
    remember(deps.database, version, open);
  return open;
}

let newConversationSql: string | undefined;

/**
 * Opens the customer's conversation for a send that found none open (as `openConversation`, with
 * the row kept in `knownConversations`). The unique one-open-per-customer index still refuses a
 * second one.
 */
async function openNewConversation(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  input: { appId: string; customerId: string; channel: string },
): Promise<ConversationRow> {
  const now = deps.clock.now();
  newConversationSql ??= `${CALLER_KEEPS_CACHE}insert into "conversations" ("id", "app_id", "customer_id", "status", "channel", "last_channel", "created_at", "updated_at") values (?, ?, ?, 'bot', ?, ?, ?, ?) returning ${conversationRow.selectList()}`;
  const rows = await writeKnownConversation(
    deps,
    onCommit,
    input.customerId,
    () =>
      rawRows(db, newConversationSql!, [
        createSortableId('cnv', now),
        input.appId,
        input.customerId,
        input.channel,
        input.channel,
        now,
        now,
      ]),
    (inserted) => conversationRow.read(inserted[0]!),
  );
  return conversationRow.read(rows[0]!);
}

const MESSAGE_COLUMNS = [
  'id',
  'appId',
  'customerId',
  'conversationId',
  'channel',
  'authorType',
  'authorId',
  'authorName',
  'text',
  'clientMessageId',
  'inReplyTo',
  'intent',
  'meta',
  'createdAt',
] as const;
type NewMessage = Pick<MessageRow, (typeof MESSAGE_COLUMNS)[number]>;

const insertSqlByCount = new Map<number, string>();
/**
 * `INSERT … VALUES (…)×count`: the only thing the database decides, `seq`, follows from the
 * statement's last rowid (`insertedKeys`); the rest of each row is what was just written, so
 * nothing is read back (no RETURNING, which cost ~20 µs of a send; issue 18).
 */
function insertMessagesSql(count: number): string {
  let text = insertSqlByCount.get(count);
  if (text === undefined) {
    const table = getTableColumns(messages);
    const names = MESSAGE_COLUMNS.map((column) => `"${table[column].name}"`).join(', ');
    const row = `(${MESSAGE_COLUMNS.map(() => '?').join(', ')})`;
    text = `insert into "messages" (${names}) values ${Array.from({ length: count }, () => row).join(', ')}`;
    // Sends with many replies are rare: keep the texts of the common counts only.
    if (count <= 4) insertSqlByCount.set(count, text);
  }
  return text;
}

type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };
const wellFormed = (value: string) =>
  (value as WellFormed).isWellFormed() ? value : (value as WellFormed).toWellFormed();
/**
 * The message as storage will hold it: an unpaired UTF-16 surrogate cannot be written as UTF-8
 * (sealed text, the id, the author's name) and comes back as U+FFFD, so it is replaced here and the
 * row answered is the row stored. The protocol refuses such input; this covers text the server
 * composes (a cut fact, a connector's name). One native check per field when nothing is wrong.
 */
function storable(message: NewMessage): NewMessage {
  const text = wellFormed(message.text);
  const authorName = message.authorName == null ? message.authorName : wellFormed(message.authorName);
  const clientMessageId =
    message.clientMessageId == null ? message.clientMessageId : wellFormed(message.clientMessageId);
  return text === message.text &&
    authorName === message.authorName &&
    clientMessageId === message.clientMessageId
    ? message
    : { ...message, text, authorName, clientMessageId };
}

/**
 * The one place messages are stored: a send's messages (the customer's, then the bot's or an
 * agent's replies) of one customer — or a bulk writer's, of several customers of one app — in one
 * statement, in order. Text is sealed with its customer's data key; the rows come back with their
 * text open, as the caller wrote it.
 */
export async function insertMessages(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  given: NewMessage[],
): Promise<OpenMessageRow[]> {
  if (given.length === 0) return [];
  // Every stored card gets its click-through link (issue 19's measured effect): made from the
  // message id, so it is added here, where the id is final.
  const list = given.map((given) => {
    const m = storable(given);
    return m.meta?.card ? { ...m, meta: withClickUrl(deps.config, m.id, m.meta) ?? null } : m;
  });
  const first = list[0]!;
  // One customer's messages (a send) or, from a bulk writer, several customers' of one app.
  const sealerOf = list.every((m) => m.customerId === first.customerId)
    ? (
        (seal) => () =>
          seal
      )(await customerSealer(deps, db, onCommit, first))
    : await customerSealers(
        deps,
        db,
        onCommit,
        first.appId,
        list.map((m) => m.customerId),
      );
  const args: InValue[] = [];
  for (const message of list) {
    for (const column of MESSAGE_COLUMNS) {
      const value = message[column];
      args.push(
        column === 'text'
          ? sealerOf(message.customerId)(message.text)
          : column === 'meta'
            ? value === null
              ? null
              : JSON.stringify(value)
            : (value as InValue),
      );
    }
  }
  // `seq` is the table's integer key (AUTOINCREMENT): the rows got consecutive ones, in VALUES order.
  const { lastInsertRowid } = await rawRun(db, insertMessagesSql(list.length), args);
  const seqs = insertedKeys(lastInsertRowid, list.length);
  return list.map((message, i) => ({ ...message, seq: seqs[i]! }));
}

async function previousResult(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  message: MessageRow,
): Promise<Omit<PostedMessage, 'created'>> {
  const replies = await db
    .select()
    .from(messages)
    // Replies come after the message in its customer's timeline: that index, from the message on.
    .where(
      and(
        eq(messages.customerId, message.customerId),
        gt(messages.seq, message.seq),
        eq(messages.inReplyTo, message.id),
      ),
    )
    .orderBy(asc(messages.seq));
  const [conversation] = await db
    .select()
    .from(conversations)
    .where(eq(conversations.id, message.conversationId));
  const [first, ...rest] = await openMessageRows(deps, [message, ...replies], db);
  return { message: first!, replies: rest, conversation: conversation! };
}

/** Whether the error, or one it wraps (drizzle puts the driver's error in `cause`), matches. */
function hasCause(error: unknown, matches: (e: Error) => boolean): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as Error).cause, depth++) {
    if (matches(e as Error)) return true;
  }
  return false;
}

/** A unique-index violation. */
const isUniqueViolation = (error: unknown) => hasCause(error, (e) => String(e.message).includes('UNIQUE'));

/** An error from the database, as opposed to one from the bot's code. */
const isDatabaseError = (error: unknown) => hasCause(error, (e) => e instanceof LibsqlError);

/** Sends still being answered in this process, per database, by customer and clientMessageId. */
const sendsInFlight = new WeakMap<ServiceDeps['database'], Map<string, Promise<PostedMessage>>>();

/**
 * Stores a customer's message (from a session or a server channel) in the open conversation,
 * publishes it to every session of the customer, then lets the responder answer if the bot owns
 * the conversation. The same clientMessageId again returns the first result and stores nothing.
 */
export async function postCustomerMessage(
  deps: ServiceDeps & { responder: Responder },
  sent: CustomerMessageInput,
): Promise<PostedMessage> {
  // Card numbers never reach storage, the bot, the event log or a ticket.
  const input = { ...sent, text: maskCardNumbers(sent.text) };
  if (!input.clientMessageId) return storeAndAnswer(deps, input);
  const pending = sendsInFlight.get(deps.database) ?? new Map<string, Promise<PostedMessage>>();
  sendsInFlight.set(deps.database, pending);
  const key = `${input.customerId}\n${input.clientMessageId}`;
  // A retry arriving while the bot is still answering the first send waits for that same answer,
  // replies included, instead of reading the message before its replies exist.
  const running = pending.get(key);
  if (running) return { ...(await running), created: false };
  const work = storeAndAnswerOnce(deps, input, key).finally(() => pending.delete(key));
  pending.set(key, work);
  return work;
}

/** How long a send's mark may hold other processes back (the slow path may wait for an LLM). */
const SEND_MARK_TTL_MS = 60_000;

/**
 * With several API processes the retry may land on another one while the first attempt is still
 * being answered there: it waits for that attempt's mark to go, then reads its result (replies
 * included) through the unique index, as a retry in the same process would.
 */
async function storeAndAnswerOnce(
  deps: ServiceDeps & { responder: Responder },
  input: CustomerMessageInput,
  key: string,
): Promise<PostedMessage> {
  if (!deps.inFlight) return storeAndAnswer(deps, input);
  const mark = `send:${key}`;
  const release = await deps.inFlight.claim(mark, SEND_MARK_TTL_MS);
  if (!release) await deps.inFlight.waitUntilFree(mark, SEND_MARK_TTL_MS);
  try {
    return await storeAndAnswer(deps, input);
  } finally {
    release?.();
  }
}

async function storeAndAnswer(
  deps: ServiceDeps & { responder: Responder },
  input: CustomerMessageInput,
): Promise<PostedMessage> {
  // The fast path: what answering needs (the app's engine) is loaded before the transaction, and
  // the answer is decided inside it, so the message, the replies, their events and the
  // conversation update commit together, in one round of the write queue.
  let inline: InlineResponder | null = null;
  if (deps.responder.prepare) {
    try {
      inline = await deps.responder.prepare(input.appId);
    } catch (error) {
      deps.logger.error('responder failed', { error: String(error) });
    }
  }
  // Topics raised while an agent holds the conversation are contacts too (insights): what the bot
  // does not answer is labelled with its intent from the same engine, inside the transaction.
  let labeler: IntentLabeler | null = null;
  if (deps.responder.labeler) {
    try {
      labeler = await deps.responder.labeler(input.appId);
    } catch (error) {
      deps.logger.error('responder failed', { error: String(error) });
    }
  }
  const { posted: stored, answered } = await deps.database
    .write(async (db, onCommit) => {
      // No look-up first: the unique index on (customer, clientMessageId) refuses a repeat, this
      // write rolls back (its own savepoint), and the catch below answers with the first result.
      const now = deps.clock.now();
      // Read now and written once, at the end, with the bot's decision: the touch (last channel,
      // updatedAt) and the bot's memory share one UPDATE. The bot sees the row as touched.
      let open = await readOpenConversation(deps, db, input.customerId);
      if (!open) {
        // A merged-away customer has no open conversation (the merge moved them all), so only here
        // can the session have been authenticated before a merge that committed since: the send is
        // the survivor's (stored, streamed and retried under its id), not a new conversation of a
        // customer nobody sees again. \`input\` is this send's own copy (postCustomerMessage).
        const survivor = await survivingCustomerId(db, input.appId, input.customerId);
        if (survivor !== input.customerId) {
          input.customerId = survivor;
          open = await readOpenConversation(deps, db, survivor);
          open ??= await openConversation(deps, db, input.appId, input.customerId, input.channel);
        } else {
          open = await openNewConversation(deps, db, onCommit, input);
        }
      }
      const conversation: ConversationRow = { ...open, lastChannel: input.channel, updatedAt: now };
      const messageId = createSortableId('msg', now);

      // Decided in this transaction, so an agent's claim either committed before (the bot stays
      // quiet) or waits behind it.
      let decision: ResponderDecision | null = null;
      // "stop" / "退订": a string check on every send. A stop reply is answered by its fixed
      // confirmation (below), never by the bot, which would treat it as a question.
      const stop = deps.followUps?.isStopReply(input.text, input.channel) ?? false;
      if (inline && conversation.status === 'bot' && !stop) {
        try {
          decision = await inline({
            appId: input.appId,
            customerId: input.customerId,
            conversation,
            text: input.text,
            channel: input.channel,
            db,
            onCommit,
          });
        } catch (error) {
          // A database error aborts the whole send (nothing stored, the client retries); a failing
          // bot must not turn a stored message into an error.
          if (isDatabaseError(error)) throw error;
          deps.logger.error('responder failed', { error: String(error) });
          decision = { replies: [] };
        }
      }
      let intent: string | null = null;
      if (labeler && conversation.status !== 'bot' && !stop) {
        try {
          intent = labeler({ text: input.text, channel: input.channel, conversation });
        } catch (error) {
          deps.logger.error('responder failed', { error: String(error) });
        }
      }

      const values: NewMessage[] = [
        {
          id: messageId,
          appId: input.appId,
          customerId: input.customerId,
          conversationId: conversation.id,
          channel: input.channel,
          authorType: 'customer',
          authorId: null,
          authorName: input.authorName ?? null,
          text: input.text,
          clientMessageId: input.clientMessageId ?? null,
          inReplyTo: null,
          intent,
          meta: null,
          createdAt: now,
        },
      ];
      for (const reply of decision?.replies ?? []) {
        const at = deps.clock.now();
        values.push({
          id: reply.id ?? createSortableId('msg', at),
          appId: input.appId,
          customerId: input.customerId,
          conversationId: conversation.id,
          channel: input.channel,
          authorType: 'bot',
          authorId: null,
          authorName: null,
          text: reply.text,
          clientMessageId: null,
          inReplyTo: messageId,
          intent: reply.intent ?? null,
          meta: reply.meta ?? null,
          createdAt: at,
        });
      }
      if (stop && deps.followUps) {
        const at = deps.clock.now();
        values.push({
          id: createSortableId('msg', at),
          appId: input.appId,
          customerId: input.customerId,
          conversationId: conversation.id,
          channel: input.channel,
          authorType: 'system',
          authorId: null,
          authorName: null,
          text: deps.followUps.stopConfirmation(input.text),
          clientMessageId: null,
          inReplyTo: messageId,
          intent: null,
          meta: { marketingOptOut: true },
          createdAt: at,
        });
      }
      const rows = await insertMessages(deps, db, onCommit, values);
      // The opt-out, its confirmation and the customer's message commit together.
      if (stop) await deps.followUps?.setMarketingOptOut(db, onCommit, input, true);
      await appendEvents(
        deps,
        db,
        onCommit,
        rows.map((row) => ({
          appId: input.appId,
          customerId: input.customerId,
          type: 'message.created',
          data: toWireMessage(row),
          messageId: row.id,
        })),
      );
      const [message, ...replies] = rows;
      const posted: PostedMessage = { message: message!, replies, conversation, created: true };
      posted.conversation = await applyDecision(
        deps,
        db,
        onCommit,
        conversation,
        input.channel,
        decision ?? { replies: [] },
        // The channel is set only when it changes: the column is in the queue index, and setting
        // it to the same value still rewrites that index entry (issue 18).
        open.lastChannel !== input.channel,
      );
      return { posted, answered: decision !== null || stop };
    })
    .catch(async (error: unknown) => {
      // A repeated clientMessageId (an earlier send, or another process racing this one): the
      // unique index kept the first, and nothing of this attempt was committed.
      if (input.clientMessageId && isUniqueViolation(error)) {
        const existing = await findByClientMessageId(
          deps.database.db,
          input.customerId,
          input.clientMessageId,
        );
        if (existing)
          return {
            posted: { ...(await previousResult(deps, deps.database.db, existing)), created: false },
            answered: true,
          };
      }
      throw error;
    });

  if (answered || !stored.created || stored.conversation.status !== 'bot') return stored;

  // The slow path (no inline responder, LLM streaming, tickets): answer after the commit.
  const customer = await getCustomer(deps.database.db, input.appId, input.customerId);
  let decision: Awaited<ReturnType<Responder['respond']>>;
  try {
    decision = await deps.responder.respond({
      appId: input.appId,
      customer,
      conversation: stored.conversation,
      message: stored.message,
    });
  } catch (error) {
    // The customer's message is stored and acknowledged; a failing bot must not turn that into an error.
    deps.logger.error('responder failed', { error: String(error) });
    return stored;
  }
  if (decision.replies.length === 0 && !decision.escalate && !decision.context) return stored;
  return { ...stored, ...(await postBotReplies(deps, customer, stored, decision)) };
}

/**
 * Stores the bot's memory and, when it hands over, queues the conversation and says so. With
 * `touch` (a customer's send on another channel than the last) it also sets the last channel: one UPDATE of the row
 * per send.
 */
const decideSqlByShape = new Map<string, string>();

async function applyDecision(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  current: ConversationRow,
  channel: string,
  decision: ResponderDecision,
  touch = false,
): Promise<ConversationRow> {
  const now = deps.clock.now();
  const withContext = !!decision.context;
  const escalate = !!decision.escalate;
  // One UPDATE … RETURNING per shape of decision, run raw (see readOpenConversation).
  const key = `${withContext}.${escalate}.${touch}`;
  let statement = decideSqlByShape.get(key);
  if (statement === undefined) {
    const sets = [
      '"updated_at" = ?',
      ...(touch ? ['"last_channel" = ?'] : []),
      ...(withContext ? ['"context" = ?'] : []),
      ...(escalate ? [`"status" = 'queued'`, '"waiting_since" = ?'] : []),
    ];
    // Without a hand-over the row is known: `current` was read in this same write, and nothing
    // between that read and here writes a conversation row (no trigger on the table either), so
    // it is built from what is set instead of read back and decoded again, and the statement
    // returns nothing (RETURNING costs; see rawRun). Issue 18.
    // Marked: it changes only this conversation's row, whose entry in `knownConversations` it keeps.
    statement = escalate
      ? `update "conversations" set ${sets.join(', ')} where "id" = ? returning ${conversationRow.selectList()}`
      : `${CALLER_KEEPS_CACHE}update "conversations" set ${sets.join(', ')} where "id" = ?`;
    decideSqlByShape.set(key, statement);
  }
  const args: InValue[] = [now];
  if (touch) args.push(channel);
  const context = withContext ? JSON.stringify({ ...current.context, ...decision.context }) : undefined;
  if (context !== undefined) args.push(context);
  if (escalate) args.push(now);
  args.push(current.id);
  if (!escalate) {
    const after: ConversationRow = {
      ...current,
      updatedAt: now,
      ...(touch ? { lastChannel: channel } : {}),
      // As the column decodes it (a value JSON leaves out is not in the stored row either).
      ...(context !== undefined ? { context: JSON.parse(context) as ConversationRow['context'] } : {}),
    };
    const { rowsAffected } = await writeKnownConversation(
      deps,
      onCommit,
      current.customerId,
      () => rawRun(db, statement, args),
      // Kept only with the memory just written: what the bot got (`current.context`) it may have
      // changed in place, and then it would not be the stored row's.
      () => (context !== undefined ? after : null),
    );
    if (rowsAffected !== 1) throw new Error(`conversation ${current.id} is gone`);
    return after;
  }
  const [row] = await rawRows(db, statement, args);
  const updated = row ? conversationRow.read(row) : undefined;
  if (decision.escalate) {
    // The bot hands over: the agent who picks it up reads the summary first.
    updated!.summary = await refreshHandoffSummary(deps, db, onCommit, updated!, {
      reason: 'escalation',
      fromChannel: channel,
      now,
    });
    return announceQueued(deps, db, onCommit, updated!, { channel, reason: 'bot_handover' });
  }
  return updated!;
}

async function postBotReplies(
  deps: ServiceDeps,
  customer: CustomerRow,
  stored: PostedMessage,
  decision: { replies: BotReply[]; escalate?: boolean; context?: Record<string, unknown> },
): Promise<Pick<PostedMessage, 'replies' | 'conversation'>> {
  return deps.database.write(async (db, onCommit) => {
    const [current] = await db
      .select()
      .from(conversations)
      .where(eq(conversations.id, stored.conversation.id));
    // An agent may have claimed the conversation while the bot was thinking: then it stays quiet.
    if (current?.status !== 'bot') return { replies: [], conversation: current ?? stored.conversation };
    // The customer may have been merged into another while the bot was thinking: the conversation
    // (and the question) moved to them, so the reply belongs to the conversation's customer now,
    // not to the merged-away id read before — or nobody's timeline, stream or retry would show it.
    const customerId = current.customerId;
    const replies = await insertMessages(
      deps,
      db,
      onCommit,
      decision.replies.map((reply) => {
        const at = deps.clock.now();
        return {
          id: reply.id ?? createSortableId('msg', at),
          appId: customer.appId,
          customerId,
          conversationId: current.id,
          channel: stored.message.channel,
          authorType: 'bot' as const,
          authorId: null,
          authorName: null,
          text: reply.text,
          clientMessageId: null,
          inReplyTo: stored.message.id,
          intent: reply.intent ?? null,
          meta: reply.meta ?? null,
          createdAt: at,
        };
      }),
    );
    await appendEvents(
      deps,
      db,
      onCommit,
      replies.map((row) => ({
        appId: customer.appId,
        customerId,
        type: 'message.created',
        data: toWireMessage(row),
        messageId: row.id,
      })),
    );
    const updated = await applyDecision(deps, db, onCommit, current, stored.message.channel, decision);
    return { replies, conversation: updated };
  });
}

export interface StaffMessageInput {
  conversation: Pick<ConversationRow, 'id' | 'appId' | 'customerId'>;
  channel: string;
  author: { type: 'agent' | 'system'; id: string | null; name: string | null };
  text: string;
  clientMessageId?: string;
  /** What rides along: a link card (`{ card }`) an agent sends. */
  meta?: Record<string, unknown> | null;
}

/**
 * Stores a message written by an agent (or the system) in the caller's transaction and publishes
 * it to every session of the customer once that commits. The same clientMessageId for the same
 * customer returns the first message (`created: false`) and stores nothing.
 */
export async function postStaffMessage(
  deps: Pick<ServiceDeps, 'clock' | 'bus' | 'database' | 'sealer' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  input: StaffMessageInput,
): Promise<{ message: MessageRow; created: boolean }> {
  const { conversation } = input;
  if (input.clientMessageId) {
    const existing = await findByClientMessageId(db, conversation.customerId, input.clientMessageId);
    if (existing) {
      if (existing.authorType !== input.author.type || existing.authorId !== input.author.id)
        throw new ApiError('conflict', 'This clientMessageId was already used for another message.');
      const [opened] = await openMessageRows(deps, [existing], db);
      return { message: opened!, created: false };
    }
  }
  const now = deps.clock.now();
  const [row] = await insertMessages(deps, db, onCommit, [
    {
      id: createSortableId('msg', now),
      appId: conversation.appId,
      customerId: conversation.customerId,
      conversationId: conversation.id,
      channel: input.channel,
      authorType: input.author.type,
      authorId: input.author.id,
      authorName: input.author.name,
      // Card numbers never reach storage, whoever types them.
      text: maskCardNumbers(input.text),
      clientMessageId: input.clientMessageId ?? null,
      inReplyTo: null,
      intent: null,
      meta: input.meta ?? null,
      createdAt: now,
    },
  ]);
  await appendEvent(deps, db, onCommit, {
    appId: conversation.appId,
    customerId: conversation.customerId,
    type: 'message.created',
    data: toWireMessage(row!),
    messageId: row!.id,
  });
  return { message: row!, created: true };
}

/** The newest message of each conversation, for inbox rows (texts opened with their customers' keys). */
export async function lastMessagesOf(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  conversationIds: string[],
): Promise<Map<string, Message>> {
  const found = new Map<string, Message>();
  if (conversationIds.length === 0) return found;
  const newest = db
    .select({ seq: sql<number>`max(${messages.seq})` })
    .from(messages)
    .where(inArray(messages.conversationId, conversationIds))
    .groupBy(messages.conversationId);
  const rows = await openMessageRows(
    deps,
    await db.select().from(messages).where(inArray(messages.seq, newest)),
    db,
  );
  for (const row of rows) found.set(row.conversationId, toWireMessage(row));
  return found;
}

/** Which channels a customer has written or been answered on, with counts and first/last use. */
export async function channelsUsedBy(db: Db, customerId: string) {
  const rows = await db
    .select({
      channel: messages.channel,
      messages: sql<number>`count(*)`,
      firstAt: sql<number>`min(${messages.createdAt})`,
      lastAt: sql<number>`max(${messages.createdAt})`,
    })
    .from(messages)
    .where(eq(messages.customerId, customerId))
    .groupBy(messages.channel)
    .orderBy(sql`min(${messages.createdAt})`);
  return rows.map((r) => ({
    channel: r.channel,
    messages: Number(r.messages),
    firstAt: iso(Number(r.firstAt)),
    lastAt: iso(Number(r.lastAt)),
  }));
}

/**
 * One page of the customer's cross-channel timeline, oldest first; `before` walks back. Read
 * outside a write transaction, it first settles writes deferred past an ack (livestream questions,
 * see db/deferred-writes.ts), so the page shows everything acknowledged before the call.
 */
export async function timelinePage(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  customerId: string,
  options: { before?: string; limit: number },
): Promise<TimelinePage> {
  let beforeSeq: number | undefined;
  if (options.before !== undefined) {
    if (!/^\d{1,15}$/.test(options.before)) {
      throw new ApiError('validation_failed', 'before must be a cursor returned as nextBefore.');
    }
    beforeSeq = Number(options.before);
  }
  // A remote write's own handle: already inside a transaction, where settling would wait on itself.
  if (db === deps.database.db) await settleDeferredWrites(deps.database);
  const rows = await db
    .select()
    .from(messages)
    .where(
      beforeSeq === undefined
        ? eq(messages.customerId, customerId)
        : and(eq(messages.customerId, customerId), lt(messages.seq, beforeSeq)),
    )
    .orderBy(desc(messages.seq))
    .limit(options.limit + 1);
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit).reverse();
  return {
    messages: await toWireMessages(deps, page, db),
    nextBefore: hasMore && page[0] ? String(page[0].seq) : null,
  };
}
