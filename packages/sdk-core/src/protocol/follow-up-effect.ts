import { z } from 'zod';

/** Days after a follow-up is sent in which the customer's next order counts for it. */
export const FOLLOW_UP_ORDER_WINDOW_DAYS = 30;

/**
 * One period of follow-ups: all of them (`scope: all`), one send channel (`channel`), or one rule
 * (`rule`; `ruleId: null` for rules since deleted). Rates are 0–1, null when nothing was sent.
 */
export const followUpEffectRow = z.object({
  period: z.string().meta({ description: 'The period’s first local date.', example: '2026-11-30' }),
  scope: z.enum(['all', 'channel', 'rule']),
  channel: z.string().nullable().meta({ example: 'miniprogram' }),
  ruleId: z.string().nullable(),
  ruleName: z.string().nullable().meta({ example: '电话问保养 → 小程序保养卡' }),
  /** Follow-ups sent in the period. */
  sent: z.number().int(),
  /** Of those, how many cards were opened through their click-through link (at any time since). */
  opened: z.number().int(),
  openRate: z.number().nullable(),
  /** Every open of those cards, repeats included. */
  opens: z.number().int(),
  /**
   * Of those, how many were followed by the customer's next order within 30 days (orders pushed
   * with `POST /v1/orders`, over every id merged into the customer). An order counts once, for
   * the latest follow-up sent before it.
   */
  ordered: z.number().int(),
  conversionRate: z.number().nullable(),
});
export type FollowUpEffectRow = z.infer<typeof followUpEffectRow>;

export const followUpEffectAnswer = z.object({
  timeZone: z.string(),
  period: z.enum(['day', 'week', 'month', 'all']),
  periods: z.array(z.string()),
  attributionDays: z.number().int().meta({ example: FOLLOW_UP_ORDER_WINDOW_DAYS }),
  asOf: z.string(),
  rows: z.array(followUpEffectRow),
});
export type FollowUpEffectAnswer = z.infer<typeof followUpEffectAnswer>;
