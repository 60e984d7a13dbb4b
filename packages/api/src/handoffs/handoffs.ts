import { randomBytes } from 'node:crypto';
import type { HandoffAnswer } from '@threadline/sdk-core/protocol';
import { and, desc, eq, gt, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { type AppRow, DEFAULT_HANDOFF_TTL_SEC } from '../apps';
import { findOpenConversation, refreshHandoffSummary } from '../conversations';
import type { Db } from '../db/database';
import { conversations, handoffCodes, identities, insightSweptHandoffs } from '../db/schema';
import type { RateLimits } from '../http/rate-limits';
import { refuseErased, survivingCustomerId } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomDigits, sha256 } from '../platform/secrets';
import { appendEvent } from '../realtime';

export type HandoffRow = typeof handoffCodes.$inferSelect;

const SHORT_CODE = /^\d{6}$/;

/** Live codes one customer may hold; a new one beyond this retires the oldest. */
export const MAX_LIVE_CODES_PER_CUSTOMER = 3;
/** Wrong phone checks a short code survives; then it is withdrawn (the code expires). */
export const MAX_SHORT_CODE_CHECK_FAILURES = 3;
/** Claimed codes are kept this long (who claimed what), then swept. */
const CLAIMED_RETENTION_MS = 7 * 24 * 3600_000;
const SWEEP_BATCH = 200;

/**
 * Creates a single-use code: a long one (128 random bits, 22 characters — fits a mini-program
 * code's 32-character scene as `h=<code>`) for links and QR codes, and a 6-digit one for voice.
 * Expired codes are swept as codes are made, so the 6-digit space frees up as codes expire.
 */
export async function createHandoff(
  deps: ServiceDeps,
  input: { app: AppRow; customerId: string; fromChannel?: string; toChannel?: string; createdBy: string },
): Promise<HandoffAnswer> {
  const code = randomBytes(16).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = now + (input.app.settings.handoffTtlSec ?? DEFAULT_HANDOFF_TTL_SEC) * 1000;
  const shortCode = await deps.database.write(async (db) => {
    await sweepHandoffCodes(db, input.app.id, now);
    // The customer was decided before this transaction (a session's at authentication, or looked
    // up by the caller): a merge that committed since moved the merged-away id's conversations and
    // codes to the survivor, so only when it has no open conversation is the survivor looked up,
    // and the code is the survivor's — never one for a customer nobody sees again.
    let customerId = input.customerId;
    let conversation = await findOpenConversation(db, customerId);
    if (!conversation) {
      customerId = await survivingCustomerId(db, input.app.id, customerId);
      if (customerId !== input.customerId) conversation = await findOpenConversation(db, customerId);
    }
    // An erase that committed since stays done: no code (a way back into the id) for an erased person.
    await refuseErased(db, [input.customerId, customerId]);
    // One customer cannot hold many live codes: the oldest beyond the cap are retired.
    const live = await db
      .select({ id: handoffCodes.id })
      .from(handoffCodes)
      .where(
        and(
          eq(handoffCodes.customerId, customerId),
          isNull(handoffCodes.claimedAt),
          gt(handoffCodes.expiresAt, now),
        ),
      )
      .orderBy(desc(handoffCodes.createdAt));
    const retired = live.slice(MAX_LIVE_CODES_PER_CUSTOMER - 1).map((r) => r.id);
    if (retired.length > 0) await deleteCodes(db, inArray(handoffCodes.id, retired));

    // Retry on the rare clash with another live short code of this app.
    for (let attempt = 0; attempt < 8; attempt++) {
      const candidate = randomDigits(6);
      const [row] = await db
        .insert(handoffCodes)
        .values({
          id: createId('hnd'),
          appId: input.app.id,
          customerId,
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
      // The clash may be an expired code the sweep has not reached yet: free it and try again.
      await deleteCodes(
        db,
        and(
          eq(handoffCodes.appId, input.app.id),
          eq(handoffCodes.shortCode, candidate),
          isNull(handoffCodes.claimedAt),
          lte(handoffCodes.expiresAt, now),
        )!,
      );
    }
    throw new ApiError('conflict', 'Could not allocate a short code; try again.');
  });
  return { code, shortCode, ...linkFor(input.app, code), expiresAt: iso(expiresAt) };
}

/**
 * The link for a code on the app's link base, placed with URL rules: in the query (replacing a
 * `handoff` the base may carry), before any fragment the base has.
 */
function linkFor(app: AppRow, code: string): { url?: string } {
  const base = app.settings.handoffUrlBase;
  if (!base) return {};
  const url = new URL(base);
  url.searchParams.set('handoff', code);
  return { url: url.href };
}

/**
 * Deletes (a bounded batch of) the app's codes that can no longer be claimed: unclaimed ones past
 * their expiry — which frees their short codes — and claimed ones past the retention period.
 */
export async function sweepHandoffCodes(db: Db, appId: string, now: number): Promise<void> {
  const stale = db
    .select({ id: handoffCodes.id })
    .from(handoffCodes)
    .where(
      and(
        eq(handoffCodes.appId, appId),
        lte(handoffCodes.expiresAt, now),
        or(isNull(handoffCodes.claimedAt), lte(handoffCodes.expiresAt, now - CLAIMED_RETENTION_MS)),
      ),
    )
    .limit(SWEEP_BATCH);
  await deleteCodes(db, inArray(handoffCodes.id, stale));
}

/** Deletes every handoff code of these customers (erasure), keeping each one's insights line. */
export async function deleteHandoffCodesOf(db: Db, customerIds: string[]): Promise<void> {
  if (customerIds.length > 0) await deleteCodes(db, inArray(handoffCodes.customerId, customerIds));
}

/**
 * Deletes codes, keeping for insights the line each leaves (app, channel, created, claimed): codes
 * created vs claimed stay exact after the sweep.
 */
async function deleteCodes(db: Db, where: SQL): Promise<void> {
  await db
    .insert(insightSweptHandoffs)
    .select(
      db
        .select({
          id: handoffCodes.id,
          appId: handoffCodes.appId,
          fromChannel: handoffCodes.fromChannel,
          createdAt: handoffCodes.createdAt,
          claimedAt: handoffCodes.claimedAt,
        })
        .from(handoffCodes)
        .where(where),
    )
    .onConflictDoNothing();
  await db.delete(handoffCodes).where(where);
}

const invalid = () => new ApiError('handoff_code_invalid', 'This handoff code is not valid or has expired.');

/** The last four digits of each phone on file for the customer (sealed identities, opened here). */
async function phoneEndingsOf(deps: ServiceDeps, customerId: string): Promise<string[]> {
  const rows = await deps.database.db
    .select({ valueEnc: identities.valueEnc })
    .from(identities)
    .where(and(eq(identities.customerId, customerId), eq(identities.kind, 'phone')));
  return rows.flatMap((row) => (row.valueEnc ? [deps.sealer.open(row.valueEnc).slice(-4)] : []));
}

/**
 * Looks a presented code up and checks it is live. Unknown and expired codes get the same answer.
 * Failed attempts count against the client's address and device; past either limit every attempt
 * is refused before the lookup.
 *
 * A 6-digit short code alone is worth nothing on this public route: it must come with the last four
 * digits of the phone on file for its customer (`check`), so a guessed code still needs the right
 * phone, and three wrong checks withdraw the code. Codes of customers with no phone on file are
 * claimed with the long code (link or QR) only.
 *
 * `telephonyCaller`: the code is typed on a call, whose caller id the telephony platform vouches
 * for (a signed webhook or the secret key) and whose `check` is that number's last four digits. A
 * customer with a phone on file must match it; one without (an anonymous web shopper who read the
 * code off the screen) is opened by the short code alone, under the same failure limits per caller.
 */
export async function findClaimableHandoff(
  deps: ServiceDeps,
  limits: RateLimits,
  input: {
    app: AppRow;
    presented: string;
    check?: string;
    clientKey: string;
    deviceKey?: string;
    telephonyCaller?: boolean;
  },
): Promise<HandoffRow> {
  const { app } = input;
  const isShort = SHORT_CODE.test(input.presented);
  if (isShort && !input.check && !input.telephonyCaller)
    throw new ApiError(
      'handoff_check_required',
      'A 6-digit handoff code needs handoffCheck: the last 4 digits of the phone number it was given to.',
    );
  // Every attempt is counted as a failure before the lookup (atomically, in Redis with several
  // processes) and given back only when the code is right: a burst of guesses sent at once cannot
  // all pass a "blocked yet?" check before the first of them is counted.
  const refunds = [await limits.reserve(app, 'handoffClaimFailuresPerIpPerMinute', input.clientKey)];
  if (input.deviceKey) {
    try {
      refunds.push(await limits.reserve(app, 'handoffClaimFailuresPerDevicePerHour', input.deviceKey));
    } catch (error) {
      await refunds[0]!();
      throw error;
    }
  }

  const [row] = await deps.database.db
    .select()
    .from(handoffCodes)
    .where(
      isShort
        ? and(
            eq(handoffCodes.appId, app.id),
            eq(handoffCodes.shortCode, input.presented),
            isNull(handoffCodes.claimedAt),
          )
        : and(eq(handoffCodes.appId, app.id), eq(handoffCodes.codeHash, sha256(input.presented))),
    )
    .limit(1);
  // The attempt was counted above; a failure keeps it.
  const fail = async (error: ApiError) => error;
  const now = deps.clock.now();
  if (!row || row.expiresAt <= now) throw await fail(invalid());
  if (row.claimedAt !== null)
    throw await fail(new ApiError('handoff_code_used', 'This handoff code has already been used.'));
  if (isShort) {
    // One of the code's few check attempts is taken in the database before the phone is compared:
    // checks sent at once (from many addresses, to many processes) cannot all read "no failures
    // yet" and get one try each. A right check on one of the first attempts still passes.
    const taken = await deps.database.write((db) =>
      db
        .update(handoffCodes)
        .set({ checkFailures: sql`${handoffCodes.checkFailures} + 1` })
        .where(
          and(
            eq(handoffCodes.id, row.id),
            lt(handoffCodes.checkFailures, MAX_SHORT_CODE_CHECK_FAILURES),
            isNull(handoffCodes.claimedAt),
          ),
        )
        .returning({ attempts: handoffCodes.checkFailures }),
    );
    if (taken.length === 0) throw await fail(invalid());
    const endings = await phoneEndingsOf(deps, row.customerId);
    // A caller on the phone line whose customer has no phone on file has nothing to check against:
    // the call itself is the second factor (voice); everyone else must name the phone's last digits.
    const opened = input.telephonyCaller && endings.length === 0;
    if (!opened && (!input.check || !endings.includes(input.check))) {
      if (taken[0]!.attempts >= MAX_SHORT_CODE_CHECK_FAILURES)
        await deps.database.write(async (db) => {
          await db.update(handoffCodes).set({ expiresAt: now }).where(eq(handoffCodes.id, row.id));
        });
      throw await fail(invalid());
    }
  }
  await Promise.all(refunds.map((refund) => refund()));
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
): Promise<{ conversationId: string | null; customerId: string }> {
  const now = deps.clock.now();
  // The code's customer as it is now, read by the claim itself: the code was looked up before this
  // transaction, and a merge that committed since moved it (with the conversations) to the survivor.
  const claimed = await db
    .update(handoffCodes)
    .set({ claimedAt: now, claimedBySessionId: input.sessionId })
    .where(and(eq(handoffCodes.id, input.handoff.id), isNull(handoffCodes.claimedAt)))
    .returning({ id: handoffCodes.id, customerId: handoffCodes.customerId });
  if (claimed.length === 0) {
    // Claimed by another, or gone since it was looked up (an erase deleted it, the sweep or the
    // live-code cap retired it): a code that is no more is not valid, not "used".
    const [still] = await db
      .select({ id: handoffCodes.id })
      .from(handoffCodes)
      .where(eq(handoffCodes.id, input.handoff.id));
    if (!still) throw invalid();
    throw new ApiError('handoff_code_used', 'This handoff code has already been used.');
  }
  const customerId = claimed[0]!.customerId;
  const conversation = await findOpenConversation(db, customerId);
  if (!conversation) return { conversationId: null, customerId };
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
  await refreshHandoffSummary(deps, db, onCommit, moved!, {
    reason: 'channel_handoff',
    fromChannel: input.handoff.fromChannel,
    toChannel: input.channel,
    now,
  });
  await appendEvent(deps, db, onCommit, {
    appId: input.handoff.appId,
    customerId,
    type: 'conversation.updated',
    data: { id: conversation.id, status: conversation.status, channel: input.channel },
  });
  await deps.outbox?.record(db, onCommit, [
    {
      appId: input.handoff.appId,
      type: 'handoff.claimed',
      customerId,
      conversationId: conversation.id,
      data: {
        customerId,
        conversationId: conversation.id,
        fromChannel: input.handoff.fromChannel,
        toChannel: input.channel,
        claimedAt: new Date(now).toISOString(),
      },
    },
  ]);
  return { conversationId: conversation.id, customerId };
}
