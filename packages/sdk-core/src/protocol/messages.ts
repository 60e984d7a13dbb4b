import { z } from 'zod';
import { clientMessageId, conversationRef, freeText, message, messageText } from './common';

export const timelineQuery = z.object({
  before: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TimelineQuery = z.input<typeof timelineQuery>;

export const timelinePage = z.object({
  messages: z.array(message),
  nextBefore: z.string().nullable(),
});
export type TimelinePage = z.infer<typeof timelinePage>;

export const sendMessageBody = z.object({ clientMessageId, text: messageText });
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const sendMessageAnswer = z.object({
  message,
  replies: z.array(message),
  conversation: conversationRef,
});
export type SendMessageAnswer = z.infer<typeof sendMessageAnswer>;

/** `reason`, when given, is the shopper's own words for the agent: sealed at rest like a message. */
export const escalateBody = z.object({ reason: freeText(500).optional() });
export const escalateAnswer = z.object({ conversation: conversationRef });
export type EscalateAnswer = z.infer<typeof escalateAnswer>;

export const trackBody = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9_.]*$/, 'snake_case event names, e.g. add_to_cart'),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export type TrackBody = z.infer<typeof trackBody>;
export const trackAnswer = z.object({ accepted: z.literal(true) });
