import type { FollowUp } from '@threadline/sdk-core/protocol';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { followUps } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';

const isoOrNull = (at: number | null) => (at === null ? null : iso(at));

/** GET /v1/follow-ups: the app's follow-ups, newest first, by customer and state. */
export async function listFollowUps(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
  query: { customerId?: string; state?: FollowUp['state']; limit: number },
): Promise<{ followUps: FollowUp[] }> {
  const where: SQL[] = [eq(followUps.appId, appId)];
  if (query.customerId) where.push(eq(followUps.customerId, query.customerId));
  if (query.state) where.push(eq(followUps.state, query.state));
  const rows = await deps.database.db
    .select()
    .from(followUps)
    .where(and(...where))
    .orderBy(desc(followUps.createdAt), desc(followUps.id))
    .limit(query.limit);
  return {
    followUps: rows.map((row) => ({
      id: row.id,
      ruleId: row.ruleId,
      customerId: row.customerId,
      conversationId: row.conversationId,
      channel: row.channel,
      state: row.state,
      reason: row.reason,
      dueAt: iso(row.dueAt),
      sentAt: isoOrNull(row.sentAt),
      messageId: row.messageId,
      deferrals: row.deferrals,
    })),
  };
}
