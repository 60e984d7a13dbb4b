import { eq } from 'drizzle-orm';
import { conversationLabels, conversationSnoozes } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { getConversationRow } from './inbox';
import type { Actor } from './ownership';
import { announceInbox } from './routing';

const MAX_SNOOZE_MS = 30 * 24 * 3600 * 1000;

/** PUT /v1/agent/conversations/:id/labels — replaces the labels; the inbox row updates live. */
export async function setLabels(deps: ServiceDeps, agent: Actor, conversationId: string, labels: string[]) {
  const unique = [...new Set(labels.map((l) => l.trim()))];
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    await db.delete(conversationLabels).where(eq(conversationLabels.conversationId, conversation.id));
    const now = deps.clock.now();
    if (unique.length)
      await db.insert(conversationLabels).values(
        unique.map((label, i) => ({
          appId: agent.appId,
          conversationId: conversation.id,
          label,
          createdBy: agent.id,
          // Keeps the order the agent gave.
          createdAt: now + i,
        })),
      );
    await announceInbox(deps, db, onCommit, conversation, 'priority', { type: 'agent', id: agent.id });
    return { labels: unique };
  });
}

/**
 * POST /v1/agent/conversations/:id/snooze — hides the conversation from its owner's "mine" until
 * the given time or the customer's next message; `until: null` wakes it now.
 */
export async function snoozeConversation(
  deps: ServiceDeps,
  agent: Actor,
  conversationId: string,
  untilIso: string | null,
) {
  return deps.database.write(async (db, onCommit) => {
    // Someone else's conversation is not found, whatever the body says.
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    const now = deps.clock.now();
    const until = untilIso === null ? null : Date.parse(untilIso);
    if (until !== null && (until <= now || until > now + MAX_SNOOZE_MS))
      throw new ApiError('validation_failed', 'until must be in the future and at most 30 days ahead.');
    if (conversation.status === 'resolved')
      throw new ApiError('conversation_resolved', 'This conversation is resolved.');
    await db.delete(conversationSnoozes).where(eq(conversationSnoozes.conversationId, conversation.id));
    if (until !== null)
      await db.insert(conversationSnoozes).values({
        conversationId: conversation.id,
        appId: agent.appId,
        agentId: agent.id,
        until,
        snoozedAt: now,
      });
    await announceInbox(deps, db, onCommit, conversation, 'priority', { type: 'agent', id: agent.id });
    return { snoozedUntil: until === null ? null : iso(until) };
  });
}
