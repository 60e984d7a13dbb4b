import { z } from 'zod';

export const healthAnswer = z.object({ ok: z.literal(true), version: z.string() });
