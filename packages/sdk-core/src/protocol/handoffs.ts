import { z } from 'zod';
import { channelSlug } from './common';

export const createHandoffBody = z
  .object({
    toChannel: channelSlug.optional().meta({
      description: 'Where the shopper will continue (app, miniprogram, phone…).',
      example: 'miniprogram',
    }),
    /** With the secret key or an agent token: whose conversation to hand off. */
    customer: z
      .object({
        id: z.string().optional(),
        externalId: z.string().max(256).optional(),
        phone: z.string().max(32).optional(),
      })
      .optional()
      .meta({
        description:
          'With the secret key or an agent token: whose conversation (a session hands off its own).',
      }),
  })
  .meta({ example: { toChannel: 'miniprogram' } });
export type CreateHandoffBody = z.infer<typeof createHandoffBody>;

export const handoffAnswer = z.object({
  code: z.string().meta({ description: 'Single-use, long and random: for links and QR codes.' }),
  shortCode: z
    .string()
    .meta({ description: 'Six digits to read out on the phone or type in.', example: '482913' }),
  url: z
    .string()
    .optional()
    .meta({ description: "The link for QR codes, when the app's handoffUrlBase is set." }),
  expiresAt: z.string().meta({ description: 'ISO 8601; 10 minutes by default.' }),
});
export type HandoffAnswer = z.infer<typeof handoffAnswer>;

/**
 * What travels with a conversation whenever it changes hands (bot → agent, channel → channel):
 * the agent and the next channel read this first instead of the whole history.
 */
export const handoffSummary = z.object({
  reason: z.enum(['escalation', 'channel_handoff', 'screen_pop']),
  conversationId: z.string(),
  status: z.string(),
  /** Channels the conversation has used, first use first. */
  channels: z.array(z.string()),
  fromChannel: z.string().nullable(),
  toChannel: z.string().nullable(),
  intents: z.array(z.string()),
  products: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  orderIds: z.array(z.string()),
  /** Knowledge articles the bot already answered with, so nobody repeats them. */
  botAnswered: z.array(z.object({ articleId: z.string(), title: z.string().nullable() })),
  openTickets: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      orderId: z.string().nullable(),
      productId: z.string().nullable(),
    }),
  ),
  sentiment: z.object({
    /** Customer messages with strong negative cues (投诉, 太差, angry…). */
    negativeMessages: z.number().int(),
    flags: z.array(z.enum(['negative', 'asked_for_human', 'repeated_low_confidence', 'vip'])),
  }),
  lastCustomerMessage: z.object({ text: z.string(), channel: z.string(), at: z.string() }).nullable(),
  messageCount: z.number().int(),
  createdAt: z.string(),
});
export type HandoffSummary = z.infer<typeof handoffSummary>;
