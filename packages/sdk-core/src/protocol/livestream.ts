import { z } from 'zod';
import { channelSlug, errorEnvelope, messageText, plainString } from './common';

/** Items one comment batch may carry (SPEC §9a); items beyond it are refused one by one. */
export const LIVE_BATCH_MAX_ITEMS = 1000;
/** Beyond this many items the batch is not read at all: it cannot be a connector's batch. */
export const LIVE_BATCH_HARD_MAX_ITEMS = 10_000;

/** A platform's room id (抖音 / 淘宝直播 room ids are digits; connectors may use their own). */
export const liveRoomId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/**
 * When a comment was made: ISO 8601 with an offset, or Unix milliseconds, within the last 24 hours
 * (older is refused as `invalid_at`: most often seconds sent for milliseconds). A time ahead of the
 * server's is pulled back to now; a batch whose newest comment is more than 5 s old on arrival (a
 * connector clock running behind, a batch held up) is moved forward as a whole, order and spacing kept.
 */
export const liveCommentTime = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().min(0).max(8_640_000_000_000_000),
]);

/** One livestream comment as the merchant's connector read it off the platform. */
export const liveCommentItem = z
  .object({
    /** The platform's comment id: the same id again is the same comment (idempotent). */
    id: plainString(1, 128),
    /** The viewer's platform identity (抖音 open id, 淘宝 nick id…), stored as a `douyin`/`taobao` identity. */
    viewerId: z.string().trim().min(1).max(256),
    nickname: plainString(0, 64).optional(),
    /** As typed, stored exactly (message text rules; at most 500 characters). */
    text: messageText.max(500),
    at: liveCommentTime,
  })
  .meta({
    id: 'LiveCommentItem',
    description:
      'One comment. Items are checked one by one: a malformed item is refused with its own code and the rest of the batch is kept.',
  });
export type LiveCommentItem = z.infer<typeof liveCommentItem>;

/**
 * `POST /v1/channels/:channel/comments`. Items are validated one by one (see LiveCommentItem), so
 * the envelope only says "an array"; the document shows the item shape.
 */
export const liveCommentBatch = z
  .object({
    roomId: liveRoomId,
    items: z
      .array(z.unknown().meta({ $ref: '#/components/schemas/LiveCommentItem' } as Record<string, unknown>))
      .max(LIVE_BATCH_HARD_MAX_ITEMS),
  })
  .meta({
    example: {
      roomId: '7301234567890',
      items: [
        {
          id: 'c-1001',
          viewerId: 'dy_8f3a',
          nickname: '小鹿',
          text: '优惠券怎么领',
          at: '2026-05-01T12:03:04.120Z',
        },
        { id: 'c-1002', viewerId: 'dy_77b1', nickname: '阿强', text: '666', at: 1777636984300 },
      ],
    },
  });
export type LiveCommentBatch = z.infer<typeof liveCommentBatch>;

export const LIVE_REFUSAL_CODES = [
  'invalid_item',
  'invalid_id',
  'invalid_viewer_id',
  'invalid_nickname',
  'invalid_text',
  'invalid_at',
  'batch_too_large',
] as const;

export const liveCommentRefusal = z.object({
  /** The item's id, or null when the item had no usable one. */
  id: z.string().nullable(),
  /** Position of the item in `items`. */
  index: z.number().int(),
  code: z.enum(LIVE_REFUSAL_CODES),
  message: z.string(),
});
export type LiveCommentRefusal = z.infer<typeof liveCommentRefusal>;

export const liveCommentBatchAnswer = z.object({
  /** Items taken: stored now, or already stored under the same id (a retry). */
  accepted: z.number().int(),
  /** Of the accepted, how many had been stored before (nothing was written for them). */
  duplicates: z.number().int(),
  refused: z.array(liveCommentRefusal),
});
export type LiveCommentBatchAnswer = z.infer<typeof liveCommentBatchAnswer>;

/** A batch with refused items: the error envelope, plus what was kept and what was not. */
export const liveCommentBatchRefusedAnswer = errorEnvelope.extend(liveCommentBatchAnswer.shape);
export type LiveCommentBatchRefusedAnswer = z.infer<typeof liveCommentBatchRefusedAnswer>;

export const liveHotSettings = z.object({
  /** Distinct viewers who asked in the last minute before a question can be hot. */
  minAskers: z.number().int().min(1).max(100_000),
  /** Share of the last minute's asking viewers a question needs to be hot (0…1). */
  minShare: z.number().min(0).max(1),
  /** Hot questions at most at once: the qualifying ones most asked in the last 10 seconds. */
  maxHot: z.number().int().min(1).max(20),
  /** Questions listed in a snapshot, hot or not. */
  maxListed: z.number().int().min(1).max(50),
});
export type LiveHotSettings = z.infer<typeof liveHotSettings>;

export const liveAnswerSettings = z.object({
  /** Post room answers for hot questions through the reply callback. */
  enabled: z.boolean(),
  /** Nicknames @-mentioned per room message. */
  mentionsPerMessage: z.number().int().min(1).max(50),
  /** Least time between two answer rounds of one question, seconds. */
  intervalSec: z.number().int().min(1).max(600),
});
export type LiveAnswerSettings = z.infer<typeof liveAnswerSettings>;

/** `PUT /v1/live/settings`: omitted fields stay as they are; `replyUrl: null` stops room answers. */
export const liveSettingsBody = z
  .object({
    /**
     * The connector's reply callback: room answers and pins are POSTed here, signed. http(s) on a
     * public address (a loopback or private one is refused unless the server allows it); redirects
     * are not followed.
     */
    replyUrl: z.url().max(500).nullable().optional(),
    /** Issue a new signing secret for the reply callback (shown once in the answer). */
    rotateReplySecret: z.boolean().optional(),
    answers: liveAnswerSettings.partial().optional(),
    hot: liveHotSettings.partial().optional(),
  })
  .meta({
    example: {
      replyUrl: 'https://connector.shop.example/threadline/room-replies',
      answers: { mentionsPerMessage: 20, intervalSec: 15 },
      hot: { minAskers: 5, minShare: 0.2 },
    },
  });
export type LiveSettingsBody = z.infer<typeof liveSettingsBody>;

export const liveSettingsAnswer = z.object({
  settings: z.object({
    replyUrl: z.string().nullable(),
    answers: liveAnswerSettings,
    hot: liveHotSettings,
  }),
  /** The reply callback's signing secret, shown once: when first issued or rotated. */
  replySecret: z.string().optional(),
});
export type LiveSettingsAnswer = z.infer<typeof liveSettingsAnswer>;

export const liveRoomParams = z.object({ channel: channelSlug, roomId: liveRoomId });

/** `PUT /v1/channels/:channel/rooms/:roomId`: the room's own settings (created if new). */
export const liveRoomBody = z
  .object({
    title: z.string().trim().max(200).nullable().optional(),
    /** A reply callback for this room only (same rules as the app's); null falls back to the app's. */
    replyUrl: z.url().max(500).nullable().optional(),
  })
  .meta({ example: { title: '618 护肤专场', replyUrl: null } });
export type LiveRoomBody = z.infer<typeof liveRoomBody>;

/** `PUT …/shelf`: the products shown in the current segment — the default product for "这个多少钱". */
export const liveShelfBody = z
  .object({
    segment: z.string().trim().max(200).optional(),
    productIds: z.array(z.string().min(1).max(128)).max(50),
  })
  .meta({ example: { segment: '碎花连衣裙讲解', productIds: ['p-floral-dress'] } });
export type LiveShelfBody = z.infer<typeof liveShelfBody>;

const liveProductRef = z.object({ id: z.string(), name: z.string().nullable() });

export const liveRoom = z.object({
  channel: z.string(),
  roomId: z.string(),
  title: z.string().nullable(),
  /** The room's own reply callback, if it has one (else the app's applies). */
  replyUrl: z.string().nullable(),
  shelf: z.object({
    segment: z.string().nullable(),
    products: z.array(liveProductRef),
    since: z.string().nullable(),
  }),
  pinned: z.object({ questionKey: z.string(), text: z.string(), at: z.string() }).nullable(),
  createdAt: z.string(),
  lastCommentAt: z.string().nullable(),
});
export type LiveRoom = z.infer<typeof liveRoom>;

export const liveRoomAnswer = z.object({ room: liveRoom });
export const liveRoomListAnswer = z.object({ rooms: z.array(liveRoom) });

/** Counts over the sliding windows: the last 1, 5 and 15 minutes, to the second. */
export const liveWindowCounts = z.object({
  m1: z.number().int(),
  m5: z.number().int(),
  m15: z.number().int(),
});
export type LiveWindowCounts = z.infer<typeof liveWindowCounts>;

export const liveHotQuestion = z.object({
  /** Stable key of the question in this room: intent, article and product (or the text itself). */
  key: z.string(),
  label: z.string(),
  intent: z.string().nullable(),
  articleId: z.string().nullable(),
  product: liveProductRef.nullable(),
  /** Comments asking it, per window. */
  counts: liveWindowCounts,
  /** Distinct viewers asking it, per window. */
  askers: liveWindowCounts,
  /** A few recent comments, as typed. */
  examples: z.array(z.string()),
  hot: z.boolean(),
  /** When it last became hot. */
  hotSince: z.string().nullable(),
  /** The livestream phrasing of the answer, or null when the knowledge base has none. */
  suggestedAnswer: z.string().nullable(),
  answered: z.object({
    /** Viewers @-mentioned in room answers in the last 15 minutes. */
    askers: z.number().int(),
    /** Viewers who asked and wait for the next round. */
    waiting: z.number().int(),
    rounds: z.number().int(),
    lastAt: z.string().nullable(),
  }),
  pinned: z.boolean(),
});
export type LiveHotQuestion = z.infer<typeof liveHotQuestion>;

/** The data of a `live.hot_questions` event and of `GET …/hot-questions`: the room as of `asOf`. */
export const liveHotQuestions = z.object({
  channel: z.string(),
  roomId: z.string(),
  asOf: z.string(),
  totals: z.object({
    comments: liveWindowCounts,
    questions: liveWindowCounts,
    filler: liveWindowCounts,
    /** Comments of the room since it opened. */
    ingested: z.number().int(),
  }),
  questions: z.array(liveHotQuestion),
});
export type LiveHotQuestions = z.infer<typeof liveHotQuestions>;

/** `POST …/pins`: pin a question's answer (the suggested one, or the host's own words). */
export const livePinBody = z
  .object({
    questionKey: z.string().min(1).max(300),
    text: z.string().trim().min(1).max(500).optional(),
  })
  .meta({ example: { questionKey: 'coupon_usage|kb-live-coupon-claim|' } });
export type LivePinBody = z.infer<typeof livePinBody>;

export const livePinAnswer = z.object({
  room: liveRoom,
  /** `queued`: sent to the reply callback; `no_reply_url`: kept on the room only. */
  delivery: z.enum(['queued', 'no_reply_url']),
});

export const liveHostKeyBody = z
  .object({
    ttlSec: z
      .number()
      .int()
      .min(60)
      .max(24 * 3600)
      .optional(),
  })
  .meta({ example: { ttlSec: 14_400 } });

export const liveHostKeyAnswer = z.object({
  /** `rk_…`: reads this room's hot questions and pins answers, nothing else; shown once. */
  key: z.string(),
  expiresAt: z.string(),
  /** The host's card; the key travels in the fragment, so it never reaches a server log. */
  cardUrl: z.string(),
});

export const liveFiguresQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const liveRoomFigures = z.object({
  channel: z.string(),
  roomId: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  totals: z.object({
    comments: z.number().int(),
    questions: z.number().int(),
    filler: z.number().int(),
    chat: z.number().int(),
    escalations: z.number().int(),
    viewers: z.number().int(),
    answeredQuestions: z.number().int(),
  }),
  /** Questions ÷ comments. */
  questionShare: z.number(),
  /** Questions whose asker got a room answer to them ÷ questions. */
  answeredShare: z.number(),
  perMinute: z.array(
    z.object({ minute: z.string(), comments: z.number().int(), questions: z.number().int() }),
  ),
  topQuestions: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      intent: z.string().nullable(),
      articleId: z.string().nullable(),
      productId: z.string().nullable(),
      comments: z.number().int(),
      askers: z.number().int(),
      answeredAskers: z.number().int(),
    }),
  ),
  answers: z.object({ rounds: z.number().int(), mentions: z.number().int(), pins: z.number().int() }),
});
export type LiveRoomFigures = z.infer<typeof liveRoomFigures>;

/**
 * What the reply callback receives (POST, JSON, signed like webhooks: `Threadline-Signature:
 * t=<unix s>,v1=<hex HMAC-SHA256(replySecret, "<t>.<body>")>`, `Threadline-Event-Id: <id>`).
 * `messages` are ready to post in order; each @-mentions a batch of the askers.
 */
export const liveReplyPayload = z.object({
  id: z.string(),
  type: z.enum(['room.answer', 'room.pin']),
  channel: z.string(),
  roomId: z.string(),
  question: z.object({
    key: z.string(),
    label: z.string(),
    intent: z.string().nullable(),
    articleId: z.string().nullable(),
    productId: z.string().nullable(),
  }),
  answer: z.string(),
  messages: z.array(
    z.object({
      text: z.string(),
      mentions: z.array(z.object({ viewerId: z.string(), nickname: z.string().nullable() })),
    }),
  ),
  createdAt: z.string(),
});
export type LiveReplyPayload = z.infer<typeof liveReplyPayload>;
