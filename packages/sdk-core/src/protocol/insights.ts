import { z } from 'zod';
import { channelSlug, reportDate } from './common';

/** A local date in the window's time zone: a real calendar date from 2000 to 2100. */
const localDate = reportDate;

/**
 * The period window of every insights table: `since` and `until` are local dates (inclusive) in
 * `timeZone` (default: the app's, else Asia/Shanghai), widened to whole periods. Default: the 30
 * days up to today.
 */
export const insightsQuery = z.object({
  /** `all`: the whole window as one period (figures such as percentiles over all of it). */
  period: z.enum(['day', 'week', 'month', 'all']).default('day'),
  since: localDate.optional(),
  until: localDate.optional(),
  /** An IANA time zone, e.g. Asia/Shanghai. */
  timeZone: z.string().min(1).max(64).optional(),
  /** Only this channel (by default every channel, each on its own rows, plus the all-channel row). */
  channel: channelSlug.optional(),
});
export type InsightsQuery = z.infer<typeof insightsQuery>;

const percentiles = z.object({ p50: z.number().nullable(), p90: z.number().nullable() });

/**
 * One period on one channel (`channel: null` is all channels together). Rates are 0–1, null when
 * their denominator is 0; durations are ms.
 */
export const metricsRow = z.object({
  period: z.string(),
  channel: z.string().nullable(),
  /** Conversations that started in the period (on the channel they started on). */
  conversations: z.number().int(),
  /** Messages of every author written on the channel in the period, and the customers' among them. */
  messages: z.number().int(),
  customerMessages: z.number().int(),
  /** Conversations the bot answered with no agent writing and no request for a person. */
  aiAnswered: z.number().int(),
  aiShare: z.number().nullable(),
  /** Conversations that asked for a person (customer's request, human-policy intent, bot handover). */
  escalated: z.number().int(),
  escalationRate: z.number().nullable(),
  /** From the conversation's first customer message to the first bot or agent reply. */
  firstResponseMs: percentiles,
  /**
   * Human first response: from the conversation's escalation (its first wait for a person) to the
   * first message an agent wrote after it, over the conversations of the period that escalated
   * and got an agent's message.
   */
  humanFirstResponseMs: percentiles,
  /** From the start of a wait for a person to an agent owning the conversation (routed or claimed). */
  escalationToAgentMs: percentiles,
  /** Handoff codes created on the channel, and claimed on another (the continuation rate). */
  handoffsCreated: z.number().int(),
  handoffsClaimed: z.number().int(),
  continuationRate: z.number().nullable(),
  ticketsOpened: z.number().int(),
  /** Tickets that reached resolved or closed in the period. */
  ticketsClosed: z.number().int(),
  csatResponses: z.number().int(),
  csatAverage: z.number().nullable(),
  /** Contacts (a customer raising an intent), and the repeats among them (see `repeatContactsAnswer`). */
  contacts: z.number().int(),
  repeatContacts: z.number().int(),
  repeatWithContext: z.number().int(),
  repeatWithoutContext: z.number().int(),
  repeatRate: z.number().nullable(),
});
export type MetricsRow = z.infer<typeof metricsRow>;

/**
 * How current an answer is. The rollups are folded by a background worker (every minute) and a
 * little on each read; after a burst or an upgrade a read answers at once from what is folded.
 */
const freshness = {
  /** Everything of this app stored before this instant is in the figures (now, when nothing is left to fold). */
  asOf: z.string(),
  /** This app's messages, log rows and cart events stored but not yet in the figures (0 when up to date; other apps' never count). */
  behind: z.number().int(),
};

export const agentCsatRow = z.object({
  period: z.string(),
  agent: z.object({ id: z.string(), name: z.string() }).nullable(),
  csatResponses: z.number().int(),
  /** Mean rating 1–5, two decimals. */
  csatAverage: z.number(),
});

export const metricsAnswer = z.object({
  timeZone: z.string(),
  period: z.enum(['day', 'week', 'month', 'all']),
  periods: z.array(z.string()),
  ...freshness,
  rows: z.array(metricsRow),
  /**
   * CSAT per agent and period (ratings of the conversations each agent owned; `agent: null` is the
   * bot), over the channel asked for or all channels. Ordered by period, then most responses.
   */
  agents: z.array(agentCsatRow),
});
export type MetricsAnswer = z.infer<typeof metricsAnswer>;

export const intentTrend = z.object({
  intent: z.string(),
  channel: z.string().nullable(),
  total: z.number().int(),
  /** Contacts per period, aligned with `periods`. */
  counts: z.array(z.number().int()),
  /** Share of all contacts in the last period vs the one before. */
  share: z.number().nullable(),
  previousShare: z.number().nullable(),
  /** Two-proportion z statistic of the last period's share against the previous one's: a size, for display. */
  z: z.number().nullable(),
  /**
   * One-sided p-value of "the share did not grow" (Fisher's exact test on the last two periods'
   * shoppers: those who raised the intent, each once, among those with any contact; 1 when the
   * previous period had no contacts at all in this scope).
   */
  p: z.number(),
  /**
   * The share of shoppers grew: p significant after Benjamini–Hochberg across the scope's intents
   * (false discovery rate 1 %), and at least 5 shoppers in the last period. Shoppers, not contacts:
   * one shopper coming back about the same thing many times is one voice.
   */
  rising: z.boolean(),
});
export const intentTrendsAnswer = z.object({
  timeZone: z.string(),
  period: z.enum(['day', 'week', 'month', 'all']),
  periods: z.array(z.string()),
  intents: z.array(intentTrend),
  rising: z.array(intentTrend),
  ...freshness,
});
export type IntentTrendsAnswer = z.infer<typeof intentTrendsAnswer>;

export const emergingQuery = z.object({
  /** The recent window, in days, compared with the window just before it. */
  windowDays: z.coerce.number().int().min(1).max(90).default(7),
  channel: channelSlug.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const emergingCluster = z.object({
  /** Stable while the cluster's intent (or leading wording) stays the same: the key for an article draft. */
  id: z.string(),
  /** The most frequent wording, redacted (phone, order, ID and card numbers, e-mail, links replaced). */
  label: z.string(),
  count: z.number().int(),
  /**
   * Questions in the recent window and in the one before (estimated from an even sample when the
   * answer is `truncated`).
   */
  recent: z.number().int(),
  previous: z.number().int(),
  /**
   * Distinct shoppers who asked in the recent window (among the questions read: a lower bound when
   * the answer is `truncated`). One shopper repeating a question counts once.
   */
  recentCustomers: z.number().int(),
  /**
   * One-sided p-value of "the need's share did not grow": Fisher's exact test of its shoppers (each
   * once per window) among each window's customer messages.
   */
  p: z.number(),
  /**
   * p significant after Benjamini–Hochberg across the clusters (1 %), with at least 5 shoppers in
   * the recent window: one shopper or script repeating a question never makes a need rise.
   */
  rising: z.boolean(),
  channels: z.record(z.string(), z.number().int()),
  /** Distinct wordings, redacted like `label`. */
  samples: z.array(z.string()),
  nearestIntent: z.string().nullable(),
  lastAskedAt: z.string(),
});
export const emergingAnswer = z.object({
  windowDays: z.number().int(),
  /** Questions in both windows, and in each. */
  total: z.number().int(),
  recentTotal: z.number().int(),
  previousTotal: z.number().int(),
  /**
   * A window held more questions than are read per request (1,000; an even sample was clustered
   * and counts are estimates), or some questions fitted none of the first 200 wording clusters.
   */
  truncated: z.boolean(),
  /** Questions (of those read) left out because they fitted none of the first 200 wording clusters. */
  unclustered: z.number().int(),
  clusters: z.array(emergingCluster),
});
export type EmergingAnswer = z.infer<typeof emergingAnswer>;

export const emergingIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/) });
/** A draft for POST /v1/kb/articles: fill in `answer`, then post it. */
export const articleDraftAnswer = z.object({
  draft: z.object({
    title: z.string(),
    questions: z.array(z.string()),
    answer: z.string(),
    intent: z.string().optional(),
  }),
  cluster: emergingCluster,
});
export type ArticleDraftAnswer = z.infer<typeof articleDraftAnswer>;

export const highValueQuery = insightsQuery.extend({
  /** A cart worth at least this much (quantity × price of its lines, in the shop's currency) is large. */
  largeCart: z.coerce.number().min(0).max(1e9).optional(),
});
export const highValueRow = z.object({
  /** vip (attribute `vip` truthy), large_cart (cart worth ≥ the threshold), repeat_buyer (≥ 2 orders), other. */
  segment: z.enum(['vip', 'large_cart', 'repeat_buyer', 'other']),
  customers: z.number().int(),
  conversations: z.number().int(),
  aiAnswered: z.number().int(),
  escalated: z.number().int(),
  firstResponseMs: percentiles,
  escalationToAgentMs: percentiles,
  csatAverage: z.number().nullable(),
});
export const highValueAnswer = z.object({
  since: z.string(),
  until: z.string(),
  largeCartThreshold: z.number(),
  segments: z.array(highValueRow),
  ...freshness,
});
export type HighValueAnswer = z.infer<typeof highValueAnswer>;

export const insightsTableParam = z.object({
  table: z.enum(['metrics', 'intents', 'emerging', 'high-value', 'csat', 'follow-ups']),
});
/** Every insights table's query at once: each table reads the fields it knows. */
export const insightsExportQuery = highValueQuery.extend({
  windowDays: z.coerce.number().int().min(1).max(90).default(7),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
