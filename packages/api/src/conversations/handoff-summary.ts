import type { HandoffSummary } from '@threadline/sdk-core/protocol';
import { and, count, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { conversations, customers, kbArticles, kbProducts, messages } from '../db/schema';
import { isSealed, openAllForCustomers, openForCustomer, sealForCustomer } from '../identity';
import { asksForHuman, negativeSentiment, normalizeText } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { openTicketsOfMany, type TicketRow } from '../tickets';
import type { ConversationRow } from './conversations';

// Enough of the conversation to see its channels and mood without reading a years-long thread.
const MESSAGES_READ = 200;

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Builds the structured summary that travels with a conversation when it changes hands:
 * intents, products and orders mentioned on any channel, what the bot already answered, open
 * tickets and sentiment flags. Reads only; the caller decides where to keep it. One
 * implementation: `buildHandoffSummaries` for one conversation (the same reads in number).
 */
export async function buildHandoffSummary(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  conversation: ConversationRow,
  handoff: Handoff,
): Promise<HandoffSummary> {
  const [summary] = await buildHandoffSummaries(deps, db, [{ conversation, handoff }]);
  return summary!;
}

type Handoff = {
  reason: HandoffSummary['reason'];
  fromChannel?: string | null;
  toChannel?: string | null;
  now: number;
};

/** What a summary is made of, as `buildHandoffSummaries` reads it for each conversation. */
interface SummaryInput {
  /** The latest messages (up to MESSAGES_READ), oldest first, text open. */
  recent: { text: string; channel: string; authorType: string; createdAt: number }[];
  total: number;
  attributes: Record<string, unknown> | undefined;
  tickets: Pick<TicketRow, 'id' | 'type' | 'status' | 'orderId' | 'productId'>[];
  products: { id: string; name: string }[];
  articles: { id: string; title: string }[];
}

const productIdsOf = (context: Record<string, unknown>) => [
  ...new Set([...stringsOf(context.productIds), ...stringsOf([context.lastProductId])]),
];
const articleIdsOf = (context: Record<string, unknown>) => [
  ...new Set(stringsOf(context.answeredArticleIds)),
];

function summaryOf(conversation: ConversationRow, handoff: Handoff, input: SummaryInput): HandoffSummary {
  const context = conversation.context;
  const { recent, products, articles, tickets } = input;
  const productIds = productIdsOf(context);
  const articleIds = articleIdsOf(context);
  const fromCustomer = recent.filter((m) => m.authorType === 'customer');
  const normalized = fromCustomer.map((m) => normalizeText(m.text));
  const negativeMessages = normalized.filter((text) => negativeSentiment(text) > 0).length;
  const flags: HandoffSummary['sentiment']['flags'] = [];
  if (negativeMessages > 0) flags.push('negative');
  if (normalized.some(asksForHuman)) flags.push('asked_for_human');
  if (Number(context.lowConfidenceStreak ?? 0) >= 2) flags.push('repeated_low_confidence');
  if (input.attributes?.vip === true || input.attributes?.tier === 'vip') flags.push('vip');

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
    messageCount: input.total,
    createdAt: iso(handoff.now),
  };
}

/**
 * Builds the summary and keeps it on the conversation, inside the caller's transaction. The last
 * customer message in it is the shopper's own words: it is stored sealed with their data key.
 * One implementation: `refreshHandoffSummaries` for one conversation.
 */
export async function refreshHandoffSummary(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  conversation: ConversationRow,
  handoff: Handoff,
): Promise<HandoffSummary> {
  const [summary] = await refreshHandoffSummaries(deps, db, onCommit, [{ conversation, handoff }]);
  return summary!;
}

/**
 * Handoff summaries for many conversations at once (a bulk escalation), in order: each table is
 * read once for all of them instead of once per conversation — the latest MESSAGES_READ messages of
 * each, their counts, the customers' attributes and open tickets, product and article names.
 */
export async function buildHandoffSummaries(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  list: { conversation: ConversationRow; handoff: Handoff }[],
): Promise<HandoffSummary[]> {
  if (list.length === 0) return [];
  // Each conversation once: a set naming one twice must not join (and count) its messages twice.
  const ids = [...new Set(list.map((c) => c.conversation.id))];
  const customerIds = [...new Set(list.map((c) => c.conversation.customerId))];
  const apps = [...new Set(list.map((c) => c.conversation.appId))];
  const productIds = [...new Set(list.flatMap((c) => productIdsOf(c.conversation.context)))];
  const articleIds = [...new Set(list.flatMap((c) => articleIdsOf(c.conversation.context)))];
  // The latest MESSAGES_READ messages of each conversation (its mood, channels and last customer
  // message are what an agent takes over; a long thread's first 200 would show a stale last
  // message): each one's first seq to read is found on the (conversation_id, seq) index, then only
  // the rows from it are read — MESSAGES_READ rows per conversation however long it is. (A
  // row_number() window read every row of each: 23 ms instead of 0.5 ms at 10,000 messages.)
  const latestMessages = db.all<{
    conversationId: string;
    text: string;
    channel: string;
    authorType: string;
    createdAt: number;
  }>(sql`WITH bounds AS (
      SELECT ids.value AS id,
        (SELECT seq FROM ${messages} WHERE conversation_id = ids.value
          ORDER BY seq DESC LIMIT 1 OFFSET ${MESSAGES_READ - 1}) AS first
      FROM json_each(${JSON.stringify(ids)}) ids)
    SELECT m.conversation_id AS conversationId, m.text AS text, m.channel AS channel,
      m.author_type AS authorType, m.created_at AS createdAt
    FROM bounds JOIN ${messages} m
      ON m.conversation_id = bounds.id AND m.seq >= coalesce(bounds.first, 0)
    ORDER BY m.conversation_id, m.seq`);
  const [recent, totals, attributes, tickets, products, articles] = await Promise.all([
    latestMessages,
    db
      .select({ id: messages.conversationId, n: count() })
      .from(messages)
      .where(inArray(messages.conversationId, ids))
      .groupBy(messages.conversationId),
    db
      .select({ id: customers.id, attributes: customers.attributes })
      .from(customers)
      .where(inArray(customers.id, customerIds)),
    openTicketsOfMany(db, customerIds),
    productIds.length
      ? db
          .select({ appId: kbProducts.appId, id: kbProducts.id, name: kbProducts.name })
          .from(kbProducts)
          .where(and(inArray(kbProducts.appId, apps), inArray(kbProducts.id, productIds)))
      : [],
    articleIds.length
      ? db
          .select({ appId: kbArticles.appId, id: kbArticles.id, title: kbArticles.title })
          .from(kbArticles)
          .where(and(inArray(kbArticles.appId, apps), inArray(kbArticles.id, articleIds)))
      : [],
  ]);
  const texts = await openAllForCustomers(
    deps,
    recent.map((m) => m.text),
    db,
  );
  const byConversation = new Map<string, SummaryInput['recent']>();
  recent.forEach((m, i) => {
    const rows = byConversation.get(m.conversationId) ?? [];
    rows.push({ text: texts[i] ?? '', channel: m.channel, authorType: m.authorType, createdAt: m.createdAt });
    byConversation.set(m.conversationId, rows);
  });
  const counts = new Map(totals.map((t) => [t.id, t.n]));
  const attributesOf = new Map(attributes.map((c) => [c.id, c.attributes]));
  return list.map(({ conversation, handoff }) =>
    summaryOf(conversation, handoff, {
      recent: byConversation.get(conversation.id) ?? [],
      total: counts.get(conversation.id) ?? 0,
      attributes: attributesOf.get(conversation.customerId),
      tickets: tickets.get(conversation.customerId) ?? [],
      products: products.filter((p) => p.appId === conversation.appId),
      articles: articles.filter((a) => a.appId === conversation.appId),
    }),
  );
}

/**
 * `refreshHandoffSummary` for many conversations: built with `buildHandoffSummaries`, stored in one
 * statement, each last customer message sealed with its customer's key.
 */
export async function refreshHandoffSummaries(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  list: { conversation: ConversationRow; handoff: Handoff }[],
): Promise<HandoffSummary[]> {
  const summaries = await buildHandoffSummaries(deps, db, list);
  if (summaries.length === 0) return summaries;
  const stored: string[] = [];
  for (const [i, summary] of summaries.entries()) {
    const conversation = list[i]!.conversation;
    stored.push(
      JSON.stringify(
        summary.lastCustomerMessage
          ? {
              ...summary,
              lastCustomerMessage: {
                ...summary.lastCustomerMessage,
                text: await sealForCustomer(
                  deps,
                  db,
                  onCommit,
                  conversation,
                  summary.lastCustomerMessage.text,
                ),
              },
            }
          : summary,
      ),
    );
  }
  const id = sql.identifier(conversations.id.name);
  await db.run(
    sql`update ${conversations} set ${sql.identifier(conversations.summary.name)} = case ${id} ${sql.join(
      list.map((c, i) => sql`when ${c.conversation.id} then ${stored[i]}`),
      sql` `,
    )} end where ${id} in (${sql.join(
      list.map((c) => sql`${c.conversation.id}`),
      sql`, `,
    )})`,
  );
  return summaries;
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
