import type { LiveReplyPayload } from '@threadline/sdk-core/protocol';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { bulkInsertWith, selectIn } from '../db/bulk-insert';
import type { Db } from '../db/database';
import { messages } from '../db/schema';
import { customerSealers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, createSortableId } from '../platform/secrets';
import type { LiveQuestionInfo } from './comment-reader';
import { type Asker, WINDOW_SEC } from './hot-questions';
import type { LiveRoomRow } from './rooms';
import { liveMentions, liveQuestions, liveReplies, liveRooms } from './schema';
import { drainTimelineIn, roomConversationId } from './timeline-drain';

/** Said under the later @-batches of a round: the answer itself went out in the first message. */
const SEE_ABOVE = '同问的宝子看上面的回答哦👆';

/** A bus notice that viewers were @-mentioned: every process's windows stop counting them as waiting. */
export interface AnsweredNotice {
  questionKey: string;
  viewerIds: string[];
  at: number;
  round: number;
  /** The reply that @-mentioned them; null when the log showed they had been answered already. */
  replyId: string | null;
}

/** The room messages of one round: the answer with the first @-batch, then @-batches pointing up. */
export function composeRoomMessages(
  answer: string,
  askers: { viewerId: string; nickname: string | null }[],
  perMessage: number,
): LiveReplyPayload['messages'] {
  const out: LiveReplyPayload['messages'] = [];
  for (let i = 0; i < askers.length; i += perMessage) {
    const batch = askers.slice(i, i + perMessage);
    const tags = batch
      .filter((a) => a.nickname)
      .map((a) => `@${a.nickname}`)
      .join(' ');
    const body = i === 0 ? answer : SEE_ABOVE;
    out.push({ text: tags ? `${tags} ${body}` : body, mentions: batch });
  }
  return out;
}

/**
 * One answer round for a question, in one transaction: claims the round (a compare-and-set on the
 * question's last round, so one process runs it), records the reply for the callback outbox and
 * who was @-mentioned, and puts the answer in each asker's timeline (their room conversation, in
 * reply to their latest ask). Returns null when the round was already taken.
 */
export async function recordAnswerRound(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'config'>,
  input: {
    room: LiveRoomRow;
    question: LiveQuestionInfo;
    waiting: { viewerId: string; asker: Asker }[];
    replyUrl: string | null;
    mentionsPerMessage: number;
    intervalMs: number;
    onCommit: (notice: AnsweredNotice) => void;
  },
): Promise<AnsweredNotice | null> {
  const { room, question } = input;
  if (!question.answer || input.waiting.length === 0) return null;
  const answer = question.answer;
  return deps.database.write(async (db, onCommit) => {
    // The askers' questions go on their timelines first (they may still be queued after the ack):
    // the answer replies to them, opens their room conversations, and follows them in timeline order.
    await drainTimelineIn(deps.database, db, onCommit);
    const now = deps.clock.now();
    // The log has the last word on who was answered: another API process may have @-mentioned some
    // of these viewers in a round its bus notice has not brought here yet (or before a restart).
    const mentioned = new Set(
      (
        await selectIn(
          db,
          {
            select: 'viewer_id',
            from: 'live_mentions',
            where: 'room_id = ? and question_key = ? and at > ?',
            whereArgs: [room.id, question.key, now - WINDOW_SEC * 1000],
            column: 'viewer_id',
          },
          input.waiting.map((w) => w.viewerId),
        )
      ).map((row) => row[0] as string),
    );
    const waiting = input.waiting.filter((w) => !mentioned.has(w.viewerId));
    if (waiting.length === 0) {
      // Every one of them was answered already: no round; this process's windows learn it.
      onCommit(() =>
        input.onCommit({
          questionKey: question.key,
          viewerIds: [...mentioned],
          at: now,
          round: 0,
          replyId: null,
        }),
      );
      return null;
    }
    const [claimed] = await db
      .update(liveQuestions)
      .set({ lastRoundAt: now, rounds: sql`${liveQuestions.rounds} + 1` })
      .where(
        and(
          eq(liveQuestions.roomId, room.id),
          eq(liveQuestions.key, question.key),
          or(isNull(liveQuestions.lastRoundAt), lte(liveQuestions.lastRoundAt, now - input.intervalMs)),
        ),
      )
      .returning({ rounds: liveQuestions.rounds });
    if (!claimed) return null;

    const replyId = createId('lrp');
    const askers = waiting.map(({ viewerId, asker }) => ({ viewerId, nickname: asker.nickname }));
    const payload: LiveReplyPayload = {
      id: replyId,
      type: 'room.answer',
      channel: room.channel,
      roomId: room.platformRoomId,
      question: questionRef(question),
      answer,
      messages: composeRoomMessages(answer, askers, input.mentionsPerMessage),
      createdAt: iso(now),
    };
    await db.insert(liveReplies).values({
      id: replyId,
      appId: room.appId,
      roomId: room.id,
      questionKey: question.key,
      type: 'room.answer',
      url: input.replyUrl,
      payload,
      mentions: askers.length,
      status: input.replyUrl ? 'pending' : 'no_reply_url',
      nextAttemptAt: input.replyUrl ? now : null,
      createdAt: now,
    });
    await bulkInsertWith(
      db,
      {
        table: liveMentions,
        columns: ['roomId', 'questionKey', 'replyId', 'at', 'viewerId'],
        skipConflicts: true,
        shared: [room.id, question.key, replyId, now],
      },
      askers.length,
      (r, args) => {
        args.push(askers[r]!.viewerId);
      },
    );
    await answerInTimelines(deps, db, onCommit, room, question, answer, waiting, now);
    const notice: AnsweredNotice = {
      questionKey: question.key,
      viewerIds: askers.map((a) => a.viewerId),
      at: now,
      round: claimed.rounds,
      replyId,
    };
    onCommit(() => input.onCommit(notice));
    return notice;
  });
}

/** The room answer as a bot message in each asker's room conversation, so their timeline has it too. */
async function answerInTimelines(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  room: LiveRoomRow,
  question: LiveQuestionInfo,
  answer: string,
  waiting: { viewerId: string; asker: Asker }[],
  now: number,
): Promise<void> {
  const byConversation = new Map(waiting.map((w) => [roomConversationId(room.id, w.viewerId), w]));
  // The conversation's customer, not the one at comment time: a merge since then moved it.
  const owners = new Map(
    (
      await selectIn(db, { select: 'id, customer_id', from: 'conversations', column: 'id' }, [
        ...byConversation.keys(),
      ])
    ).map((row) => [row[0] as string, row[1] as string]),
  );
  const meta = JSON.stringify({
    ...(question.articleId ? { articleId: question.articleId } : {}),
    ...(question.productId ? { productId: question.productId } : {}),
    source: 'kb',
    live: { channel: room.channel, roomId: room.platformRoomId, questionKey: question.key, roomAnswer: true },
  });
  // Each asker's copy is sealed with their own data key, like every message.
  const sealFor = await customerSealers(deps, db, onCommit, room.appId, owners.values());
  const answered: { conversationId: string; customerId: string; asker: Asker }[] = [];
  for (const [conversationId, { asker }] of byConversation) {
    const customerId = owners.get(conversationId);
    if (customerId) answered.push({ conversationId, customerId, asker });
  }
  // A round @-mentions up to thousands of askers: their copies are sealed in bulk (off-thread).
  const sealed = await sealFor.many(
    answered.map((a) => a.customerId),
    answered.map(() => answer),
  );
  // What every copy shares is bound once per statement (bulkInsert's `shared`), the rest per row.
  await bulkInsertWith(
    db,
    {
      table: messages,
      columns: [
        'appId',
        'channel',
        'authorType',
        'intent',
        'meta',
        'createdAt',
        'id',
        'customerId',
        'conversationId',
        'text',
        'inReplyTo',
      ],
      shared: [room.appId, room.channel, 'bot', question.intent, meta, now],
    },
    answered.length,
    (i, args) => {
      const { conversationId, customerId, asker } = answered[i]!;
      args.push(createSortableId('msg', now), customerId, conversationId, sealed[i], asker.messageId);
    },
  );
}

function questionRef(question: LiveQuestionInfo): LiveReplyPayload['question'] {
  return {
    key: question.key,
    label: question.label,
    intent: question.intent,
    articleId: question.articleId,
    productId: question.productId,
  };
}

/**
 * Pins a question's answer in the room: the room keeps it (the host's card shows it) and the reply
 * callback is asked to post and pin it. `text` replaces the suggested answer (the host's own words).
 */
export async function pinAnswer(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  input: { room: LiveRoomRow; questionKey: string; text?: string; replyUrl: string | null },
): Promise<{ room: LiveRoomRow; delivery: 'queued' | 'no_reply_url' }> {
  const [question] = await deps.database.db
    .select()
    .from(liveQuestions)
    .where(and(eq(liveQuestions.roomId, input.room.id), eq(liveQuestions.key, input.questionKey)))
    .limit(1);
  if (!question) throw new ApiError('not_found', 'This room has no such question.');
  const text = input.text ?? question.answer;
  if (!text) {
    throw new ApiError('validation_failed', 'This question has no suggested answer; give the text to pin.', [
      { path: ['text'], message: 'required for a question without a suggested answer' },
    ]);
  }
  return deps.database.write(async (db) => {
    const now = deps.clock.now();
    const replyId = createId('lrp');
    const payload: LiveReplyPayload = {
      id: replyId,
      type: 'room.pin',
      channel: input.room.channel,
      roomId: input.room.platformRoomId,
      question: {
        key: question.key,
        label: question.label,
        intent: question.intent,
        articleId: question.articleId,
        productId: question.productId,
      },
      answer: text,
      messages: [{ text, mentions: [] }],
      createdAt: iso(now),
    };
    await db.insert(liveReplies).values({
      id: replyId,
      appId: input.room.appId,
      roomId: input.room.id,
      questionKey: question.key,
      type: 'room.pin',
      url: input.replyUrl,
      payload,
      status: input.replyUrl ? 'pending' : 'no_reply_url',
      nextAttemptAt: input.replyUrl ? now : null,
      createdAt: now,
    });
    const [room] = await db
      .update(liveRooms)
      .set({ pinned: { questionKey: question.key, text, at: now }, updatedAt: now })
      .where(eq(liveRooms.id, input.room.id))
      .returning();
    return { room: room!, delivery: input.replyUrl ? 'queued' : 'no_reply_url' };
  });
}

/** Takes the pin down (the card shows nothing pinned; the connector is not called). */
export async function unpin(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  room: LiveRoomRow,
): Promise<LiveRoomRow> {
  return deps.database.write(async (db) => {
    const [row] = await db
      .update(liveRooms)
      .set({ pinned: null, updatedAt: deps.clock.now() })
      .where(eq(liveRooms.id, room.id))
      .returning();
    return row!;
  });
}
