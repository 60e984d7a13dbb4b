import type { CsatRating } from '@threadline/sdk-core/protocol';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { openAllForCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { conversationLabels, conversationSnoozes, csatRatings } from './console-schema';

export interface ConversationMarks {
  labels: string[];
  snooze: { until: number; snoozedAt: number } | null;
  csat: CsatRating | null;
}

/** Labels, snooze and CSAT (its comment opened) of many conversations, in three queries. */
export async function marksOf(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  conversationIds: string[],
): Promise<Map<string, ConversationMarks>> {
  const marks = new Map<string, ConversationMarks>(
    conversationIds.map((id) => [id, { labels: [], snooze: null, csat: null }]),
  );
  if (conversationIds.length === 0) return marks;
  const [labels, snoozes, ratings] = await Promise.all([
    db
      .select({ conversationId: conversationLabels.conversationId, label: conversationLabels.label })
      .from(conversationLabels)
      .where(inArray(conversationLabels.conversationId, conversationIds))
      .orderBy(conversationLabels.createdAt),
    db.select().from(conversationSnoozes).where(inArray(conversationSnoozes.conversationId, conversationIds)),
    db.select().from(csatRatings).where(inArray(csatRatings.conversationId, conversationIds)),
  ]);
  for (const l of labels) marks.get(l.conversationId)?.labels.push(l.label);
  for (const s of snoozes) {
    const mark = marks.get(s.conversationId);
    if (mark) mark.snooze = { until: s.until, snoozedAt: s.snoozedAt };
  }
  const comments = await openAllForCustomers(
    deps,
    ratings.map((r) => r.comment),
    db,
  );
  ratings.forEach((r, i) => {
    const mark = marks.get(r.conversationId);
    if (mark) mark.csat = { rating: r.rating, comment: comments[i] ?? null, createdAt: iso(r.createdAt) };
  });
  return marks;
}

/**
 * The snooze as the inbox shows it: the time it ends, or null once it ended or the customer wrote
 * after it began (new words from the customer always wake a conversation).
 */
export function activeSnooze(
  snooze: ConversationMarks['snooze'],
  now: number,
  lastCustomerMessageAt: number | null,
): string | null {
  if (!snooze || snooze.until <= now) return null;
  if (lastCustomerMessageAt !== null && lastCustomerMessageAt > snooze.snoozedAt) return null;
  return iso(snooze.until);
}
