import type { HandoffSummary } from '@threadline/sdk-core/protocol';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { conversations, customers, kbArticles, kbProducts, messages } from '../db/schema';
import { isSealed, openAllForCustomers, openForCustomer, sealForCustomer } from '../identity';
import { asksForHuman, negativeSentiment, normalizeText } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { openTicketsOf } from '../tickets';
import type { ConversationRow } from './conversations';

// Enough of the conversation to see its channels and mood without reading a years-long thread.
const MESSAGES_READ = 200;

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Builds the structured summary that travels with a conversation when it changes hands:
 * intents, products and orders mentioned on any channel, what the bot already answered, open
 * tickets and sentiment flags. Reads only; the caller decides where to keep it.
 */
export async function buildHandoffSummary(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  conversation: ConversationRow,
  handoff: {
    reason: HandoffSummary['reason'];
    fromChannel?: string | null;
    toChannel?: string | null;
    now: number;
  },
): Promise<HandoffSummary> {
  const context = conversation.context;
  const [recent, [total], [customer], tickets] = await Promise.all([
    db
      .select({
        text: messages.text,
        channel: messages.channel,
        authorType: messages.authorType,
        createdAt: messages.createdAt,
      })
      .from(messages)
      .where(eq(messages.conversationId, conversation.id))
      .orderBy(asc(messages.seq))
      .limit(MESSAGES_READ),
    db.select({ n: count() }).from(messages).where(eq(messages.conversationId, conversation.id)),
    db
      .select({ attributes: customers.attributes })
      .from(customers)
      .where(eq(customers.id, conversation.customerId)),
    openTicketsOf(db, conversation.customerId),
  ]);

  const productIds = [...new Set([...stringsOf(context.productIds), ...stringsOf([context.lastProductId])])];
  const articleIds = [...new Set(stringsOf(context.answeredArticleIds))];
  const [products, articles] = await Promise.all([
    productIds.length
      ? db
          .select({ id: kbProducts.id, name: kbProducts.name })
          .from(kbProducts)
          .where(and(eq(kbProducts.appId, conversation.appId), inArray(kbProducts.id, productIds)))
      : [],
    articleIds.length
      ? db
          .select({ id: kbArticles.id, title: kbArticles.title })
          .from(kbArticles)
          .where(and(eq(kbArticles.appId, conversation.appId), inArray(kbArticles.id, articleIds)))
      : [],
  ]);

  const texts = await openAllForCustomers(
    deps,
    recent.map((m) => m.text),
    db,
  );
  const fromCustomer = recent
    .map((m, i) => ({ ...m, text: texts[i] ?? '' }))
    .filter((m) => m.authorType === 'customer');
  const normalized = fromCustomer.map((m) => normalizeText(m.text));
  const negativeMessages = normalized.filter((text) => negativeSentiment(text) > 0).length;
  const flags: HandoffSummary['sentiment']['flags'] = [];
  if (negativeMessages > 0) flags.push('negative');
  if (normalized.some(asksForHuman)) flags.push('asked_for_human');
  if (Number(context.lowConfidenceStreak ?? 0) >= 2) flags.push('repeated_low_confidence');
  if (customer?.attributes.vip === true || customer?.attributes.tier === 'vip') flags.push('vip');

  const channels = [
    ...new Set([conversation.channel, ...recent.map((m) => m.channel), conversation.lastChannel]),
  ];
  const last = fromCustomer.at(-1);
  const names = new Map(products.map((p) => [p.id, p.name]));
  const titles = new Map(articles.map((a) => [a.id, a.title]));
  return {
    reason: handoff.reason,
    conversationId: conversation.id,
    status: conversation.status,
    channels,
    fromChannel: handoff.fromChannel ?? null,
    toChannel: handoff.toChannel ?? null,
    intents: [...new Set([...stringsOf(context.intents), ...stringsOf([context.lastIntent])])],
    products: productIds.map((id) => ({ id, name: names.get(id) ?? null })),
    orderIds: [...new Set([...stringsOf(context.orderIds), ...stringsOf([context.lastOrderId])])],
    botAnswered: articleIds.map((articleId) => ({ articleId, title: titles.get(articleId) ?? null })),
    openTickets: tickets.map((t) => ({
      id: t.id,
      type: t.type,
      status: t.status,
      orderId: t.orderId,
      productId: t.productId,
    })),
    sentiment: { negativeMessages, flags },
    lastCustomerMessage: last ? { text: last.text, channel: last.channel, at: iso(last.createdAt) } : null,
    messageCount: total?.n ?? 0,
    createdAt: iso(handoff.now),
  };
}

/**
 * Builds the summary and keeps it on the conversation, inside the caller's transaction. The last
 * customer message in it is the shopper's own words: it is stored sealed with their data key.
 */
export async function refreshHandoffSummary(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  conversation: ConversationRow,
  handoff: Parameters<typeof buildHandoffSummary>[3],
): Promise<HandoffSummary> {
  const summary = await buildHandoffSummary(deps, db, conversation, handoff);
  const stored: HandoffSummary = summary.lastCustomerMessage
    ? {
        ...summary,
        lastCustomerMessage: {
          ...summary.lastCustomerMessage,
          text: await sealForCustomer(deps, db, onCommit, conversation, summary.lastCustomerMessage.text),
        },
      }
    : summary;
  await db.update(conversations).set({ summary: stored }).where(eq(conversations.id, conversation.id));
  return summary;
}

/** A summary as stored on a conversation, with the last customer message opened. */
export async function openHandoffSummary(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  summary: HandoffSummary,
): Promise<HandoffSummary> {
  if (!summary.lastCustomerMessage || !isSealed(summary.lastCustomerMessage.text)) return summary;
  const text = await openForCustomer(deps, summary.lastCustomerMessage.text);
  return { ...summary, lastCustomerMessage: { ...summary.lastCustomerMessage, text: text ?? '' } };
}
