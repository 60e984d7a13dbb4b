import { sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import type { ServiceDeps } from '../platform/deps';

/**
 * `insight_slot_totals` (see its schema) is kept by triggers (migration 0019). The rows that were
 * there before the upgrade are added here, in short chunks by rowid, by the background fold (and
 * each reader's fold), so an upgrade never waits for them. Each table's cursor says up to which
 * rowid its rows are in the totals; the triggers follow only those rows, so a change to a row not
 * reached yet is simply counted when the chunk reaches it. `SLOT_TOTALS_DONE` follows every row.
 */
export const SLOT_TOTALS_DONE = Number.MAX_SAFE_INTEGER;
/** Rows per backfill transaction: a few milliseconds of write lock. */
export const SLOT_TOTALS_CHUNK = 5000;

const slotOf = (column: string) => `(${column} - ((${column} % 900000) + 900000) % 900000)`;
const BACKFILLS = [
  {
    source: 'slot_totals_conversations',
    table: 'insight_conversations',
    slot: slotOf('started_at'),
    figures: {
      conversations: 'count(*)',
      escalated: 'sum(escalated_at IS NOT NULL)',
      ai_answered: 'sum(bot_messages > 0 AND agent_messages = 0 AND escalated_at IS NULL)',
    },
  },
  {
    source: 'slot_totals_contacts',
    table: 'insight_contacts',
    slot: slotOf('at'),
    figures: {
      contacts: 'count(*)',
      repeat_contacts: 'sum(is_repeat <> 0)',
      repeat_with_context: 'sum(coalesce(is_repeat AND with_context, 0))',
      repeat_without_context: 'sum(coalesce(is_repeat AND NOT with_context, 0))',
    },
  },
] as const;

/**
 * Adds one chunk of each table's rows not yet in the totals (one transaction per chunk, cursor
 * moved with it, so a crash repeats nothing). Answers the rows added; 0 once both tables are done.
 */
export async function backfillSlotTotals(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  chunkRows = SLOT_TOTALS_CHUNK,
): Promise<number> {
  // Done for good after an upgrade's first minutes: a read, not a write transaction, per fold.
  if (await slotTotalsReady(deps.database.db)) return 0;
  let added = 0;
  for (const backfill of BACKFILLS)
    added += await deps.database.write(async (db) => {
      const [cursor] = await db.all<{ position: number }>(
        sql`SELECT position FROM insight_cursors WHERE source = ${backfill.source}`,
      );
      const from = cursor?.position ?? SLOT_TOTALS_DONE;
      if (from >= SLOT_TOTALS_DONE) return 0;
      const table = sql.raw(backfill.table);
      const [chunk] = await db.all<{ to: number | null; n: number }>(
        sql`SELECT max(rowid) AS "to", count(*) AS n FROM (SELECT rowid FROM ${table} WHERE rowid > ${from} ORDER BY rowid LIMIT ${chunkRows})`,
      );
      // Nothing past the cursor: every row is in, and from now on the triggers follow all rows.
      const to = chunk?.to ?? SLOT_TOTALS_DONE;
      if (chunk?.to !== null && chunk?.to !== undefined) {
        const columns = Object.keys(backfill.figures);
        await db.run(
          sql.raw(`INSERT INTO insight_slot_totals (app_id, slot, channel, ${columns.join(', ')})
            SELECT app_id, ${backfill.slot}, channel, ${Object.values(backfill.figures).join(', ')}
            FROM ${backfill.table} WHERE rowid > ${Math.trunc(from)} AND rowid <= ${Math.trunc(to)} GROUP BY 1, 2, 3
            ON CONFLICT (app_id, slot, channel) DO UPDATE SET ${columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`),
        );
      }
      await db.run(
        sql`UPDATE insight_cursors SET position = ${to}, updated_at = ${deps.clock.now()} WHERE source = ${backfill.source}`,
      );
      return chunk?.n ?? 0;
    });
  return added;
}

/** Whether every row is in the totals (else the metrics group the rows themselves). */
export async function slotTotalsReady(db: Db): Promise<boolean> {
  const [row] = await db.all<{ pending: number }>(
    sql`SELECT count(*) AS pending FROM insight_cursors
      WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts') AND position < ${SLOT_TOTALS_DONE}`,
  );
  return (row?.pending ?? 0) === 0;
}
