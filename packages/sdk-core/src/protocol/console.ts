import { z } from 'zod';
import { conversationRef, reportInstant } from './common';

/** A conversation label: short, human words (`退货`, `urgent`, `follow-up`). */
export const labelName = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[^\s,][^,]*$/, 'no commas, not blank');

export const labelsBody = z
  .object({ labels: z.array(labelName).max(20) })
  .strict()
  .meta({ example: { labels: ['退货', 'urgent'] } });
export const labelsAnswer = z.object({ labels: z.array(z.string()) });

export const snoozeBody = z
  .object({
    /** Hide the conversation from "mine" until then (at most 30 days ahead); `null` ends the snooze. */
    until: z.iso.datetime({ offset: true }).nullable(),
  })
  .strict()
  .meta({ example: { until: '2026-06-01T09:00:00+08:00' } });
/** The customer writing again ends a snooze early: `snoozedUntil` is then null. */
export const snoozeAnswer = z.object({ snoozedUntil: z.string().nullable() });

/** A satisfaction rating of a conversation, 1 (poor) to 5 (great). */
export const csatRating = z.object({
  rating: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  createdAt: z.string(),
});
export type CsatRating = z.infer<typeof csatRating>;

export const consoleSearchQuery = z.object({
  /** Message text, customer name, merchant user id, a full phone number or an order id. */
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const cannedRepliesQuery = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(20).default(8),
});
export const cannedRepliesAnswer = z.object({
  replies: z.array(
    z.object({ id: z.string(), title: z.string(), answer: z.string(), intent: z.string().nullable() }),
  ),
});

/** The app's intents by id and display name, so the console shows 保质期 rather than shelf_life. */
export const intentNamesAnswer = z.object({
  intents: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type IntentNamesAnswer = z.infer<typeof intentNamesAnswer>;

export const csatBody = z
  .object({
    /** The conversation rated; the customer's latest resolved one by default. */
    conversationId: z.string().min(1).max(64).optional(),
    rating: z.number().int().min(1).max(5),
    comment: z.string().trim().min(1).max(1000).optional(),
  })
  .strict()
  .meta({ example: { rating: 5, comment: '客服很耐心，谢谢！' } });
export const csatAnswer = z.object({ conversationId: z.string(), csat: csatRating });
export type CsatAnswer = z.infer<typeof csatAnswer>;

export const csatInsightsQuery = z.object({
  /** Only ratings given at or after this time. */
  since: reportInstant.optional(),
  until: reportInstant.optional(),
});
const csatFigures = z.object({
  responses: z.number().int(),
  /** Mean rating, 1–5; null without responses. */
  average: z.number().nullable(),
  /** Share of 4 and 5 ratings, 0–100 (the usual CSAT score); null without responses. */
  score: z.number().nullable(),
  /** Count per rating: index 0 is 1 star, index 4 is 5 stars. */
  distribution: z.array(z.number().int()).length(5),
});
export const csatInsightsAnswer = z.object({
  total: csatFigures,
  channels: z.array(csatFigures.extend({ channel: z.string() })),
  agents: z.array(csatFigures.extend({ agent: z.object({ id: z.string(), name: z.string() }).nullable() })),
  recent: z.array(
    csatRating.extend({
      conversationId: z.string(),
      channel: z.string(),
      agentId: z.string().nullable(),
    }),
  ),
});
export type CsatInsightsAnswer = z.infer<typeof csatInsightsAnswer>;

/**
 * GET /v1/conversation — what the shopper's client shows about the open conversation: its status,
 * and while it waits for a person, the honest state of the queue.
 */
export const waitState = z.object({
  /** 1 = next to be served. */
  position: z.number().int(),
  /** Agents online now who could take it (skill matched); 0 = nobody can answer right now. */
  agentsOnline: z.number().int(),
  waitingSince: z.string().nullable(),
});
export type WaitState = z.infer<typeof waitState>;
export const conversationStateAnswer = z.object({
  conversation: conversationRef
    .extend({ assignedAgent: z.object({ name: z.string() }).nullable() })
    .nullable(),
  wait: waitState.nullable(),
  /** The latest resolved conversation the customer has not rated yet (ask for CSAT once). */
  rateable: z.object({ conversationId: z.string(), agentName: z.string().nullable() }).nullable(),
  /**
   * The shop's language (`PATCH /v1/app { language }`, BCP 47), or null: the web widget speaks it
   * unless the page sets `lang` itself, before the page's `<html lang>` and the browser's.
   */
  language: z.string().nullable().optional(),
});
export type ConversationStateAnswer = z.infer<typeof conversationStateAnswer>;
