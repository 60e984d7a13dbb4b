import { z } from 'zod';
import { ticket } from './kb';
import { timelinePage, trackBody } from './messages';
import { identityKind } from './sessions';

/**
 * Which customer a merchant-backend call is about: Threadline's own id (`cus_…`), or the merchant's
 * user id / phone / another identity — then the customer is found or created, verified (secret key).
 */
export const customerSelector = z
  .object({
    id: z.string().min(1).max(128).optional(),
    externalId: z.string().min(1).max(256).optional(),
    phone: z.string().min(3).max(32).optional(),
    identity: z.object({ kind: identityKind, value: z.string().min(1).max(256) }).optional(),
  })
  .refine((s) => s.id || s.externalId || s.phone || s.identity, {
    message: 'name the customer: id, externalId, phone or identity',
  });
export type CustomerSelector = z.infer<typeof customerSelector>;

/**
 * Attribute keys that would hold personal data in the clear. Such values go in the encrypted
 * `phone` / `address` / `payment` fields instead, so an attribute never leaks them.
 */
export const RESERVED_ATTRIBUTE_KEYS = [
  'phone',
  'mobile',
  'tel',
  'telephone',
  'address',
  'shippingaddress',
  'payment',
  'card',
  'cardnumber',
  'bankcard',
  'idnumber',
] as const;

const attributes = z
  .record(z.string().min(1).max(64), z.unknown())
  .refine((a) => Object.keys(a).length <= 100, { message: 'at most 100 attributes' })
  .refine((a) => JSON.stringify(a).length <= 8 * 1024, { message: 'attributes must fit in 8 KiB' })
  .refine((a) => Object.keys(a).every((k) => !holdsContactDetails(k)), {
    message: 'send phone, address and payment details as the top-level fields: they are encrypted',
  })
  // `marketingOptOut` is reserved: follow-ups read `true` as an opt-out. "true" or 1 from a CRM
  // export would look set and mean nothing, so anything but a boolean (or null, to remove) is refused.
  .superRefine((a, ctx) => {
    const optOut = a.marketingOptOut;
    if (optOut !== undefined && optOut !== null && typeof optOut !== 'boolean')
      ctx.addIssue({
        code: 'custom',
        path: ['marketingOptOut'],
        message: 'marketingOptOut is reserved: true (opted out), false, or null to remove it.',
      });
  });

// Keys that name a phone, address, card or ID number however they are written: `phoneNumber`,
// `contact_mobile`, `shipping-address-1`, `tel_no`, `bank_card_no`, `id_card`.
const CONTACT_KEY =
  /phone|mobile|telephone|^tel(?:no|number)?\d*$|address|^addr|payment|card(?:no|num|number)|bankcard|creditcard|debitcard|^card$|idnumber|idcard|passport/;

/** Whether an attribute key names personal data that belongs in the encrypted fields. */
function holdsContactDetails(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[\s_.-]/g, '');
  return (RESERVED_ATTRIBUTE_KEYS as readonly string[]).includes(normalized) || CONTACT_KEY.test(normalized);
}

/** Free-text personal data: stored encrypted (AES-256-GCM), shown masked to agents. `null` removes it. */
const piiText = (max: number) => z.string().trim().min(1).max(max).nullable();

export const upsertCustomerBody = z
  .object({
    customer: customerSelector,
    name: z.string().trim().min(1).max(128).optional(),
    /** Merged into the stored attributes; a `null` value removes that attribute. `vip: true` routes first. */
    attributes: attributes.optional(),
    phone: piiText(32).optional(),
    address: piiText(500).optional(),
    /** A payment method as your backend describes it, e.g. `Visa 4242 exp 09/28` or `支付宝 138…`. */
    payment: piiText(200).optional(),
  })
  .meta({
    example: {
      customer: { externalId: 'user-42' },
      name: '王小姐',
      attributes: { vip: true, skinType: 'sensitive', memberLevel: 'gold' },
      phone: '13800138000',
      address: '上海市浦东新区世纪大道 100 号 12 楼',
      payment: 'Visa 4242 exp 09/28',
    },
  });
export type UpsertCustomerBody = z.infer<typeof upsertCustomerBody>;

export const customerAnswer = z.object({
  customer: z.object({
    id: z.string(),
    identified: z.boolean(),
    name: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
  }),
});
export type CustomerAnswer = z.infer<typeof customerAnswer>;

export const orderItem = z.object({
  productId: z.string().min(1).max(128).optional(),
  sku: z.string().min(1).max(128).optional(),
  name: z.string().trim().min(1).max(200),
  quantity: z.number().int().min(1).max(100_000),
  /** Unit price in the order's currency. */
  price: z.number().min(0).max(1e9).optional(),
});

export const orderBody = z.object({
  /** Your order id; the same id again updates the order. */
  id: z.string().trim().min(1).max(128),
  /** e.g. pending, paid, shipped, delivered, cancelled, refunded — your words, shown as given. */
  status: z.string().trim().min(1).max(32),
  items: z.array(orderItem).max(200),
  /** The order total in `currency`. */
  amount: z.number().min(0).max(1e12),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY')
    .default('CNY'),
  trackingNumber: z.string().trim().min(1).max(64).nullable().optional(),
  carrier: z.string().trim().min(1).max(64).nullable().optional(),
  placedAt: z.iso.datetime({ offset: true }).optional(),
  /** Shipping address: encrypted at rest, masked for agents. */
  address: piiText(500).optional(),
  /** Payment method: encrypted at rest, masked for agents. */
  payment: piiText(200).optional(),
});
export type OrderBody = z.infer<typeof orderBody>;

export const upsertOrdersBody = z
  .object({ customer: customerSelector, orders: z.array(orderBody).min(1).max(100) })
  .meta({
    example: {
      customer: { externalId: 'user-42' },
      orders: [
        {
          id: '20240518001',
          status: 'shipped',
          items: [{ productId: 'p-hyaluronic-cream', name: '玻尿酸保湿面霜 50ml', quantity: 1, price: 199 }],
          amount: 199,
          currency: 'CNY',
          trackingNumber: 'SF1234567890',
          carrier: '顺丰',
          placedAt: '2024-05-18T10:00:00+08:00',
          address: '上海市浦东新区世纪大道 100 号 12 楼',
          payment: '支付宝',
        },
      ],
    },
  });
export type UpsertOrdersBody = z.infer<typeof upsertOrdersBody>;

export const upsertOrdersAnswer = z.object({
  customer: z.object({ id: z.string(), identified: z.boolean() }),
  upserted: z.number().int(),
});

export const customerEventsBody = z
  .object({
    customer: customerSelector,
    events: z
      .array(trackBody.extend({ at: z.iso.datetime({ offset: true }).optional() }))
      .min(1)
      .max(100),
  })
  .meta({
    example: {
      customer: { externalId: 'user-42' },
      events: [{ name: 'add_to_cart', properties: { sku: 'p-velvet-lipstick', quantity: 1 } }],
    },
  });
export type CustomerEventsBody = z.infer<typeof customerEventsBody>;
export const customerEventsAnswer = z.object({
  customer: z.object({ id: z.string(), identified: z.boolean() }),
  accepted: z.number().int(),
});

/** An order as agents see it: address and payment masked. */
export const orderView = z.object({
  id: z.string(),
  status: z.string(),
  items: z.array(orderItem),
  amount: z.number(),
  currency: z.string(),
  trackingNumber: z.string().nullable(),
  carrier: z.string().nullable(),
  placedAt: z.string(),
  updatedAt: z.string(),
  address: z.string().nullable(),
  payment: z.string().nullable(),
});
export type OrderView = z.infer<typeof orderView>;

export const maskedIdentity = z.object({
  kind: z.string(),
  /** Masked for phone and email; merchant user ids and platform handles as stored. */
  value: z.string(),
  verified: z.boolean(),
});

export const cartLine = z
  .object({ sku: z.string(), quantity: z.number(), name: z.string().nullable().optional() })
  .catchall(z.unknown());

export const profileCustomer = z.object({
  id: z.string(),
  name: z.string().nullable(),
  identified: z.boolean(),
  vip: z.boolean(),
  createdAt: z.string(),
});

/** Phone, address, payment on file — masked (`138****8000`) unless revealed. */
export const contactDetails = z.object({
  phone: z.string().nullable(),
  address: z.string().nullable(),
  payment: z.string().nullable(),
});

/**
 * A product to suggest to the shopper: from the catalog's relations (`goesWith`, `alternativeTo`
 * as product attributes) to what is in their cart or they looked at, in stock, not in the cart.
 */
export const productSuggestion = z
  .object({
    productId: z.string(),
    name: z.string(),
    price: z.number().nullable(),
    reason: z.enum(['goes_with', 'alternative_to', 'same_category']).meta({
      description:
        'goes_with: the catalog pairs it with `because`; alternative_to: it can replace `because` (out of stock, a size sold out); same_category: no relation set, the same category as `because`.',
    }),
    because: z.string().meta({ description: 'The product in the cart or recently viewed it relates to.' }),
    url: z.string().optional().meta({
      description:
        'The product page (the catalog attribute `url`, https), when the catalog has one: the console sends it as a link card.',
    }),
    imageUrl: z
      .string()
      .optional()
      .meta({ description: 'The product picture (catalog attribute `imageUrl`, https).' }),
  })
  .meta({ id: 'ProductSuggestion' });
export type ProductSuggestion = z.infer<typeof productSuggestion>;

/** GET /v1/agent/customers/:id — the 360° profile, masked. */
export const customerProfile = z.object({
  customer: profileCustomer,
  identities: z.array(maskedIdentity),
  contact: contactDetails,
  attributes: z.record(z.string(), z.unknown()),
  cart: z.array(cartLine),
  recentViews: z.array(
    z.object({
      productId: z.string(),
      name: z.string().nullable(),
      channel: z.string().nullable(),
      at: z.string(),
    }),
  ),
  recentEvents: z.array(
    z.object({
      name: z.string(),
      properties: z.record(z.string(), z.unknown()),
      channel: z.string().nullable(),
      at: z.string(),
    }),
  ),
  orders: z.array(orderView),
  tickets: z.array(ticket),
  suggestions: z.array(productSuggestion).max(3).meta({
    description:
      'Up to three products to suggest, matching the cart and recent views (see ProductSuggestion).',
  }),
  channels: z.array(
    z.object({ channel: z.string(), messages: z.number().int(), firstAt: z.string(), lastAt: z.string() }),
  ),
  timeline: timelinePage,
});
export type CustomerProfile = z.infer<typeof customerProfile>;

/** The part of the profile that travels in inbox events: enough to greet the shopper by context. */
export const profileBrief = z.object({
  customer: profileCustomer,
  identities: z.array(maskedIdentity),
  contact: contactDetails,
  attributes: z.record(z.string(), z.unknown()),
  cart: z.array(cartLine),
  orders: z.array(orderView),
  openTickets: z.number().int(),
});
export type ProfileBrief = z.infer<typeof profileBrief>;

export const PII_FIELDS = ['phone', 'address', 'payment', 'identities'] as const;
export const revealBody = z
  .object({
    fields: z.array(z.enum(PII_FIELDS)).min(1).max(4),
    /** Also reveal this order's address and payment. */
    orderId: z.string().min(1).max(128).optional(),
    /** Why: kept in the audit log with who asked and when. */
    reason: z.string().trim().min(3).max(300),
  })
  .meta({ example: { fields: ['phone', 'address'], reason: '核对收货地址 (ticket tkt_…)' } });
export type RevealBody = z.infer<typeof revealBody>;
export const revealAnswer = z.object({
  contact: z.object({
    phone: z.string().nullable().optional(),
    address: z.string().nullable().optional(),
    payment: z.string().nullable().optional(),
  }),
  identities: z.array(maskedIdentity).optional(),
  order: z
    .object({ id: z.string(), address: z.string().nullable(), payment: z.string().nullable() })
    .optional(),
  auditId: z.string(),
});
export type RevealAnswer = z.infer<typeof revealAnswer>;

export const auditEntry = z.object({
  id: z.string(),
  actor: z.object({ type: z.enum(['agent', 'merchant', 'system']), id: z.string().nullable() }),
  action: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export const auditQuery = z.object({
  action: z.string().min(1).max(64).optional(),
  subjectId: z.string().min(1).max(128).optional(),
  before: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const auditList = z.object({ entries: z.array(auditEntry), nextBefore: z.string().nullable() });
