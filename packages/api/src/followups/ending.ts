import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { apps, conversations, followUpRules } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { appendEvent } from '../realtime';
import { followUpSettingsOf } from './rules';

/** Apps looked at per idle sweep, and conversations ended per sweep: the sweep is bounded. */
const SWEEP_APPS = 1000;
export const IDLE_SWEEP_LIMIT = 500;

/**
 * POST /v1/conversations/:id/end (secret key): the merchant's backend says a conversation on a
 * channel it runs (SMS, WeChat official account, a store's own chat) is over. The conversation is
 * resolved — the customer's next message opens a new one — and the follow-up rules it matches are
 * scheduled, as when an agent resolves one. Ending an ended conversation answers the same, with
 * nothing scheduled. 404 for another app's conversation; 409 `conflict` while it waits for or is
 * with an agent (the agent resolves it).
 */
export async function endConversation(deps: ServiceDeps, appId: string, id: string) {
  return deps.database.write(async (db, onCommit) => {
    const [row] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.appId, appId)))
      .limit(1);
    if (!row) throw new ApiError('not_found', 'Conversation not found.');
    const answer = (resolvedAt: number, followUpsScheduled: number) => ({
      conversation: { id: row.id, status: 'resolved' as const, resolvedAt: iso(resolvedAt) },
      followUpsScheduled,
    });
    if (row.status === 'resolved') return answer(row.resolvedAt ?? row.updatedAt, 0);
    if (row.status !== 'bot')
      throw new ApiError(
        'conflict',
        'An agent has this conversation (or it waits for one); the agent resolves it.',
      );
    const now = deps.clock.now();
    const [resolved] = await db
      .update(conversations)
      .set({ status: 'resolved', resolvedAt: now, waitingSince: null, updatedAt: now })
      .where(and(eq(conversations.id, id), eq(conversations.status, 'bot')))
      .returning();
    const scheduled = (await deps.followUps?.conversationEnded(db, onCommit, resolved!)) ?? 0;
    // Said as an agent's resolve says it: the shopper's open widget shows it ended, the console
    // drops it, and the merchant's `conversation.updated` webhook hears it (the outbox reads this
    // event) — a resolve nobody is told about leaves every client showing an open conversation.
    await appendEvent(deps, db, onCommit, {
      appId: resolved!.appId,
      customerId: resolved!.customerId,
      type: 'conversation.updated',
      data: { id: resolved!.id, status: 'resolved', channel: resolved!.lastChannel, assignedAgent: null },
    });
    return answer(now, scheduled);
  });
}

/**
 * The idle rule: a conversation only the bot has handled, with no message for the app's
 * `idleEndMinutes` (default 30), counts as ended for follow-up rules — otherwise a shopper who asks
 * the bot about care on the web and leaves would never match a rule. It is not resolved (the
 * shopper may come back); `context.followUpsIdleAt` marks it swept, and a new message (a later
 * `updated_at`) makes it eligible again, so what the shopper asks next can match too. The unique
 * index (rule, conversation) keeps a rule to one follow-up per conversation however often it is
 * swept. Only apps with an enabled rule are looked at, over the index (app, status, updated_at);
 * bounded per call. Returns how many conversations were ended.
 */
export async function sweepIdleConversations(deps: ServiceDeps, limit = IDLE_SWEEP_LIMIT): Promise<number> {
  const db = deps.database.db;
  const withRules = await db
    .selectDistinct({ appId: followUpRules.appId })
    .from(followUpRules)
    .where(eq(followUpRules.enabled, true))
    .limit(SWEEP_APPS);
  let ended = 0;
  for (const { appId } of withRules) {
    if (ended >= limit) break;
    const [app] = await db.select({ settings: apps.settings }).from(apps).where(eq(apps.id, appId)).limit(1);
    if (!app) continue;
    const idleMinutes = followUpSettingsOf(app).idleEndMinutes;
    if (idleMinutes === 0) continue;
    const cutoff = deps.clock.now() - idleMinutes * 60_000;
    const idle = await db
      .select({ id: conversations.id, updatedAt: conversations.updatedAt })
      .from(conversations)
      .where(
        and(
          eq(conversations.appId, appId),
          eq(conversations.status, 'bot'),
          lte(conversations.updatedAt, cutoff),
          sql`coalesce(json_extract(${conversations.context}, '$.followUpsIdleAt'), 0) < ${conversations.updatedAt}`,
        ),
      )
      .orderBy(asc(conversations.updatedAt))
      .limit(limit - ended);
    for (const candidate of idle) {
      await deps.database.write(async (tx, onCommit) => {
        // Only if nothing was said since it was read: the mark and the schedule commit together.
        const [row] = await tx
          .update(conversations)
          .set({
            context: sql`json_set(${conversations.context}, '$.followUpsIdleAt', ${deps.clock.now()})`,
          })
          .where(
            and(
              eq(conversations.id, candidate.id),
              eq(conversations.status, 'bot'),
              eq(conversations.updatedAt, candidate.updatedAt),
            ),
          )
          .returning();
        if (row) await deps.followUps?.conversationEnded(tx, onCommit, row);
      });
      ended++;
    }
  }
  return ended;
}
