import { z } from 'zod';
import { isSafeCardUrl } from '../card-url';
import { MESSAGE_MAX_LENGTH } from '../message-length';

/** The 12 channel slugs every app starts with; apps may add their own (lowercase slug). */
export const DEFAULT_CHANNELS = [
  'web',
  'app',
  'miniprogram',
  'phone',
  'douyin_live',
  'taobao_live',
  'wechat_oa',
  'wecom',
  'weibo',
  'sms',
  'email',
  'video',
] as const;

export const channelSlug = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _ only')
  .meta({
    description: `A channel slug. Every app has the 12 defaults (${DEFAULT_CHANNELS.join(', ')}) and may add its own (lowercase letters, digits and _, e.g. kuaishou_live).`,
    examples: ['web', 'phone'],
  });
export type Channel = z.infer<typeof channelSlug>;

/** Every machine-readable error code the API can answer with, and the HTTP status it maps to. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_credential: 401,
  session_expired: 401,
  invalid_identity_token: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  wrong_credential_kind: 403,
  identity_conflict: 409,
  not_found: 404,
  unknown_channel: 400,
  card_host_not_allowed: 400,
  no_card_channel: 409,
  not_a_livestream_channel: 400,
  items_refused: 422,
  batch_too_large: 413,
  handoff_code_invalid: 404,
  handoff_code_expired: 410,
  handoff_code_used: 409,
  conflict: 409,
  already_assigned: 409,
  agent_at_capacity: 409,
  agent_unavailable: 409,
  conversation_resolved: 409,
  no_phone_on_file: 409,
  conversation_not_resolved: 409,
  agent_is_helping: 409,
  not_conversation_owner: 403,
  role_forbidden: 403,
  sign_in_failed: 401,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  invalid_phone: 400,
  invalid_webhook_url: 400,
  webhook_target_refused: 400,
  event_expired: 410,
  handoff_check_required: 400,
  wechat_exchange_failed: 502,
  wechat_not_configured: 400,
  twilio_signature_invalid: 403,
  voice_not_configured: 403,
  speech_failed: 502,
  speech_unavailable: 503,
  internal_error: 500,
  /** Retry after the Retry-After header: the database is busy, or this process is shutting down. */
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: 'Stable, machine-readable, snake_case.', example: 'validation_failed' }),
      message: z.string().meta({
        description: 'For people; may change.',
        example: 'text: Too big: expected string to have <=4000 characters',
      }),
      issues: z
        .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
        .optional()
        .meta({ description: 'Validation failures, each with the path of the field.' }),
      /** With `rate_limited` and `unavailable`: seconds to wait before trying again (the Retry-After header). */
      retryAfterSec: z.number().int().optional().meta({
        description:
          'With rate_limited and unavailable: seconds to wait (the same as the Retry-After header).',
      }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error the API answers with, whatever the route.' });
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;

// C0 controls other than tab, line feed and carriage return, and DEL: invisible, and some (NUL)
// would cut the text short in storage or in the SDKs' hosts.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// A UTF-16 surrogate without its partner cannot be stored as UTF-8 without being replaced.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether text may be stored as it is: something visible, no control characters, no lone surrogates. */
export const isStorableText = (text: string): boolean =>
  /[^\s\p{Cf}\p{Z}]/u.test(text) && !CONTROL_CHARACTER.test(text) && !LONE_SURROGATE.test(text);

// Every control character (C0 with tab and line breaks, DEL, C1): an id or a name is one line of
// visible text, and a C1 control (NEL, CSI) breaks lines or starts terminal escapes where it is shown.
const ANY_CONTROL = /\p{Cc}/u;
/** What `plainString` (and a trimmed name checked with `isPlainString`) says when it refuses. */
export const PLAIN_STRING_RULE = 'Control characters and unpaired UTF-16 surrogates are not allowed.';
/** Whether an id or a name may be stored as it is (see `plainString`). */
export const isPlainString = (text: string): boolean => !ANY_CONTROL.test(text) && !LONE_SURROGATE.test(text);

/**
 * An identifier or a name a client chooses (a clientMessageId, a sender's display name): any
 * characters but control characters and unpaired surrogates, which storage would replace (two ids
 * differing only in one would become one id, and the stored value would not be what was sent).
 */
export const plainString = (min: number, max: number) =>
  z.string().min(min).max(max).refine(isPlainString, PLAIN_STRING_RULE);

/**
 * Text as people type it: stored exactly as sent (never trimmed or altered) or refused. 1 to `max`
 * code points, not only white space or invisible characters, no control characters but tab and
 * line breaks, no unpaired surrogates.
 */
export const freeText = (max: number) =>
  z
    .string()
    .max(max)
    // Only white space and invisible format characters (zero-width space, joiners…) is no text.
    .refine((text) => /[^\s\p{Cf}\p{Z}]/u.test(text), 'The text is empty or only white space.')
    .refine(
      (text) => !CONTROL_CHARACTER.test(text),
      'The text holds a control character (only tab and line breaks are allowed).',
    )
    .refine((text) => !LONE_SURROGATE.test(text), 'The text holds an unpaired UTF-16 surrogate.');

/**
 * A link shown in a card: https only (no `javascript:`, `data:` or plain http a network could
 * rewrite), no credentials. The widget and the mini-program check again with `isSafeCardUrl`
 * before they render one, so a card from an older server cannot open anything else.
 */
export const cardUrl = z
  .string()
  .max(2048)
  .refine(isSafeCardUrl, 'An https URL without credentials (javascript:, data: and http are refused).')
  .meta({ example: 'https://shop.example/care/silk' });

/** A link card: what proactive follow-ups and agents' product suggestions send. */
export const linkCard = z
  .object({
    title: freeText(120).meta({ example: '真丝衬衫洗护指南' }),
    description: freeText(300).optional().meta({ example: '30°C 以下手洗，阴干，低温熨烫。' }),
    imageUrl: cardUrl.optional().meta({ example: 'https://shop.example/img/silk-care.jpg' }),
    targetUrl: cardUrl,
  })
  .strict()
  .meta({
    id: 'LinkCard',
    description:
      'A card: title, optional description and image, and the page it opens. Messages carry it as `meta.card`; clients render it as a tappable card.',
  });
export type LinkCard = z.infer<typeof linkCard>;

export const authorType = z
  .enum(['customer', 'bot', 'agent', 'system'])
  .meta({ description: 'Who wrote the message.' });
export type AuthorType = z.infer<typeof authorType>;

export const messageMeta = z
  .object({
    articleId: z.string().optional().meta({ description: 'The knowledge article the answer came from.' }),
    productId: z.string().optional().meta({ description: 'The product the answer is about.' }),
    confidence: z.number().optional().meta({ description: 'How sure the bot was, 0–1.' }),
    source: z
      .enum(['kb', 'llm', 'fallback'])
      .optional()
      .meta({ description: 'kb: the knowledge base; llm: written by the model; fallback: no answer found.' }),
    action: z
      .string()
      .optional()
      .meta({ description: 'What the bot did: answer, clarify, ticket, escalate, decline, smalltalk.' }),
    quickReplies: z.array(z.string()).max(4).optional().meta({
      description:
        "Options for the shopper to tap (a clarifying question's readings, 转人工 past two unclear turns). The widget and the mini-program component show them as chips; a tap sends the option's text as the shopper's next message.",
    }),
    language: z
      .string()
      .optional()
      .meta({ description: "The reply's language when it is not Simplified Chinese (zh-Hant, en)." }),
    steps: z.array(z.string()).optional().meta({
      description:
        'A how-to answer split into steps, in order (return steps, coupon use): clients read them one at a time with next / repeat / back.',
    }),
    step: z.number().int().optional().meta({
      description: 'On a voice channel, the step (1-based) this reply reads out of `steps`.',
    }),
    card: linkCard
      .extend({
        clickUrl: z.string().optional().meta({
          description:
            'Set by the server on every stored card: its click-through link (`GET /r/{token}`, a path when the server has no public URL — resolve it against the API URL). Opening it records the card as opened and redirects to `targetUrl`; clients link to it and show `targetUrl`’s host.',
        }),
      })
      .optional()
      .meta({
        description:
          'A link card (proactive follow-ups, products an agent suggests): the widget and the mini-program component render it as a tappable card.',
      }),
    followUpId: z
      .string()
      .optional()
      .meta({ description: 'The follow-up that sent this proactive message.' }),
  })
  .catchall(z.unknown())
  .meta({ description: 'What a bot reply used; a card for proactive and agent cards.' });

export const message = z
  .object({
    id: z.string().meta({ example: 'msg_01JD3W5V6Z8K2N4P7Q9R' }),
    conversationId: z.string().meta({ example: 'cnv_01JD3W5T0B1C2D3E4F5G' }),
    channel: z
      .string()
      .meta({ description: 'The channel slug it arrived on or was sent to.', example: 'web' }),
    author: z.object({
      type: authorType,
      id: z.string().optional(),
      name: z.string().optional().meta({ example: '小周' }),
    }),
    text: z.string().meta({ example: '这款面霜保质期多久' }),
    createdAt: z.string().meta({ description: 'ISO 8601, UTC.', example: '2026-11-30T08:15:00.000Z' }),
    clientMessageId: z.string().optional().meta({ description: 'The idempotency key the sender chose.' }),
    intent: z
      .string()
      .optional()
      .meta({ description: 'The intent the bot recognised.', example: 'shelf_life' }),
    meta: messageMeta.optional(),
    voiceText: z.string().optional().meta({
      description:
        'Bot replies on voice channels (phone): the text in spoken style — short sentences, prices, dates, sizes, SPF values, order and phone numbers written as they are read aloud in Chinese, codes digit by digit.',
      example: '这款面霜的保质期是：未开封三年。开封后十二个月内用完。',
    }),
  })
  .meta({ id: 'Message', description: 'One message of the customer’s timeline, from any channel.' });
export type Message = z.infer<typeof message>;

export const conversationStatus = z.enum(['bot', 'queued', 'assigned', 'resolved']).meta({
  description:
    'bot: the AI answers; queued: waiting for a human agent; assigned: an agent owns it (the bot is silent); resolved: closed (the next message opens a new one).',
});
export type ConversationStatus = z.infer<typeof conversationStatus>;

// No component id: zod-to-openapi turns a named schema nullable everywhere once one use is nullable.
export const conversationRef = z.object({
  id: z.string().meta({ example: 'cnv_01JD3W5T0B1C2D3E4F5G' }),
  status: conversationStatus,
});
export type ConversationRef = z.infer<typeof conversationRef>;

export const customerRef = z
  .object({
    id: z.string().meta({ example: 'cus_01JD3W5R8M9N0P1Q2R3S' }),
    identified: z.boolean().meta({
      description: 'True once a verified identity (identity token, secret-key call, WeChat) is attached.',
    }),
  })
  .meta({ id: 'CustomerRef' });
export type CustomerRef = z.infer<typeof customerRef>;

/** Client-chosen idempotency key: the same value twice yields one message. */
export const clientMessageId = plainString(8, 128).meta({
  description:
    'Chosen by the sender (8–128 characters, e.g. a UUID; no control characters or unpaired surrogates); the same value again returns the first result instead of a second message.',
  example: 'c1b7f3e2-6a4d-4f8e-9b1a-2d3c4e5f6a7b',
});

/**
 * The longest message, in Unicode code points (an emoji counts once, as the shopper sees it); the
 * SDKs count with `messageLength()` from the same module.
 */
export const MESSAGE_TEXT_MAX = MESSAGE_MAX_LENGTH;

/** Message text as shoppers type it (`freeText` of up to 4,000 code points). */
export const messageText = freeText(MESSAGE_TEXT_MAX).meta({
  description: `1 to ${MESSAGE_TEXT_MAX} characters, counted in Unicode code points (an emoji is one), stored exactly as sent: not only white space, no control characters but tab and line breaks.`,
  example: '这款面霜保质期多久',
});

/**
 * The years insights, CSAT and unanswered-question windows may name. Outside them a date is a
 * typo or a probe (year 9999 overflows the day arithmetic; years below 100 map to 19xx in
 * `Date.UTC`), so it gets 400 `validation_failed` rather than an answer about another day.
 */
export const REPORT_YEARS = { min: 2000, max: 2100 } as const;
const inReportYears = (value: string) => {
  const year = Number(value.slice(0, 4));
  return year >= REPORT_YEARS.min && year <= REPORT_YEARS.max;
};
/** A real calendar date, YYYY-MM-DD (no 2026-02-31), in REPORT_YEARS. */
export const reportDate = z.iso
  .date({ message: 'A calendar date, YYYY-MM-DD' })
  .refine(inReportYears, `A date from ${REPORT_YEARS.min} to ${REPORT_YEARS.max}`);
/** A real ISO instant with offset (no 2026-02-31T…), in REPORT_YEARS. */
export const reportInstant = z.iso
  .datetime({ offset: true, message: 'An ISO time with offset, e.g. 2026-11-01T00:00:00+08:00' })
  .refine(inReportYears, `A time from ${REPORT_YEARS.min} to ${REPORT_YEARS.max}`);
