import type { LiveReplyPayload } from '@threadline/sdk-core/protocol';
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { liveComments, liveMentions, liveReplies, liveRooms } from '../db/schema';
import { openAllForCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';

/** The person's livestream comments on every platform, decrypted, with the room each was made in. */
export async function exportLiveComments(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  ids: string[],
): Promise<Record<string, unknown>[]> {
  const rows = await db
    .select({
      comment: liveComments,
      channel: liveRooms.channel,
      roomId: liveRooms.platformRoomId,
      title: liveRooms.title,
    })
    .from(liveComments)
    .innerJoin(liveRooms, eq(liveRooms.id, liveComments.roomId))
    .where(inArray(liveComments.customerId, ids))
    .orderBy(asc(liveComments.seq));
  const texts = await openAllForCustomers(
    deps,
    rows.map((r) => r.comment.text),
  );
  return rows.map((r, i) => ({
    channel: r.channel,
    roomId: r.roomId,
    roomTitle: r.title,
    viewerId: r.comment.viewerId,
    nickname: r.comment.nickname,
    text: texts[i] ?? null,
    kind: r.comment.kind,
    at: iso(r.comment.at),
  }));
}

/**
 * Erases the person as a livestream viewer: their comments go, their @-mentions are removed from
 * the room-answer records, and their handle and nickname are taken out of stored room replies.
 */
export async function eraseLiveViewer(db: Db, appId: string, ids: string[]): Promise<void> {
  const viewers = await db
    .selectDistinct({ viewerId: liveComments.viewerId, nickname: liveComments.nickname })
    .from(liveComments)
    .where(inArray(liveComments.customerId, ids));
  const viewerIds = [...new Set(viewers.map((v) => v.viewerId))];
  if (viewerIds.length > 0) {
    const rooms = db.select({ id: liveRooms.id }).from(liveRooms).where(eq(liveRooms.appId, appId));
    await db
      .delete(liveMentions)
      .where(and(inArray(liveMentions.roomId, rooms), inArray(liveMentions.viewerId, viewerIds)));
    // Replies that @-mention them: the payload names their handle (JSON text, so instr finds it).
    const mentioning = await db
      .select({ id: liveReplies.id, payload: liveReplies.payload })
      .from(liveReplies)
      .where(
        and(
          eq(liveReplies.appId, appId),
          or(...viewerIds.map((v) => sql`instr(${liveReplies.payload}, ${JSON.stringify(v)}) > 0`)),
        ),
      );
    const gone = new Set(viewerIds);
    for (const reply of mentioning) {
      const payload = reply.payload as LiveReplyPayload;
      const messages = payload.messages.map((message) => {
        const erased = message.mentions.filter((m) => gone.has(m.viewerId));
        let text = message.text;
        for (const m of erased)
          if (m.nickname) text = text.split(`@${m.nickname} `).join('').split(`@${m.nickname}`).join('');
        return { text, mentions: message.mentions.filter((m) => !gone.has(m.viewerId)) };
      });
      await db
        .update(liveReplies)
        .set({ payload: { ...payload, messages } })
        .where(eq(liveReplies.id, reply.id));
    }
  }
  await db.delete(liveComments).where(inArray(liveComments.customerId, ids));
}
