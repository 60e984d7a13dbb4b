import type { Ticket, TicketUpdateBody } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { tickets } from '../db/schema';
import { isSealed, openAllForCustomers, sealJsonForCustomer, survivingCustomerId } from '../identity';
import type { TicketDraft } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId, isErasedId } from '../platform/secrets';
import { appendEvent } from '../realtime';

export type TicketRow = typeof tickets.$inferSelect;
type Deps = Pick<ServiceDeps, 'database' | 'clock' | 'bus' | 'sealer' | 'config'>;
type OnCommit = (callback: () => void) => void;

/** Details hold the shopper's words and staff notes: stored sealed with the customer's data key. */
async function sealDetails(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  ref: { appId: string; customerId: string },
  details: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (deps.config.encryptAtRest === false) return details;
  return { sealed: await sealJsonForCustomer(deps, db, onCommit, ref, details) };
}

/** Ticket rows with their details opened (an erased customer's open as {}). */
export async function openTicketRows(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  rows: TicketRow[],
  db?: Db,
): Promise<TicketRow[]> {
  const opened = await openAllForCustomers(
    deps,
    rows.map((row) => (isSealed(row.details.sealed) ? row.details.sealed : null)),
    db,
  );
  return rows.map((row, i) => {
    if (!isSealed(row.details.sealed)) return row;
    const text = opened[i];
    return { ...row, details: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  });
}
const OPEN_STATUSES = ['open', 'in_progress'] as const;

export const toWireTicket = (row: TicketRow): Ticket => ({
  id: row.id,
  type: row.type,
  status: row.status,
  intent: row.intent,
  channel: row.channel,
  customerId: row.customerId,
  conversationId: row.conversationId,
  orderId: row.orderId,
  productId: row.productId,
  reason: row.reason,
  wantedSize: row.wantedSize,
  details: row.details,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** The customer's tickets still being worked, newest first. */
export async function openTicketsOf(db: Db, customerId: string): Promise<TicketRow[]> {
  return db
    .select()
    .from(tickets)
    .where(and(eq(tickets.customerId, customerId), inArray(tickets.status, [...OPEN_STATUSES])))
    .orderBy(desc(tickets.createdAt))
    .limit(20);
}

/** `openTicketsOf` for many customers in one query: each customer's newest 20 open tickets. */
export async function openTicketsOfMany(db: Db, customerIds: string[]): Promise<Map<string, TicketRow[]>> {
  const byCustomer = new Map<string, TicketRow[]>();
  if (customerIds.length === 0) return byCustomer;
  const rows = await db
    .select()
    .from(tickets)
    .where(and(inArray(tickets.customerId, customerIds), inArray(tickets.status, [...OPEN_STATUSES])))
    .orderBy(desc(tickets.createdAt));
  for (const row of rows) {
    const list = byCustomer.get(row.customerId) ?? [];
    if (list.length < 20) list.push(row);
    byCustomer.set(row.customerId, list);
  }
  return byCustomer;
}

/** Same type, and no conflicting order or product: the shopper is talking about the same matter. */
function sameMatter(row: TicketRow, draft: TicketDraft): boolean {
  if (row.type !== draft.type) return false;
  if (row.orderId && draft.orderId && row.orderId !== draft.orderId) return false;
  if (row.productId && draft.productId && row.productId !== draft.productId) return false;
  return true;
}

/**
 * Opens a ticket from what the engine extracted — or, when an open ticket already covers the same
 * matter, fills in what it was missing instead of opening a second one. Either way the customer's
 * sessions hear about it (`ticket.created` / `ticket.updated`).
 */
export async function openOrUpdateTicket(
  deps: Deps,
  input: {
    appId: string;
    customerId: string;
    conversationId: string | null;
    channel: string;
    draft: TicketDraft;
    text: string;
  },
): Promise<{ ticket: TicketRow; created: boolean }> {
  return deps.database.write(async (db, onCommit) => {
    const now = deps.clock.now();
    // The engine decided on a customer read before this write (after the send's commit): merged
    // since, the ticket is the survivor's, where their open tickets and their sessions are.
    input = { ...input, customerId: await survivingCustomerId(db, input.appId, input.customerId) };
    const existing = (await openTicketRows(deps, await openTicketsOf(db, input.customerId), db)).find((row) =>
      sameMatter(row, input.draft),
    );
    if (existing) {
      const patch: Partial<TicketRow> = {};
      for (const key of ['orderId', 'productId', 'reason', 'wantedSize'] as const) {
        if (!existing[key] && input.draft[key]) patch[key] = input.draft[key];
      }
      if (Object.keys(patch).length === 0) return { ticket: existing, created: false };
      const messages = [...((existing.details.messages as string[] | undefined) ?? []), input.text].slice(
        -10,
      );
      const details = { ...existing.details, messages };
      const [stored] = await db
        .update(tickets)
        .set({ ...patch, details: await sealDetails(deps, db, onCommit, existing, details), updatedAt: now })
        .where(eq(tickets.id, existing.id))
        .returning();
      const updated = { ...stored!, details };
      await appendEvent(deps, db, onCommit, {
        appId: input.appId,
        customerId: input.customerId,
        type: 'ticket.updated',
        data: toWireTicket(updated),
      });
      return { ticket: updated, created: false };
    }
    const [row] = await db
      .insert(tickets)
      .values({
        id: createSortableId('tkt', now),
        appId: input.appId,
        customerId: input.customerId,
        conversationId: input.conversationId,
        type: input.draft.type,
        status: 'open',
        intent: input.draft.intent,
        channel: input.channel,
        orderId: input.draft.orderId,
        productId: input.draft.productId,
        reason: input.draft.reason,
        wantedSize: input.draft.wantedSize,
        details: await sealDetails(deps, db, onCommit, input, { messages: [input.text] }),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const created = { ...row!, details: { messages: [input.text] } };
    await appendEvent(deps, db, onCommit, {
      appId: input.appId,
      customerId: input.customerId,
      type: 'ticket.created',
      data: toWireTicket(created),
    });
    return { ticket: created, created: true };
  });
}

/** The app's tickets, newest first, optionally one status or one customer. */
export async function listTickets(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  query: { status?: TicketRow['status']; customerId?: string; limit: number },
): Promise<Ticket[]> {
  const rows = await deps.database.db
    .select()
    .from(tickets)
    .where(
      and(
        eq(tickets.appId, appId),
        query.status ? eq(tickets.status, query.status) : undefined,
        query.customerId ? eq(tickets.customerId, query.customerId) : undefined,
      ),
    )
    .orderBy(desc(tickets.updatedAt))
    .limit(query.limit);
  return (await openTicketRows(deps, rows)).map(toWireTicket);
}

/** One ticket of the app, or 404. */
export async function getTicket(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  id: string,
): Promise<Ticket> {
  const [row] = await deps.database.db
    .select()
    .from(tickets)
    .where(and(eq(tickets.appId, appId), eq(tickets.id, id)));
  if (!row) throw new ApiError('not_found', 'No such ticket.');
  return toWireTicket((await openTicketRows(deps, [row]))[0]!);
}

/**
 * Changes a ticket's status or fields (an agent or the merchant's backend) and tells the customer's
 * sessions. 404 `not_found` outside the app; 409 `conflict` for an erased customer's ticket.
 */
export async function updateTicket(
  deps: Deps,
  appId: string,
  id: string,
  patch: TicketUpdateBody,
  by: string,
): Promise<Ticket> {
  return deps.database.write(async (db, onCommit) => {
    const [found] = await db
      .select()
      .from(tickets)
      .where(and(eq(tickets.appId, appId), eq(tickets.id, id)));
    if (!found) throw new ApiError('not_found', 'No such ticket.');
    // An erased person's ticket stays only for the app's past figures (privacy/erase.ts). Reopening
    // it serves nobody; a status, field or note would put personal data back on it, re-create a
    // data key for the pseudonym and tell webhooks and the log about someone who is gone.
    if (isErasedId(found.customerId))
      throw new ApiError(
        'conflict',
        'This ticket belongs to an erased customer: it is kept, without personal data, for past figures only and can no longer change.',
      );
    const [row] = await openTicketRows(deps, [found], db);
    const now = deps.clock.now();
    const { note, ...fields } = patch;
    const notes = [...((row!.details.notes as unknown[] | undefined) ?? [])];
    if (note) notes.push({ by, text: note, at: iso(now) });
    const details = { ...row!.details, ...(note ? { notes } : {}) };
    const [stored] = await db
      .update(tickets)
      .set({ ...fields, details: await sealDetails(deps, db, onCommit, found, details), updatedAt: now })
      .where(eq(tickets.id, id))
      .returning();
    const updated = toWireTicket({ ...stored!, details });
    // The customer's sessions hear of the change, never of the note or who wrote it.
    await appendEvent(deps, db, onCommit, {
      appId,
      customerId: found.customerId,
      type: 'ticket.updated',
      data: updated,
    });
    return updated;
  });
}
