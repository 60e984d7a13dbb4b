import type {
  InboxAnswer,
  InboxQuery,
  InboxRow,
  QueueAnswer,
  QueueFigures,
} from '@threadline/sdk-core/protocol';
import { and, asc, desc, eq, gt, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { type ConversationRow, lastMessagesOf } from '../conversations';
import type { Db } from '../db/database';
import { agents, conversations, customers } from '../db/schema';
import { isSealed, openAllForCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { customerHandles, isVipCustomer } from '../profile';
import { activeSnooze, marksOf } from './conversation-marks';

type Deps = Pick<ServiceDeps, 'sealer' | 'database'> & Partial<Pick<ServiceDeps, 'clock'>>;

/** A conversation of the app, or 404 (another app's conversation is not found either). */
export async function getConversationRow(db: Db, appId: string, id: string): Promise<ConversationRow> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.appId, appId), eq(conversations.id, id)))
    .limit(1);
  if (!row) throw new ApiError('not_found', 'No such conversation.');
  return row;
}

/**
 * Inbox rows for conversations: customer (masked handle, VIP), owner, summary and last message —
 * in five queries whatever the number of rows.
 */
export async function toInboxRows(deps: Deps, db: Db, rows: ConversationRow[]): Promise<InboxRow[]> {
  if (rows.length === 0) return [];
  const customerIds = [...new Set(rows.map((r) => r.customerId))];
  const agentIds = [...new Set(rows.flatMap((r) => (r.assignedAgentId ? [r.assignedAgentId] : [])))];
  const [people, owners, lastMessages, handles, marks] = await Promise.all([
    db
      .select({
        id: customers.id,
        name: customers.name,
        identified: customers.identified,
        attributes: customers.attributes,
      })
      .from(customers)
      .where(inArray(customers.id, customerIds)),
    agentIds.length
      ? db.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))
      : [],
    lastMessagesOf(
      deps,
      db,
      rows.map((r) => r.id),
    ),
    customerHandles(deps, db, customerIds),
    marksOf(
      deps,
      db,
      rows.map((r) => r.id),
    ),
  ]);
  const now = deps.clock?.now() ?? Date.now();
  // The summaries' last customer message is stored sealed with the customer's key.
  const summaryTexts = await openAllForCustomers(
    deps,
    rows.map((r) => r.summary?.lastCustomerMessage?.text ?? null),
    db,
  );
  const personOf = new Map(people.map((p) => [p.id, p]));
  const ownerOf = new Map(owners.map((o) => [o.id, o]));
  return rows.map((row, i) => {
    const person = personOf.get(row.customerId);
    const summary =
      row.summary?.lastCustomerMessage && isSealed(row.summary.lastCustomerMessage.text)
        ? {
            ...row.summary,
            lastCustomerMessage: { ...row.summary.lastCustomerMessage, text: summaryTexts[i] ?? '' },
          }
        : (row.summary ?? null);
    const vip = isVipCustomer(person?.attributes);
    const owner = row.assignedAgentId ? (ownerOf.get(row.assignedAgentId) ?? null) : null;
    const lastMessage = lastMessages.get(row.id) ?? null;
    const mark = marks.get(row.id);
    return {
      id: row.id,
      status: row.status,
      channel: row.channel,
      lastChannel: row.lastChannel,
      channels: [...new Set([row.channel, ...(row.summary?.channels ?? []), row.lastChannel])],
      skill: row.skill,
      priority: row.priority,
      customer: {
        id: row.customerId,
        name: person?.name ?? null,
        identified: person?.identified ?? false,
        vip,
        handle: handles.get(row.customerId) ?? null,
      },
      waitingSince: row.status === 'queued' && row.waitingSince !== null ? iso(row.waitingSince) : null,
      assignedAgent: owner ? { id: owner.id, name: owner.name } : null,
      assignedAt: row.status === 'assigned' && row.assignedAt !== null ? iso(row.assignedAt) : null,
      summary,
      lastMessage,
      awaitingReply: lastMessage?.author.type === 'customer',
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
      labels: mark?.labels ?? [],
      snoozedUntil: activeSnooze(
        mark?.snooze ?? null,
        now,
        lastMessage?.author.type === 'customer' ? Date.parse(lastMessage.createdAt) : null,
      ),
      csat: mark?.csat ?? null,
    };
  });
}

/** Views served in queue order (VIP first, longest wait first); the others newest activity first. */
const QUEUE_ORDERED = new Set(['open', 'queued']);

/** Queued conversations wait since `waitingSince`; owned ones "since" they were assigned. */
const since = () =>
  sql<number>`coalesce(${conversations.waitingSince}, ${conversations.assignedAt}, ${conversations.updatedAt})`;

interface Cursor {
  /** priority, since, id — or updatedAt, id. */
  k: (number | string)[];
}

function decodeCursor(value: string | undefined, parts: number): Cursor | null {
  if (value === undefined) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor;
    if (
      Array.isArray(parsed.k) &&
      parsed.k.length === parts &&
      parsed.k.slice(0, -1).every((v) => typeof v === 'number' && Number.isFinite(v)) &&
      typeof parsed.k.at(-1) === 'string'
    )
      return parsed;
  } catch {
    // fall through to the error below
  }
  throw new ApiError('validation_failed', 'cursor must be a nextCursor this route returned.');
}
const encodeCursor = (k: Cursor['k']) => Buffer.from(JSON.stringify({ k })).toString('base64url');

/**
 * GET /v1/agent/inbox. `open` (queued + assigned) and `queued` come in serving order — VIP first,
 * then the longest wait; `mine`, `assigned`, `bot`, `resolved` and `all` newest activity first.
 * Filters: the channel the customer spoke on last, the skill needed. Keyset-paginated.
 */
export async function readInbox(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  agentId: string,
  query: InboxQuery,
): Promise<InboxAnswer> {
  const db = deps.database.db;
  const view = query.view;
  const conditions: (SQL | undefined)[] = [eq(conversations.appId, appId)];
  if (view === 'open') conditions.push(inArray(conversations.status, ['queued', 'assigned']));
  else if (view === 'mine')
    conditions.push(eq(conversations.status, 'assigned'), eq(conversations.assignedAgentId, agentId));
  else if (view !== 'all') conditions.push(eq(conversations.status, view));
  if (query.channel) conditions.push(eq(conversations.lastChannel, query.channel));
  if (query.skill) conditions.push(eq(conversations.skill, query.skill));

  const queueOrder = QUEUE_ORDERED.has(view);
  const cursor = decodeCursor(query.cursor, queueOrder ? 3 : 2);
  if (cursor && queueOrder) {
    const [priority, at, id] = cursor.k as [number, number, string];
    conditions.push(
      or(
        lt(conversations.priority, priority),
        and(eq(conversations.priority, priority), gt(since(), at)),
        and(eq(conversations.priority, priority), eq(since(), at), gt(conversations.id, id)),
      ),
    );
  } else if (cursor) {
    const [updatedAt, id] = cursor.k as [number, string];
    conditions.push(
      or(
        lt(conversations.updatedAt, updatedAt),
        and(eq(conversations.updatedAt, updatedAt), lt(conversations.id, id)),
      ),
    );
  }
  const rows = await db
    .select()
    .from(conversations)
    .where(and(...conditions))
    .orderBy(
      ...(queueOrder
        ? [desc(conversations.priority), asc(since()), asc(conversations.id)]
        : [desc(conversations.updatedAt), desc(conversations.id)]),
    )
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor(
          queueOrder
            ? [last.priority, last.waitingSince ?? last.assignedAt ?? last.updatedAt, last.id]
            : [last.updatedAt, last.id],
        )
      : null;

  const [counts] = await db
    .select({
      mine: sql<number>`sum(case when ${conversations.status} = 'assigned' and ${conversations.assignedAgentId} = ${agentId} then 1 else 0 end)`,
      queued: sql<number>`sum(case when ${conversations.status} = 'queued' then 1 else 0 end)`,
      open: sql<number>`count(*)`,
    })
    .from(conversations)
    .where(and(eq(conversations.appId, appId), inArray(conversations.status, ['queued', 'assigned'])));
  return {
    conversations: await toInboxRows(deps, db, page),
    nextCursor,
    counts: {
      mine: Number(counts?.mine ?? 0),
      queued: Number(counts?.queued ?? 0),
      open: Number(counts?.open ?? 0),
    },
  };
}

export interface OnlineAgent {
  id: string;
  name: string;
  skills: string[];
  capacity: number;
  load: number;
  lastAssignedAt: number | null;
}

/** Conversations each agent of the app owns right now (counted from the conversations themselves). */
export async function agentLoads(db: Db, appId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ agentId: conversations.assignedAgentId, load: sql<number>`count(*)` })
    .from(conversations)
    .where(and(eq(conversations.appId, appId), eq(conversations.status, 'assigned')))
    .groupBy(conversations.assignedAgentId);
  return new Map(rows.filter((r) => r.agentId).map((r) => [r.agentId!, Number(r.load)]));
}

/** One agent's load. */
export async function agentLoad(db: Db, agentId: string): Promise<number> {
  const [row] = await db
    .select({ load: sql<number>`count(*)` })
    .from(conversations)
    .where(and(eq(conversations.assignedAgentId, agentId), eq(conversations.status, 'assigned')));
  return Number(row?.load ?? 0);
}

/** The app's online, active agents with their current load: who routing may choose. */
export async function onlineAgents(db: Db, appId: string): Promise<OnlineAgent[]> {
  // Each agent's load from the (assigned_agent_id, status) index: a few entries per agent, however
  // many conversations the app has.
  const rows = await db
    .select({
      id: agents.id,
      name: agents.name,
      skills: agents.skills,
      capacity: agents.capacity,
      lastAssignedAt: agents.lastAssignedAt,
      // Spelled out: inside the subquery drizzle would leave a bare "id", which means conversations.id there.
      load: sql<number>`(select count(*) from "conversations" c where c."assigned_agent_id" = "agents"."id" and c."status" = 'assigned')`,
    })
    .from(agents)
    .where(and(eq(agents.appId, appId), eq(agents.active, true), eq(agents.presence, 'online')));
  return rows.map((row) => ({ ...row, load: Number(row.load) }));
}

/**
 * Queue figures per channel (the channel the customer spoke on last) and per skill: how many wait,
 * the longest wait, and the online agents who could take them with their free capacity.
 */
export async function queueFigures(db: Db, appId: string, now: number): Promise<QueueAnswer> {
  const [waiting, [assigned], online] = await Promise.all([
    db
      .select({
        channel: conversations.lastChannel,
        skill: conversations.skill,
        waiting: sql<number>`count(*)`,
        oldest: sql<number>`min(${conversations.waitingSince})`,
      })
      .from(conversations)
      .where(and(eq(conversations.appId, appId), eq(conversations.status, 'queued')))
      .groupBy(conversations.lastChannel, conversations.skill),
    db
      .select({ n: sql<number>`count(*)` })
      .from(conversations)
      .where(and(eq(conversations.appId, appId), eq(conversations.status, 'assigned'))),
    onlineAgents(db, appId),
  ]);
  const free = (a: OnlineAgent) => Math.max(0, a.capacity - a.load);
  const figures = (groups: typeof waiting, eligible: (a: OnlineAgent) => boolean): QueueFigures => {
    const oldest = Math.min(...groups.map((g) => Number(g.oldest ?? now)));
    const agentsFor = online.filter(eligible);
    return {
      waiting: groups.reduce((n, g) => n + Number(g.waiting), 0),
      longestWaitSec: groups.length ? Math.max(0, Math.floor((now - oldest) / 1000)) : 0,
      agentsOnline: agentsFor.length,
      freeCapacity: agentsFor.reduce((n, a) => n + free(a), 0),
    };
  };
  // An agent can help a channel's queue if it can take at least one of the skills waiting there.
  const canServe = (skills: (string | null)[]) => (a: OnlineAgent) =>
    skills.length === 0 || skills.some((s) => s === null || a.skills.includes(s));

  const channels = [...new Set(waiting.map((w) => w.channel))].map((channel) => {
    const groups = waiting.filter((w) => w.channel === channel);
    return { channel, ...figures(groups, canServe(groups.map((g) => g.skill))) };
  });
  const skillNames = [
    ...new Set([...waiting.flatMap((w) => (w.skill ? [w.skill] : [])), ...online.flatMap((a) => a.skills)]),
  ].sort();
  const skills = skillNames.map((skill) => ({
    skill,
    ...figures(
      waiting.filter((w) => w.skill === skill),
      (a) => a.skills.includes(skill),
    ),
  }));
  return {
    total: { ...figures(waiting, () => true), assigned: Number(assigned?.n ?? 0) },
    channels: channels.sort((a, b) => b.waiting - a.waiting || a.channel.localeCompare(b.channel)),
    skills,
    at: iso(now),
  };
}
