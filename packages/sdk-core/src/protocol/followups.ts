import { z } from 'zod';
import { channelSlug, freeText, linkCard, message } from './common';

/** What a follow-up sends: a text, a knowledge article (its title and answer), or a link card. */
export const followUpContent = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('text'), text: freeText(1000) }).strict(),
    z
      .object({
        kind: z.literal('article'),
        articleId: z.string().min(1).max(128),
      })
      .strict(),
    z
      .object({
        kind: z.literal('card'),
        card: linkCard,
        text: freeText(1000)
          .optional()
          .meta({ description: 'The message text beside the card (default: the card title).' }),
      })
      .strict(),
  ])
  .meta({ id: 'FollowUpContent' });
export type FollowUpContent = z.infer<typeof followUpContent>;

const intentId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'an intent id, e.g. care_instructions');

/** 30 days: a follow-up later than that is a campaign, not a follow-up. */
export const FOLLOW_UP_MAX_DELAY_SEC = 30 * 24 * 3600;

export const followUpRuleBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().optional(),
    when: z
      .object({
        channel: channelSlug.optional().meta({
          description: 'The channel the conversation was on (started or last spoke); any when left out.',
        }),
        intent: intentId.meta({ description: 'An intent recognised in the conversation.' }),
        productId: z
          .string()
          .min(1)
          .max(128)
          .optional()
          .meta({ description: 'Only when this product came up in the conversation.' }),
      })
      .strict(),
    delaySeconds: z.number().int().min(0).max(FOLLOW_UP_MAX_DELAY_SEC),
    expiresAfterSeconds: z.number().int().min(60).max(FOLLOW_UP_MAX_DELAY_SEC).optional().meta({
      description:
        'A follow-up held back (quiet hours, an open human conversation) past its due time plus this is dropped as expired (default 2 days).',
    }),
    send: z
      .object({
        channel: channelSlug.meta({
          description:
            'Where it goes. SDK channels (web, app, miniprogram) get a message in the timeline; server channels (sms, wechat_oa, …) get it through your webhook as `follow_up.sent`.',
        }),
        content: followUpContent,
      })
      .strict(),
  })
  .strict()
  .meta({
    example: {
      name: 'Care video after a call about care',
      when: { channel: 'phone', intent: 'care_instructions' },
      delaySeconds: 600,
      send: {
        channel: 'miniprogram',
        content: {
          kind: 'card',
          card: {
            title: '真丝衬衫洗护视频',
            imageUrl: 'https://shop.example/img/silk-care.jpg',
            targetUrl: 'https://shop.example/care/silk',
          },
        },
      },
    },
  });
export type FollowUpRuleBody = z.infer<typeof followUpRuleBody>;

export const updateFollowUpRuleBody = followUpRuleBody
  .partial()
  .strict()
  .meta({ example: { enabled: false } });
export type UpdateFollowUpRuleBody = z.infer<typeof updateFollowUpRuleBody>;

export const followUpRule = followUpRuleBody
  .extend({
    id: z.string().meta({ example: 'fur_01JD3W5V6Z8K2N4P7Q9R' }),
    enabled: z.boolean(),
    counts: z
      .object({
        scheduled: z.number().int(),
        sent: z.number().int(),
        skipped: z.number().int(),
        cancelled: z.number().int(),
      })
      .meta({ description: 'Follow-ups of this rule by state.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'FollowUpRule' });
export type FollowUpRule = z.infer<typeof followUpRule>;

export const followUpRuleAnswer = z.object({ rule: followUpRule });
export const followUpRuleList = z.object({ rules: z.array(followUpRule) });
export const followUpRuleParams = z.object({ id: z.string().min(1).max(64) });
export const followUpRuleDeleted = z.object({ deleted: z.literal(true) });

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')
  .meta({ example: '21:00' });

/** An IANA time zone the runtime knows (Asia/Shanghai, Europe/Paris). */
export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'An IANA time zone, e.g. Asia/Shanghai.')
  .meta({ example: 'Asia/Shanghai' });

export const followUpSettings = z
  .object({
    timeZone: timeZone.meta({
      description:
        'The zone quiet hours are read in: the app’s time zone (PATCH /v1/app `timeZone`, default Asia/Shanghai) unless follow-ups override it here.',
    }),
    quietHours: z.object({ start: clockTime, end: clockTime }).strict().nullable().meta({
      description:
        'No proactive message between start and end (local time; may span midnight). A follow-up due then is moved to the end, not dropped. Null: none. Default 21:00–09:00.',
    }),
    weeklyCap: z.number().int().min(0).max(50).meta({
      description:
        'At most this many proactive messages per customer in any 7 days (default 2); 0 turns follow-ups off.',
    }),
  })
  .meta({ id: 'FollowUpSettings' });
export type FollowUpSettings = z.infer<typeof followUpSettings>;

export const updateFollowUpSettingsBody = followUpSettings
  .extend({
    timeZone: timeZone.nullable().meta({
      description: 'Override the app’s time zone for quiet hours only; null follows the app’s zone again.',
    }),
  })
  .partial()
  .strict()
  .meta({
    example: { timeZone: 'Asia/Shanghai', quietHours: { start: '22:00', end: '08:30' }, weeklyCap: 2 },
  });
export type UpdateFollowUpSettingsBody = z.infer<typeof updateFollowUpSettingsBody>;
export const followUpSettingsAnswer = z.object({ settings: followUpSettings });

export const followUpState = z.enum(['scheduled', 'sent', 'skipped', 'cancelled']).meta({
  description:
    'scheduled: waiting for its time; sent: delivered (on the timeline); skipped: a rule held it back (reason); cancelled: the customer opted out or was erased, or the rule was deleted, turned off or moved to another channel.',
});

export const followUp = z
  .object({
    id: z.string().meta({ example: 'fup_01JD3W5V6Z8K2N4P7Q9R' }),
    ruleId: z.string().nullable(),
    customerId: z.string(),
    conversationId: z.string().meta({ description: 'The conversation whose end scheduled it.' }),
    channel: channelSlug,
    state: followUpState,
    reason: z.string().nullable().meta({
      description:
        'Why it was skipped or cancelled: opted_out, weekly_cap, expired, erased, rule_deleted, rule_disabled (its rule was off when it fell due), rule_changed (its rule now sends on another channel), invalid_content, article_missing; not_on_channel (an SDK channel the customer never had a session on), no_webhook (a server channel with no enabled webhook subscribed to follow_up.sent), not_reachable (no phone on file for sms/phone, no openid for wechat_oa, no email for email).',
    }),
    dueAt: z.string(),
    sentAt: z.string().nullable(),
    messageId: z.string().nullable(),
    deferrals: z.number().int().meta({ description: 'Times it was moved (quiet hours, an agent helping).' }),
  })
  .meta({ id: 'FollowUp' });
export type FollowUp = z.infer<typeof followUp>;

export const followUpsQuery = z.object({
  customerId: z.string().max(64).optional(),
  state: followUpState.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const followUpList = z.object({ followUps: z.array(followUp) });

/** An agent sends a link card (a suggested product, a guide) into the conversation. */
export const agentCardBody = z
  .object({
    card: linkCard,
    text: freeText(1000).optional(),
    clientMessageId: z.string().min(8).max(128).optional(),
  })
  .strict()
  .meta({
    example: {
      card: {
        title: '玻尿酸保湿面霜 50ml',
        imageUrl: 'https://shop.example/img/cream.jpg',
        targetUrl: 'https://shop.example/p/p-hyaluronic-cream',
      },
    },
  });
