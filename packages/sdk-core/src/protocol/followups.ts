import { z } from 'zod';
import { channelSlug, clientMessageId, freeText, linkCard, message } from './common';

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
  .extend({
    when: z
      .object({
        channel: channelSlug.nullable().optional().meta({ description: 'null: any channel.' }),
        intent: intentId.optional(),
        productId: z
          .string()
          .min(1)
          .max(128)
          .nullable()
          .optional()
          .meta({ description: 'null: any product.' }),
      })
      .strict()
      .optional()
      .meta({
        description:
          'Only the fields given change: `{intent}` keeps the channel and product; null clears channel or productId.',
      }),
  })
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

export const followUpRuleWarning = z
  .object({
    code: z.enum(['no_webhook_for_channel']),
    message: z.string(),
  })
  .meta({ id: 'FollowUpRuleWarning' });
export const followUpRuleAnswer = z.object({
  rule: followUpRule,
  warnings: z.array(followUpRuleWarning).optional().meta({
    description:
      'On create and update: what will keep the rule from delivering, though it is saved. `no_webhook_for_channel`: it sends on a server channel (sms, wechat_oa, …) and no enabled webhook of the app subscribes to `follow_up.sent` (or `*`), so its follow-ups would be skipped `no_webhook`.',
  }),
});
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

/**
 * A host a card may use: lower-case ASCII (an internationalised name in its xn-- form, so a
 * look-alike is visible), optionally `*.` for every subdomain; no scheme, port or path.
 */
export const cardHost = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'A lower-case host name such as cdn.shop.example or *.shop.example (no scheme, port or path).',
  )
  .meta({ example: 'img.shop-cdn.example' });

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
    cardHosts: z.array(cardHost).max(50).meta({
      description:
        'Hosts a link card (follow-up rules, agents’ cards) may link to or show a picture from, besides the hosts of the app’s allowedOrigins. `*.cdn.example` allows every subdomain. A card naming another host is refused with 400 card_host_not_allowed (default: none).',
    }),
    idleEndMinutes: z.number().int().min(0).max(10_080).meta({
      description:
        'A conversation only the bot has handled (web, app, mini-program, livestream…) with no message for this many minutes counts as ended for follow-up rules (default 30; 0: only a resolve, a hang-up or POST /v1/conversations/{id}/end end one). It stays open: the shopper can carry on.',
    }),
  })
  .meta({ id: 'FollowUpSettings' });
export type FollowUpSettings = z.infer<typeof followUpSettings>;

export const endConversationParams = z.object({ id: z.string().min(1).max(64) });
export const endConversationAnswer = z
  .object({
    conversation: z.object({
      id: z.string(),
      status: z.literal('resolved'),
      resolvedAt: z.string(),
    }),
    followUpsScheduled: z.number().int().meta({
      description: 'Follow-ups this end scheduled (0 when it had already ended, or no rule matched).',
    }),
  })
  .meta({ id: 'EndedConversation' });

export const updateFollowUpSettingsBody = followUpSettings
  .extend({
    timeZone: timeZone.nullable().meta({
      description: 'Override the app’s time zone for quiet hours only; null follows the app’s zone again.',
    }),
  })
  .partial()
  .strict()
  .meta({
    example: {
      timeZone: 'Asia/Shanghai',
      quietHours: { start: '22:00', end: '08:30' },
      weeklyCap: 2,
      cardHosts: ['img.shop-cdn.example'],
      idleEndMinutes: 30,
    },
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
        'Why it was skipped or cancelled: opted_out, weekly_cap, expired, erased, rule_deleted, rule_disabled (its rule was off when it fell due), rule_changed (its rule now sends on another channel), invalid_content, article_missing, card_host_not_allowed (a card links outside the app’s allowed hosts); not_on_channel (an SDK channel the customer never had a session on), no_webhook (a server channel with no enabled webhook subscribed to follow_up.sent), not_reachable (no phone on file for sms/phone, no openid for wechat_oa, no email for email), failed (the send failed with an error on every one of its attempts, retried with exponential backoff).',
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
    channel: channelSlug.optional().meta({
      description:
        'Where the card is shown. Default: the conversation’s last channel, or — when that is a voice channel, which cannot show a card — the customer’s last SDK channel (mini-program, app or web).',
    }),
    text: freeText(1000).optional(),
    clientMessageId: clientMessageId.optional(),
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

/** An agent records the customer's marketing consent (what they said on the phone or in chat). */
export const agentConsentBody = z
  .object({
    marketingOptOut: z.boolean().meta({
      description:
        'true: no more proactive messages, and scheduled follow-ups are cancelled; false: opted back in.',
    }),
  })
  .strict()
  .meta({ example: { marketingOptOut: true } });
export type AgentConsentBody = z.infer<typeof agentConsentBody>;

export const agentConsentAnswer = z.object({
  customerId: z.string(),
  marketingOptOut: z.boolean(),
  cancelled: z.number().int().meta({ description: 'Scheduled follow-ups this opt-out cancelled.' }),
});
