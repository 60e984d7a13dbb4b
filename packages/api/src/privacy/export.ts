import type { CustomerExport } from '@threadline/sdk-core/protocol';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { recordAudit } from '../audit';
import { openHandoffSummary, toWireMessages } from '../conversations';
import { settleDeferredWrites } from '../db/deferred-writes';
import {
  assignments,
  conversationNotes,
  conversations,
  csatRatings,
  customerEvents,
  customerPii,
  customers,
  handoffCodes,
  identities,
  messages,
  orders,
  sessions,
  tickets,
  unansweredQuestions,
  voiceCalls,
} from '../db/schema';
import { openAllForCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { openPii, openTrackedEvents } from '../profile';
import { openTicketRows, toWireTicket } from '../tickets';
import { exportLiveComments } from './livestream';
import { personOf, wasErased } from './people';

const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

/**
 * Everything Threadline holds about one person (GDPR art. 15/20), decrypted: the customer and
 * every customer merged into it, identities on every channel (phone and email in full), contact
 * details, sessions, conversations with their summaries, every message, tickets, orders, tracked
 * events, handoff codes (never the codes themselves), agents' notes, assignments and unanswered
 * questions. The export is written to the audit log with who asked and from where.
 */
export async function exportCustomer(
  deps: ServiceDeps,
  appId: string,
  customerId: string,
  asker: { address: string },
): Promise<CustomerExport> {
  // Questions from livestream rooms acknowledged before this call belong in "every message".
  await settleDeferredWrites(deps.database);
  const db = deps.database.db;
  const person = await personOf(db, appId, customerId);
  if (!person || (await wasErased(db, appId, person.primary.id)))
    throw new ApiError('not_found', 'No such customer (or it was erased).');
  const ids = person.ids;
  const inPerson = (column: SQLiteColumn) => inArray(column, ids);

  const [
    identityRows,
    piiRows,
    sessionRows,
    conversationRows,
    messageRows,
    ticketRows,
    orderRows,
    eventRows,
    handoffRows,
    noteRows,
    assignmentRows,
    questionRows,
    csatRows,
    callRows,
  ] = await Promise.all([
    db.select().from(identities).where(inPerson(identities.customerId)).orderBy(asc(identities.createdAt)),
    db.select().from(customerPii).where(inPerson(customerPii.customerId)),
    db.select().from(sessions).where(inPerson(sessions.customerId)).orderBy(asc(sessions.createdAt)),
    db
      .select()
      .from(conversations)
      .where(inPerson(conversations.customerId))
      .orderBy(asc(conversations.createdAt)),
    db.select().from(messages).where(inPerson(messages.customerId)).orderBy(asc(messages.seq)),
    db.select().from(tickets).where(inPerson(tickets.customerId)).orderBy(asc(tickets.createdAt)),
    db
      .select()
      .from(orders)
      .where(and(eq(orders.appId, appId), inPerson(orders.customerId))),
    db
      .select()
      .from(customerEvents)
      .where(inPerson(customerEvents.customerId))
      .orderBy(asc(customerEvents.id)),
    db
      .select()
      .from(handoffCodes)
      .where(inPerson(handoffCodes.customerId))
      .orderBy(asc(handoffCodes.createdAt)),
    db
      .select()
      .from(conversationNotes)
      .where(inPerson(conversationNotes.customerId))
      .orderBy(asc(conversationNotes.createdAt)),
    db
      .select()
      .from(assignments)
      .where(inPerson(assignments.customerId))
      .orderBy(asc(assignments.assignedAt)),
    db
      .select()
      .from(unansweredQuestions)
      .where(inPerson(unansweredQuestions.customerId))
      .orderBy(asc(unansweredQuestions.id)),
    db.select().from(csatRatings).where(inPerson(csatRatings.customerId)).orderBy(asc(csatRatings.createdAt)),
    db.select().from(voiceCalls).where(inPerson(voiceCalls.customerId)).orderBy(asc(voiceCalls.createdAt)),
  ]);
  const liveComments = await exportLiveComments(deps, db, ids);
  const trackedEvents = await openTrackedEvents(deps, eventRows);
  const aliasRows = person.aliasIds.length
    ? await db.select().from(customers).where(inArray(customers.id, person.aliasIds))
    : [];

  const [wire, openedTickets, piiValues, orderValues, noteTexts, questionTexts, csatComments] =
    await Promise.all([
      toWireMessages(deps, messageRows),
      openTicketRows(deps, ticketRows),
      openPii(
        deps,
        piiRows.map((r) => r.valueEnc),
      ),
      openPii(
        deps,
        orderRows.flatMap((r) => [r.addressEnc, r.paymentEnc]),
      ),
      openAllForCustomers(
        deps,
        noteRows.map((r) => r.textEnc),
      ),
      openAllForCustomers(
        deps,
        questionRows.map((r) => r.text),
      ),
      openAllForCustomers(
        deps,
        csatRows.map((r) => r.comment),
      ),
    ]);
  const contact = { phone: null, address: null, payment: null } as CustomerExport['contact'];
  piiRows.forEach((row, i) => {
    contact[row.field] = piiValues[i] ?? null;
  });
  const summaries = await Promise.all(
    conversationRows.map((c) => (c.summary ? openHandoffSummary(deps, c.summary) : null)),
  );

  const document: CustomerExport = {
    exportedAt: iso(deps.clock.now()),
    customer: {
      id: person.primary.id,
      identified: person.primary.identified,
      // A merged-away record may carry a name the survivor lacks.
      name: person.primary.name ?? aliasRows.find((a) => a.name)?.name ?? null,
      attributes: Object.assign({}, ...aliasRows.map((a) => a.attributes), person.primary.attributes),
      createdAt: iso(Math.min(person.primary.createdAt, ...aliasRows.map((a) => a.createdAt))),
      mergedIds: person.aliasIds,
    },
    identities: identityRows.map((r) => ({
      kind: r.kind,
      // Phone and email are stored as a keyed hash for look-ups plus the sealed value.
      value: r.valueEnc ? deps.sealer.open(r.valueEnc) : r.value,
      verified: r.verified,
      createdAt: iso(r.createdAt),
    })),
    contact,
    sessions: sessionRows.map((r) => ({
      id: r.id,
      channel: r.channel,
      createdAt: iso(r.createdAt),
      device: r.device ?? null,
    })),
    channels: [
      ...new Set([
        ...sessionRows.map((s) => s.channel),
        ...messageRows.map((m) => m.channel),
        ...liveComments.map((c) => String(c.channel)),
      ]),
    ].sort(),
    liveComments,
    conversations: conversationRows.map((c, i) => ({
      id: c.id,
      status: c.status,
      channel: c.channel,
      lastChannel: c.lastChannel,
      createdAt: iso(c.createdAt),
      resolvedAt: isoOrNull(c.resolvedAt),
      summary: summaries[i],
    })),
    messages: wire,
    tickets: openedTickets.map(toWireTicket),
    orders: orderRows.map((r, i) => ({
      id: r.id,
      status: r.status,
      items: r.items,
      amount: r.amount,
      currency: r.currency,
      trackingNumber: r.trackingNumber,
      carrier: r.carrier,
      address: orderValues[2 * i] ?? null,
      payment: orderValues[2 * i + 1] ?? null,
      placedAt: iso(r.placedAt),
    })),
    events: trackedEvents.map((r) => ({
      name: r.name,
      channel: r.channel,
      properties: r.properties,
      at: iso(r.createdAt),
    })),
    handoffs: handoffRows.map((r) => ({
      fromChannel: r.fromChannel,
      toChannel: r.toChannel,
      conversationId: r.conversationId,
      createdBy: r.createdBy,
      createdAt: iso(r.createdAt),
      expiresAt: iso(r.expiresAt),
      claimedAt: isoOrNull(r.claimedAt),
    })),
    notes: noteRows.map((r, i) => ({
      conversationId: r.conversationId,
      agentId: r.agentId,
      text: noteTexts[i] ?? null,
      createdAt: iso(r.createdAt),
    })),
    assignments: assignmentRows.map((r) => ({
      conversationId: r.conversationId,
      agentId: r.agentId,
      how: r.how,
      queuedAt: isoOrNull(r.queuedAt),
      assignedAt: iso(r.assignedAt),
      endedAt: isoOrNull(r.endedAt),
      endReason: r.endReason,
    })),
    unansweredQuestions: questionRows.map((r, i) => ({
      channel: r.channel,
      conversationId: r.conversationId,
      text: questionTexts[i] ?? null,
      kind: r.kind,
      at: iso(r.createdAt),
    })),
    csat: csatRows.map((r, i) => ({
      conversationId: r.conversationId,
      channel: r.channel,
      agentId: r.agentId,
      rating: r.rating,
      comment: csatComments[i] ?? null,
      createdAt: iso(r.createdAt),
    })),
    voiceCalls: callRows.map((r) => ({
      provider: r.provider,
      callId: r.callId,
      turns: r.turn + 1,
      startedAt: iso(r.createdAt),
      endedAt: isoOrNull(r.endedAt),
    })),
  };
  await deps.database.write((db) =>
    recordAudit(deps, db, {
      appId,
      actor: { type: 'merchant', id: null },
      action: 'customer.exported',
      subject: { type: 'customer', id: person.primary.id },
      details: {
        from: asker.address,
        aliases: person.aliasIds.length,
        messages: wire.length,
        channels: document.channels,
      },
    }),
  );
  return document;
}
