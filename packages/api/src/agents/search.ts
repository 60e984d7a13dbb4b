import type { InboxRow } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { conversations, customers, identities, messages, orders } from '../db/schema';
import { findCustomerByIdentity } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { toInboxRows } from './inbox';

/** LIKE pattern for a literal substring (`%`, `_` and `\` match themselves). */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
const PHONE = /^\+?[\d\s\-()]{6,20}$/;
/** How many matching messages are looked at; the newest first. */
const MESSAGE_SCAN = 500;

/**
 * GET /v1/agent/search — conversations whose customer matches (name, merchant user id, a full phone
 * number through its keyed hash — phones are encrypted, so partial digits cannot match — or an
 * order id) or whose messages contain the text. Newest activity first, as inbox rows (phones masked).
 */
export async function searchConversations(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock'>,
  appId: string,
  query: { q: string; limit: number },
): Promise<InboxRow[]> {
  const db = deps.database.db;
  const q = query.q.trim();
  const escapeChar = sql`'\\'`;
  const [byName, byExternal, byOrder, byPhone, byText] = await Promise.all([
    db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.appId, appId), sql`${customers.name} like ${contains(q)} escape ${escapeChar}`))
      .limit(50),
    db
      .select({ id: identities.customerId })
      .from(identities)
      .where(and(eq(identities.appId, appId), eq(identities.kind, 'external'), eq(identities.value, q)))
      .limit(10),
    db
      .select({ id: orders.customerId })
      .from(orders)
      .where(and(eq(orders.appId, appId), eq(orders.id, q)))
      .limit(10),
    PHONE.test(q) ? findCustomerByIdentity(deps, db, appId, 'phone', q) : Promise.resolve(null),
    db
      .select({ conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.appId, appId), sql`${messages.text} like ${contains(q)} escape ${escapeChar}`))
      .orderBy(desc(messages.seq))
      .limit(MESSAGE_SCAN),
  ]);
  const customerIds = [
    ...new Set(
      [...byName, ...byExternal, ...byOrder].map((r) => r.id).concat(byPhone ? [byPhone.customer.id] : []),
    ),
  ];
  const conversationIds = [...new Set(byText.map((r) => r.conversationId))];
  const conditions = [];
  if (customerIds.length) conditions.push(inArray(conversations.customerId, customerIds));
  if (conversationIds.length) conditions.push(inArray(conversations.id, conversationIds));
  if (conditions.length === 0) return [];
  const rows = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.appId, appId), or(...conditions)))
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(query.limit);
  return toInboxRows(deps, db, rows);
}
