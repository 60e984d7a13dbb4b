import { z } from 'zod';

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
  .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _ only');
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
  handoff_check_required: 400,
  wechat_exchange_failed: 502,
  wechat_not_configured: 400,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
    /** With `rate_limited`: seconds to wait before trying again (the same as the Retry-After header). */
    retryAfterSec: z.number().int().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;

export const authorType = z.enum(['customer', 'bot', 'agent', 'system']);
export type AuthorType = z.infer<typeof authorType>;

export const messageMeta = z
  .object({
    articleId: z.string().optional(),
    productId: z.string().optional(),
    confidence: z.number().optional(),
    source: z.enum(['kb', 'llm', 'fallback']).optional(),
  })
  .catchall(z.unknown());

export const message = z.object({
  id: z.string(),
  conversationId: z.string(),
  channel: z.string(),
  author: z.object({
    type: authorType,
    id: z.string().optional(),
    name: z.string().optional(),
  }),
  text: z.string(),
  createdAt: z.string(),
  clientMessageId: z.string().optional(),
  intent: z.string().optional(),
  meta: messageMeta.optional(),
});
export type Message = z.infer<typeof message>;

export const conversationStatus = z.enum(['bot', 'queued', 'assigned', 'resolved']);
export type ConversationStatus = z.infer<typeof conversationStatus>;

export const conversationRef = z.object({ id: z.string(), status: conversationStatus });
export type ConversationRef = z.infer<typeof conversationRef>;

export const customerRef = z.object({ id: z.string(), identified: z.boolean() });
export type CustomerRef = z.infer<typeof customerRef>;

/** Client-chosen idempotency key: the same value twice yields one message. */
export const clientMessageId = z.string().min(8).max(128);

/** The longest message, in Unicode code points (an emoji counts once, as the shopper sees it). */
export const MESSAGE_TEXT_MAX = 4000;

// C0 controls other than tab, line feed and carriage return, and DEL: invisible, and some (NUL)
// would cut the text short in storage or in the SDKs' hosts.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// A UTF-16 surrogate without its partner cannot be stored as UTF-8 without being replaced.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Message text as shoppers type it: stored exactly as sent (never trimmed or altered) or refused.
 * 1 to 4,000 code points, not only white space or invisible characters, no control characters but
 * tab and line breaks, no unpaired surrogates.
 */
export const messageText = z
  .string()
  .max(MESSAGE_TEXT_MAX)
  // Only white space and invisible format characters (zero-width space, joiners…) is no message.
  .refine((text) => /[^\s\p{Cf}\p{Z}]/u.test(text), 'The text is empty or only white space.')
  .refine(
    (text) => !CONTROL_CHARACTER.test(text),
    'The text holds a control character (only tab and line breaks are allowed).',
  )
  .refine((text) => !LONE_SURROGATE.test(text), 'The text holds an unpaired UTF-16 surrogate.');
