import {
  isPlainString,
  isStorableText,
  LIVE_BATCH_MAX_ITEMS,
  type LiveCommentBatch,
  type LiveCommentBatchAnswer,
  type LiveCommentRefusal,
  liveCommentItem,
} from '@threadline/sdk-core/protocol';
import { between } from 'drizzle-orm';
import type { AppRow } from '../apps';
import { bulkInsert, bulkInsertWith } from '../db/bulk-insert';
import type { Db } from '../db/database';
import { customerSealers, sealAhead } from '../identity';
import { maskCardNumbers } from '../platform/card-numbers';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import type { CommentReading, LiveQuestionInfo } from './comment-reader';
import type { EscalatedComment } from './escalations';
import { WINDOW_SEC, type WindowComment } from './hot-questions';
import type { LiveRuntime } from './live-runtime';
import { ensureRoom, viewerKindOf } from './rooms';
import { liveComments, liveQuestions, liveTimelineQueue } from './schema';
import { forgetQueued, type RememberedQuestion, rememberQueued } from './timeline-drain';
import { cachedViewer, resolveViewers } from './viewers';

/** Older than this, `at` is refused: a room's comments are of the last day (and seconds are not milliseconds). */
const MAX_AGE_MS = 24 * 3600_000;
/** How old a batch's newest comment may be on arrival before the batch is taken as late and moved to now. */
const SKEW_GRACE_MS = 5000;

const FIELD_CODES: Record<string, LiveCommentRefusal['code']> = {
  id: 'invalid_id',
  viewerId: 'invalid_viewer_id',
  nickname: 'invalid_nickname',
  text: 'invalid_text',
  at: 'invalid_at',
};

interface Item {
  id: string;
  viewerId: string;
  nickname: string | null;
  text: string;
  at: number;
  reading: CommentReading;
  /** The timeline message this comment becomes (a question's first ask in the window), else null. */
  messageId: string | null;
  /** Set in the transaction: the viewer's customer, the sealed text, the log's sequence number (0: a repeat). */
  customerId: string;
  sealed: string;
  seq: number;
}

export interface IngestOutcome extends LiveCommentBatchAnswer {
  /** Why some items were refused (drives the 4xx), or null when all were taken. */
  refusedBecause: 'batch_too_large' | 'items_refused' | null;
}

const LIVE_COMMENT_COLUMNS = [
  'roomId',
  'itemId',
  'viewerId',
  'customerId',
  'nickname',
  'text',
  'at',
  'kind',
  'questionKey',
  'escalation',
  'intent',
  'messageId',
] as const;

/**
 * `POST /v1/channels/:channel/comments`: checks each item on its own (a malformed item or one past
 * the 1,000th is refused by id; the rest is kept), understands the texts (cached: livestream
 * comments repeat), then writes the batch in one transaction — viewers found or created in bulk,
 * every comment in the room log (idempotent per item id), new questions queued for their timelines —
 * and after the commit hands the new comments to the room's windows and escalations to agents.
 * No realtime event is sent per comment. A new question's timeline message is queued in the
 * transaction and written by the timeline drain after the ack (timeline-drain.ts).
 *
 * Written for a flood (tens of thousands of comments a second): one object per comment, filled in
 * place; statements take their arguments straight from it; nothing is looked up by item id.
 */
export async function ingestCommentBatch(
  deps: ServiceDeps,
  runtime: LiveRuntime,
  input: { app: AppRow; channel: string; batch: LiveCommentBatch },
): Promise<IngestOutcome> {
  const { app, channel, batch } = input;
  const kind = viewerKindOf(app, channel);
  const now = deps.clock.now();

  const refused: LiveCommentRefusal[] = [];
  const items: Item[] = [];
  const seen = new Set<string>();
  let repeatsInBatch = 0;
  const rawItems = batch.items;
  for (let index = 0; index < rawItems.length; index++) {
    const raw = rawItems[index];
    if (index >= LIVE_BATCH_MAX_ITEMS) {
      refused.push({
        id: idOf(raw),
        index,
        code: 'batch_too_large',
        message: `A batch takes at most ${LIVE_BATCH_MAX_ITEMS} items; send this one again in the next batch.`,
      });
      continue;
    }
    let item = readItemFast(raw);
    if (!item) {
      // The schema has the last word, and says what is wrong.
      const parsed = liveCommentItem.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = typeof issue.path[0] === 'string' ? issue.path[0] : '';
        refused.push({
          id: idOf(raw),
          index,
          code: FIELD_CODES[field] ?? 'invalid_item',
          message: describe(field, issue.message),
        });
        continue;
      }
      const at = parsed.data.at;
      item = { ...parsed.data, at: typeof at === 'number' ? at : Date.parse(at) };
    }
    if (seen.has(item.id)) {
      repeatsInBatch++;
      continue;
    }
    if (item.at < now - MAX_AGE_MS) {
      // Most often seconds sent for milliseconds (the platforms' own create_time is in seconds).
      refused.push({
        id: item.id,
        index,
        code: 'invalid_at',
        message:
          item.at < 100_000_000_000
            ? 'at: more than a day old — looks like Unix seconds; send Unix milliseconds or ISO 8601 with an offset.'
            : 'at: more than a day old; a room takes comments of the last 24 hours.',
      });
      continue;
    }
    seen.add(item.id);
    items.push({
      id: item.id,
      viewerId: item.viewerId,
      nickname: item.nickname || null,
      // Card numbers never reach storage, the engine or a room answer.
      text: maskCardNumbers(item.text),
      at: item.at,
      reading: UNREAD,
      messageId: null,
      customerId: '',
      sealed: '',
      seq: 0,
    });
  }
  // The connector's clock is trusted for the order and spacing of its comments, not for the hour.
  // Ahead of ours, a comment is pulled back to now. A batch whose newest comment is already older
  // than SKEW_GRACE_MS on arrival (a connector clock running behind, or a batch held up by an outage)
  // is moved forward as a whole, so its newest comment lands now: otherwise it would miss the
  // 10-second and 1-minute windows that make a question hot, and its askers would never be
  // answered. Batches late by more than the 15-minute window are history: kept as they are.
  let newest = Number.NEGATIVE_INFINITY;
  for (const item of items) if (item.at > newest) newest = item.at;
  const lag = now - newest;
  const shift = lag > SKEW_GRACE_MS && lag <= WINDOW_SEC * 1000 ? lag : 0;
  for (const item of items) item.at = Math.min(item.at + shift, now);

  const refusedBecause = refused.some((r) => r.code === 'batch_too_large')
    ? 'batch_too_large'
    : refused.length > 0
      ? 'items_refused'
      : null;
  if (items.length === 0) {
    // Still a known room of a known channel, so a connector learns about a bad room id at once.
    await ensureRoom(deps, app, channel, batch.roomId);
    return { accepted: repeatsInBatch, duplicates: repeatsInBatch, refused, refusedBecause };
  }

  const [engine, { room, storedKeys, window }] = await Promise.all([
    runtime.engines.get(app.id),
    runtime.openRoom(app, channel, batch.roomId),
  ]);
  const context = { channel, shelfProductId: room.shelf.productIds[0] ?? null };
  // A question joins the asker's timeline once per window: asking again ("券怎么领？？") adds a count, not a message.
  const askedNow = new Set<string>();
  const newQuestions = new Map<string, LiveQuestionInfo>();
  const batchQuestions = new Map<string, LiveQuestionInfo>();
  let askedCount = 0;
  for (const item of items) {
    const reading = runtime.reader.read(engine, item.text, context);
    item.reading = reading;
    const question = reading.question;
    if (!question) continue;
    const asked = `${question.key}\n${item.viewerId}`;
    if (!askedNow.has(asked) && !window.hasAsked(question.key, item.viewerId, item.at)) {
      item.messageId = createSortableId('msg', item.at);
      askedCount++;
    }
    askedNow.add(asked);
    batchQuestions.set(question.key, question);
    if (!storedKeys.has(question.key)) newQuestions.set(question.key, question);
  }

  // The batch's texts are sealed ahead, on the sealing thread, for the customers and keys this
  // process has cached, while this thread goes on (often with the previous batch's statements);
  // the transaction keeps each value only where its viewer is that customer with that key.
  const guess = cachedViewer(deps.database, app.id, kind);
  const ahead = sealAhead(
    deps,
    items.map((item) => guess(item.viewerId)),
    items.map((item) => item.text),
  );
  let remembered: RememberedQuestion[] | null = null;
  const writeBatch = async (db: Db, onCommit: (callback: () => void) => void): Promise<number> => {
    const nicknames = new Map<string, string | null>();
    for (const item of items)
      if (!nicknames.has(item.viewerId) || item.nickname) nicknames.set(item.viewerId, item.nickname);
    const { customerOf, identityChanges } = await resolveViewers(deps, db, onCommit, app.id, kind, nicknames);
    // The viewer's words are sealed with their data key (an erase makes them unreadable); a
    // question's message reuses its comment's ciphertext. A batch's values are sealed on the
    // sealing thread (seal-thread.ts) and awaited here: nothing is stored unsealed.
    const sealFor = await customerSealers(deps, db, onCommit, app.id, customerOf.values());
    const customerIds = new Array<string>(items.length);
    const texts = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      item.customerId = customerOf.get(item.viewerId)!;
      item.seq = 0;
      customerIds[i] = item.customerId;
      texts[i] = item.text;
    }
    const sealed = await sealFor.many(customerIds, texts, ahead ?? undefined);
    for (let i = 0; i < items.length; i++) items[i]!.sealed = sealed[i]!;

    const chunks = await bulkInsertWith(
      db,
      { table: liveComments, columns: LIVE_COMMENT_COLUMNS, skipConflicts: true, shared: [room.id] },
      items.length,
      (r, args) => {
        const item = items[r]!;
        const reading = item.reading;
        args.push(
          item.id,
          item.viewerId,
          item.customerId,
          item.nickname,
          item.sealed,
          item.at,
          reading.kind,
          reading.question?.key ?? null,
          reading.escalation,
          reading.intent,
          item.messageId,
        );
      },
    );
    // Each statement's new rows got consecutive sequence numbers; where an id was stored before
    // (a retry), read back which rows of that statement went in.
    let freshCount = 0;
    for (const chunk of chunks) {
      if (chunk.inserted === chunk.size) {
        for (let r = 0; r < chunk.size; r++)
          items[chunk.offset + r]!.seq = chunk.lastRowid - chunk.size + 1 + r;
        freshCount += chunk.size;
      } else if (chunk.inserted > 0) {
        const rows = await db
          .select({ seq: liveComments.seq, itemId: liveComments.itemId })
          .from(liveComments)
          .where(between(liveComments.seq, chunk.lastRowid - chunk.inserted + 1, chunk.lastRowid));
        const seqOf = new Map(rows.map((row) => [row.itemId, row.seq]));
        for (let r = chunk.offset; r < chunk.offset + chunk.size; r++) {
          const item = items[r]!;
          item.seq = seqOf.get(item.id) ?? 0;
          if (item.seq) freshCount++;
        }
      }
    }

    if (newQuestions.size > 0) {
      await bulkInsert(
        db,
        {
          table: liveQuestions,
          columns: [
            'roomId',
            'key',
            'label',
            'intent',
            'articleId',
            'productId',
            'answer',
            'rounds',
            'createdAt',
          ],
          skipConflicts: true,
        },
        [...newQuestions.values()].map((q) => [
          room.id,
          q.key,
          q.label,
          q.intent,
          q.articleId,
          q.productId,
          q.answer,
          0,
          now,
        ]),
      );
    }

    // A new question's timeline message is written after the ack, from this log (see
    // timeline-drain.ts): queued here, in the batch's transaction, so it cannot be lost.
    const asked: Item[] = [];
    if (askedCount > 0) for (const item of items) if (item.messageId && item.seq) asked.push(item);
    if (asked.length > 0) {
      await bulkInsertWith(
        db,
        { table: liveTimelineQueue, columns: ['seq'], skipConflicts: true },
        asked.length,
        (r, args) => {
          args.push(asked[r]!.seq);
        },
      );
      // …and handed to this process's drain as written, so it need not read them back. Not for
      // an `anonymous` kind: a merge leaves those identities behind, so the counter would not move.
      if (runtime.timelineFromMemory && kind !== 'anonymous') {
        remembered = asked.map(
          (item): RememberedQuestion => ({
            seq: item.seq,
            roomId: room.id,
            viewerId: item.viewerId,
            customerId: item.customerId,
            nickname: item.nickname,
            text: item.sealed,
            intent: item.reading.intent,
            messageId: item.messageId!,
            itemId: item.id,
            at: item.at,
            appId: room.appId,
            channel: room.channel,
            platformRoomId: room.platformRoomId,
            committed: false,
          }),
        );
        rememberQueued(deps.database, onCommit, identityChanges, remembered);
      }
    }
    return freshCount;
  };
  // The drain's entries go with a batch that does not commit (timeline-drain.ts, QueueMemory).
  let written: number;
  try {
    written = await deps.database.write(writeBatch);
  } catch (error) {
    if (remembered) forgetQueued(deps.database, remembered);
    throw error;
  }

  const comments: WindowComment[] = [];
  const escalated: EscalatedComment[] = [];
  for (const item of items) {
    if (!item.seq) continue;
    const reading = item.reading;
    comments.push({
      seq: item.seq,
      viewerId: item.viewerId,
      customerId: item.customerId,
      nickname: item.nickname,
      text: item.text,
      at: item.at,
      kind: reading.kind,
      questionKey: reading.question?.key ?? null,
      messageId: item.messageId,
    });
    if (reading.kind === 'escalation') {
      escalated.push({
        seq: item.seq,
        itemId: item.id,
        customerId: item.customerId,
        nickname: item.nickname,
        text: item.text,
        at: item.at,
        reason: reading.escalation ?? 'complaint',
        intent: reading.intent,
      });
    }
  }
  // Statements ran in batch order, so sequence numbers rise with it; a retry's rows may not.
  for (let i = 1; i < comments.length; i++) {
    if (comments[i]!.seq < comments[i - 1]!.seq) {
      comments.sort((a, b) => a.seq - b.seq);
      break;
    }
  }
  runtime.committed(room, { questions: [...batchQuestions.values()], comments }, escalated);

  const duplicates = items.length - written + repeatsInBatch;
  return { accepted: items.length + repeatsInBatch, duplicates, refused, refusedBecause };
}

/** Before reading: a placeholder that keeps every item the same shape. */
const UNREAD: CommentReading = { kind: 'filler', question: null, escalation: null, intent: null };

// A strict subset of what z.iso.datetime({ offset: true }) accepts, for the fast path below.
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Unix ms of a well-formed ISO 8601 time with an offset, or null (then the schema decides). */
function isoMs(value: string): number | null {
  const match = ISO_WITH_OFFSET.exec(value);
  if (!match) return null;
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Day 0 of the next month is the last day of this one.
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > new Date(Date.UTC(Number(match[1]), month, 0)).getUTCDate()
  ) {
    return null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The common case — a well-formed item — checked by hand: running the zod schema on each of a
 * thousand items per batch was a measurable share of ingestion. Anything this does not accept goes
 * to the schema (liveCommentItem), which decides and explains; this never accepts what it refuses.
 */
function readItemFast(
  raw: unknown,
): { id: string; viewerId: string; nickname?: string; text: string; at: number } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { id, viewerId, nickname, text, at } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || !isPlainString(id)) return null;
  if (typeof viewerId !== 'string' || typeof text !== 'string') return null;
  if (
    nickname !== undefined &&
    (typeof nickname !== 'string' || nickname.length > 64 || !isPlainString(nickname))
  )
    return null;
  const viewer = viewerId.trim();
  if (viewer.length === 0 || viewer.length > 256 || text.length > 500 || !isStorableText(text)) return null;
  let ms: number;
  if (typeof at === 'number') {
    if (!Number.isSafeInteger(at) || at < 0 || at > 8_640_000_000_000_000) return null;
    ms = at;
  } else {
    const parsed = typeof at === 'string' ? isoMs(at) : null;
    if (parsed === null) return null;
    ms = parsed;
  }
  return { id, viewerId: viewer, nickname: nickname as string | undefined, text, at: ms };
}

function idOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : null;
}

function describe(field: string, message: string): string {
  return field ? `${field}: ${message}` : message;
}
