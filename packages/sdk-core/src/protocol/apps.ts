import { z } from 'zod';
import { channelSlug } from './common';

/** What a merchant may change about its app with the secret key. Omitted fields stay as they are. */
export const updateAppBody = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    /** Browser origins allowed to start sessions with the publishable key; [] allows any. */
    allowedOrigins: z.array(z.url().max(200)).max(50).optional(),
    /** Channel slugs beyond the 12 defaults (e.g. a kuaishou_live). */
    extraChannels: z.array(channelSlug).max(50).optional(),
    identityTokenMaxLifetimeSec: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .optional(),
    handoffTtlSec: z
      .number()
      .int()
      .min(60)
      .max(24 * 3600)
      .optional(),
    /** Link base for handoff QR codes, e.g. https://shop.example/continue → …?handoff=CODE */
    handoffUrlBase: z.url().max(500).nullable().optional(),
    /** The mini-program's appid and secret for jscode2session; null removes them. */
    wechat: z
      .object({ appId: z.string().min(1).max(64), secret: z.string().min(1).max(128) })
      .nullable()
      .optional(),
  })
  .strict();
export type UpdateAppBody = z.infer<typeof updateAppBody>;

export const appAnswer = z.object({
  app: z.object({
    id: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    channels: z.array(z.string()),
    identityTokenMaxLifetimeSec: z.number(),
    handoffTtlSec: z.number(),
    handoffUrlBase: z.string().nullable(),
    wechat: z.object({ appId: z.string() }).nullable(),
  }),
});
export type AppAnswer = z.infer<typeof appAnswer>;
