import { z } from 'zod';

/**
 * Every event type a webhook can subscribe to (SPEC §9b). `message.created` covers customer, bot
 * and agent messages (`data.message.author.type` tells which); `conversation.updated` covers status
 * changes and assignment.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'conversation.updated',
  'ticket.created',
  'ticket.updated',
  'handoff.claimed',
  'customer.merged',
  'customer.updated',
  'customer.erased',
  'follow_up.sent',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `*` subscribes to every type, including ones added later. */
export const webhookEventFilter = z.union([z.enum(WEBHOOK_EVENT_TYPES), z.literal('*')]);

/**
 * A webhook target. The API refuses URLs with credentials, fragments, or a non-http(s) scheme, and
 * (unless the server allows private targets) plain http and private, loopback or link-local hosts.
 */
export const webhookUrl = z.string().min(1).max(2048).meta({ example: 'https://crm.example/threadline' });

export const createWebhookBody = z
  .object({
    url: webhookUrl,
    events: z
      .array(webhookEventFilter)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length + 1),
    enabled: z.boolean().optional(),
    description: z.string().trim().max(200).optional(),
  })
  .strict()
  .meta({
    example: {
      url: 'https://crm.example/threadline',
      events: ['message.created', 'ticket.created', 'customer.erased'],
      description: 'CRM sync',
    },
  });
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z
  .object({
    url: webhookUrl.optional(),
    events: z
      .array(webhookEventFilter)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length + 1)
      .optional(),
    enabled: z.boolean().optional(),
    description: z.string().trim().max(200).nullable().optional(),
  })
  .strict()
  .meta({ example: { enabled: true } });
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;

export const webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  description: z.string().nullable(),
  /** `failing` once a delivery gave up after the retry window; `ok` again after a success. */
  health: z.enum(['ok', 'failing']),
  /** `gone`: the receiver answered 410, which disables the webhook; `merchant`: turned off. */
  disabledReason: z.enum(['merchant', 'gone']).nullable(),
  pendingDeliveries: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Webhook = z.infer<typeof webhook>;

export const webhookCreated = z.object({
  webhook,
  secret: z.string().meta({ description: 'whsec_… — shown once; verify deliveries with it.' }),
});
export const webhookAnswer = z.object({ webhook });
export const webhookList = z.object({ webhooks: z.array(webhook) });
export const webhookDeleted = z.object({ deleted: z.literal(true) });
export const webhookIdParams = z.object({ id: z.string().min(1).max(64) });
export const webhookDeliveryParams = z.object({
  id: z.string().min(1).max(64),
  deliveryId: z.string().min(1).max(64),
});

export const webhookAttempt = z.object({
  at: z.string(),
  /** Null when no HTTP answer came (refused, timed out, unreachable). */
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  /** The first 512 characters of the receiver's answer. */
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
});
export const webhookDelivery = z.object({
  id: z.string(),
  event: z.object({ id: z.string(), type: z.string(), createdAt: z.string() }),
  /** `pending` (waiting or retrying), `delivered` (2xx), `failed` (gave up after the retry window). */
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  giveUpAt: z.string(),
  redelivery: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The latest attempts, newest first (up to 20). */
  log: z.array(webhookAttempt),
});
export type WebhookDelivery = z.infer<typeof webhookDelivery>;
export const webhookDeliveriesQuery = z.object({
  state: z.enum(['pending', 'delivered', 'failed']).optional(),
  /** `nextBefore` of the previous page. */
  before: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor returned as nextBefore')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const webhookDeliveryList = z.object({
  deliveries: z.array(webhookDelivery),
  nextBefore: z.string().nullable(),
});
export const webhookDeliveryAnswer = z.object({ delivery: webhookDelivery });

/** What a receiver gets: the POST body of every delivery. */
export const webhookPayload = z.object({
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof webhookPayload>;

// ——— GDPR ———

export const customerIdParams = z.object({ id: z.string().min(1).max(64) });
export const eraseCustomerQuery = z.object({
  /** `redact` (default) keeps the messages' place in conversations with their text removed. */
  messages: z.enum(['redact', 'delete']).default('redact'),
});
export const customerErased = z.object({ erased: z.literal(true) });

/** The export: everything of one customer on every channel, decrypted. */
export const customerExport = z.object({
  exportedAt: z.string(),
  customer: z.object({
    id: z.string(),
    identified: z.boolean(),
    name: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    /** Customer ids merged into this one (aliases). */
    mergedIds: z.array(z.string()),
  }),
  identities: z.array(
    z.object({ kind: z.string(), value: z.string(), verified: z.boolean(), createdAt: z.string() }),
  ),
  contact: z.object({
    phone: z.string().nullable(),
    address: z.string().nullable(),
    payment: z.string().nullable(),
  }),
  sessions: z.array(
    z.object({ id: z.string(), channel: z.string(), createdAt: z.string(), device: z.unknown().nullable() }),
  ),
  channels: z.array(z.string()),
  conversations: z.array(z.record(z.string(), z.unknown())),
  messages: z.array(z.record(z.string(), z.unknown())),
  tickets: z.array(z.record(z.string(), z.unknown())),
  orders: z.array(z.record(z.string(), z.unknown())),
  events: z.array(z.record(z.string(), z.unknown())),
  handoffs: z.array(z.record(z.string(), z.unknown())),
  notes: z.array(z.record(z.string(), z.unknown())),
  assignments: z.array(z.record(z.string(), z.unknown())),
  unansweredQuestions: z.array(z.record(z.string(), z.unknown())),
  /** Livestream comments on every platform, with their room. */
  liveComments: z.array(z.record(z.string(), z.unknown())),
  /** Their CSAT ratings (1–5) with the comment they wrote, per resolved conversation. */
  csat: z.array(z.record(z.string(), z.unknown())),
  /** Calls they made to the voice bot (provider, call id, turns, start and end). */
  voiceCalls: z.array(z.record(z.string(), z.unknown())),
});
export type CustomerExport = z.infer<typeof customerExport>;
