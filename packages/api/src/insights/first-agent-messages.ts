import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { insightCursors } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';

const SOURCE = 'first_agent_messages';

/**
 * Folds the first agent message of each conversation into `insight_first_agent_messages`: one
 * upsert over the messages past its cursor, up to the rollups' own messages cursor (so it is
 * bounded like them, and a reader's figures come from one consistent point),
 * keeping the earliest time, and the cursor moves with it, so a crash repeats nothing. Messages
 * are AUTOINCREMENT, so a seq is never reused after a sweep.
 */
export async function foldFirstAgentMessages(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<void> {
  await deps.database.write((db) => foldFirstAgentMessagesIn(deps, db));
}

/**
 * The same fold inside the caller's transaction: an erasure folds everything before it deletes the
 * person's messages, this too, or an agent message stored after its outer fold would be deleted
 * before this table saw it (and the conversation's human first response lost).
 */
export async function foldFirstAgentMessagesIn(deps: Pick<ServiceDeps, 'clock'>, db: Db): Promise<void> {
  const [cursor] = await db.select().from(insightCursors).where(eq(insightCursors.source, SOURCE));
  const from = cursor?.position ?? 0;
  const [folded] = await db.all<{ position: number | null }>(
    sql`SELECT position FROM insight_cursors WHERE source = 'messages'`,
  );
  const to = folded?.position ?? 0;
  if (to <= from) return;
  await db.run(sql`INSERT INTO insight_first_agent_messages (conversation_id, app_id, at)
      SELECT conversation_id, app_id, min(created_at) FROM messages
        WHERE seq > ${from} AND seq <= ${to} AND author_type = 'agent' GROUP BY conversation_id
      ON CONFLICT (conversation_id) DO UPDATE SET at = min(at, excluded.at)`);
  const now = deps.clock.now();
  await db
    .insert(insightCursors)
    .values({ source: SOURCE, position: to, updatedAt: now })
    .onConflictDoUpdate({ target: insightCursors.source, set: { position: to, updatedAt: now } });
}
