import type { HandoffAnswer } from '@threadline/sdk-core/protocol';
import { and, eq, isNull } from 'drizzle-orm';
import { type AppRow, DEFAULT_HANDOFF_TTL_SEC } from '../apps';
import { findOpenConversation, refreshHandoffSummary } from '../conversations';
import type { Db } from '../db/database';
import { conversations, handoffCodes } from '../db/schema';
import type { RateLimiter, RateVerdict } from '../http/rate-limiter';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomDigits, sha256 } from '../platform/secrets';
import { appendEvent } from '../realtime';

export type HandoffRow = typeof handoffCodes.$inferSelect;

const SHORT_CODE = /^\d{6}$/;

/** Creates a single-use code (long, for links and QR) plus a 6-digit one (for voice). */
export async function createHandoff(
  deps: ServiceDeps,
  input: { app: AppRow; customerId: string; fromChannel?: string; toChannel?: string; createdBy: string },
): Promise<HandoffAnswer> {
  const code = createId('ho').slice(3) + createId('x').slice(2);
  const now = deps.clock.now();
  const expiresAt = now + (input.app.settings.handoffTtlSec ?? DEFAULT_HANDOFF_TTL_SEC) * 1000;
  const shortCode = await deps.database.write(async (db) => {
    const conversation = await findOpenConversation(db, input.customerId);
    // Retry on the rare clash with another live short code of this app.
    for (let attempt = 0; attempt < 8; attempt++) {
      const candidate = randomDigits(6);
      const [row] = await db
        .insert(handoffCodes)
        .values({
          id: createId('hnd'),
          appId: input.app.id,
          customerId: input.customerId,
          conversationId: conversation?.id ?? null,
          // Agents and the backend hand off from wherever the customer spoke last.
          fromChannel: input.fromChannel ?? conversation?.lastChannel ?? 'web',
          toChannel: input.toChannel ?? null,
          codeHash: sha256(code),
          shortCode: candidate,
          createdBy: input.createdBy,
          expiresAt,
          createdAt: now,
        })
        .onConflictDoNothing()
        .returning({ shortCode: handoffCodes.shortCode });
      if (row) return row.shortCode;
    }
    throw new ApiError('conflict', 'Could not allocate a short code; try again.');
  });
  const base = input.app.settings.handoffUrlBase;
  return {
    code,
    shortCode,
    ...(base ? { url: `${base}${base.includes('?') ? '&' : '?'}handoff=${encodeURIComponent(code)}` } : {}),
    expiresAt: iso(expiresAt),
  };
}

export interface HandoffGuards {
  /** Failed claims per client address. */
  perClient: RateLimiter;
  /** Failed short-code claims per app: a 6-digit space must not be walked from many addresses. */
  perApp: RateLimiter;
}

/**
 * Looks a presented code up and checks it is live. Failed attempts count against the client and,
 * for short codes, the whole app; past the limit every attempt is refused before the lookup.
 */
export async function findClaimableHandoff(
  deps: ServiceDeps,
  guards: HandoffGuards,
  input: { app: AppRow; presented: string; clientKey: string },
): Promise<HandoffRow> {
  const isShort = SHORT_CODE.test(input.presented);
  const clientKey = `${input.app.id}:${input.clientKey}`;
  const refuseIf = ({ allowed, retryAfterSec }: RateVerdict) => {
    if (!allowed) {
      throw new ApiError('rate_limited', 'Too many handoff code attempts; wait and try again.', undefined, {
        'Retry-After': String(retryAfterSec),
      });
    }
  };
  // Blocked clients are refused before any lookup, so guessing cannot continue past the limit.
  refuseIf(guards.perClient.check(clientKey));
  if (isShort) refuseIf(guards.perApp.check(input.app.id));

  const [row] = await deps.database.db
    .select()
    .from(handoffCodes)
    .where(
      isShort
        ? and(
            eq(handoffCodes.appId, input.app.id),
            eq(handoffCodes.shortCode, input.presented),
            isNull(handoffCodes.claimedAt),
          )
        : and(eq(handoffCodes.appId, input.app.id), eq(handoffCodes.codeHash, sha256(input.presented))),
    )
    .limit(1);
  const fail = (error: ApiError) => {
    guards.perClient.hit(clientKey);
    if (isShort) guards.perApp.hit(input.app.id);
    return error;
  };
  if (!row) throw fail(new ApiError('handoff_code_invalid', 'This handoff code is not valid.'));
  if (row.claimedAt !== null)
    throw fail(new ApiError('handoff_code_used', 'This handoff code has already been used.'));
  if (row.expiresAt <= deps.clock.now())
    throw fail(new ApiError('handoff_code_expired', 'This handoff code has expired.'));
  return row;
}

/**
 * Marks the code claimed by `sessionId` inside the caller's transaction; exactly one of two
 * racing claims wins. Moves the open conversation to the new channel and tells every session.
 */
export async function claimHandoff(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  input: { handoff: HandoffRow; sessionId: string; channel: string },
): Promise<{ conversationId: string | null }> {
  const now = deps.clock.now();
  const claimed = await db
    .update(handoffCodes)
    .set({ claimedAt: now, claimedBySessionId: input.sessionId })
    .where(and(eq(handoffCodes.id, input.handoff.id), isNull(handoffCodes.claimedAt)))
    .returning({ id: handoffCodes.id });
  if (claimed.length === 0)
    throw new ApiError('handoff_code_used', 'This handoff code has already been used.');
  const conversation = await findOpenConversation(db, input.handoff.customerId);
  if (!conversation) return { conversationId: null };
  const [moved] = await db
    .update(conversations)
    .set({
      lastChannel: input.channel,
      updatedAt: now,
      context: {
        ...conversation.context,
        handoff: { from: input.handoff.fromChannel, to: input.channel, at: now },
      },
    })
    .where(eq(conversations.id, conversation.id))
    .returning();
  // The next channel reads this first (the session answer carries it).
  await refreshHandoffSummary(db, moved!, {
    reason: 'channel_handoff',
    fromChannel: input.handoff.fromChannel,
    toChannel: input.channel,
    now,
  });
  await appendEvent(deps, db, onCommit, {
    appId: input.handoff.appId,
    customerId: input.handoff.customerId,
    type: 'conversation.updated',
    data: { id: conversation.id, status: conversation.status, channel: input.channel },
  });
  return { conversationId: conversation.id };
}
