import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import {
  escalateConversation,
  escalateConversations,
  insertMessages,
  openConversation,
  openConversations,
  toWireMessage,
} from '../conversations';
import { conversations, kbProducts } from '../db/schema';
import { openAllForCustomers, resolveCustomer, resolveCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { appendEvent, appendEvents } from '../realtime';
import type { LiveRoomRow } from './rooms';
import { liveComments } from './schema';

export interface EscalatedComment {
  seq: number;
  itemId: string;
  customerId: string;
  nickname: string | null;
  text: string;
  at: number;
  reason: string;
  intent: string | null;
}

/**
 * Turns an escalation-worthy comment (a complaint, an order problem, a request for a person) into
 * a normal conversation on the livestream channel, queued for agents through the escalation
 * service: the comment becomes the customer's message, and the conversation's context (hence its
 * handoff summary) carries the room — channel, room id, title, the products on the shelf.
 * Idempotent per comment: the comment row records the message, and a row already handed over is
 * left alone, so the sweep after a restart can run it again safely.
 */
export async function escalateComment(
  deps: ServiceDeps,
  room: LiveRoomRow,
  comment: EscalatedComment,
): Promise<void> {
  await deps.database.write(async (db, onCommit) => {
    const [row] = await db
      .select({ messageId: liveComments.messageId })
      .from(liveComments)
      .where(eq(liveComments.seq, comment.seq))
      .limit(1);
    if (!row || row.messageId) return;
    const customer = await resolveCustomer(db, room.appId, comment.customerId);
    const conversation = await openConversation(deps, db, room.appId, customer.id, room.channel);
    const shelf = room.shelf.productIds.length
      ? await db
          .select({ id: kbProducts.id, name: kbProducts.name })
          .from(kbProducts)
          .where(and(eq(kbProducts.appId, room.appId), inArray(kbProducts.id, room.shelf.productIds)))
      : [];
    await db
      .update(conversations)
      .set({
        lastChannel: room.channel,
        updatedAt: deps.clock.now(),
        context: withRoom(conversation.context as Record<string, unknown>, room, shelf, comment),
      })
      .where(eq(conversations.id, conversation.id));
    const [message] = await insertMessages(deps, db, onCommit, [
      messageOf(room, comment, customer.id, conversation.id),
    ]);
    await appendEvent(deps, db, onCommit, {
      appId: room.appId,
      customerId: customer.id,
      type: 'message.created',
      data: toWireMessage(message!),
    });
    await db
      .update(liveComments)
      .set({ messageId: message!.id })
      .where(and(eq(liveComments.seq, comment.seq), isNull(liveComments.messageId)));
    // A write inside a write joins it: the message, the room context and the queueing commit together.
    await escalateConversation(deps, {
      appId: room.appId,
      customerId: customer.id,
      channel: room.channel,
      reason: `livestream_${comment.reason}`,
    });
  });
}

/**
 * `escalateComment` for many comments of one room in one transaction, with set statements where
 * the one-at-a-time path runs one per comment: which comments are still to hand over, their
 * customers, the shelf, the open conversations (opened where missing), the messages' events and
 * the comments' message ids. Each conversation is then queued by the escalation service as before
 * (handoff summary, routing), in the same transaction. A viewer's comments are taken in rounds —
 * their first in the first round, their second in the next — so each conversation sees what it
 * would one comment at a time (its summary is built after its first complaint, a later one joins
 * a conversation already queued). Idempotent like `escalateComment`. Returns the comments it left
 * to the caller to hand over one at a time (their customer is gone — erased — where that path
 * reports the error as before; or a lone comment).
 */
export async function escalateComments(
  deps: ServiceDeps,
  room: LiveRoomRow,
  given: EscalatedComment[],
): Promise<EscalatedComment[]> {
  // One comment: the one-at-a-time path is the same work.
  if (given.length <= 1) return given;
  return deps.database.write(async (db, onCommit) => {
    const seqs = [...new Set(given.map((c) => c.seq))];
    const waiting = new Set<number>();
    for (let i = 0; i < seqs.length; i += 500) {
      const rows = await db
        .select({ seq: liveComments.seq })
        .from(liveComments)
        .where(and(inArray(liveComments.seq, seqs.slice(i, i + 500)), isNull(liveComments.messageId)));
      for (const row of rows) waiting.add(row.seq);
    }
    const todo: EscalatedComment[] = [];
    for (const comment of given) {
      if (!waiting.delete(comment.seq)) continue;
      todo.push(comment);
    }
    if (todo.length === 0) return [];
    const resolved = await resolveCustomers(
      db,
      room.appId,
      todo.map((c) => c.customerId),
    );
    const left = todo.filter((c) => !resolved.has(c.customerId));
    const shelf = room.shelf.productIds.length
      ? await db
          .select({ id: kbProducts.id, name: kbProducts.name })
          .from(kbProducts)
          .where(and(eq(kbProducts.appId, room.appId), inArray(kbProducts.id, room.shelf.productIds)))
      : [];
    // Rounds: a viewer's n-th comment goes in round n (merged ids count as one viewer).
    const rounds: { comment: EscalatedComment; customerId: string }[][] = [];
    const seen = new Map<string, number>();
    for (const comment of todo) {
      const customerId = resolved.get(comment.customerId)?.id;
      if (!customerId) continue;
      const n = seen.get(customerId) ?? 0;
      seen.set(customerId, n + 1);
      if (!rounds[n]) rounds[n] = [];
      rounds[n].push({ comment, customerId });
    }
    for (const round of rounds) {
      const open = await openConversations(
        deps,
        db,
        room.appId,
        round.map((r) => r.customerId),
        room.channel,
      );
      const now = deps.clock.now();
      const contexts = round.map(({ comment, customerId }) => {
        const conversation = open.get(customerId)!;
        return {
          id: conversation.id,
          context: withRoom(conversation.context as Record<string, unknown>, room, shelf, comment),
        };
      });
      await db.run(
        sql`update ${conversations} set ${sql.identifier(conversations.lastChannel.name)} = ${room.channel}, ${sql.identifier(conversations.updatedAt.name)} = ${now}, ${sql.identifier(conversations.context.name)} = case ${sql.identifier(conversations.id.name)} ${sql.join(
          contexts.map((c) => sql`when ${c.id} then ${JSON.stringify(c.context)}`),
          sql` `,
        )} end where ${sql.identifier(conversations.id.name)} in (${sql.join(
          contexts.map((c) => sql`${c.id}`),
          sql`, `,
        )})`,
      );
      const stored = await insertMessages(
        deps,
        db,
        onCommit,
        round.map(({ comment, customerId }) =>
          messageOf(room, comment, customerId, open.get(customerId)!.id),
        ),
      );
      await appendEvents(
        deps,
        db,
        onCommit,
        stored.map((message) => ({
          appId: room.appId,
          customerId: message.customerId,
          type: 'message.created',
          data: toWireMessage(message),
        })),
      );
      await db.run(
        sql`update ${liveComments} set ${sql.identifier(liveComments.messageId.name)} = case ${sql.identifier(liveComments.seq.name)} ${sql.join(
          round.map((r, i) => sql`when ${r.comment.seq} then ${stored[i]!.id}`),
          sql` `,
        )} end where ${sql.identifier(liveComments.seq.name)} in (${sql.join(
          round.map((r) => sql`${r.comment.seq}`),
          sql`, `,
        )}) and ${sql.identifier(liveComments.messageId.name)} is null`,
      );
      // A write inside a write joins it: the conversations are queued in this transaction.
      await escalateConversations(
        deps,
        round.map(({ comment, customerId }) => ({
          appId: room.appId,
          customerId,
          channel: room.channel,
          reason: `livestream_${comment.reason}`,
        })),
      );
    }
    return left;
  });
}

/**
 * Escalations of a room that were committed but not yet handed over (a crash or a close within the
 * gather), oldest first. Read in pages of SWEEP_PAGE by comment seq, so a restart hands over every
 * one, not the first page only (review-w: 700 pending after a close, 200 stranded); at most
 * SWEEP_PAGES pages, so one room's sweep stays bounded — what is left waits for the next load.
 */
export async function pendingEscalations(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  room: LiveRoomRow,
): Promise<EscalatedComment[]> {
  const rows: (Omit<EscalatedComment, 'reason'> & { reason: string | null })[] = [];
  for (let page = 0; page < SWEEP_PAGES; page++) {
    const after = rows.length ? rows[rows.length - 1]!.seq : -1;
    const found = await deps.database.db
      .select({
        seq: liveComments.seq,
        itemId: liveComments.itemId,
        customerId: liveComments.customerId,
        nickname: liveComments.nickname,
        text: liveComments.text,
        at: liveComments.at,
        reason: liveComments.escalation,
        intent: liveComments.intent,
      })
      .from(liveComments)
      .where(
        and(
          eq(liveComments.roomId, room.id),
          eq(liveComments.kind, 'escalation'),
          isNull(liveComments.messageId),
          gt(liveComments.seq, after),
        ),
      )
      .orderBy(asc(liveComments.seq))
      .limit(SWEEP_PAGE);
    rows.push(...found);
    if (found.length < SWEEP_PAGE) break;
  }
  // Comment texts are sealed with the viewer's key.
  const texts = await openAllForCustomers(
    deps,
    rows.map((row) => row.text),
  );
  return rows.map((row, i) => ({ ...row, text: texts[i] ?? '', reason: row.reason ?? 'complaint' }));
}

/** Pending escalations read per page by a restart's sweep, and the pages read at most per room load. */
const SWEEP_PAGE = 500;
const SWEEP_PAGES = 200;

/** The conversation's context with the room it came from (channel, room, title, shelf, the comment). */
function withRoom(
  context: Record<string, unknown>,
  room: LiveRoomRow,
  shelf: { id: string; name: string }[],
  comment: EscalatedComment,
): Record<string, unknown> {
  const intents = Array.isArray(context.intents) ? (context.intents as string[]) : [];
  const productIds = Array.isArray(context.productIds) ? (context.productIds as string[]) : [];
  const shown = room.shelf.productIds[0];
  return {
    ...context,
    liveRoom: {
      channel: room.channel,
      roomId: room.platformRoomId,
      title: room.title,
      segment: room.shelf.segment,
      shelf: shelf.map((p) => ({ id: p.id, name: p.name })),
      commentId: comment.itemId,
      commentAt: iso(comment.at),
      reason: comment.reason,
    },
    ...(comment.intent ? { intents: [...new Set([...intents, comment.intent])].slice(-10) } : {}),
    ...(shown
      ? {
          lastProductId: context.lastProductId ?? shown,
          productIds: [...new Set([...productIds, shown])],
        }
      : {}),
  };
}

/** The comment as the customer's message in their conversation. */
function messageOf(room: LiveRoomRow, comment: EscalatedComment, customerId: string, conversationId: string) {
  return {
    id: createSortableId('msg', comment.at),
    appId: room.appId,
    customerId,
    conversationId,
    channel: room.channel,
    authorType: 'customer' as const,
    authorId: null,
    authorName: comment.nickname,
    text: comment.text,
    clientMessageId: null,
    inReplyTo: null,
    intent: comment.intent,
    meta: { live: { channel: room.channel, roomId: room.platformRoomId, commentId: comment.itemId } },
    createdAt: comment.at,
  };
}
