import { and, eq, inArray } from 'drizzle-orm';
import { VOICE_CHANNELS } from '../conversations';
import type { Db } from '../db/database';
import { customers, followUps } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { recallPendingDeliveries } from '../webhooks';
import { MARKETING_OPT_OUT } from './hooks';

/**
 * Replies that mean "no more of this" on any text channel: English, Simplified and Traditional
 * Chinese, and the SMS convention of replying TD (退订). Matched on the whole normalised message, so
 * "stop the order" or "don't stop" is not one.
 */
const STOP_WORDS = new Set([
  'stop',
  'stopall',
  'stop sending',
  'stop sending me messages',
  'stop messaging me',
  'stop texting me',
  'unsubscribe',
  'opt out',
  'optout',
  'td',
  '退订',
  '退訂',
  '取消订阅',
  '取消訂閱',
  '退订推送',
  '不要再发了',
  '别再发了',
  '不要发了',
  '别发了',
]);

/**
 * Text-message conventions that are stop words only where they are the convention (SMS and the
 * WeChat official account): the carrier keywords CANCEL/END/QUIT and the Chinese one-letter codes
 * ("回T退订", "回N退订", "拒收请回复R"). On a chat widget "cancel" more likely means an order.
 */
const TEXT_MESSAGE_STOP_WORDS = new Set(['cancel', 'end', 'quit', 't', 'n', 'r']);
const TEXT_MESSAGE_CHANNELS: ReadonlySet<string> = new Set(['sms', 'wechat_oa']);

/**
 * On a phone call a caller says "stop" to cut the bot short, not to leave marketing: there only
 * words that can mean nothing but unsubscribing count.
 */
const VOICE_STOP_WORDS = new Set([
  'unsubscribe',
  'opt out',
  'optout',
  '退订',
  '退訂',
  '取消订阅',
  '取消訂閱',
  '退订推送',
]);

/**
 * A reply as its keyword: NFKC (full-width ＳＴＯＰ → STOP), format characters dropped (zero-width
 * space/joiner, BOM, bidi marks), lower case, punctuation, symbols and spaces stripped at both ends,
 * inner runs of spaces made one.
 */
export function stopKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .replace(FORMAT_CHARACTERS, '')
    .toLowerCase()
    .replace(EDGE_PUNCTUATION, '')
    .replace(WHITESPACE_RUNS, ' ');
}

// Module constants, not literals in the function: the build turns a `\p{…}` literal into a
// `new RegExp(…)` where it stands, which cost a RegExp compile per call on every send (issue 18).
// Only used with `replace`, which starts a global regex from 0 whatever its lastIndex.
const FORMAT_CHARACTERS = /\p{Cf}/gu;
const EDGE_PUNCTUATION = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;
const WHITESPACE_RUNS = /\s+/gu;
const HAN = /\p{Script=Han}/u;

/**
 * Whether a shopper's message on `channel` is a stop reply. A length check, then one normalisation
 * and set look-ups: it runs on every send, so it costs nothing measurable and touches no database.
 * Without a channel, the words valid on every text channel.
 */
export function isStopReply(text: string, channel?: string): boolean {
  // Room for padding, punctuation and zero-width characters around the longest phrase.
  if (text.length > 64) return false;
  const word = stopKeyword(text);
  if (channel !== undefined && VOICE_CHANNELS.has(channel)) return VOICE_STOP_WORDS.has(word);
  if (STOP_WORDS.has(word)) return true;
  return channel !== undefined && TEXT_MESSAGE_CHANNELS.has(channel) && TEXT_MESSAGE_STOP_WORDS.has(word);
}

/** The confirmation of a stop reply, by the reply's script (see `FollowUpHooks.stopConfirmation`). */
export const STOP_CONFIRMATION = {
  zh: '您已退订，我们不会再主动给您发送消息。如需咨询，随时在这里留言即可。',
  en: "You're unsubscribed: we won't send you proactive messages any more. Write here any time you need us.",
} as const;

export const stopConfirmation = (reply: string) =>
  HAN.test(reply) ? STOP_CONFIRMATION.zh : STOP_CONFIRMATION.en;

/** Whether the customer's attributes say they opted out of proactive messages. */
export const hasOptedOut = (attributes: Record<string, unknown> | null | undefined) =>
  attributes?.[MARKETING_OPT_OUT] === true;

/** Cancels the customers' scheduled follow-ups (an opt-out, an erase), in the caller's transaction. */
export async function cancelScheduledFollowUps(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  customerIds: string[],
  reason: 'opted_out' | 'erased',
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const cancelled = await db
    .update(followUps)
    .set({ state: 'cancelled', reason, updatedAt: deps.clock.now() })
    .where(and(inArray(followUps.customerId, customerIds), eq(followUps.state, 'scheduled')))
    .returning({ id: followUps.id });
  return cancelled.length;
}

/** The customer and every customer merged into them (aliases), bounded. */
async function personIds(db: Db, appId: string, customerId: string): Promise<string[]> {
  const aliases = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.appId, appId), eq(customers.mergedInto, customerId)))
    .limit(256);
  return [customerId, ...aliases.map((a) => a.id)];
}

/**
 * What an opt-out does besides the attribute, over every id of the person: scheduled follow-ups
 * are cancelled, and `follow_up.sent` webhook deliveries still pending are recalled (a merchant
 * gateway that was down must not text them once it is back). Answers how many were cancelled.
 */
export async function applyOptOut(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  customer: { appId: string; customerId: string },
): Promise<number> {
  const ids = await personIds(db, customer.appId, customer.customerId);
  const cancelled = await cancelScheduledFollowUps(deps, db, ids, 'opted_out');
  await recallPendingDeliveries(deps, db, {
    appId: customer.appId,
    customerIds: ids,
    type: 'follow_up.sent',
  });
  return cancelled;
}

/**
 * Records an opt-out (or opt-in) on the customer's profile attribute `marketingOptOut` and, on an
 * opt-out, cancels what was scheduled and recalls pending `follow_up.sent` deliveries. A change of
 * consent goes to the merchant's webhooks as `customer.updated` (`changed: ['marketingOptOut']`).
 * Opting back in removes the attribute; nothing cancelled comes back.
 */
export async function setMarketingOptOut(
  deps: Pick<ServiceDeps, 'clock' | 'outbox'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  customer: { appId: string; customerId: string },
  optOut: boolean,
): Promise<number> {
  const [row] = await db
    .select({ attributes: customers.attributes, identified: customers.identified, name: customers.name })
    .from(customers)
    .where(and(eq(customers.id, customer.customerId), eq(customers.appId, customer.appId)))
    .limit(1);
  if (!row) return 0;
  if (hasOptedOut(row.attributes) !== optOut) {
    const attributes = { ...row.attributes };
    if (optOut) attributes[MARKETING_OPT_OUT] = true;
    else delete attributes[MARKETING_OPT_OUT];
    await db
      .update(customers)
      .set({ attributes, updatedAt: deps.clock.now() })
      .where(eq(customers.id, customer.customerId));
    await deps.outbox?.record(db, onCommit, [
      {
        appId: customer.appId,
        type: 'customer.updated',
        customerId: customer.customerId,
        data: {
          customerId: customer.customerId,
          changed: [MARKETING_OPT_OUT],
          consent: { marketingOptOut: optOut },
          customer: { id: customer.customerId, identified: row.identified, name: row.name, attributes },
        },
      },
    ]);
  }
  return optOut ? applyOptOut(deps, db, customer) : 0;
}
