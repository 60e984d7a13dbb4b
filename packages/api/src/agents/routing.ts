import type { InboxRow, InboxUpdate, ProfileBrief } from '@threadline/sdk-core/protocol';
import { and, asc, desc, eq, inArray, isNull, ne, notInArray, or, sql } from 'drizzle-orm';
import type { ConversationRouting, ConversationRow } from '../conversations';
import type { Db } from '../db/database';
import { agents, assignments, conversations, customers, kbProducts, routingSettings } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { createId } from '../platform/secrets';
import { buildProfileBrief, buildProfileBriefs, isVipCustomer } from '../profile';
import { appendEvent, appendEvents, appTopic } from '../realtime';
import { agentLoad, type OnlineAgent, onlineAgents, queueFigures, toInboxRows } from './inbox';

type OnCommit = (callback: () => void) => void;
type AgentRow = typeof agents.$inferSelect;
/** Who made a change, as inbox events report it. */
export type ChangeBy = InboxUpdate['by'];
export const BY_ROUTING: ChangeBy = { type: 'system', id: null };

/** Appends an event only the app's agents receive (never a customer session). */
export async function appendStaffEvent(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  event: { appId: string; customerId: string | null; type: string; data: unknown },
) {
  return appendEvent(deps, db, onCommit, {
    appId: event.appId,
    customerId: event.customerId ?? appTopic(event.appId),
    type: event.type,
    data: event.data,
    audience: 'staff',
  });
}

/** `inbox.updated` for one conversation: the fresh row, and the profile when one is given. Returns the row. */
export async function announceInbox(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  conversation: ConversationRow,
  change: InboxUpdate['change'],
  by: ChangeBy,
  profile?: ProfileBrief,
  /** The row already built in this transaction (the same conversation a moment ago), patched. */
  ready?: InboxRow,
): Promise<InboxRow> {
  const row = ready ?? (await toInboxRows(deps, db, [conversation]))[0];
  const data: InboxUpdate = { change, conversation: row!, by, ...(profile ? { profile } : {}) };
  await appendStaffEvent(deps, db, onCommit, {
    appId: conversation.appId,
    customerId: conversation.customerId,
    type: 'inbox.updated',
    data,
  });
  return row!;
}

/**
 * Queue figures read every waiting conversation of the app, so under a burst they are announced at
 * most once a second per app: a change inside the second schedules one trailing announcement, and
 * the last state always goes out.
 */
const QUEUE_FIGURES_EVERY_MS = 1000;
const queueAnnouncements = new WeakMap<
  ServiceDeps['database'],
  Map<string, { lastAt: number; trailing: ReturnType<typeof setTimeout> | null }>
>();

/** `queue.updated`: the queue figures after a change, so consoles need not poll them. */
export async function announceQueue(deps: ServiceDeps, db: Db, onCommit: OnCommit, appId: string) {
  let apps = queueAnnouncements.get(deps.database);
  if (!apps) {
    apps = new Map();
    queueAnnouncements.set(deps.database, apps);
  }
  const state = apps.get(appId) ?? { lastAt: Number.NEGATIVE_INFINITY, trailing: null };
  apps.set(appId, state);
  const now = Date.now();
  if (now - state.lastAt >= QUEUE_FIGURES_EVERY_MS) {
    state.lastAt = now;
    await appendStaffEvent(deps, db, onCommit, {
      appId,
      customerId: null,
      type: 'queue.updated',
      data: await queueFigures(db, appId, deps.clock.now()),
    });
    return;
  }
  if (state.trailing) return;
  state.trailing = setTimeout(
    () => {
      state.trailing = null;
      state.lastAt = Date.now();
      deps.database
        .write(async (tx, commit) => {
          await appendStaffEvent(deps, tx, commit, {
            appId,
            customerId: null,
            type: 'queue.updated',
            data: await queueFigures(tx, appId, deps.clock.now()),
          });
        })
        .catch((error) => deps.logger.warn('queue figures not announced', { appId, error: String(error) }));
    },
    state.lastAt + QUEUE_FIGURES_EVERY_MS - now,
  );
  state.trailing.unref?.();
}

/** `agent.updated`: presence, skills or capacity of an agent changed. */
export async function announceAgent(deps: ServiceDeps, db: Db, onCommit: OnCommit, agent: AgentRow) {
  await appendStaffEvent(deps, db, onCommit, {
    appId: agent.appId,
    customerId: null,
    type: 'agent.updated',
    data: {
      id: agent.id,
      name: agent.name,
      presence: agent.presence,
      active: agent.active,
      skills: agent.skills,
      capacity: agent.capacity,
      role: agent.role,
    },
  });
}

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * The skill a queued conversation needs, from the app's routing rules, first matching rule wins:
 * a rule matches the conversation's intents (the latest first), the channel the customer spoke on
 * last, or the catalog category of the product talked about last. No rule: any agent.
 */
export async function neededSkill(
  db: Db,
  conversation: ConversationRow,
  /** The app's rules read already (`routingRulesOf`), for many conversations of one app. */
  given?: RoutingRule[],
): Promise<string | null> {
  const rules = given ?? (await routingRulesOf(db, conversation.appId));
  if (rules.length === 0) return null;
  const context = conversation.context;
  const intents = [...new Set([...stringsOf([context.lastIntent]), ...stringsOf(context.intents).reverse()])];
  let category: string | null | undefined;
  const categoryOf = async () => {
    if (category !== undefined) return category;
    const productId = typeof context.lastProductId === 'string' ? context.lastProductId : null;
    const [product] = productId
      ? await db
          .select({ category: kbProducts.category })
          .from(kbProducts)
          .where(and(eq(kbProducts.appId, conversation.appId), eq(kbProducts.id, productId)))
          .limit(1)
      : [];
    category = product?.category ?? null;
    return category;
  };
  for (const intent of intents) {
    const rule = rules.find((r) => r.intents?.includes(intent));
    if (rule) return rule.skill;
  }
  for (const rule of rules) {
    if (rule.channels?.includes(conversation.lastChannel)) return rule.skill;
    if (rule.productCategories?.length) {
      const found = await categoryOf();
      if (found && rule.productCategories.includes(found)) return rule.skill;
    }
  }
  return null;
}

type RoutingRule = NonNullable<(typeof routingSettings.$inferSelect)['settings']['rules']>[number];

/** The app's routing rules (none stored: none). */
async function routingRulesOf(db: Db, appId: string): Promise<RoutingRule[]> {
  const [stored] = await db
    .select({ settings: routingSettings.settings })
    .from(routingSettings)
    .where(eq(routingSettings.appId, appId))
    .limit(1);
  return stored?.settings.rules ?? [];
}

/** VIP customers go first. */
async function priorityOf(db: Db, customerId: string): Promise<number> {
  const [row] = await db
    .select({ attributes: customers.attributes })
    .from(customers)
    .where(eq(customers.id, customerId))
    .limit(1);
  return isVipCustomer(row?.attributes) ? 1 : 0;
}

/**
 * The least-loaded online agent who has the skill and a free slot: lowest load relative to
 * capacity, then the most free slots, then the one who waited longest since their last
 * assignment. Null when nobody qualifies.
 */
export function chooseAgent(
  candidates: OnlineAgent[],
  skill: string | null,
  exclude: ReadonlySet<string> = new Set(),
): OnlineAgent | null {
  let best: OnlineAgent | null = null;
  for (const agent of candidates) {
    if (exclude.has(agent.id) || agent.load >= agent.capacity) continue;
    if (skill !== null && !agent.skills.includes(skill)) continue;
    if (!best || isLessLoaded(agent, best)) best = agent;
  }
  return best;
}

/** `a` before `b`: lower load relative to capacity (compared exactly), more free slots, longer idle. */
function isLessLoaded(a: OnlineAgent, b: OnlineAgent): boolean {
  const ratio = a.load * b.capacity - b.load * a.capacity;
  if (ratio !== 0) return ratio < 0;
  const free = a.capacity - a.load - (b.capacity - b.load);
  if (free !== 0) return free > 0;
  const idle = (a.lastAssignedAt ?? 0) - (b.lastAssignedAt ?? 0);
  if (idle !== 0) return idle < 0;
  return a.id < b.id;
}

/** Closes the conversation's open stretch of ownership, if any; returns it. */
export async function endAssignment(db: Db, conversationId: string, now: number, reason: string) {
  const [ended] = await db
    .update(assignments)
    .set({ endedAt: now, endReason: reason })
    .where(and(eq(assignments.conversationId, conversationId), isNull(assignments.endedAt)))
    .returning();
  return ended ?? null;
}

/**
 * Hands a conversation to an agent: status `assigned`, a new stretch in the assignment history,
 * the inbox event (with the profile), and — unless the caller tells the customer itself — a
 * `conversation.updated` to every session of the customer.
 */
export async function assignTo(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  conversation: ConversationRow,
  agent: { id: string; name: string },
  options: {
    how: 'routed' | 'claimed' | 'transferred';
    by: ChangeBy;
    tellCustomer: boolean;
    queuedAt?: number | null;
    profile?: ProfileBrief;
    /** The conversation's inbox row as just announced in this transaction: patched, not re-read. */
    row?: InboxRow;
  },
): Promise<ConversationRow> {
  const now = deps.clock.now();
  const [updated] = await db
    .update(conversations)
    .set({
      status: 'assigned',
      assignedAgentId: agent.id,
      assignedAt: now,
      waitingSince: null,
      updatedAt: now,
    })
    .where(eq(conversations.id, conversation.id))
    .returning();
  await db.insert(assignments).values({
    id: createId('asg'),
    appId: conversation.appId,
    conversationId: conversation.id,
    customerId: conversation.customerId,
    agentId: agent.id,
    how: options.how,
    byAgentId: options.by.type === 'agent' ? options.by.id : null,
    skill: conversation.skill,
    queuedAt: options.queuedAt !== undefined ? options.queuedAt : conversation.waitingSince,
    assignedAt: now,
  });
  await db.update(agents).set({ lastAssignedAt: now }).where(eq(agents.id, agent.id));
  if (options.tellCustomer) {
    await appendEvent(deps, db, onCommit, {
      appId: conversation.appId,
      customerId: conversation.customerId,
      type: 'conversation.updated',
      data: {
        id: updated!.id,
        status: updated!.status,
        channel: updated!.lastChannel,
        assignedAgent: { id: agent.id, name: agent.name },
      },
    });
  }
  const profile =
    options.profile ?? (await buildProfileBrief(deps, db, conversation.appId, conversation.customerId));
  const row = options.row && {
    ...options.row,
    status: updated!.status,
    waitingSince: null,
    assignedAgent: { id: agent.id, name: agent.name },
    assignedAt: iso(now),
    updatedAt: iso(now),
  };
  await announceInbox(
    deps,
    db,
    onCommit,
    updated!,
    options.how === 'transferred' ? 'transferred' : 'assigned',
    options.by,
    profile,
    row,
  );
  return updated!;
}

/** Tells the customer's sessions the conversation's status changed (and who owns it now). */
export async function tellCustomer(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  conversation: ConversationRow,
  assignedAgent: { id: string; name: string } | null = null,
) {
  await appendEvent(deps, db, onCommit, {
    appId: conversation.appId,
    customerId: conversation.customerId,
    type: 'conversation.updated',
    data: {
      id: conversation.id,
      status: conversation.status,
      channel: conversation.lastChannel,
      assignedAgent,
    },
  });
}

/** Routes one waiting conversation to the best agent, if any is free; otherwise it keeps waiting. */
export async function routeWaiting(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  conversation: ConversationRow,
  options: {
    by: ChangeBy;
    exclude?: ReadonlySet<string>;
    tellCustomer: boolean;
    profile?: ProfileBrief;
    row?: InboxRow;
  },
): Promise<{ conversation: ConversationRow; assignedAgent: { id: string; name: string } | null }> {
  const agent = chooseAgent(await onlineAgents(db, conversation.appId), conversation.skill, options.exclude);
  if (!agent) return { conversation, assignedAgent: null };
  const assigned = await assignTo(deps, db, onCommit, conversation, agent, {
    how: 'routed',
    by: options.by,
    tellCustomer: options.tellCustomer,
    profile: options.profile,
    row: options.row,
  });
  return { conversation: assigned, assignedAgent: { id: agent.id, name: agent.name } };
}

/**
 * Gives an online agent with free slots the next waiting conversations they can take: VIP first,
 * then the longest wait, whatever the channel, only skills they have (or conversations needing
 * none). Returns how many were assigned; the caller announces the queue (`announceQueue`).
 */
export async function fillAgent(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  agentId: string | AgentRow,
  by: ChangeBy,
  /** Conversations this agent must not get back (the one they just transferred away). */
  skip: ReadonlySet<string> = new Set(),
): Promise<number> {
  const agent =
    typeof agentId === 'string'
      ? (await db.select().from(agents).where(eq(agents.id, agentId)).limit(1))[0]
      : agentId;
  if (!agent?.active || agent.presence !== 'online') return 0;
  const free = agent.capacity - (await agentLoad(db, agent.id));
  if (free <= 0) return 0;
  const next = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.appId, agent.appId),
        eq(conversations.status, 'queued'),
        agent.skills.length
          ? or(isNull(conversations.skill), inArray(conversations.skill, agent.skills))
          : isNull(conversations.skill),
        skip.size ? notInArray(conversations.id, [...skip]) : undefined,
      ),
    )
    // Exactly the queue index's order, so SQLite walks it and stops after `free` matches.
    .orderBy(desc(conversations.priority), asc(conversations.waitingSince))
    .limit(free);
  for (const conversation of next) {
    await assignTo(deps, db, onCommit, conversation, agent, { how: 'routed', by, tellCustomer: true });
  }
  // The caller announces the queue once for its whole change.
  return next.length;
}

/**
 * An agent went offline or was deactivated: every conversation they owned goes back to the queue,
 * keeping its place (the wait that first brought it to an agent), and is routed to someone else
 * who is free; what nobody can take waits for the next free slot.
 */
export async function returnToQueue(
  deps: ServiceDeps,
  db: Db,
  onCommit: OnCommit,
  agent: AgentRow,
  reason: 'agent_offline' | 'agent_deactivated',
  by: ChangeBy,
): Promise<number> {
  const owned = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.assignedAgentId, agent.id), eq(conversations.status, 'assigned')))
    .orderBy(desc(conversations.priority), asc(conversations.assignedAt));
  if (owned.length === 0) return 0;
  const now = deps.clock.now();
  const requeued: ConversationRow[] = [];
  for (const conversation of owned) {
    const ended = await endAssignment(db, conversation.id, now, reason);
    const [row] = await db
      .update(conversations)
      .set({
        status: 'queued',
        assignedAgentId: null,
        assignedAt: null,
        waitingSince: ended?.queuedAt ?? ended?.assignedAt ?? now,
        updatedAt: now,
      })
      .where(eq(conversations.id, conversation.id))
      .returning();
    requeued.push(row!);
    await announceInbox(deps, db, onCommit, row!, 'requeued', by);
  }
  const exclude = new Set([agent.id]);
  requeued.sort((a, b) => b.priority - a.priority || (a.waitingSince ?? 0) - (b.waitingSince ?? 0));
  for (const conversation of requeued) {
    const routed = await routeWaiting(deps, db, onCommit, conversation, { by, exclude, tellCustomer: false });
    await tellCustomer(deps, db, onCommit, routed.conversation, routed.assignedAgent);
  }
  await announceQueue(deps, db, onCommit, agent.appId);
  return requeued.length;
}

/** The agents domain's side of the conversation flow: see `ConversationRouting`. */
export function createConversationRouting(deps: ServiceDeps): ConversationRouting {
  return {
    async queued(db, onCommit, conversation) {
      const [skill, priority] = await Promise.all([
        neededSkill(db, conversation),
        priorityOf(db, conversation.customerId),
      ]);
      const [ranked] = await db
        .update(conversations)
        .set({ skill, priority })
        .where(eq(conversations.id, conversation.id))
        .returning();
      // Every agent sees the new arrival with what they need to greet the shopper by context.
      const profile = await buildProfileBrief(deps, db, conversation.appId, conversation.customerId);
      const row = await announceInbox(deps, db, onCommit, ranked!, 'queued', BY_ROUTING, profile);
      const routed = await routeWaiting(deps, db, onCommit, ranked!, {
        by: BY_ROUTING,
        tellCustomer: false,
        profile,
        row,
      });
      await announceQueue(deps, db, onCommit, conversation.appId);
      return routed;
    },

    /**
     * `queued` for many conversations: the same ranking, profile, inbox event and routing for
     * each, with the reads and writes that do not depend on one another made once — the rules once
     * per app, the priorities in one query, the ranks in one statement, the inbox rows together,
     * their events in one append. Routing stays one conversation after another (each assignment
     * changes the agents' load), and is skipped when no online agent could take any of them.
     */
    async queuedMany(db, onCommit, list) {
      if (list.length === 0) return [];
      const rules = new Map<string, RoutingRule[]>();
      for (const { conversation } of list)
        if (!rules.has(conversation.appId))
          rules.set(conversation.appId, await routingRulesOf(db, conversation.appId));
      const skills: (string | null)[] = [];
      for (const { conversation } of list)
        skills.push(await neededSkill(db, conversation, rules.get(conversation.appId)));
      const vip = await db
        .select({ id: customers.id, attributes: customers.attributes })
        .from(customers)
        .where(
          inArray(
            customers.id,
            list.map((l) => l.conversation.customerId),
          ),
        );
      const priorities = new Map(vip.map((c) => [c.id, isVipCustomer(c.attributes) ? 1 : 0]));
      const id = sql.identifier(conversations.id.name);
      const updated = await db
        .update(conversations)
        .set({
          skill: sql`case ${id} ${sql.join(
            list.map((l, i) => sql`when ${l.conversation.id} then ${skills[i]}`),
            sql` `,
          )} end`,
          priority: sql`case ${id} ${sql.join(
            list.map(
              (l) => sql`when ${l.conversation.id} then ${priorities.get(l.conversation.customerId) ?? 0}`,
            ),
            sql` `,
          )} end`,
        })
        .where(
          inArray(
            conversations.id,
            list.map((l) => l.conversation.id),
          ),
        )
        .returning();
      const byId = new Map(updated.map((row) => [row.id, row]));
      const ranked = list.map((l) => byId.get(l.conversation.id)!);
      // Every agent sees each new arrival with what they need to greet the shopper by context.
      const profiles: ProfileBrief[] = [];
      for (const appId of new Set(ranked.map((c) => c.appId))) {
        const ofApp = ranked.filter((c) => c.appId === appId);
        const briefs = await buildProfileBriefs(
          deps,
          db,
          appId,
          ofApp.map((c) => c.customerId),
        );
        ofApp.forEach((c, i) => {
          profiles[ranked.indexOf(c)] = briefs[i]!;
        });
      }
      const rows = await toInboxRows(deps, db, ranked);
      await appendEvents(
        deps,
        db,
        onCommit,
        ranked.map((conversation, i) => ({
          appId: conversation.appId,
          customerId: conversation.customerId,
          type: 'inbox.updated',
          data: {
            change: 'queued',
            conversation: rows[i]!,
            by: BY_ROUTING,
            profile: profiles[i]!,
          } satisfies InboxUpdate,
          audience: 'staff' as const,
        })),
      );
      const routed: { conversation: ConversationRow; assignedAgent: { id: string; name: string } | null }[] =
        [];
      const apps = [...new Set(ranked.map((c) => c.appId))];
      const anyFree = new Map<string, OnlineAgent[]>();
      for (const appId of apps) anyFree.set(appId, await onlineAgents(db, appId));
      for (const [i, conversation] of ranked.entries()) {
        routed.push(
          chooseAgent(anyFree.get(conversation.appId)!, conversation.skill)
            ? await routeWaiting(deps, db, onCommit, conversation, {
                by: BY_ROUTING,
                tellCustomer: false,
                profile: profiles[i],
                row: rows[i],
              })
            : { conversation, assignedAgent: null },
        );
      }
      for (const appId of apps) await announceQueue(deps, db, onCommit, appId);
      return routed;
    },

    async customerChanged(db, onCommit, appId, customerId) {
      const priority = await priorityOf(db, customerId);
      const changed = await db
        .update(conversations)
        .set({ priority })
        .where(
          and(
            eq(conversations.customerId, customerId),
            inArray(conversations.status, ['queued', 'assigned']),
            ne(conversations.priority, priority),
          ),
        )
        .returning();
      for (const row of changed) await announceInbox(deps, db, onCommit, row, 'priority', BY_ROUTING);
      if (changed.some((row) => row.status === 'queued')) await announceQueue(deps, db, onCommit, appId);
    },
  };
}
