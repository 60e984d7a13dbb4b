import { z } from 'zod';
import { channelSlug } from './common';

export const createHandoffBody = z.object({
  toChannel: channelSlug.optional(),
  /** With the secret key or an agent token: whose conversation to hand off. */
  customer: z
    .object({
      id: z.string().optional(),
      externalId: z.string().max(256).optional(),
      phone: z.string().max(32).optional(),
    })
    .optional(),
});
export type CreateHandoffBody = z.infer<typeof createHandoffBody>;

export const handoffAnswer = z.object({
  code: z.string(),
  shortCode: z.string(),
  url: z.string().optional(),
  expiresAt: z.string(),
});
export type HandoffAnswer = z.infer<typeof handoffAnswer>;
