import type {
  Agent,
  AgentTokenAnswer,
  CreateAgentBody,
  UpdateAgentBody,
} from '@threadline/sdk-core/protocol';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { AppRow } from '../apps';
import { type AuditActor, recordAudit } from '../audit';
import type { Db } from '../db/database';
import { agents, agentTokens, apps } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, randomSecret, sha256 } from '../platform/secrets';
import { agentLoad, agentLoads } from './inbox';
import { hashPassword } from './passwords';
import { announceAgent, announceQueue, fillAgent, returnToQueue } from './routing';

export type AgentRow = typeof agents.$inferSelect;
export type AgentTokenRow = typeof agentTokens.$inferSelect;

/** The app an agent belongs to (for the operator's CLI, which names agents by id alone). */
export async function appOfAgent(deps: Pick<ServiceDeps, 'database'>, agentId: string): Promise<string> {
  const [row] = await deps.database.db
    .select({ appId: agents.appId })
    .from(agents)
    .where(eq(agents.id, agentId))
    .limit(1);
  if (!row) throw new ApiError('not_found', `No agent ${agentId}.`);
  return row.appId;
}

export function toWireAgent(row: AgentRow, load: number): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    skills: row.skills,
    capacity: row.capacity,
    presence: row.presence,
    load,
    active: row.active,
    hasPassword: row.passwordHash !== null,
    lastSeenAt: row.lastSeenAt === null ? null : iso(row.lastSeenAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt || row.createdAt),
  };
}

/** An agent of the app, or 404 (also for another app's agent). */
export async function getAgentRow(db: Db, appId: string, agentId: string): Promise<AgentRow> {
  const [row] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.appId, appId), eq(agents.id, agentId)))
    .limit(1);
  if (!row) throw new ApiError('not_found', 'No such agent.');
  return row;
}

export async function getAgent(deps: Pick<ServiceDeps, 'database'>, appId: string, agentId: string) {
  const row = await getAgentRow(deps.database.db, appId, agentId);
  return toWireAgent(row, await agentLoad(deps.database.db, row.id));
}

/** The app's agents, active first, by name. */
export async function listAgents(deps: Pick<ServiceDeps, 'database'>, appId: string): Promise<Agent[]> {
  const db = deps.database.db;
  const [rows, loads] = await Promise.all([
    db.select().from(agents).where(eq(agents.appId, appId)).orderBy(desc(agents.active), agents.name),
    agentLoads(db, appId),
  ]);
  return rows.map((row) => toWireAgent(row, loads.get(row.id) ?? 0));
}

const isUniqueViolation = (error: unknown) => {
  for (let e = error, depth = 0; e && depth < 4; e = (e as Error).cause, depth++) {
    if (String((e as Error).message).includes('UNIQUE')) return true;
  }
  return false;
};
const emailTaken = () => new ApiError('conflict', 'Another agent of this app signs in with that email.');
const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Creates an agent (offline until they sign in and go online). */
export async function createAgent(
  deps: ServiceDeps,
  appId: string,
  body: CreateAgentBody,
  actor: AuditActor,
): Promise<Agent> {
  const passwordHash = body.password ? await hashPassword(body.password) : null;
  const now = deps.clock.now();
  try {
    return await deps.database.write(async (db) => {
      const [row] = await db
        .insert(agents)
        .values({
          id: createId('agt'),
          appId,
          name: body.name,
          email: body.email ? normalizeEmail(body.email) : null,
          passwordHash,
          role: body.role ?? 'agent',
          skills: [...new Set(body.skills ?? [])],
          capacity: body.capacity ?? 5,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordAudit(deps, db, {
        appId,
        actor,
        action: 'agent.created',
        subject: { type: 'agent', id: row!.id },
        details: { role: row!.role, skills: row!.skills, capacity: row!.capacity },
      });
      return toWireAgent(row!, 0);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/**
 * Changes an agent. More capacity or new skills route waiting conversations to them at once;
 * less capacity never takes conversations away, it only stops new ones.
 */
export async function updateAgent(
  deps: ServiceDeps,
  appId: string,
  agentId: string,
  body: UpdateAgentBody,
  actor: AuditActor,
): Promise<Agent> {
  const passwordHash =
    body.password === undefined
      ? undefined
      : body.password === null
        ? null
        : await hashPassword(body.password);
  try {
    return await deps.database.write(async (db, onCommit) => {
      const current = await getAgentRow(db, appId, agentId);
      const [row] = await db
        .update(agents)
        .set({
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.email !== undefined
            ? { email: body.email === null ? null : normalizeEmail(body.email) }
            : {}),
          ...(body.skills !== undefined ? { skills: [...new Set(body.skills)] } : {}),
          ...(body.capacity !== undefined ? { capacity: body.capacity } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(passwordHash !== undefined ? { passwordHash } : {}),
          updatedAt: deps.clock.now(),
        })
        .where(eq(agents.id, current.id))
        .returning();
      const changed = Object.keys(body).filter((k) => k !== 'password');
      await recordAudit(deps, db, {
        appId,
        actor,
        action: 'agent.updated',
        subject: { type: 'agent', id: agentId },
        details: {
          changed,
          ...(body.password !== undefined ? { password: body.password ? 'set' : 'removed' } : {}),
        },
      });
      const by = { type: actor.type, id: actor.id };
      if (
        (body.capacity !== undefined || body.skills !== undefined) &&
        (await fillAgent(deps, db, onCommit, row!, by)) > 0
      )
        await announceQueue(deps, db, onCommit, appId);
      await announceAgent(deps, db, onCommit, row!);
      return toWireAgent(row!, await agentLoad(db, row!.id));
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/**
 * Deactivates an agent: every token stops working, presence goes offline and the conversations
 * they owned go back to the queue (and on to other agents). Reactivating restores sign-in only.
 */
export async function setAgentActive(
  deps: ServiceDeps,
  appId: string,
  agentId: string,
  active: boolean,
  actor: AuditActor,
): Promise<Agent> {
  return deps.database.write(async (db, onCommit) => {
    const current = await getAgentRow(db, appId, agentId);
    const now = deps.clock.now();
    const [row] = await db
      .update(agents)
      .set(
        active
          ? { active: true, deactivatedAt: null, updatedAt: now }
          : {
              active: false,
              deactivatedAt: now,
              presence: 'offline',
              presenceChangedAt: now,
              updatedAt: now,
            },
      )
      .where(eq(agents.id, current.id))
      .returning();
    if (!active) {
      await db
        .update(agentTokens)
        .set({ revokedAt: now })
        .where(and(eq(agentTokens.agentId, agentId), isNull(agentTokens.revokedAt)));
      await returnToQueue(deps, db, onCommit, row!, 'agent_deactivated', { type: actor.type, id: actor.id });
    }
    await recordAudit(deps, db, {
      appId,
      actor,
      action: active ? 'agent.reactivated' : 'agent.deactivated',
      subject: { type: 'agent', id: agentId },
    });
    await announceAgent(deps, db, onCommit, row!);
    return toWireAgent(row!, await agentLoad(db, row!.id));
  });
}

/** A fresh agent token, shown once: `at_…`, stored as its SHA-256 hash. */
export async function issueAgentToken(
  deps: ServiceDeps,
  db: Db,
  input: {
    appId: string;
    agent: AgentRow;
    ttlSec: number | null;
    label?: string;
    createdBy: 'merchant' | 'sign_in' | 'cli' | 'app_create';
    actor: AuditActor;
  },
): Promise<AgentTokenAnswer> {
  if (!input.agent.active) throw new ApiError('agent_unavailable', 'This agent is deactivated.');
  const token = randomSecret('at', 32);
  const now = deps.clock.now();
  const expiresAt = input.ttlSec === null ? null : now + input.ttlSec * 1000;
  const id = createId('atk');
  await db.insert(agentTokens).values({
    id,
    appId: input.appId,
    agentId: input.agent.id,
    tokenHash: sha256(token),
    label: input.label ?? null,
    createdBy: input.createdBy,
    createdAt: now,
    expiresAt,
  });
  await recordAudit(deps, db, {
    appId: input.appId,
    actor: input.actor,
    action: 'agent_token.issued',
    subject: { type: 'agent', id: input.agent.id },
    details: {
      tokenId: id,
      createdBy: input.createdBy,
      expiresAt: expiresAt === null ? null : iso(expiresAt),
    },
  });
  return {
    token,
    tokenId: id,
    expiresAt: expiresAt === null ? null : iso(expiresAt),
    agent: toWireAgent(input.agent, await agentLoad(db, input.agent.id)),
  };
}

/** Issues a token for an agent of the app (the merchant backend's sign-in, or the CLI). */
export async function issueTokenFor(
  deps: ServiceDeps,
  appId: string,
  agentId: string,
  options: { ttlSec: number | null; label?: string; createdBy: 'merchant' | 'cli'; actor: AuditActor },
): Promise<AgentTokenAnswer> {
  return deps.database.write(async (db) =>
    issueAgentToken(deps, db, { appId, agent: await getAgentRow(db, appId, agentId), ...options }),
  );
}

/** An agent's tokens, newest first: never the tokens themselves. */
export async function listAgentTokens(deps: Pick<ServiceDeps, 'database'>, appId: string, agentId: string) {
  const db = deps.database.db;
  await getAgentRow(db, appId, agentId);
  const rows = await db
    .select()
    .from(agentTokens)
    .where(eq(agentTokens.agentId, agentId))
    .orderBy(desc(agentTokens.createdAt))
    .limit(200);
  const at = (ms: number | null) => (ms === null ? null : iso(ms));
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
    expiresAt: at(r.expiresAt),
    lastUsedAt: at(r.lastUsedAt),
    revokedAt: at(r.revokedAt),
  }));
}

/** Revokes one token at once: the next request with it is refused and its open streams end. */
export async function revokeAgentToken(
  deps: ServiceDeps,
  appId: string,
  agentId: string,
  tokenId: string,
  actor: AuditActor,
): Promise<void> {
  await deps.database.write(async (db) => {
    const [row] = await db
      .select()
      .from(agentTokens)
      .where(and(eq(agentTokens.id, tokenId), eq(agentTokens.agentId, agentId), eq(agentTokens.appId, appId)))
      .limit(1);
    if (!row) throw new ApiError('not_found', 'No such token.');
    if (row.revokedAt !== null) return;
    await db.update(agentTokens).set({ revokedAt: deps.clock.now() }).where(eq(agentTokens.id, tokenId));
    await recordAudit(deps, db, {
      appId,
      actor,
      action: 'agent_token.revoked',
      subject: { type: 'agent', id: agentId },
      details: { tokenId },
    });
  });
}

/** How often a token's lastUsedAt / the agent's lastSeenAt is written at most. */
const TOUCH_EVERY_MS = 30_000;

/**
 * The agent a bearer token belongs to, or null when it is unknown, revoked, expired or its agent
 * deactivated. Keeps the agent's lastSeenAt fresh (at most one write per 30 s) for presence.
 */
export async function findAgentByToken(deps: ServiceDeps, token: string) {
  const db = deps.database.db;
  const [found] = await db
    .select({ token: agentTokens, agent: agents, app: apps })
    .from(agentTokens)
    .innerJoin(agents, eq(agents.id, agentTokens.agentId))
    .innerJoin(apps, eq(apps.id, agents.appId))
    .where(eq(agentTokens.tokenHash, sha256(token)))
    .limit(1);
  const now = deps.clock.now();
  if (!found || found.token.revokedAt !== null || !found.agent.active) return null;
  if (found.token.expiresAt !== null && found.token.expiresAt <= now) return null;
  if (
    now - (found.agent.lastSeenAt ?? 0) >= TOUCH_EVERY_MS ||
    now - (found.token.lastUsedAt ?? 0) >= TOUCH_EVERY_MS
  ) {
    // Bookkeeping only: a failure here must not fail the request.
    void deps.database
      .write(async (tx) => {
        await tx.update(agents).set({ lastSeenAt: now }).where(eq(agents.id, found.agent.id));
        await tx.update(agentTokens).set({ lastUsedAt: now }).where(eq(agentTokens.id, found.token.id));
      })
      .catch((error) => deps.logger.warn('agent touch failed', { error: String(error) }));
  }
  return found as { token: AgentTokenRow; agent: AgentRow; app: AppRow };
}

/**
 * Whether a token is still good — open agent streams ask at every heartbeat, and end when it is
 * not — and keeps the agent's lastSeenAt fresh meanwhile, so an open console counts as present.
 */
export async function keepAgentStreamAlive(deps: ServiceDeps, tokenId: string): Promise<boolean> {
  const [row] = await deps.database.db
    .select({ token: agentTokens, active: agents.active, lastSeenAt: agents.lastSeenAt })
    .from(agentTokens)
    .innerJoin(agents, eq(agents.id, agentTokens.agentId))
    .where(eq(agentTokens.id, tokenId))
    .limit(1);
  const now = deps.clock.now();
  const live =
    !!row &&
    row.token.revokedAt === null &&
    row.active &&
    (row.token.expiresAt === null || row.token.expiresAt > now);
  if (live && now - (row.lastSeenAt ?? 0) >= TOUCH_EVERY_MS) {
    await deps.database.write(async (db) => {
      await db.update(agents).set({ lastSeenAt: now }).where(eq(agents.id, row.token.agentId));
    });
  }
  return live;
}

/** When a token expires (null: never). */
export async function tokenExpiry(db: Db, tokenId: string): Promise<number | null> {
  const [row] = await db
    .select({ expiresAt: agentTokens.expiresAt })
    .from(agentTokens)
    .where(eq(agentTokens.id, tokenId))
    .limit(1);
  return row?.expiresAt ?? null;
}
