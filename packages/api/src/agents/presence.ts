import type { Agent, AgentPresence } from '@threadline/sdk-core/protocol';
import { and, eq, isNull, lt, ne, or } from 'drizzle-orm';
import { agents } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { getAgentRow, toWireAgent } from './agents';
import { agentLoad } from './inbox';
import { announceAgent, announceQueue, BY_ROUTING, type ChangeBy, fillAgent, returnToQueue } from './routing';

/**
 * Sets an agent's presence. `online` takes waiting conversations up to capacity at once; `away`
 * keeps what they own but takes nothing new; `offline` sends what they own back to the queue.
 */
export async function setPresence(
  deps: ServiceDeps,
  appId: string,
  agentId: string,
  presence: AgentPresence,
  by: ChangeBy,
): Promise<Agent> {
  return deps.database.write(async (db, onCommit) => {
    const current = await getAgentRow(db, appId, agentId);
    const now = deps.clock.now();
    const [row] = await db
      .update(agents)
      .set({
        presence,
        lastSeenAt: now,
        ...(current.presence !== presence ? { presenceChangedAt: now, updatedAt: now } : {}),
      })
      .where(eq(agents.id, current.id))
      .returning();
    if (current.presence !== presence) {
      if (presence === 'online' && (await fillAgent(deps, db, onCommit, row!, by)) > 0)
        await announceQueue(deps, db, onCommit, appId);
      if (presence === 'offline') await returnToQueue(deps, db, onCommit, row!, 'agent_offline', by);
      await announceAgent(deps, db, onCommit, row!);
    }
    return toWireAgent(row!, await agentLoad(db, row!.id));
  });
}

/**
 * Turns agents offline who have not been heard from (no request, no stream heartbeat) for
 * `timeoutMs` — a closed laptop must not hold conversations. Returns how many went offline.
 */
export async function sweepPresence(deps: ServiceDeps, timeoutMs: number): Promise<number> {
  const cutoff = deps.clock.now() - timeoutMs;
  const silent = await deps.database.db
    .select({ id: agents.id, appId: agents.appId })
    .from(agents)
    .where(and(ne(agents.presence, 'offline'), or(isNull(agents.lastSeenAt), lt(agents.lastSeenAt, cutoff))))
    .limit(1000);
  for (const agent of silent) {
    try {
      await setPresence(deps, agent.appId, agent.id, 'offline', BY_ROUTING);
    } catch (error) {
      deps.logger.warn('presence sweep failed for an agent', { agentId: agent.id, error: String(error) });
    }
  }
  return silent.length;
}

/** Runs the sweep every `everyMs` in the background; returns the stop function. */
export function startPresenceSweeper(deps: ServiceDeps, options: { timeoutMs: number; everyMs: number }) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepPresence(deps, options.timeoutMs)
      .catch((error) => deps.logger.warn('presence sweep failed', { error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
