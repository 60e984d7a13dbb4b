import { z } from 'zod';
import { channelSlug, conversationRef, customerRef } from './common';
import { handoffSummary } from './handoffs';

export const identityKind = z
  .enum([
    'anonymous',
    'external',
    'phone',
    'email',
    'wechat_unionid',
    'wechat_openid',
    'douyin',
    'taobao',
    'weibo',
  ])
  .meta({
    description:
      'What an identity value is: anonymous device id, your user id (external), phone, email, WeChat ids, or a platform handle.',
  });
export type IdentityKind = z.infer<typeof identityKind>;

export const deviceInfo = z
  .object({
    platform: z.string().max(64).optional(),
    userAgent: z.string().max(512).optional(),
    locale: z.string().max(35).optional(),
    appVersion: z.string().max(64).optional(),
  })
  .strict();

/** A random per-device id: at least 128 bits, URL-safe. */
export const anonymousId = z
  .string()
  .min(22)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'URL-safe characters only')
  .meta({
    description:
      'The id this device keeps for its anonymous customer (≥ 128 bits, URL-safe). Omit it on first start; the API returns one.',
    example: 'Xq3v9KfT2mB7LpR4sWz8Nc',
  });

export const identityToken = z.string().min(16).max(4096).meta({
  description:
    "A JWT your backend signs with the app's identity secret (HS256; `sub` = your user id and `exp` required; optional `phone`, `email`, `unionid`, `name`).",
  example: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmF0dXJl',
});

export const createSessionBody = z
  .object({
    channel: channelSlug,
    anonymousId: anonymousId.optional(),
    identityToken: identityToken.optional(),
    handoffCode: z.string().min(6).max(128).optional().meta({
      description: 'A handoff `code` or 6-digit `shortCode`: join that customer and conversation.',
      example: '482913',
    }),
    /**
     * With a 6-digit short code: the last 4 digits of the phone number on file for the customer the
     * code belongs to (the caller it was read out to). Link codes need no check.
     */
    handoffCheck: z
      .string()
      .regex(/^\d{4}$/, 'four digits')
      .optional()
      .meta({
        description:
          'With a 6-digit short code: the last 4 digits of the phone number on file for its customer. Link codes need none.',
        example: '8000',
      }),
    wechatCode: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: "The mini-program's `wx.login` code; the API exchanges it for openid/unionid." }),
    device: deviceInfo.optional(),
  })
  .meta({
    description: 'Starts a session on one channel instance (a tab, an app install, a mini-program launch).',
    example: {
      channel: 'web',
      anonymousId: 'Xq3v9KfT2mB7LpR4sWz8Nc',
      device: { platform: 'web', locale: 'zh-CN' },
    },
  });
export type CreateSessionBody = z.infer<typeof createSessionBody>;

export const sessionAnswer = z.object({
  sessionToken: z.string(),
  expiresAt: z.string(),
  anonymousId: z.string(),
  session: z.object({ id: z.string(), channel: z.string() }),
  customer: customerRef,
  conversation: conversationRef.nullable(),
  handoff: z
    .object({
      fromChannel: z.string(),
      conversationId: z.string(),
      summary: handoffSummary.optional(),
    })
    .optional(),
});
export type SessionAnswer = z.infer<typeof sessionAnswer>;

export const identifyBody = z.object({ identityToken }).meta({
  example: {
    identityToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmF0dXJl',
  },
});
export type IdentifyBody = z.infer<typeof identifyBody>;

export const identifyAnswer = z.object({
  sessionToken: z.string(),
  expiresAt: z.string(),
  customer: z.object({ id: z.string(), identified: z.literal(true) }),
  merged: z.boolean(),
});
export type IdentifyAnswer = z.infer<typeof identifyAnswer>;
