import type { LiveAnswerSettings, LiveHotSettings } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Per app: where room answers go and how hot questions are judged. */
export const liveSettings = sqliteTable('live_settings', {
  appId: text('app_id').primaryKey(),
  replyUrl: text('reply_url'),
  /** AES-256-GCM ciphertext of the secret that signs reply callbacks. */
  replySecretEnc: text('reply_secret_enc'),
  answers: text('answers', { mode: 'json' }).$type<Partial<LiveAnswerSettings>>().notNull().default({}),
  hot: text('hot', { mode: 'json' }).$type<Partial<LiveHotSettings>>().notNull().default({}),
  updatedAt: integer('updated_at').notNull(),
});

export interface LiveShelf {
  segment: string | null;
  productIds: string[];
  since: number | null;
}

export interface LivePin {
  questionKey: string;
  text: string;
  at: number;
}

/** A livestream room of a channel; created on its first comment batch or settings call. */
export const liveRooms = sqliteTable(
  'live_rooms',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    channel: text('channel').notNull(),
    /** The platform's room id, as the connector names it (`roomId` on the wire). */
    platformRoomId: text('platform_room_id').notNull(),
    title: text('title'),
    replyUrl: text('reply_url'),
    shelf: text('shelf', { mode: 'json' })
      .$type<LiveShelf>()
      .notNull()
      .default({ segment: null, productIds: [], since: null }),
    pinned: text('pinned', { mode: 'json' }).$type<LivePin>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('live_rooms_by_platform_id').on(t.appId, t.channel, t.platformRoomId)],
);

/**
 * Every comment of every room, filler included (idempotency and figures need each id). `seq`
 * orders the log the in-memory windows are rebuilt from after a restart.
 */
export const liveComments = sqliteTable(
  'live_comments',
  {
    seq: integer('seq').primaryKey(),
    roomId: text('room_id').notNull(),
    itemId: text('item_id').notNull(),
    /** The viewer's platform identity value (the comment's `viewerId`). */
    viewerId: text('viewer_id').notNull(),
    /** The customer the viewer was when the comment arrived (a later merge leaves an alias). */
    customerId: text('customer_id').notNull(),
    nickname: text('nickname'),
    text: text('text').notNull(),
    /** When the comment was made (platform time, never later than its arrival), ms. */
    at: integer('at').notNull(),
    kind: text('kind', { enum: ['filler', 'chat', 'question', 'escalation'] }).notNull(),
    /** The hot-question key a question counts towards. */
    questionKey: text('question_key'),
    /** For escalations: why it went to an agent (`complaint`, `order_problem`, `asks_for_human`). */
    escalation: text('escalation'),
    /** The intent the engine read, if any. */
    intent: text('intent'),
    /** The timeline message a question or escalation became. */
    messageId: text('message_id'),
  },
  (t) => [
    uniqueIndex('live_comments_one_per_item').on(t.roomId, t.itemId),
    index('live_comments_window').on(t.roomId, t.at),
    // Escalations not yet turned into a conversation (a crash between commit and hand-over).
    index('live_comments_escalations_pending')
      .on(t.roomId)
      .where(sql`${t.kind} = 'escalation' and ${t.messageId} is null`),
  ],
);

/**
 * Question comments whose timeline message is still to be written: the comment log's `seq`, queued
 * in the ingest transaction (so an acknowledged question is never lost) and taken off by the
 * timeline drain in the transaction that writes the message (so it is written exactly once). Kept
 * apart from `live_comments` so that draining deletes a few small rows instead of rewriting the
 * log's pages. Usually empty: see timeline-drain.ts.
 */
export const liveTimelineQueue = sqliteTable('live_timeline_queue', {
  seq: integer('seq').primaryKey(),
});

/** What a question key stands for, learnt the first time the room hears it. */
export const liveQuestions = sqliteTable(
  'live_questions',
  {
    roomId: text('room_id').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    intent: text('intent'),
    articleId: text('article_id'),
    productId: text('product_id'),
    answer: text('answer'),
    /** Start of the last answer round: a compare-and-set on it lets one process run each round. */
    lastRoundAt: integer('last_round_at'),
    rounds: integer('rounds').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.key] })],
);

/**
 * Room answers and pins, which are also the reply callback's outbox: a row is written with the
 * round and delivered after the commit, retried with backoff until `sent` or `failed`.
 */
export const liveReplies = sqliteTable(
  'live_replies',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    roomId: text('room_id').notNull(),
    questionKey: text('question_key').notNull(),
    type: text('type', { enum: ['room.answer', 'room.pin'] }).notNull(),
    /** The reply callback it goes to (null: none was configured, so it is kept but not sent). */
    url: text('url'),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    mentions: integer('mentions').notNull().default(0),
    status: text('status', { enum: ['pending', 'sent', 'failed', 'no_reply_url'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    index('live_replies_due').on(t.status, t.nextAttemptAt),
    index('live_replies_by_room').on(t.roomId, t.createdAt),
  ],
);

/** Who was @-mentioned in which room answer: "answered once", across restarts and processes. */
export const liveMentions = sqliteTable(
  'live_mentions',
  {
    roomId: text('room_id').notNull(),
    questionKey: text('question_key').notNull(),
    viewerId: text('viewer_id').notNull(),
    replyId: text('reply_id').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.questionKey, t.viewerId, t.replyId] }),
    index('live_mentions_recent').on(t.roomId, t.at),
  ],
);

/** Short-lived keys for a host's card: one room, read hot questions and pin, nothing else. */
export const liveRoomKeys = sqliteTable(
  'live_room_keys',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    roomId: text('room_id').notNull(),
    keyHash: text('key_hash').notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('live_room_keys_by_hash').on(t.keyHash)],
);
