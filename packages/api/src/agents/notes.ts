import type { Note } from '@threadline/sdk-core/protocol';
import { and, asc, eq, gte, inArray, lte } from 'drizzle-orm';
import type { ConversationRow } from '../conversations';
import type { Db } from '../db/database';
import { agents, conversationNotes } from '../db/schema';
import { maskCardNumbers } from '../platform/card-numbers';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createSortableId } from '../platform/secrets';
import { openPii, sealPii } from '../profile';
import { appendStaffEvent } from './routing';

type NoteRow = typeof conversationNotes.$inferSelect;

const toWireNote = (row: NoteRow, text: string, authorName: string): Note => ({
  id: row.id,
  conversationId: row.conversationId,
  customerId: row.customerId,
  author: { id: row.agentId, name: authorName },
  text,
  createdAt: iso(row.createdAt),
});

/**
 * An internal note on a conversation: sealed at rest, shown only on agent routes and the agent
 * stream (`note.created`, without the text — consoles read it from the conversation's timeline).
 */
export async function addNote(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  conversation: Pick<ConversationRow, 'id' | 'appId' | 'customerId'>,
  agent: { id: string; name: string },
  text: string,
  clientNoteId?: string,
): Promise<Note> {
  if (clientNoteId) {
    const [existing] = await db
      .select()
      .from(conversationNotes)
      .where(and(eq(conversationNotes.agentId, agent.id), eq(conversationNotes.clientNoteId, clientNoteId)))
      .limit(1);
    if (existing) {
      if (existing.conversationId !== conversation.id)
        throw new ApiError(
          'conflict',
          'This clientNoteId was already used for a note on another conversation.',
        );
      const [opened] = await openPii(deps, [existing.textEnc], db);
      return toWireNote(existing, opened ?? '', agent.name);
    }
  }
  const now = deps.clock.now();
  const [row] = await db
    .insert(conversationNotes)
    .values({
      id: createSortableId('note', now),
      appId: conversation.appId,
      conversationId: conversation.id,
      customerId: conversation.customerId,
      agentId: agent.id,
      textEnc: await sealPii(deps, db, onCommit, conversation, maskCardNumbers(text)),
      clientNoteId: clientNoteId ?? null,
      createdAt: now,
    })
    .returning();
  await appendStaffEvent(deps, db, onCommit, {
    appId: conversation.appId,
    customerId: conversation.customerId,
    type: 'note.created',
    data: {
      id: row!.id,
      conversationId: row!.conversationId,
      customerId: row!.customerId,
      author: { id: agent.id, name: agent.name },
      createdAt: iso(now),
    },
  });
  return toWireNote(row!, maskCardNumbers(text), agent.name);
}

/** A customer's notes written between two instants (inclusive), oldest first. */
export async function notesBetween(
  deps: Pick<ServiceDeps, 'sealer' | 'database'>,
  db: Db,
  customerId: string,
  from: number,
  to: number,
): Promise<Note[]> {
  const rows = await db
    .select()
    .from(conversationNotes)
    .where(
      and(
        eq(conversationNotes.customerId, customerId),
        gte(conversationNotes.createdAt, from),
        lte(conversationNotes.createdAt, to),
      ),
    )
    .orderBy(asc(conversationNotes.createdAt), asc(conversationNotes.id))
    .limit(500);
  const authorIds = [...new Set(rows.map((r) => r.agentId))];
  const authors = authorIds.length
    ? await db.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, authorIds))
    : [];
  const names = new Map(authors.map((a) => [a.id, a.name]));
  const texts = await openPii(
    deps,
    rows.map((row) => row.textEnc),
    db,
  );
  // An erased customer's notes open as nothing and are left out.
  return rows.flatMap((row, i) => {
    const text = texts[i];
    return text === null || text === undefined ? [] : [toWireNote(row, text, names.get(row.agentId) ?? '')];
  });
}
