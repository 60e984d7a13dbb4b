import { z } from 'zod';
import { conversationRef, message } from './common';
import { customerTicket } from './kb';

export const REALTIME_EVENT_TYPES = [
  'message.created',
  'message.delta',
  'conversation.updated',
  'typing',
  'ticket.created',
  'ticket.updated',
] as const;
export const realtimeEventType = z.enum(REALTIME_EVENT_TYPES);
export type RealtimeEventType = z.infer<typeof realtimeEventType>;

export const messageDelta = z.object({
  replyId: z.string(),
  conversationId: z.string(),
  delta: z.string(),
  index: z.number().int(),
});
export type MessageDelta = z.infer<typeof messageDelta>;

export const conversationUpdate = conversationRef.extend({
  channel: z.string().optional(),
  assignedAgent: z.object({ id: z.string(), name: z.string().optional() }).nullable().optional(),
});
export type ConversationUpdate = z.infer<typeof conversationUpdate>;

export const typingEvent = z.object({
  conversationId: z.string(),
  author: z.object({ type: z.enum(['bot', 'agent', 'customer']), name: z.string().optional() }),
  typing: z.boolean(),
});
export type TypingEvent = z.infer<typeof typingEvent>;

/** Data carried by each realtime event type. */
export const realtimeEventData = {
  'message.created': message,
  'message.delta': messageDelta,
  'conversation.updated': conversationUpdate,
  typing: typingEvent,
  'ticket.created': customerTicket,
  'ticket.updated': customerTicket,
} as const;

/** One event as delivered by SSE (`id`, `event`, `data`) and long-poll. The id is the resume cursor. */
export const realtimeEvent = z.object({
  id: z.string(),
  type: realtimeEventType,
  data: z.unknown(),
});
export type RealtimeEvent = z.infer<typeof realtimeEvent>;

export const updatesQuery = z.object({
  after: z.string().max(64).optional(),
  wait: z.coerce.number().min(0).max(30).default(25),
});
export const updatesAnswer = z.object({
  events: z.array(realtimeEvent),
  cursor: z.string().nullable(),
});
export type UpdatesAnswer = z.infer<typeof updatesAnswer>;
