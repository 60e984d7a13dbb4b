import type {
  FollowUpRule,
  FollowUpRuleBody,
  FollowUpSettings,
  UpdateFollowUpRuleBody,
  UpdateFollowUpSettingsBody,
} from '@threadline/sdk-core/protocol';
import { and, count, desc, eq, inArray } from 'drizzle-orm';
import { type AppRow, assertKnownChannel, canonicalZone, getApp } from '../apps';
import { apps, followUpRules, followUps, kbArticles, kbIntents, kbProducts, webhooks } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId } from '../platform/secrets';
import { assertCardHostsAllowed } from './card-hosts';

/** A rule held back past its due time plus this is dropped (quiet hours, an agent helping). */
export const DEFAULT_EXPIRES_AFTER_SEC = 2 * 24 * 3600;
/** Rules per app: enough for every intent and channel pair a shop runs. */
export const MAX_RULES_PER_APP = 200;

export const DEFAULT_FOLLOW_UP_SETTINGS: FollowUpSettings = {
  timeZone: 'Asia/Shanghai',
  quietHours: { start: '21:00', end: '09:00' },
  weeklyCap: 2,
  cardHosts: [],
  idleEndMinutes: 30,
};

/**
 * The app's follow-up settings with the defaults filled in. The time zone is the app's own
 * (`settings.timeZone`, the one insights count in) unless follow-ups set an override, so a
 * merchant who moves the shop to another zone moves quiet hours with it.
 */
export function followUpSettingsOf(app: Pick<AppRow, 'settings'>): FollowUpSettings {
  const own = app.settings.followUps ?? {};
  return {
    timeZone: own.timeZone ?? app.settings.timeZone ?? DEFAULT_FOLLOW_UP_SETTINGS.timeZone,
    quietHours: own.quietHours === undefined ? DEFAULT_FOLLOW_UP_SETTINGS.quietHours : own.quietHours,
    weeklyCap: own.weeklyCap ?? DEFAULT_FOLLOW_UP_SETTINGS.weeklyCap,
    cardHosts: own.cardHosts ?? [],
    idleEndMinutes: own.idleEndMinutes ?? DEFAULT_FOLLOW_UP_SETTINGS.idleEndMinutes,
  };
}

/** PATCH /v1/follow-up-settings: omitted fields stay; `quietHours: null` turns quiet hours off. */
export async function updateFollowUpSettings(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
  change: UpdateFollowUpSettingsBody,
): Promise<FollowUpSettings> {
  return deps.database.write(async (db) => {
    const [app] = await db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    if (!app) throw new ApiError('not_found', 'App not found.');
    const followUpsSettings = { ...app.settings.followUps };
    if (change.timeZone === null)
      delete followUpsSettings.timeZone; // follow the app's zone again
    else if (change.timeZone !== undefined) followUpsSettings.timeZone = canonicalZone(change.timeZone);
    if (change.quietHours !== undefined) followUpsSettings.quietHours = change.quietHours;
    if (change.weeklyCap !== undefined) followUpsSettings.weeklyCap = change.weeklyCap;
    if (change.cardHosts !== undefined) followUpsSettings.cardHosts = [...new Set(change.cardHosts)];
    if (change.idleEndMinutes !== undefined) followUpsSettings.idleEndMinutes = change.idleEndMinutes;
    const settings = { ...app.settings, followUps: followUpsSettings };
    await db.update(apps).set({ settings }).where(eq(apps.id, appId));
    return followUpSettingsOf({ settings });
  });
}

type RuleRow = typeof followUpRules.$inferSelect;

async function countsOf(deps: Pick<ServiceDeps, 'database'>, ruleIds: string[]) {
  const counts = new Map<string, FollowUpRule['counts']>();
  if (ruleIds.length === 0) return counts;
  const rows = await deps.database.db
    .select({ ruleId: followUps.ruleId, state: followUps.state, n: count() })
    .from(followUps)
    .where(inArray(followUps.ruleId, ruleIds))
    .groupBy(followUps.ruleId, followUps.state);
  for (const row of rows) {
    if (!row.ruleId) continue;
    const entry = counts.get(row.ruleId) ?? { scheduled: 0, sent: 0, skipped: 0, cancelled: 0 };
    entry[row.state] = row.n;
    counts.set(row.ruleId, entry);
  }
  return counts;
}

function toRule(row: RuleRow, counts?: FollowUpRule['counts']): FollowUpRule {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    when: {
      ...(row.whenChannel ? { channel: row.whenChannel } : {}),
      intent: row.intent,
      ...(row.productId ? { productId: row.productId } : {}),
    },
    delaySeconds: row.delaySec,
    expiresAfterSeconds: row.expiresAfterSec,
    send: { channel: row.sendChannel, content: row.content },
    counts: counts ?? { scheduled: 0, sent: 0, skipped: 0, cancelled: 0 },
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * Channels, intents, products and articles a rule names must exist in the app: a typo (or another
 * app's product id) is refused, not silently idle. Intents and products are checked once the app
 * has any (a rule may be written before the knowledge is imported).
 * A card's links must stay on the app's card hosts (400 card_host_not_allowed).
 */
async function assertRuleFits(
  deps: Pick<ServiceDeps, 'database'>,
  app: AppRow,
  rule: Pick<FollowUpRuleBody, 'when' | 'send'>,
) {
  if (rule.when.channel) assertKnownChannel(app, rule.when.channel);
  assertKnownChannel(app, rule.send.channel);
  const db = deps.database.db;
  const known = async (table: typeof kbIntents | typeof kbProducts, id: string) => {
    const [hit] = await db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.appId, app.id), eq(table.id, id)))
      .limit(1);
    if (hit) return true;
    const [any] = await db.select({ id: table.id }).from(table).where(eq(table.appId, app.id)).limit(1);
    return !any;
  };
  if (!(await known(kbIntents, rule.when.intent)))
    throw new ApiError('validation_failed', `No intent "${rule.when.intent}" in this app's knowledge.`, [
      { path: ['when', 'intent'], message: 'No such intent.' },
    ]);
  if (rule.when.productId && !(await known(kbProducts, rule.when.productId)))
    throw new ApiError('validation_failed', `No product "${rule.when.productId}" in this app's catalog.`, [
      { path: ['when', 'productId'], message: 'No such product.' },
    ]);
  const content = rule.send.content;
  if (content.kind === 'card') assertCardHostsAllowed(app, content.card, ['send', 'content', 'card']);
  if (content.kind === 'article') {
    const [article] = await deps.database.db
      .select({ id: kbArticles.id })
      .from(kbArticles)
      .where(and(eq(kbArticles.appId, app.id), eq(kbArticles.id, content.articleId)))
      .limit(1);
    if (!article)
      throw new ApiError('validation_failed', `No knowledge article "${content.articleId}" in this app.`, [
        { path: ['send', 'content', 'articleId'], message: 'No such article.' },
      ]);
  }
}

/** Channels with a Threadline client (the rest are delivered by the merchant's webhook). */
const CLIENT_CHANNELS: ReadonlySet<string> = new Set(['web', 'app', 'miniprogram']);

/** What will keep a saved rule from delivering (see `followUpRuleAnswer.warnings`). */
async function ruleWarnings(deps: Pick<ServiceDeps, 'database'>, appId: string, sendChannel: string) {
  if (CLIENT_CHANNELS.has(sendChannel)) return [];
  const hooks = await deps.database.db
    .select({ events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.appId, appId), eq(webhooks.enabled, true)));
  if (hooks.some((h) => h.events.includes('*') || h.events.includes('follow_up.sent'))) return [];
  return [
    {
      code: 'no_webhook_for_channel' as const,
      message: `No enabled webhook subscribes to follow_up.sent: "${sendChannel}" follow-ups would be skipped no_webhook until one does (POST /v1/webhooks).`,
    },
  ];
}

/** POST /v1/follow-up-rules. */
export async function createFollowUpRule(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  appId: string,
  body: FollowUpRuleBody,
): Promise<{ rule: FollowUpRule; warnings: Awaited<ReturnType<typeof ruleWarnings>> }> {
  const app = await getApp(deps, appId);
  await assertRuleFits(deps, app, body);
  return deps.database
    .write(async (db) => {
      const [{ n } = { n: 0 }] = await db
        .select({ n: count() })
        .from(followUpRules)
        .where(eq(followUpRules.appId, appId));
      if (n >= MAX_RULES_PER_APP)
        throw new ApiError('conflict', `An app holds at most ${MAX_RULES_PER_APP} follow-up rules.`);
      const now = deps.clock.now();
      const [row] = await db
        .insert(followUpRules)
        .values({
          id: createSortableId('fur', now),
          appId,
          name: body.name,
          enabled: body.enabled ?? true,
          whenChannel: body.when.channel ?? null,
          intent: body.when.intent,
          productId: body.when.productId ?? null,
          delaySec: body.delaySeconds,
          expiresAfterSec: body.expiresAfterSeconds ?? DEFAULT_EXPIRES_AFTER_SEC,
          sendChannel: body.send.channel,
          content: body.send.content,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return row!;
    })
    .then(async (row) => ({
      rule: toRule(row),
      warnings: await ruleWarnings(deps, appId, row.sendChannel),
    }));
}

async function ruleRow(deps: Pick<ServiceDeps, 'database'>, appId: string, id: string): Promise<RuleRow> {
  const [row] = await deps.database.db
    .select()
    .from(followUpRules)
    .where(and(eq(followUpRules.appId, appId), eq(followUpRules.id, id)))
    .limit(1);
  if (!row) throw new ApiError('not_found', 'Follow-up rule not found.');
  return row;
}

/** GET /v1/follow-up-rules: newest first, with each rule's follow-ups counted by state. */
export async function listFollowUpRules(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
): Promise<{ rules: FollowUpRule[] }> {
  const rows = await deps.database.db
    .select()
    .from(followUpRules)
    .where(eq(followUpRules.appId, appId))
    .orderBy(desc(followUpRules.createdAt))
    .limit(MAX_RULES_PER_APP);
  const counts = await countsOf(
    deps,
    rows.map((r) => r.id),
  );
  return { rules: rows.map((row) => toRule(row, counts.get(row.id))) };
}

/** GET /v1/follow-up-rules/:id. */
export async function getFollowUpRule(deps: Pick<ServiceDeps, 'database'>, appId: string, id: string) {
  const row = await ruleRow(deps, appId, id);
  return { rule: toRule(row, (await countsOf(deps, [id])).get(id)) };
}

/**
 * PATCH /v1/follow-up-rules/:id: omitted fields stay. Follow-ups already scheduled follow the rule
 * as it is at send time: `enabled:false` cancels them (`rule_disabled`) when they fall due, a new
 * `send.channel` cancels them (`rule_changed`), new content is what they send.
 */
export async function updateFollowUpRule(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  appId: string,
  id: string,
  change: UpdateFollowUpRuleBody,
) {
  const current = toRule(await ruleRow(deps, appId, id));
  // A partial `when` changes only what it names ({intent} keeps the channel and product).
  const merged = change.when ? { ...current.when, ...change.when } : undefined;
  const when = merged && {
    intent: merged.intent,
    ...(merged.channel ? { channel: merged.channel } : {}),
    ...(merged.productId ? { productId: merged.productId } : {}),
  };
  const next = { when: when ?? current.when, send: change.send ?? current.send };
  await assertRuleFits(deps, await getApp(deps, appId), next);
  await deps.database.write(async (db) => {
    const [row] = await db
      .update(followUpRules)
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(when
          ? { whenChannel: when.channel ?? null, intent: when.intent, productId: when.productId ?? null }
          : {}),
        ...(change.delaySeconds !== undefined ? { delaySec: change.delaySeconds } : {}),
        ...(change.expiresAfterSeconds !== undefined ? { expiresAfterSec: change.expiresAfterSeconds } : {}),
        ...(change.send ? { sendChannel: change.send.channel, content: change.send.content } : {}),
        updatedAt: deps.clock.now(),
      })
      .where(and(eq(followUpRules.appId, appId), eq(followUpRules.id, id)))
      .returning({ id: followUpRules.id });
    if (!row) throw new ApiError('not_found', 'Follow-up rule not found.');
  });
  const answer = await getFollowUpRule(deps, appId, id);
  return { ...answer, warnings: await ruleWarnings(deps, appId, answer.rule.send.channel) };
}

/** DELETE /v1/follow-up-rules/:id: the rule goes; its scheduled follow-ups are cancelled (sent ones stay counted). */
export async function deleteFollowUpRule(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  appId: string,
  id: string,
): Promise<{ deleted: true }> {
  await deps.database.write(async (db) => {
    const [row] = await db
      .delete(followUpRules)
      .where(and(eq(followUpRules.appId, appId), eq(followUpRules.id, id)))
      .returning({ id: followUpRules.id });
    if (!row) throw new ApiError('not_found', 'Follow-up rule not found.');
    await db
      .update(followUps)
      .set({ state: 'cancelled', reason: 'rule_deleted', updatedAt: deps.clock.now() })
      .where(and(eq(followUps.ruleId, id), eq(followUps.state, 'scheduled')));
  });
  return { deleted: true };
}
