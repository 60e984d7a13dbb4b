import { type FollowUpContent, followUpContent, type Message } from '@threadline/sdk-core/protocol';
import { and, count, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm';
import { insertMessages, toWireMessage } from '../conversations';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import {
  apps,
  conversations,
  customers,
  followUpRules,
  followUps,
  identities,
  kbArticles,
  sessions,
  webhooks,
} from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { appendEvents } from '../realtime';
import { emitWebhookEvents } from '../webhooks';
import { hasOptedOut } from './consent';
import { followUpSettingsOf } from './rules';

/** Channels with a Threadline client: a follow-up there is a message in the shopper's timeline. */
export const SDK_CHANNELS: ReadonlySet<string> = new Set(['web', 'app', 'miniprogram']);

/** How long a follow-up waits while an agent is helping the shopper before it is looked at again. */
export const HUMAN_CONVERSATION_DEFER_MS = 15 * 60_000;
const WEEK_MS = 7 * 24 * 3600_000;

/**
 * The address a server channel needs to reach a person (an identity kind); a server channel not
 * listed needs none beyond the merchant's webhook. The merchant's backend does the sending, but it
 * cannot text a customer whose phone nobody has, so such a follow-up is not "sent".
 */
export const SERVER_CHANNEL_ADDRESS: Readonly<Record<string, string>> = {
  sms: 'phone',
  phone: 'phone',
  whatsapp: 'phone',
  wechat_oa: 'wechat_openid',
  email: 'email',
};

/**
 * Whether anything can deliver a follow-up on `channel` to the person (`ids`: the person and every
 * customer merged into them), as a skip reason or null. "Sent" means handed to a transport that can
 * reach the person, so:
 * - an SDK channel needs a session of the person on that channel (else `not_on_channel`: no client
 *   would ever show it);
 * - a server channel needs an enabled webhook of the app subscribed to `follow_up.sent` (or `*`)
 *   (else `no_webhook`: the event would be dropped) and the address the channel needs
 *   (else `not_reachable`).
 */
async function undeliverableReason(
  db: Db,
  appId: string,
  channel: string,
  ids: string[],
): Promise<'not_on_channel' | 'no_webhook' | 'not_reachable' | null> {
  if (SDK_CHANNELS.has(channel)) {
    const [seen] = await hot(db).sessionOnChannel.all({ ids: JSON.stringify(ids), channel });
    return seen ? null : 'not_on_channel';
  }
  const hooks = await hot(db).webhooks.all({ appId });
  if (!hooks.some((h) => h.events.includes('*') || h.events.includes('follow_up.sent'))) return 'no_webhook';
  const kind = SERVER_CHANNEL_ADDRESS[channel];
  if (!kind) return null;
  const [address] = await db
    .select({ id: identities.id })
    .from(identities)
    .where(and(inArray(identities.customerId, ids), eq(identities.kind, kind)))
    .limit(1);
  return address ? null : 'not_reachable';
}

/**
 * The send path's statements, prepared once per database handle (`hotQuery`). Lists of customer
 * ids go in as one JSON array (`json_each`), so a statement serves any number of merged ids.
 */
const hot = (db: Db) =>
  hotQuery(db, 'followUps.send', (d) => ({
    claim: d
      .update(followUps)
      .set({ state: 'sent', sentAt: slot('now'), updatedAt: slot('now') } as never)
      .where(
        and(
          eq(followUps.id, slot('id')),
          eq(followUps.state, 'scheduled'),
          lte(followUps.dueAt, slot('now')),
        ),
      )
      .returning()
      .prepare(),
    rule: d
      .select({
        enabled: followUpRules.enabled,
        channel: followUpRules.sendChannel,
        content: followUpRules.content,
      })
      .from(followUpRules)
      .where(and(eq(followUpRules.id, slot('id')), eq(followUpRules.appId, slot('appId'))))
      .limit(1)
      .prepare(),
    customer: d
      .select({ id: customers.id, attributes: customers.attributes, mergedInto: customers.mergedInto })
      .from(customers)
      .where(and(eq(customers.id, slot('id')), eq(customers.appId, slot('appId'))))
      .limit(1)
      .prepare(),
    app: d
      .select()
      .from(apps)
      .where(eq(apps.id, slot('id')))
      .limit(1)
      .prepare(),
    mergedIds: d
      .select({ id: customers.id })
      .from(customers)
      .where(or(eq(customers.mergedInto, slot('person')), eq(customers.id, slot('stored'))))
      .limit(64)
      .prepare(),
    sessionOnChannel: d
      .select({ id: sessions.id })
      .from(sessions)
      .where(
        and(
          sql`${sessions.customerId} IN (SELECT value FROM json_each(${slot('ids')}))`,
          eq(sessions.channel, slot('channel')),
        ),
      )
      .limit(1)
      .prepare(),
    webhooks: d
      .select({ events: webhooks.events })
      .from(webhooks)
      .where(and(eq(webhooks.appId, slot('appId')), eq(webhooks.enabled, true)))
      .prepare(),
    openConversation: d
      .select({ id: conversations.id, status: conversations.status })
      .from(conversations)
      .where(and(eq(conversations.customerId, slot('customerId')), ne(conversations.status, 'resolved')))
      .limit(1)
      .prepare(),
    sentThisWeek: d
      .select({ n: count() })
      .from(followUps)
      .where(
        and(
          eq(followUps.customerId, slot('customerId')),
          eq(followUps.state, 'sent'),
          gt(followUps.sentAt, slot('since')),
          ne(followUps.id, slot('id')),
        ),
      )
      .prepare(),
    recordSent: d
      .update(followUps)
      .set({ messageId: slot('messageId'), content: slot('content') } as never)
      .where(eq(followUps.id, slot('id')))
      .prepare(),
  }));

export type SendOutcome =
  | { outcome: 'sent'; messageId: string }
  | { outcome: 'deferred'; until: number; why: 'quiet_hours' | 'agent_helping' }
  | { outcome: 'skipped' | 'cancelled'; reason: string }
  /** Not due, or another worker (process) took it first. */
  | { outcome: 'taken' };

type Deps = ServiceDeps;

/** Minutes past local midnight in `timeZone` at `at` (epoch ms). */
export function localMinutes(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

const toMinutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * When quiet hours (local time, possibly across midnight) end, if `at` falls inside them; else
 * null. The end is worked out in minutes from `at`, so it holds across DST changes to the minute.
 */
export function quietHoursEnd(
  at: number,
  timeZone: string,
  quiet: { start: string; end: string } | null,
): number | null {
  if (!quiet) return null;
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  if (start === end) return null;
  const now = localMinutes(at, timeZone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + 1440) % 1440;
  // Back to the start of the current minute, then forward to the end of quiet hours.
  return at - (at % 60_000) + wait * 60_000;
}

async function messageOf(db: Db, appId: string, content: FollowUpContent) {
  switch (content.kind) {
    case 'text':
      return { text: content.text, meta: {} };
    case 'card':
      return { text: content.text ?? content.card.title, meta: { card: content.card } };
    case 'article': {
      const [article] = await db
        .select({ title: kbArticles.title, answer: kbArticles.answer })
        .from(kbArticles)
        .where(and(eq(kbArticles.appId, appId), eq(kbArticles.id, content.articleId)))
        .limit(1);
      return article
        ? { text: `${article.title}\n${article.answer}`, meta: { articleId: content.articleId } }
        : null;
    }
  }
}

/**
 * Sends one follow-up if it is still due, in one transaction. The first statement claims it —
 * `scheduled` → `sent` where it is still scheduled and due — so of two workers (or two processes)
 * one gets the row and the other nothing; a crash before COMMIT leaves it scheduled, and the
 * message, its events and the state change commit together. Then the rules, in order: an
 * opt-out cancels; nothing able to deliver it (see `undeliverableReason`) skips, without using the
 * weekly cap; weekly cap 0 skips; quiet hours and an agent helping the shopper move it
 * (skipped as expired past `expiresAt`); the weekly cap skips; otherwise the message goes on the
 * timeline (SDK channels, delivered live) and, for server channels, to the app's webhooks as
 * `follow_up.sent`.
 */
export async function sendFollowUp(deps: Deps, id: string): Promise<SendOutcome> {
  return deps.database.write(async (db, onCommit): Promise<SendOutcome> => {
    const now = deps.clock.now();
    // Prepared once per database handle (db/hot-queries): building a drizzle query costs more than
    // running it, and a send runs about ten of them.
    const [row] = await hot(db).claim.all({ id, now });
    if (!row) return { outcome: 'taken' };
    const settle = async (state: 'skipped' | 'cancelled', reason: string): Promise<SendOutcome> => {
      await db
        .update(followUps)
        .set({ state, reason, sentAt: null, updatedAt: now })
        .where(eq(followUps.id, id));
      return { outcome: state, reason };
    };
    const defer = async (until: number, why: 'quiet_hours' | 'agent_helping'): Promise<SendOutcome> => {
      if (until > row.expiresAt) return settle('skipped', 'expired');
      await db
        .update(followUps)
        .set({
          state: 'scheduled',
          sentAt: null,
          dueAt: until,
          deferrals: sql`${followUps.deferrals} + 1`,
          updatedAt: now,
        })
        .where(eq(followUps.id, id));
      return { outcome: 'deferred', until, why };
    };

    // The rule as it is now: a merchant who turns a rule off (or fixes its link) at 10:00 means the
    // backlog scheduled before that too. Off → cancelled `rule_disabled` (re-enabling does not bring
    // it back: the moment has passed, and a held backlog would all go out at once); moved to another
    // channel → cancelled `rule_changed`; otherwise the rule's current content is what is sent.
    let content: unknown = row.content;
    if (row.ruleId) {
      const [rule] = await hot(db).rule.all({ id: row.ruleId, appId: row.appId });
      if (!rule) return settle('cancelled', 'rule_deleted');
      if (!rule.enabled) return settle('cancelled', 'rule_disabled');
      if (rule.channel !== row.channel) return settle('cancelled', 'rule_changed');
      content = rule.content;
    }

    const [customer] = await hot(db).customer.all({ id: row.customerId, appId: row.appId });
    // A merged customer speaks through the one it became.
    let person = customer;
    for (let hops = 0; person?.mergedInto && hops < 16; hops++)
      [person] = await hot(db).customer.all({ id: person.mergedInto, appId: row.appId });
    if (!person) return settle('cancelled', 'erased');
    if (hasOptedOut(person.attributes)) return settle('cancelled', 'opted_out');
    const [app] = await hot(db).app.all({ id: row.appId });
    if (!app) return settle('cancelled', 'erased');
    const merged = await hot(db).mergedIds.all({ person: person.id, stored: row.customerId });
    const ids = [...new Set([person.id, ...merged.map((c) => c.id)])];
    const undeliverable = await undeliverableReason(db, row.appId, row.channel, ids);
    if (undeliverable) return settle('skipped', undeliverable);
    const settings = followUpSettingsOf(app);
    if (settings.weeklyCap === 0) return settle('skipped', 'weekly_cap');
    if (now > row.expiresAt) return settle('skipped', 'expired');
    const quietEnd = quietHoursEnd(now, settings.timeZone, settings.quietHours);
    if (quietEnd !== null) return defer(quietEnd, 'quiet_hours');
    const [open] = await hot(db).openConversation.all({ customerId: person.id });
    if (open && (open.status === 'queued' || open.status === 'assigned'))
      return defer(now + HUMAN_CONVERSATION_DEFER_MS, 'agent_helping');
    const [recent] = await hot(db).sentThisWeek.all({ customerId: row.customerId, since: now - WEEK_MS, id });
    if ((recent?.n ?? 0) >= settings.weeklyCap) return settle('skipped', 'weekly_cap');

    // Content is validated when a rule is saved; a row written any other way (by hand, by an older
    // version) that no longer passes is skipped rather than retried forever.
    const parsed = followUpContent.safeParse(content);
    if (!parsed.success) return settle('skipped', 'invalid_content');
    const body = await messageOf(db, row.appId, parsed.data);
    if (!body) return settle('skipped', 'article_missing');
    const [stored] = await insertMessages(deps, db, onCommit, [
      {
        id: createSortableId('msg', now),
        appId: row.appId,
        customerId: person.id,
        conversationId: open?.id ?? row.conversationId,
        channel: row.channel,
        authorType: 'system',
        authorId: null,
        authorName: app.name,
        text: body.text,
        clientMessageId: null,
        inReplyTo: null,
        intent: null,
        meta: { ...body.meta, followUpId: row.id },
        createdAt: now,
      },
    ]);
    const message = toWireMessage(stored!);
    await appendEvents(deps, db, onCommit, [
      { appId: row.appId, customerId: person.id, type: 'message.created', data: message },
    ]);
    if (!SDK_CHANNELS.has(row.channel))
      await emitWebhookEvents(deps, db, onCommit, [
        {
          appId: row.appId,
          type: 'follow_up.sent',
          customerId: person.id,
          data: await serverChannelPayload(db, row, person.id, message),
        },
      ]);
    // Record what actually went out (the rule's content at send time).
    await hot(db).recordSent.run({ id, messageId: message.id, content: JSON.stringify(parsed.data) });
    return { outcome: 'sent', messageId: message.id };
  });
}

/**
 * What the merchant's backend needs to send a follow-up on a channel Threadline cannot reach
 * itself (SMS, WeChat official account): the customer, their user id and WeChat openid when known
 * (the phone number stays with the merchant, who has it), and the message with its card.
 */
async function serverChannelPayload(
  db: Db,
  row: typeof followUps.$inferSelect,
  customerId: string,
  message: Message,
) {
  const known = await db
    .select({ kind: identities.kind, value: identities.value })
    .from(identities)
    .where(and(eq(identities.customerId, customerId), eq(identities.verified, true)))
    .limit(20);
  const externalId = known.find((i) => i.kind === 'external')?.value;
  const openId = known.find((i) => i.kind === 'wechat_openid')?.value;
  return {
    customerId,
    ...(externalId ? { externalId } : {}),
    ...(openId ? { wechatOpenId: openId } : {}),
    channel: row.channel,
    followUp: { id: row.id, ruleId: row.ruleId, conversationId: row.conversationId },
    message,
  };
}
