import { z } from 'zod';
import { clientMessageId, conversationRef, freeText, message, messageText } from './common';
import { customerTicket } from './kb';

export const timelineQuery = z.object({
  before: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'The `nextBefore` of the previous page: walk back from there.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .meta({ description: 'Messages per page (1–200).' }),
});
export type TimelineQuery = z.input<typeof timelineQuery>;

export const timelinePage = z.object({
  messages: z.array(message).meta({ description: 'Oldest first, across every conversation and channel.' }),
  tickets: z.array(customerTicket).optional().meta({
    description:
      'On the first page (no `before`): the customer’s tickets, newest activity first (at most 20), so clients show ticket cards with the history.',
  }),
  nextBefore: z
    .string()
    .nullable()
    .meta({ description: 'Pass as `before` for the older page; null at the beginning.' }),
});
export type TimelinePage = z.infer<typeof timelinePage>;

export const sendMessageBody = z.object({ clientMessageId, text: messageText }).meta({
  example: { clientMessageId: 'c1b7f3e2-6a4d-4f8e-9b1a-2d3c4e5f6a7b', text: '这款面霜保质期多久' },
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const sendMessageAnswer = z.object({
  message,
  replies: z
    .array(message)
    .meta({ description: 'What the bot answered at once (none while an agent owns the conversation).' }),
  conversation: conversationRef,
});
export type SendMessageAnswer = z.infer<typeof sendMessageAnswer>;

/** `reason`, when given, is the shopper's own words for the agent: sealed at rest like a message. */
export const escalateBody = z
  .object({
    reason: freeText(500)
      .optional()
      .meta({ description: 'Shown to the agent; the same text rules as a message, sealed at rest.' }),
  })
  .meta({ example: { reason: '想找人工确认换货' } });
export const escalateAnswer = z.object({ conversation: conversationRef });
export type EscalateAnswer = z.infer<typeof escalateAnswer>;

export const trackBody = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z][a-z0-9_.]*$/, 'snake_case event names, e.g. add_to_cart'),
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Anything about the event; product ids feed the profile and the bot.' }),
  })
  .meta({ example: { name: 'add_to_cart', properties: { productId: 'p-hyaluronic-cream', price: 189 } } });
export type TrackBody = z.infer<typeof trackBody>;
export const trackAnswer = z.object({ accepted: z.literal(true) });
