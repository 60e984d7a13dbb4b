import type { CsatAnswer, CsatInsightsAnswer } from '@threadline/sdk-core/protocol';
import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { agents, assignments, conversations, csatRatings } from '../db/schema';
import { openAllForCustomers, refuseErased, sealForCustomer, survivingCustomerId } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { appendStaffEvent } from './routing';

/** The customer a session speaks for. */
export interface Shopper {
  appId: string;
  customerId: string;
  channel: string;
}

/**
 * POST /v1/csat — the shopper rates a resolved conversation 1–5 with an optional comment. Once per
 * conversation: asking again changes the rating (the latest word counts), so a retried request is
 * harmless. Agents see it live (`csat.created`); insights read it per channel and per agent.
 */
export async function rateConversation(
  deps: ServiceDeps,
  shopper: Shopper,
  body: { conversationId?: string; rating: number; comment?: string },
): Promise<CsatAnswer> {
  return deps.database.write(async (db, onCommit) => {
    // The session was checked before this transaction: an erase that committed since stays done
    // (redact keeps the resolved conversation, and a rating would name it again).
    await refuseErased(db, [shopper.customerId]);
    const find = async (customerId: string) => {
      const where = [eq(conversations.customerId, customerId), eq(conversations.appId, shopper.appId)];
      if (body.conversationId) where.push(eq(conversations.id, body.conversationId));
      else where.push(eq(conversations.status, 'resolved'));
      const [found] = await db
        .select()
        .from(conversations)
        .where(and(...where))
        .orderBy(desc(conversations.updatedAt))
        .limit(1);
      return found;
    };
    let conversation = await find(shopper.customerId);
    // The session's customer was read at authentication. A merge (sign-in) that committed since
    // moved every conversation to the survivor, so only a miss can mean one: then (and only then)
    // the rating is looked for under the customer the session now stands for.
    if (!conversation) {
      const survivor = await survivingCustomerId(db, shopper.appId, shopper.customerId);
      if (survivor !== shopper.customerId) conversation = await find(survivor);
    }
    if (!conversation) throw new ApiError('not_found', 'No resolved conversation of yours to rate.');
    if (conversation.status !== 'resolved')
      throw new ApiError('conversation_not_resolved', 'A conversation can be rated once it is resolved.');
    const [lastOwner] = await db
      .select({ agentId: assignments.agentId })
      .from(assignments)
      .where(eq(assignments.conversationId, conversation.id))
      .orderBy(desc(assignments.assignedAt))
      .limit(1);
    const now = deps.clock.now();
    const values = {
      conversationId: conversation.id,
      appId: shopper.appId,
      // The conversation's customer as read in this transaction (the survivor after a merge).
      customerId: conversation.customerId,
      channel: conversation.lastChannel,
      agentId: lastOwner?.agentId ?? null,
      rating: body.rating,
      // The shopper's own words: sealed with their data key like their messages (§11).
      comment: body.comment
        ? await sealForCustomer(
            deps,
            db,
            onCommit,
            { appId: shopper.appId, customerId: conversation.customerId },
            body.comment,
          )
        : null,
      createdAt: now,
    };
    await db
      .insert(csatRatings)
      .values(values)
      .onConflictDoUpdate({
        target: csatRatings.conversationId,
        set: { rating: values.rating, comment: values.comment, createdAt: now },
      });
    const csat = { rating: body.rating, comment: body.comment ?? null, createdAt: iso(now) };
    await appendStaffEvent(deps, db, onCommit, {
      appId: shopper.appId,
      customerId: conversation.customerId,
      type: 'csat.created',
      data: { conversationId: conversation.id, agentId: values.agentId, channel: values.channel, ...csat },
    });
    return { conversationId: conversation.id, csat };
  });
}

type Figures = CsatInsightsAnswer['total'];
function figuresOf(ratings: number[]): Figures {
  const distribution = [0, 0, 0, 0, 0];
  for (const r of ratings) distribution[r - 1]! += 1;
  const responses = ratings.length;
  const sum = ratings.reduce((a, b) => a + b, 0);
  return {
    responses,
    average: responses ? Math.round((sum / responses) * 100) / 100 : null,
    score: responses ? Math.round(((distribution[3]! + distribution[4]!) / responses) * 1000) / 10 : null,
    distribution,
  };
}

/**
 * GET /v1/insights/csat and the CSAT export — satisfaction per channel and per agent for a window:
 * responses, mean, CSAT score (share of 4–5) and the distribution, plus the latest ratings with
 * their comments. The window is half-open, `[from, to)` in epoch ms (either end open), so the days
 * of an export never share a rating; `channel` keeps one channel's ratings only.
 */
export async function csatInsights(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  range: { from?: number; to?: number; channel?: string },
): Promise<CsatInsightsAnswer> {
  const db = deps.database.db;
  const where: SQL[] = [eq(csatRatings.appId, appId)];
  if (range.from !== undefined) where.push(gte(csatRatings.createdAt, range.from));
  if (range.to !== undefined) where.push(lt(csatRatings.createdAt, range.to));
  if (range.channel !== undefined) where.push(eq(csatRatings.channel, range.channel));
  // Bounded: a period's ratings are read once and grouped here (a shop's CSAT responses per period
  // are far fewer than its messages).
  const rows = await db
    .select()
    .from(csatRatings)
    .where(and(...where))
    .orderBy(desc(csatRatings.createdAt))
    .limit(100_000);
  const group = <K>(key: (r: (typeof rows)[number]) => K) => {
    const groups = new Map<K, number[]>();
    for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r.rating]);
    return groups;
  };
  const agentIds = [...new Set(rows.flatMap((r) => (r.agentId ? [r.agentId] : [])))];
  const names = new Map(
    (agentIds.length
      ? await db.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))
      : []
    ).map((a) => [a.id, a.name]),
  );
  const recent = rows.slice(0, 20);
  const comments = await openAllForCustomers(
    deps,
    recent.map((r) => r.comment),
    db,
  );
  return {
    total: figuresOf(rows.map((r) => r.rating)),
    channels: [...group((r) => r.channel)]
      .map(([channel, ratings]) => ({ channel, ...figuresOf(ratings) }))
      .sort((a, b) => b.responses - a.responses),
    agents: [...group((r) => r.agentId)]
      .map(([id, ratings]) => ({
        agent: id ? { id, name: names.get(id) ?? '' } : null,
        ...figuresOf(ratings),
      }))
      .sort((a, b) => b.responses - a.responses),
    recent: recent.map((r, i) => ({
      conversationId: r.conversationId,
      channel: r.channel,
      agentId: r.agentId,
      rating: r.rating,
      comment: comments[i] ?? null,
      createdAt: iso(r.createdAt),
    })),
  };
}
