import type { InboxRow } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { conversations, customers, identities, messages, orders } from '../db/schema';
import { findCustomerByIdentity, openAllForCustomers, toE164 } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { toInboxRows } from './inbox';

/** LIKE pattern for a literal substring (`%`, `_` and `\` match themselves). */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
const PHONE = /^\+?[\d\s\-()]{6,20}$/;
/**
 * How many of the app's newest messages the text search reads. Message text is sealed with each
 * customer's key (§11), so SQL cannot match it; the newest messages are opened and matched here.
 */
export const MESSAGE_SCAN = 2000;

/**
 * GET /v1/agent/search — conversations whose customer matches (name, merchant user id, a full phone
 * number through its keyed hash — phones are encrypted, so partial digits cannot match — or an
 * order id) or whose messages contain the text (among the app's newest MESSAGE_SCAN messages,
 * case-insensitive). Newest activity first, as inbox rows (phones masked).
 */
export async function searchConversations(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock'>,
  appId: string,
  query: { q: string; limit: number },
  /** The app's region for numbers written without a country code (`app.settings.phoneRegion`). */
  phoneRegion?: string,
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
    phoneCustomer(deps, appId, q, phoneRegion),
    messagesContaining(deps, appId, q),
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

/** Conversations among the app's newest messages whose opened text contains `q` (any case). */
async function messagesContaining(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  q: string,
): Promise<{ conversationId: string }[]> {
  const db = deps.database.db;
  const recent = await db
    .select({ conversationId: messages.conversationId, text: messages.text })
    .from(messages)
    .where(eq(messages.appId, appId))
    .orderBy(desc(messages.seq))
    .limit(MESSAGE_SCAN);
  const texts = await openAllForCustomers(
    deps,
    recent.map((m) => m.text),
    db,
  );
  const needle = q.toLocaleLowerCase();
  return recent.filter((_, i) => (texts[i] ?? '').toLocaleLowerCase().includes(needle));
}

/** The customer whose verified phone is `q` (read in the app's region), if `q` is a phone number. */
async function phoneCustomer(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  q: string,
  region: string | undefined,
) {
  if (!PHONE.test(q)) return null;
  let e164: string;
  try {
    e164 = toE164(q, region);
  } catch {
    // Digits that are no phone number (an order id, say) simply match no phone.
    return null;
  }
  return findCustomerByIdentity(deps, deps.database.db, appId, 'phone', e164);
}
