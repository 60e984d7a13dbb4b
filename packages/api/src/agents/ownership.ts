import type { InboxRow } from '@threadline/sdk-core/protocol';
import { eq } from 'drizzle-orm';
import { type ConversationRow, refreshHandoffSummary } from '../conversations';
import type { Db } from '../db/database';
import { agents, conversations } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { type AgentRow, getAgentRow } from './agents';
import { agentLoad, getConversationRow, toInboxRows } from './inbox';
import { addNote } from './notes';
import {
  announceAgent,
  announceInbox,
  announceQueue,
  assignTo,
  type ChangeBy,
  endAssignment,
  fillAgent,
  routeWaiting,
  tellCustomer,
} from './routing';

type OnCommit = (callback: () => void) => void;
/** The agent acting, as the route authenticated them. */
export type Actor = Pick<AgentRow, 'id' | 'appId' | 'name' | 'role'>;

const byAgent = (agent: Actor): ChangeBy => ({ type: 'agent', id: agent.id });

function assertOpen(conversation: ConversationRow) {
  if (conversation.status === 'resolved')
    throw new ApiError(
      'conversation_resolved',
      'This conversation is resolved; a new message opens a new one.',
    );
}

/** Only the owner — or a supervisor — may act on a conversation another agent owns. */
function assertMayAct(conversation: ConversationRow, agent: Actor) {
  if (
    conversation.status === 'assigned' &&
    conversation.assignedAgentId !== agent.id &&
    agent.role !== 'supervisor'
  )
    throw new ApiError('not_conversation_owner', 'Another agent owns this conversation.');
}

/**
 * The taking agent as this transaction sees them — not as the request's authentication read them a
 * moment ago. A deactivated agent takes nothing. An offline agent who takes a conversation (a claim,
 * a reply, a text) has shown up: they become `away` in the same commit (they keep what they own,
 * routing gives them nothing new), so the presence sweep watches them and sends the conversation
 * back to the queue if they go silent — it never waits on an owner nobody tracks. A full agent
 * takes nothing more.
 */
async function readyToTake(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  agent: Pick<AgentRow, 'id' | 'appId'>,
  conversation: ConversationRow,
): Promise<AgentRow> {
  let row = await getAgentRow(db, agent.appId, agent.id);
  if (!row.active) throw new ApiError('agent_unavailable', 'This agent is deactivated.');
  if (conversation.status === 'assigned' && row.role !== 'supervisor')
    throw new ApiError('already_assigned', 'Another agent already owns this conversation.');
  if ((await agentLoad(db, row.id)) >= row.capacity)
    throw new ApiError('agent_at_capacity', `You already own ${row.capacity} conversations, your capacity.`);
  if (row.presence === 'offline') {
    const now = deps.clock.now();
    [row] = (await db
      .update(agents)
      .set({ presence: 'away', lastSeenAt: now, presenceChangedAt: now, updatedAt: now })
      .where(eq(agents.id, row.id))
      .returning()) as [AgentRow];
    await announceAgent(deps, db, onCommit, row);
  }
  return row;
}

const toRow = async (deps: ServiceDeps, db: Db, conversation: ConversationRow): Promise<InboxRow> =>
  (await toInboxRows(deps, db, [conversation]))[0]!;

/**
 * Takes a conversation for `agent` inside the caller's transaction: from the queue, from the bot
 * (the agent steps in; a summary is written for them), or — supervisors only — from another agent.
 * The bot goes silent on every channel from this commit on.
 */
export async function takeConversation(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  conversation: ConversationRow,
  agent: Actor,
): Promise<ConversationRow> {
  assertOpen(conversation);
  if (conversation.status === 'assigned' && conversation.assignedAgentId === agent.id) return conversation;
  await readyToTake(deps, db, onCommit, agent, conversation);
  const previousOwner = conversation.status === 'assigned' ? conversation.assignedAgentId : null;
  const now = deps.clock.now();
  if (previousOwner) await endAssignment(db, conversation.id, now, 'claimed_over');
  if (conversation.status === 'bot') {
    // From the bot straight to a human: the agent reads the summary first, as after an escalation.
    conversation.summary = await refreshHandoffSummary(deps, db, onCommit, conversation, {
      reason: 'escalation',
      fromChannel: conversation.lastChannel,
      now,
    });
  }
  const wasQueued = conversation.status === 'queued';
  const taken = await assignTo(deps, db, onCommit, conversation, agent, {
    how: 'claimed',
    by: byAgent(agent),
    tellCustomer: true,
    queuedAt: wasQueued ? conversation.waitingSince : null,
  });
  const refilled = previousOwner ? await fillAgent(deps, db, onCommit, previousOwner, byAgent(agent)) : 0;
  if (wasQueued || refilled > 0) await announceQueue(deps, db, onCommit, conversation.appId);
  return taken;
}

/** POST /v1/agent/conversations/:id/claim */
export async function claimConversation(deps: ServiceDeps, agent: Actor, conversationId: string) {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    return toRow(deps, db, await takeConversation(deps, db, onCommit, conversation, agent));
  });
}

/**
 * POST /v1/agent/conversations/:id/release — back to the bot, which answers again from the next
 * message; its low-confidence count starts afresh so it does not hand straight back.
 */
export async function releaseConversation(deps: ServiceDeps, agent: Actor, conversationId: string) {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    assertOpen(conversation);
    assertMayAct(conversation, agent);
    if (conversation.status === 'bot') return toRow(deps, db, conversation);
    const owner = conversation.status === 'assigned' ? conversation.assignedAgentId : null;
    const now = deps.clock.now();
    await endAssignment(db, conversation.id, now, 'released');
    const [released] = await db
      .update(conversations)
      .set({
        status: 'bot',
        assignedAgentId: null,
        assignedAt: null,
        waitingSince: null,
        updatedAt: now,
        context: { ...conversation.context, lowConfidenceStreak: 0, escalationReason: null },
      })
      .where(eq(conversations.id, conversation.id))
      .returning();
    await tellCustomer(deps, db, onCommit, released!);
    const row = await announceInbox(deps, db, onCommit, released!, 'released', byAgent(agent));
    if (owner) await fillAgent(deps, db, onCommit, owner, byAgent(agent));
    await announceQueue(deps, db, onCommit, agent.appId);
    return row;
  });
}

/**
 * POST /v1/agent/conversations/:id/resolve — the matter is closed. The customer's next message,
 * on any channel, opens a new conversation that starts with the bot. Resolving twice is a no-op.
 */
export async function resolveConversation(deps: ServiceDeps, agent: Actor, conversationId: string) {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    if (conversation.status === 'resolved') return toRow(deps, db, conversation);
    assertMayAct(conversation, agent);
    const owner = conversation.status === 'assigned' ? conversation.assignedAgentId : null;
    const now = deps.clock.now();
    await endAssignment(db, conversation.id, now, 'resolved');
    const [resolved] = await db
      .update(conversations)
      .set({ status: 'resolved', resolvedAt: now, waitingSince: null, updatedAt: now })
      .where(eq(conversations.id, conversation.id))
      .returning();
    // The merchant's follow-up rules (a care card after a question about care) start from here.
    await deps.followUps?.conversationEnded(db, onCommit, resolved!);
    await tellCustomer(deps, db, onCommit, resolved!);
    const row = await announceInbox(deps, db, onCommit, resolved!, 'resolved', byAgent(agent));
    if (owner) await fillAgent(deps, db, onCommit, owner, byAgent(agent));
    if (conversation.status === 'queued' || owner) await announceQueue(deps, db, onCommit, agent.appId);
    return row;
  });
}

/**
 * POST /v1/agent/conversations/:id/transfer — to a named agent (who must be online or away, with a
 * free slot) or to a skill (back in the queue for agents who have it, the transferring agent
 * aside). An optional note travels with it for the next owner.
 */
export async function transferConversation(
  deps: ServiceDeps,
  agent: Actor,
  conversationId: string,
  body: { agentId?: string; skill?: string; note?: string },
) {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    assertOpen(conversation);
    assertMayAct(conversation, agent);
    const owner = conversation.status === 'assigned' ? conversation.assignedAgentId : null;
    const now = deps.clock.now();
    let result: ConversationRow;
    if (body.agentId) {
      const target = await getAgentRow(db, agent.appId, body.agentId);
      if (!target.active || target.presence === 'offline')
        throw new ApiError('agent_unavailable', `${target.name} is offline; transfer to a skill instead.`);
      if (target.id === owner) return toRow(deps, db, conversation);
      if ((await agentLoad(db, target.id)) >= target.capacity)
        throw new ApiError('agent_at_capacity', `${target.name} has no free slot.`);
      const ended = await endAssignment(db, conversation.id, now, 'transferred');
      result = await assignTo(deps, db, onCommit, conversation, target, {
        how: 'transferred',
        by: byAgent(agent),
        tellCustomer: true,
        queuedAt: ended?.queuedAt ?? conversation.waitingSince,
      });
    } else {
      await endAssignment(db, conversation.id, now, 'transferred');
      const [queued] = await db
        .update(conversations)
        .set({
          status: 'queued',
          skill: body.skill!,
          assignedAgentId: null,
          assignedAt: null,
          waitingSince: now,
          updatedAt: now,
        })
        .where(eq(conversations.id, conversation.id))
        .returning();
      await announceInbox(deps, db, onCommit, queued!, 'requeued', byAgent(agent));
      const routed = await routeWaiting(deps, db, onCommit, queued!, {
        by: byAgent(agent),
        exclude: new Set([agent.id]),
        tellCustomer: false,
      });
      await tellCustomer(deps, db, onCommit, routed.conversation, routed.assignedAgent);
      result = routed.conversation;
    }
    if (body.note) await addNote(deps, db, onCommit, result, agent, body.note);
    if (owner) await fillAgent(deps, db, onCommit, owner, byAgent(agent), new Set([conversation.id]));
    await announceQueue(deps, db, onCommit, agent.appId);
    return toRow(deps, db, result);
  });
}
