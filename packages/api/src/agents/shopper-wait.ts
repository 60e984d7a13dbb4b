import type { ConversationStateAnswer } from '@threadline/sdk-core/protocol';
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { findOpenConversation } from '../conversations';
import { agents, assignments, conversations, csatRatings } from '../db/schema';
import { refuseErased, survivingCustomerId } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import type { Shopper } from './csat';
import { onlineAgents } from './inbox';
import { announceInbox, announceQueue, BY_ROUTING, tellCustomer } from './routing';

/** A resolved conversation is offered for rating for this long. */
const RATE_WITHIN_MS = 7 * 24 * 3600 * 1000;

/**
 * GET /v1/conversation — the shopper's open conversation and, while it waits for a person, its
 * place in the queue (VIP first, then the longest wait — the order routing serves) and how many
 * agents who could take it are online. Clients use it to say honestly "you are number 3" or "no
 * agent is online right now, leave your message and we'll reply here".
 */
export async function conversationState(
  deps: ServiceDeps,
  shopper: Shopper,
): Promise<ConversationStateAnswer> {
  const db = deps.database.db;
  const open = await findOpenConversation(db, shopper.customerId);
  let wait: ConversationStateAnswer['wait'] = null;
  let owner: { name: string } | null = null;
  if (open?.status === 'queued') {
    const since = open.waitingSince ?? open.updatedAt;
    const [ahead] = await db
      .select({ n: sql<number>`count(*)` })
      .from(conversations)
      .where(
        and(
          eq(conversations.appId, open.appId),
          eq(conversations.status, 'queued'),
          or(
            gt(conversations.priority, open.priority),
            and(eq(conversations.priority, open.priority), lt(conversations.waitingSince, since)),
          ),
        ),
      );
    const online = (await onlineAgents(db, open.appId)).filter(
      (a) => open.skill === null || a.skills.includes(open.skill),
    );
    wait = {
      position: Number(ahead?.n ?? 0) + 1,
      agentsOnline: online.length,
      waitingSince: open.waitingSince === null ? null : iso(open.waitingSince),
    };
  } else if (open?.status === 'assigned' && open.assignedAgentId) {
    const [agent] = await db
      .select({ name: agents.name })
      .from(agents)
      .where(eq(agents.id, open.assignedAgentId));
    owner = agent ? { name: agent.name } : null;
  }

  let rateable: ConversationStateAnswer['rateable'] = null;
  if (!open || open.status === 'bot') {
    const [resolved] = await db
      .select({ id: conversations.id, agentId: assignments.agentId })
      .from(conversations)
      .innerJoin(assignments, eq(assignments.conversationId, conversations.id))
      .leftJoin(csatRatings, eq(csatRatings.conversationId, conversations.id))
      .where(
        and(
          eq(conversations.customerId, shopper.customerId),
          eq(conversations.status, 'resolved'),
          gt(conversations.updatedAt, deps.clock.now() - RATE_WITHIN_MS),
          isNull(csatRatings.conversationId),
        ),
      )
      .orderBy(desc(conversations.updatedAt), desc(assignments.assignedAt))
      .limit(1);
    if (resolved) {
      const [agent] = await db
        .select({ name: agents.name })
        .from(agents)
        .where(eq(agents.id, resolved.agentId));
      rateable = { conversationId: resolved.id, agentName: agent?.name ?? null };
    }
  }
  return {
    conversation: open ? { id: open.id, status: open.status, assignedAgent: owner } : null,
    wait,
    rateable,
  };
}

/**
 * POST /v1/conversation/bot — the shopper stops waiting for a person and goes back to the bot,
 * which answers again from the next message. Only while queued: once an agent has it, the agent
 * decides (409 agent_is_helping).
 */
export async function backToBot(deps: ServiceDeps, shopper: Shopper) {
  return deps.database.write(async (db, onCommit) => {
    let open = await findOpenConversation(db, shopper.customerId);
    if (!open) await refuseErased(db, [shopper.customerId]);
    // A merged-away customer has no open conversation (the merge moved them all): only then can a
    // merge have committed since the session was authenticated, and the survivor's is the one.
    if (!open) {
      const survivor = await survivingCustomerId(db, shopper.appId, shopper.customerId);
      if (survivor !== shopper.customerId) open = await findOpenConversation(db, survivor);
    }
    if (!open) throw new ApiError('not_found', 'There is no open conversation.');
    if (open.status === 'assigned')
      throw new ApiError('agent_is_helping', 'An agent has this conversation; ask them to hand it back.');
    if (open.status === 'bot') return { conversation: { id: open.id, status: open.status } };
    const now = deps.clock.now();
    const [back] = await db
      .update(conversations)
      .set({
        status: 'bot',
        waitingSince: null,
        updatedAt: now,
        context: { ...open.context, lowConfidenceStreak: 0, escalationReason: null },
      })
      .where(eq(conversations.id, open.id))
      .returning();
    await tellCustomer(deps, db, onCommit, back!);
    await announceInbox(deps, db, onCommit, back!, 'released', BY_ROUTING);
    await announceQueue(deps, db, onCommit, shopper.appId);
    return { conversation: { id: back!.id, status: back!.status } };
  });
}
