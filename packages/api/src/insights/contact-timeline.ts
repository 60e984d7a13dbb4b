import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { insightContacts } from '../db/schema';

/** A contact within this long after an earlier one of the same customer and intent is a repeat. */
export const REPEAT_WINDOW_MS = 72 * 3600_000;
/** Messages of one customer and intent closer than this are one contact (one matter, one sitting). */
export const SAME_CONTACT_MS = 30 * 60_000;

/** A contact on its (customer, intent) timeline, as the repeat rules judge it (rollup.ts `foldContacts`). */
export interface TimelineContact {
  id?: number;
  conversationId: string;
  at: number;
  lastAt: number;
  isRepeat?: boolean;
  withContext?: boolean | null;
  /** Its times moved. */
  dirty?: boolean;
  /** Joined into the contact before it: a stored one is deleted, a fresh one never written. */
  gone?: boolean;
  /** Its repeat judgement changed. */
  rejudged?: boolean;
}

/**
 * Rule 2: what runs from `at` to `lastAt` in the previous contact's conversation, starting less than
 * 30 min after its last message, is that contact (one sitting): it is extended. False otherwise.
 */
export function extendsPrevious(
  previous: TimelineContact | undefined,
  conversationId: string,
  at: number,
  lastAt: number,
): boolean {
  if (!previous || previous.conversationId !== conversationId || at - previous.lastAt >= SAME_CONTACT_MS)
    return false;
  if (lastAt > previous.lastAt) {
    previous.lastAt = lastAt;
    previous.dirty = true;
  }
  return true;
}

/**
 * Settles one (customer, intent) timeline, sorted by `at`, from `from` on: what the rules make of
 * its messages taken in time order, whichever order they were folded in. A message folded late
 * (before contacts already folded), or a merge that brings another customer's contacts onto the
 * person's timeline, can leave two contacts of one conversation less than 30 min apart (one
 * sitting: the later joins the earlier) and contacts judged against a previous contact that is no
 * longer the one before them (each is judged again: a repeat when it starts at most 72 h after the
 * previous one's last message, in context when in the same conversation). The contact before
 * `from` is taken as judged; `from` 0 judges none against a contact it cannot see (the first one
 * keeps its judgement: its previous may be outside what was loaded). Changes the contacts in place.
 */
export function settleTimeline(list: TimelineContact[], from: number): void {
  let previous = from > 0 ? list[from - 1] : undefined;
  for (let i = Math.max(from, 0); i < list.length; i++) {
    const contact = list[i]!;
    if (contact.gone) continue;
    if (extendsPrevious(previous, contact.conversationId, contact.at, contact.lastAt)) {
      contact.gone = true;
      continue;
    }
    if (previous) {
      const isRepeat = contact.at - previous.lastAt <= REPEAT_WINDOW_MS;
      const withContext = isRepeat ? previous.conversationId === contact.conversationId : null;
      if (isRepeat !== (contact.isRepeat ?? false) || withContext !== (contact.withContext ?? null)) {
        contact.isRepeat = isRepeat;
        contact.withContext = withContext;
        contact.rejudged = true;
      }
    }
    previous = contact;
  }
}

/**
 * Writes back what `settleTimeline` changed in stored contacts: the ones joined into another are
 * deleted, moved times and new judgements updated (the slot totals' triggers follow both).
 */
export async function writeSettled(db: Db, contacts: TimelineContact[]): Promise<void> {
  const gone = contacts.filter((c) => c.gone && c.id !== undefined).map((c) => c.id!);
  for (let i = 0; i < gone.length; i += 400)
    await db.delete(insightContacts).where(inArray(insightContacts.id, gone.slice(i, i + 400)));
  for (const c of contacts)
    if (!c.gone && c.id !== undefined && c.rejudged)
      await db
        .update(insightContacts)
        .set({ isRepeat: c.isRepeat ?? false, withContext: c.withContext ?? null })
        .where(eq(insightContacts.id, c.id));
}

/**
 * Settles every contact of a customer (mergeCustomers, once the merged-away customer's contacts are
 * the survivor's and their conversations joined): the figures are then what a fold after the merge
 * would have made — a repeat after login is a repeat of the anonymous contact, and the same matter
 * in one sitting, now one conversation, one contact — not two contacts counted for one.
 */
export async function settleContactsOf(db: Db, customerId: string): Promise<void> {
  const rows = await db
    .select({
      id: insightContacts.id,
      conversationId: insightContacts.conversationId,
      intent: insightContacts.intent,
      at: insightContacts.at,
      lastAt: insightContacts.lastAt,
      isRepeat: insightContacts.isRepeat,
      withContext: insightContacts.withContext,
    })
    .from(insightContacts)
    .where(eq(insightContacts.customerId, customerId))
    .orderBy(asc(insightContacts.intent), asc(insightContacts.at), asc(insightContacts.id));
  const byIntent = new Map<string, TimelineContact[]>();
  for (const row of rows) {
    const list = byIntent.get(row.intent) ?? [];
    list.push({ ...row });
    byIntent.set(row.intent, list);
  }
  const all: TimelineContact[] = [];
  for (const list of byIntent.values()) {
    settleTimeline(list, 0);
    all.push(...list);
  }
  for (const c of all)
    if (!c.gone && c.dirty)
      await db.update(insightContacts).set({ lastAt: c.lastAt }).where(eq(insightContacts.id, c.id!));
  await writeSettled(db, all);
}
