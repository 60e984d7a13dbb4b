import { z } from 'zod';
import { isSafeCardUrl } from '../card-url';
import { channelSlug, reportInstant } from './common';

/** Ids of knowledge items are chosen by the merchant (`kb-shipping-time`, `p-cream`), unique per app. */
export const kbId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, _ . : - only');

const kbText = (max: number) => z.string().trim().min(1).max(max);

export const kbArticleBody = z
  .object({
    /** Same id again updates the article; without one the API picks an id. */
    id: kbId
      .optional()
      .meta({ description: 'Same id again updates the article; without one the API picks an id.' }),
    title: kbText(200).meta({ description: 'Shown to agents and in insights.' }),
    questions: z
      .array(kbText(500))
      .min(1)
      .max(100)
      .meta({ description: 'How shoppers ask it: 1–100 variants, any language.' }),
    answer: kbText(8000).meta({ description: 'The answer the bot gives.' }),
    /** The intent the article answers; null/absent for general articles. */
    intent: kbId
      .nullable()
      .optional()
      .meta({ description: 'The intent the article answers; null for general articles.' }),
    /** Per-channel phrasing (livestream chattier, phone shorter), keyed by channel slug. */
    channelAnswers: z.record(channelSlug, kbText(8000)).optional().meta({
      description: 'Per-channel phrasing keyed by channel slug (phone shorter, livestream chattier).',
    }),
    productIds: z.array(kbId).max(100).optional().meta({ description: 'Products the article is about.' }),
  })
  .meta({
    example: {
      id: 'kb-shipping-time',
      title: '发货时间',
      questions: ['什么时候发货', '几天能到', 'when will my order ship'],
      answer: '工作日 16:00 前付款当天发货，江浙沪一般次日达，其他地区 2–4 天。',
      intent: 'shipping_time',
      channelAnswers: { phone: '下午四点前付款当天发，一般两到四天到。' },
    },
  });
export type KbArticleBody = z.infer<typeof kbArticleBody>;

export const kbArticle = kbArticleBody.extend({
  id: kbId,
  intent: kbId.nullable(),
  channelAnswers: z.record(z.string(), z.string()),
  productIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KbArticle = z.infer<typeof kbArticle>;

const RESERVED_LISTS = ['sizes', 'soldOutSizes', 'goesWith', 'alternativeTo'] as const;

/**
 * The product attributes stock, suggestions and cards read have one shape: a CSV export's
 * `inStock: "false"` or `goesWith: "p-1,p-2"` would read as in stock / no relation, so it is refused
 * with the path instead of stored.
 */
function checkReservedProductAttributes(attributes: Record<string, unknown>, ctx: z.RefinementCtx) {
  for (const key of RESERVED_LISTS) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (
      !Array.isArray(value) ||
      value.length > 200 ||
      !value.every((v) => typeof v === 'string' && v.length <= 64)
    )
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is reserved: an array of strings (at most 200).`,
      });
  }
  const inStock = attributes.inStock;
  if (inStock !== undefined && inStock !== null && typeof inStock !== 'boolean')
    ctx.addIssue({ code: 'custom', path: ['inStock'], message: 'inStock is reserved: true or false.' });
  // `names`: the product's name in other languages ({ "en": "Hydrating Cream" }), for chips and
  // cards in a conversation held in that language.
  const names = attributes.names;
  if (names !== undefined && names !== null) {
    if (typeof names !== 'object' || Array.isArray(names))
      ctx.addIssue({
        code: 'custom',
        path: ['names'],
        message: 'names is reserved: the name per language tag, e.g. { "en": "Hydrating Cream" }.',
      });
    // Each bad entry is named by its own path, so a catalog export with one stray tag says which.
    else
      for (const [tag, name] of Object.entries(names)) {
        if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$/.test(tag))
          ctx.addIssue({
            code: 'custom',
            path: ['names', tag],
            message: `names: "${tag.slice(0, 40)}" is not a language tag (e.g. "en", "zh-Hant").`,
          });
        else if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200)
          ctx.addIssue({
            code: 'custom',
            path: ['names', tag],
            message: `names.${tag} must be a non-empty name of at most 200 characters.`,
          });
      }
  }
  for (const key of ['url', 'imageUrl'] as const) {
    const value = attributes[key];
    if (value !== undefined && value !== null && !isSafeCardUrl(value))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is reserved: an https URL without credentials.`,
      });
  }
}

export const kbProductBody = z
  .object({
    id: kbId,
    name: kbText(200),
    aliases: z
      .array(kbText(100))
      .max(50)
      .optional()
      .meta({ description: 'Other names shoppers use (玻尿酸面霜, the cream).' }),
    category: z.string().max(100).nullable().optional(),
    price: z.number().nonnegative().nullable().optional().meta({ description: 'In the shop’s currency.' }),
    /** Facts the bot may quote: shelfLife, ingredients, sizes, sizeChart, care, suitableSkin… */
    attributes: z
      .record(z.string().max(64), z.unknown())
      .superRefine(checkReservedProductAttributes)
      .optional()
      .meta({
        description:
          'Facts the bot may quote: shelfLife, ingredients, sizes, sizeChart, care, suitableSkin… Reserved keys, checked on import (400 validation_failed with the path): `sizes`, `soldOutSizes` (sizes out of stock now), `goesWith` (product ids that complete it), `alternativeTo` (product ids that can replace it) — arrays of strings; `inStock` — a boolean (false: the whole product is out of stock); `url`, `imageUrl` — https links (the product page and picture, for cards); `names` — the product’s name in other languages (`{ "en": "Hydrating Cream" }`): a conversation held in that language gets product chips with it, and the bot recognises it (without one the catalogue’s `name` is shown).',
      }),
  })
  .meta({
    example: {
      id: 'p-hyaluronic-cream',
      name: '澜悦玻尿酸水润保湿面霜',
      aliases: ['玻尿酸面霜', '保湿面霜'],
      category: 'skincare',
      price: 189,
      attributes: { shelfLife: '未开封 3 年，开封后 12 个月内用完', suitableSkin: '干性、混合性' },
    },
  });
export type KbProductBody = z.infer<typeof kbProductBody>;

export const kbProduct = kbProductBody.extend({
  aliases: z.array(z.string()),
  category: z.string().nullable(),
  price: z.number().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KbProduct = z.infer<typeof kbProduct>;

/** `ai` answers, `human` queues the conversation for an agent, `ticket` opens a ticket. */
export const intentPolicy = z.enum(['ai', 'human', 'ticket']);
export type IntentPolicy = z.infer<typeof intentPolicy>;

export const kbIntentBody = z
  .object({
    id: kbId,
    name: kbText(200),
    policy: intentPolicy
      .default('ai')
      .meta({ description: 'ai: answer; human: queue for an agent; ticket: open a ticket.' }),
    ticketType: z
      .string()
      .min(1)
      .max(64)
      .nullable()
      .optional()
      .meta({ description: 'With policy ticket: exchange, return, refund, complaint…' }),
    answerFrom: z
      .object({ productAttribute: z.string().min(1).max(64) })
      .nullable()
      .optional()
      .meta({
        description: 'Answer from the product’s attribute (e.g. shelfLife) of the product in question.',
      }),
    examples: z
      .array(kbText(500))
      .max(500)
      .default([])
      .meta({ description: 'Phrases that mean this intent.' }),
  })
  .meta({
    example: {
      id: 'exchange_size',
      name: '尺码不合适换货',
      policy: 'ticket',
      ticketType: 'exchange',
      examples: ['衣服尺码不合适', '想换大一码'],
    },
  });
export type KbIntentBody = z.input<typeof kbIntentBody>;

export const kbIntent = z.object({
  id: kbId,
  name: z.string(),
  policy: intentPolicy,
  ticketType: z.string().nullable(),
  answerFrom: z.object({ productAttribute: z.string() }).nullable(),
  examples: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KbIntent = z.infer<typeof kbIntent>;

/**
 * One word of the app's own lexicon: what shoppers write (an English or pinyin word, a nickname,
 * slang, a common misspelling) and the term the knowledge uses for it. It extends the engine's
 * built-in retail vocabulary for this app; the same `term` again updates it.
 */
export const kbLexiconTerm = z.object({
  term: z.string().trim().min(1).max(64),
  means: z.string().trim().min(1).max(200),
});
export type KbLexiconTerm = z.infer<typeof kbLexiconTerm>;

export const kbImportBody = z
  .object({
    articles: z.array(kbArticleBody).max(20_000),
    products: z.array(kbProductBody).max(20_000).optional(),
    intents: z.array(kbIntentBody).max(2_000).optional(),
    lexicon: z.array(kbLexiconTerm).max(5_000).optional(),
  })
  .meta({
    description: 'A knowledge file: what `threadline kb import FILE --app app_…` reads.',
    example: {
      articles: [
        {
          id: 'kb-shipping-time',
          title: '发货时间',
          questions: ['什么时候发货', '几天能到'],
          answer: '工作日 16:00 前付款当天发货，一般 2–4 天送达。',
          intent: 'shipping_time',
        },
      ],
      products: [{ id: 'p-hyaluronic-cream', name: '澜悦玻尿酸水润保湿面霜', price: 189 }],
      intents: [{ id: 'shipping_time', name: '发货时间', policy: 'ai', examples: ['什么时候发货'] }],
      lexicon: [{ term: 'parcel', means: '快递' }],
    },
  });
export type KbImportBody = z.input<typeof kbImportBody>;

export const kbImportAnswer = z.object({
  imported: z.object({
    articles: z.number().int(),
    products: z.number().int(),
    intents: z.number().int(),
    /** Present when the import carried lexicon terms. */
    lexicon: z.number().int().optional(),
  }),
});
export type KbImportAnswer = z.infer<typeof kbImportAnswer>;

export const kbArticleAnswer = z.object({ article: kbArticle });
export const kbArticleList = z.object({ articles: z.array(kbArticle) });
export const kbProductAnswer = z.object({ product: kbProduct });
export const kbProductList = z.object({ products: z.array(kbProduct) });
export const kbIntentAnswer = z.object({ intent: kbIntent });
export const kbIntentList = z.object({ intents: z.array(kbIntent) });
export const kbDeleted = z.object({ deleted: z.literal(true) });
export const kbIdParam = z.object({ id: kbId });

export const ticketStatus = z.enum(['open', 'in_progress', 'resolved', 'closed']);
export type TicketStatus = z.infer<typeof ticketStatus>;

export const ticket = z.object({
  id: z.string(),
  type: z.string(),
  status: ticketStatus,
  intent: z.string().nullable(),
  channel: z.string(),
  customerId: z.string(),
  conversationId: z.string().nullable(),
  orderId: z.string().nullable(),
  productId: z.string().nullable(),
  reason: z.string().nullable(),
  wantedSize: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Ticket = z.infer<typeof ticket>;

/**
 * A ticket as its customer sees it in `ticket.created` / `ticket.updated`: no internal notes, no
 * staff ids, no details — only what the shop would tell the shopper.
 */
export const customerTicket = ticket.pick({
  id: true,
  type: true,
  status: true,
  channel: true,
  conversationId: true,
  orderId: true,
  productId: true,
  reason: true,
  wantedSize: true,
  createdAt: true,
  updatedAt: true,
});
export type CustomerTicket = z.infer<typeof customerTicket>;

export const ticketListQuery = z.object({
  status: ticketStatus.optional(),
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ticketList = z.object({ tickets: z.array(ticket) });
export const ticketAnswer = z.object({ ticket });
export const ticketUpdateBody = z
  .object({
    status: ticketStatus.optional(),
    orderId: z.string().trim().min(1).max(64).nullable().optional(),
    productId: kbId.nullable().optional(),
    reason: z.string().trim().max(1000).nullable().optional(),
    wantedSize: z.string().trim().max(32).nullable().optional(),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type TicketUpdateBody = z.infer<typeof ticketUpdateBody>;

export const unansweredQuery = z.object({
  /** Only questions asked at or after this ISO time. */
  since: reportInstant.optional(),
  channel: channelSlug.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const unansweredCluster = z.object({
  /** The cluster's earliest wording, redacted (phone, order, ID, card numbers, e-mail, links replaced). */
  label: z.string(),
  count: z.number().int(),
  channels: z.record(z.string(), z.number().int()),
  /** Distinct wordings, redacted like `label`. */
  samples: z.array(z.string()),
  kinds: z.record(z.string(), z.number().int()),
  nearestIntent: z.string().nullable(),
  nearestArticleId: z.string().nullable(),
  lastAskedAt: z.string(),
});
export const unansweredInsights = z.object({
  total: z.number().int(),
  /** Only the newest 5,000 questions were read, or some fitted none of the first 200 clusters. */
  truncated: z.boolean(),
  clusters: z.array(unansweredCluster),
});
export type UnansweredInsights = z.infer<typeof unansweredInsights>;
