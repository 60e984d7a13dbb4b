import { and, eq, inArray, isNull } from 'drizzle-orm';
import { escalateConversation, insertMessages, openConversation, toWireMessage } from '../conversations';
import { conversations, kbProducts } from '../db/schema';
import { openAllForCustomers, resolveCustomer } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { createSortableId } from '../platform/secrets';
import { appendEvent } from '../realtime';
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
    const context = conversation.context as Record<string, unknown>;
    const intents = Array.isArray(context.intents) ? (context.intents as string[]) : [];
    const productIds = Array.isArray(context.productIds) ? (context.productIds as string[]) : [];
    const shown = room.shelf.productIds[0];
    await db
      .update(conversations)
      .set({
        lastChannel: room.channel,
        updatedAt: deps.clock.now(),
        context: {
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
        },
      })
      .where(eq(conversations.id, conversation.id));
    const [message] = await insertMessages(deps, db, onCommit, [
      {
        id: createSortableId('msg', comment.at),
        appId: room.appId,
        customerId: customer.id,
        conversationId: conversation.id,
        channel: room.channel,
        authorType: 'customer',
        authorId: null,
        authorName: comment.nickname,
        text: comment.text,
        clientMessageId: null,
        inReplyTo: null,
        intent: comment.intent,
        meta: { live: { channel: room.channel, roomId: room.platformRoomId, commentId: comment.itemId } },
        createdAt: comment.at,
      },
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

/** Escalations of a room that were committed but not yet handed over (a crash in between). */
export async function pendingEscalations(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  room: LiveRoomRow,
): Promise<EscalatedComment[]> {
  const rows = await deps.database.db
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
      ),
    )
    .limit(500);
  // Comment texts are sealed with the viewer's key.
  const texts = await openAllForCustomers(
    deps,
    rows.map((row) => row.text),
  );
  return rows.map((row, i) => ({ ...row, text: texts[i] ?? '', reason: row.reason ?? 'complaint' }));
}
