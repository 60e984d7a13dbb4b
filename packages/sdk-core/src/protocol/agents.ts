import { z } from 'zod';
import {
  channelSlug,
  clientMessageId,
  conversationStatus,
  isPlainString,
  message,
  messageText,
  PLAIN_STRING_RULE,
} from './common';
import { csatRating } from './console';
import { handoffAnswer, handoffSummary } from './handoffs';
import { kbId } from './kb';
import { profileBrief } from './profile';
import { REALTIME_EVENT_TYPES } from './realtime';

export const agentRole = z.enum(['agent', 'supervisor']);
export type AgentRole = z.infer<typeof agentRole>;
export const agentPresence = z.enum(['online', 'away', 'offline']);
export type AgentPresence = z.infer<typeof agentPresence>;

/** A skill an agent has and a conversation may need: `returns`, `cosmetics`, `售后`… */
export const skillName = z
  .string()
  .trim()
  .min(1)
  .max(48)
  // ASCII and CJK letters and digits (no \p{…} escapes: JSON Schema patterns have no \`u\` flag).
  .regex(/^[A-Za-z0-9\u3400-\u9fff][A-Za-z0-9\u3400-\u9fff_.-]*$/, 'letters, digits, _ . - only');

// One line of visible text: the name is the sender's name on every reply the agent writes.
const agentName = z.string().trim().min(1).max(80).refine(isPlainString, PLAIN_STRING_RULE);
/** Console passwords: long enough to resist guessing; stored as a scrypt hash only. */
const password = z.string().min(10).max(200);

export const agent = z.object({
  id: z.string(),
  name: z.string(),
  /** Sign-in name for password sign-in; unique per app. */
  email: z.string().nullable(),
  role: agentRole,
  skills: z.array(z.string()),
  /** Conversations the agent may own at once; routing never exceeds it. */
  capacity: z.number().int(),
  presence: agentPresence,
  /** Conversations the agent owns now. */
  load: z.number().int(),
  active: z.boolean(),
  hasPassword: z.boolean(),
  lastSeenAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Agent = z.infer<typeof agent>;

export const createAgentBody = z
  .object({
    name: agentName,
    email: z.email().max(200).optional(),
    skills: z.array(skillName).max(30).default([]),
    capacity: z.number().int().min(1).max(100).default(5),
    role: agentRole.default('agent'),
    /** Only for password sign-in; merchants with their own staff login issue tokens instead. */
    password: password.optional(),
  })
  .strict()
  .meta({
    example: {
      name: '王敏',
      email: 'wangmin@shop.example',
      skills: ['returns', 'cosmetics'],
      capacity: 5,
      role: 'supervisor',
    },
  });
export type CreateAgentBody = z.input<typeof createAgentBody>;

export const updateAgentBody = z
  .object({
    name: agentName.optional(),
    email: z.email().max(200).nullable().optional(),
    skills: z.array(skillName).max(30).optional(),
    capacity: z.number().int().min(1).max(100).optional(),
    role: agentRole.optional(),
    /** A new password; `null` turns password sign-in off for this agent. */
    password: password.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' })
  .meta({ example: { skills: ['returns', 'apparel'], capacity: 8 } });
export type UpdateAgentBody = z.infer<typeof updateAgentBody>;

export const agentAnswer = z.object({ agent });
export const agentList = z.object({ agents: z.array(agent) });
export const agentIdParam = z.object({ id: z.string().min(1).max(64) });

export const issueAgentTokenBody = z
  .object({
    /** Lifetime in seconds: 8 hours by default, at most 30 days. */
    ttlSec: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(8 * 3600),
    label: z.string().trim().min(1).max(80).optional(),
  })
  .strict()
  .meta({ example: { ttlSec: 28800, label: 'SSO sign-in from staff portal' } });

export const agentTokenInfo = z.object({
  id: z.string(),
  label: z.string().nullable(),
  /** `merchant` (secret key), `sign_in` (password), `app_create`, `cli`. */
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const agentTokenList = z.object({ tokens: z.array(agentTokenInfo) });
/** A new agent token: shown once, stored only as a hash. */
export const agentTokenAnswer = z.object({
  token: z.string(),
  tokenId: z.string(),
  expiresAt: z.string().nullable(),
  agent,
});
export type AgentTokenAnswer = z.infer<typeof agentTokenAnswer>;
export const agentTokenParams = z.object({
  id: z.string().min(1).max(64),
  tokenId: z.string().min(1).max(64),
});
/** A token revoked (or already revoked): its next use is refused. */
export const tokenRevokedAnswer = z.object({ revoked: z.literal(true) });

export const signInBody = z
  .object({ app: z.string().min(1).max(64), email: z.email().max(200), password: z.string().min(1).max(200) })
  .strict()
  .meta({ example: { app: 'app_…', email: 'wangmin@shop.example', password: 'correct horse battery' } });
export const signInAnswer = agentTokenAnswer;

export const agentMeAnswer = z.object({
  agent,
  app: z.object({ id: z.string(), name: z.string() }),
  token: z.object({ id: z.string(), expiresAt: z.string().nullable() }),
});

export const presenceBody = z
  .object({ presence: agentPresence })
  .strict()
  .meta({ example: { presence: 'online' } });

/** One row of the inbox: everything a console draws for a conversation in the list. */
export const inboxRow = z.object({
  id: z.string(),
  status: conversationStatus,
  /** The channel the conversation started on, and the one the customer used last. */
  channel: z.string(),
  lastChannel: z.string(),
  channels: z.array(z.string()),
  /** The skill routing looks for; null = any agent. */
  skill: z.string().nullable(),
  /** Higher goes first (VIP = 1). */
  priority: z.number().int(),
  customer: z.object({
    id: z.string(),
    name: z.string().nullable(),
    identified: z.boolean(),
    vip: z.boolean(),
    /** How to tell the customer apart, masked: a merchant user id, `138****8000`, a platform handle. */
    handle: z.string().nullable(),
  }),
  /** When the current wait for an agent began (queued conversations); null otherwise. */
  waitingSince: z.string().nullable(),
  assignedAgent: z.object({ id: z.string(), name: z.string() }).nullable(),
  assignedAt: z.string().nullable(),
  summary: handoffSummary.nullable(),
  lastMessage: message.nullable(),
  /** The customer spoke last: someone owes them an answer. */
  awaitingReply: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Labels agents put on the conversation. */
  labels: z.array(z.string()).optional(),
  /** Hidden from its owner's "mine" until then; null when not snoozed (or the customer wrote since). */
  snoozedUntil: z.string().nullable().optional(),
  /** The customer's satisfaction rating after resolve, if given. */
  csat: csatRating.nullable().optional(),
});
export type InboxRow = z.infer<typeof inboxRow>;

export const INBOX_VIEWS = ['open', 'mine', 'queued', 'assigned', 'bot', 'resolved', 'all'] as const;
export const inboxQuery = z.object({
  /** open = queued + assigned (default); mine = assigned to me; all = every status. */
  view: z.enum(INBOX_VIEWS).default('open'),
  /** Only conversations whose customer spoke last on this channel. */
  channel: channelSlug.optional(),
  skill: skillName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(300).optional(),
});
export type InboxQuery = z.infer<typeof inboxQuery>;
export const inboxAnswer = z.object({
  conversations: z.array(inboxRow),
  nextCursor: z.string().nullable(),
  counts: z.object({ mine: z.number().int(), queued: z.number().int(), open: z.number().int() }),
});
export type InboxAnswer = z.infer<typeof inboxAnswer>;

export const queueFigures = z.object({
  waiting: z.number().int(),
  /** Seconds the longest-waiting conversation has waited; 0 when none waits. */
  longestWaitSec: z.number().int(),
  /** Online agents who could take these conversations. */
  agentsOnline: z.number().int(),
  /** Free slots among those agents (capacity − load). */
  freeCapacity: z.number().int(),
});
export type QueueFigures = z.infer<typeof queueFigures>;
export const queueAnswer = z.object({
  total: queueFigures.extend({ assigned: z.number().int() }),
  channels: z.array(queueFigures.extend({ channel: z.string() })),
  skills: z.array(queueFigures.extend({ skill: z.string() })),
  at: z.string(),
});
export type QueueAnswer = z.infer<typeof queueAnswer>;

export const conversationIdParam = z.object({ id: z.string().min(1).max(64) });
export const agentConversationAnswer = z.object({ conversation: inboxRow });
export type AgentConversationAnswer = z.infer<typeof agentConversationAnswer>;

export const agentMessageBody = z
  .object({
    text: messageText,
    clientMessageId: clientMessageId.optional(),
    /** Where the reply is meant to reach the customer; the channel they used last by default. */
    channel: channelSlug.optional(),
  })
  .strict()
  .meta({ example: { text: '您好，我是客服王敏，马上为您查询订单。', clientMessageId: 'agt-msg-0001' } });
export const agentMessageAnswer = z.object({ message });

export const transferBody = z
  .object({
    agentId: z.string().min(1).max(64).optional(),
    skill: skillName.optional(),
    /** An internal note for the next owner. */
    note: z.string().trim().min(1).max(4000).optional(),
  })
  .strict()
  .refine((b) => (b.agentId ? 1 : 0) + (b.skill ? 1 : 0) === 1, { message: 'give agentId or skill' })
  .meta({ example: { skill: 'returns', note: '客户要求退货，订单 20240518001' } });

export const note = z.object({
  id: z.string(),
  conversationId: z.string(),
  customerId: z.string(),
  author: z.object({ id: z.string(), name: z.string() }),
  text: z.string(),
  createdAt: z.string(),
});
export type Note = z.infer<typeof note>;
export const noteBody = z
  .object({
    text: z.string().trim().min(1).max(4000),
    /** The same id again (a retry) returns the first note instead of adding a second. */
    clientNoteId: clientMessageId.optional(),
  })
  .strict()
  .meta({ example: { text: '老客户，上次退货已处理，注意语气。', clientNoteId: 'note-7f3a9c21' } });
export const noteAnswer = z.object({ note });

export const typingBody = z
  .object({ typing: z.boolean() })
  .strict()
  .meta({ example: { typing: true } });
export const acceptedAnswer = z.object({ accepted: z.literal(true) });

export const agentHandoffBody = z
  .object({
    toChannel: channelSlug.optional(),
    /** Also text the code to the phone number on file (posted on the conversation's `sms` channel). */
    sendSms: z.boolean().default(false),
  })
  .strict()
  .meta({ example: { toChannel: 'app', sendSms: true } });
export const agentHandoffAnswer = handoffAnswer.extend({
  sms: z.object({ to: z.string(), message: message }).nullable(),
});

export const assignment = z.object({
  id: z.string(),
  agent: z.object({ id: z.string(), name: z.string() }),
  /** routed (automatic), claimed, transferred. */
  how: z.enum(['routed', 'claimed', 'transferred']),
  byAgentId: z.string().nullable(),
  queuedAt: z.string().nullable(),
  assignedAt: z.string(),
  firstResponseAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
});
export type Assignment = z.infer<typeof assignment>;

export const agentTimelineQuery = z.object({
  /** `nextBefore` of the previous page. */
  before: z
    .string()
    .regex(/^\d{1,15}$/, 'a nextBefore cursor')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** The customer's cross-channel timeline with the internal notes written in the same span. */
export const agentTimelinePage = z.object({
  messages: z.array(message),
  notes: z.array(note),
  nextBefore: z.string().nullable(),
});
export const conversationDetail = z.object({
  conversation: inboxRow,
  profile: profileBrief,
  timeline: agentTimelinePage,
  assignments: z.array(assignment),
});
export type ConversationDetail = z.infer<typeof conversationDetail>;

export const routingRule = z
  .object({
    skill: skillName,
    /** Matches when the conversation's latest intent is one of these. */
    intents: z.array(kbId).max(200).optional(),
    /** Matches conversations whose customer spoke last on one of these channels. */
    channels: z.array(channelSlug).max(50).optional(),
    /** Matches when the product talked about last is in one of these catalog categories. */
    productCategories: z.array(z.string().min(1).max(64)).max(100).optional(),
  })
  .strict();
const skillDisplayName = z.string().trim().min(1).max(48);
export const routingSettings = z
  .object({
    rules: z.array(routingRule).max(100),
    /**
     * What the agent console calls each skill, per language (`{ returns: { 'zh-CN': '退换货', en:
     * 'Returns' } }`). Skills not named here show by the console's own name for common keys, or the
     * key made readable.
     */
    skillNames: z
      .record(
        skillName,
        z.object({ 'zh-CN': skillDisplayName.optional(), en: skillDisplayName.optional() }).strict(),
      )
      .optional(),
  })
  .strict()
  .meta({
    example: {
      rules: [
        { skill: 'returns', intents: ['return_request', 'exchange_size'] },
        { skill: 'cosmetics', productCategories: ['skincare', 'makeup'] },
        { skill: 'livestream', channels: ['douyin_live', 'taobao_live'] },
      ],
      skillNames: { returns: { 'zh-CN': '退换货', en: 'Returns' }, livestream: { 'zh-CN': '直播间' } },
    },
  });
export type RoutingSettings = z.infer<typeof routingSettings>;
export const routingAnswer = z.object({ routing: routingSettings });

/** Events on the agent stream: the customers' events of the app, plus what only staff see. */
export const AGENT_EVENT_TYPES = [
  ...REALTIME_EVENT_TYPES,
  'inbox.updated',
  'note.created',
  'agent.updated',
  'queue.updated',
  'csat.created',
] as const;
export const agentEvent = z.object({ id: z.string(), type: z.enum(AGENT_EVENT_TYPES), data: z.unknown() });
export type AgentEvent = z.infer<typeof agentEvent>;
export const agentUpdatesAnswer = z.object({ events: z.array(agentEvent), cursor: z.string().nullable() });

export const INBOX_CHANGES = [
  'queued',
  'assigned',
  'transferred',
  'released',
  'resolved',
  'requeued',
  'priority',
] as const;
/** `inbox.updated`: a conversation's row changed; `queued` and `assigned` carry the profile too. */
export const inboxUpdate = z.object({
  change: z.enum(INBOX_CHANGES),
  conversation: inboxRow,
  profile: profileBrief.optional(),
  by: z.object({ type: z.enum(['agent', 'merchant', 'system']), id: z.string().nullable() }),
});
export type InboxUpdate = z.infer<typeof inboxUpdate>;
