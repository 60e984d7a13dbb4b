import type {
  FollowUpRule,
  FollowUpRuleBody,
  FollowUpSettings,
  UpdateFollowUpRuleBody,
  UpdateFollowUpSettingsBody,
} from '@threadline/sdk-core/protocol';
import { and, count, desc, eq, inArray } from 'drizzle-orm';
import { type AppRow, assertKnownChannel, canonicalZone, getApp } from '../apps';
import { apps, followUpRules, followUps, kbArticles } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId } from '../platform/secrets';

/** A rule held back past its due time plus this is dropped (quiet hours, an agent helping). */
export const DEFAULT_EXPIRES_AFTER_SEC = 2 * 24 * 3600;
/** Rules per app: enough for every intent and channel pair a shop runs. */
export const MAX_RULES_PER_APP = 200;

export const DEFAULT_FOLLOW_UP_SETTINGS: FollowUpSettings = {
  timeZone: 'Asia/Shanghai',
  quietHours: { start: '21:00', end: '09:00' },
  weeklyCap: 2,
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

/** Channels and articles a rule names must exist in the app: a typo is refused, not silently idle. */
async function assertRuleFits(
  deps: Pick<ServiceDeps, 'database'>,
  app: AppRow,
  rule: Pick<FollowUpRuleBody, 'when' | 'send'>,
) {
  if (rule.when.channel) assertKnownChannel(app, rule.when.channel);
  assertKnownChannel(app, rule.send.channel);
  const content = rule.send.content;
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

/** POST /v1/follow-up-rules. */
export async function createFollowUpRule(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  appId: string,
  body: FollowUpRuleBody,
): Promise<{ rule: FollowUpRule }> {
  const app = await getApp(deps, appId);
  await assertRuleFits(deps, app, body);
  return deps.database.write(async (db) => {
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
    return { rule: toRule(row!) };
  });
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
  const next = {
    when: change.when ?? current.when,
    send: change.send ?? current.send,
  };
  await assertRuleFits(deps, await getApp(deps, appId), next);
  await deps.database.write(async (db) => {
    const [row] = await db
      .update(followUpRules)
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(change.when
          ? {
              whenChannel: change.when.channel ?? null,
              intent: change.when.intent,
              productId: change.when.productId ?? null,
            }
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
  return getFollowUpRule(deps, appId, id);
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
