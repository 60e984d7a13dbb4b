import { z } from 'zod';
import { clientMessageId, conversationRef, customerRef, message, messageText, plainString } from './common';
import { handoffSummary } from './handoffs';
import { identityKind } from './sessions';

export const channelSender = z
  .object({
    externalId: z.string().min(1).max(256).optional(),
    phone: z.string().min(3).max(32).optional(),
    identity: z.object({ kind: identityKind, value: z.string().min(1).max(256) }).optional(),
    name: plainString(0, 128).optional(),
  })
  .refine((s) => s.externalId || s.phone || s.identity, {
    message: 'from needs externalId, phone or identity',
  })
  .meta({
    description:
      'Who wrote it: your user id, a phone number (E.164), or another identity. The customer is found or created.',
  });
export type ChannelSender = z.infer<typeof channelSender>;

export const channelMessageBody = z
  .object({
    from: channelSender,
    text: messageText,
    clientMessageId: clientMessageId.optional(),
  })
  .meta({
    example: {
      from: { externalId: 'user-42', name: '王小姐' },
      text: '你们几点发货',
      clientMessageId: 'call-7731-utt-3',
    },
  });
export type ChannelMessageBody = z.infer<typeof channelMessageBody>;

export const channelMessageAnswer = z.object({
  message,
  replies: z.array(message),
  conversation: conversationRef,
  customer: customerRef,
});
export type ChannelMessageAnswer = z.infer<typeof channelMessageAnswer>;

export const phoneCallBody = z
  .object({
    from: z.object({ phone: z.string().min(3).max(32).meta({ description: 'The caller id, E.164.' }) }),
  })
  .meta({ example: { from: { phone: '+8613800138000' } } });
export type PhoneCallBody = z.infer<typeof phoneCallBody>;

export const phoneCallAnswer = z.object({
  customer: customerRef,
  context: z.object({
    recentMessages: z.array(message),
    openTickets: z.array(z.record(z.string(), z.unknown())),
    lastIntent: z.string().nullable(),
    cart: z.array(z.record(z.string(), z.unknown())),
    summary: handoffSummary.nullable(),
  }),
});
export type PhoneCallAnswer = z.infer<typeof phoneCallAnswer>;
