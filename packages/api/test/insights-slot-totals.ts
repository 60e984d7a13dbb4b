import { expect } from 'vitest';
import type { TestApi } from './harness';

/** The 15-minute UTC slot of an epoch-ms column, floored (as migration 0019 computes it). */
const slotOf = (column: string) => `(${column} - ((${column} % 900000) + 900000) % 900000)`;

/**
 * The per-slot totals as the triggers keep them, and the same figures grouped afresh from
 * `insight_conversations` and `insight_contacts`: a test asserts the two are equal after whatever
 * it did (folds, merges, erasures, late events), so the metrics read from the totals are exactly
 * what grouping every row would give.
 */
export async function slotTotalsAndRows(api: Pick<TestApi, 'database'>) {
  const client = api.database.client;
  const kept = await client.execute(`SELECT app_id, slot, channel, conversations, escalated, ai_answered,
      contacts, repeat_contacts, repeat_with_context, repeat_without_context
    FROM insight_slot_totals ORDER BY app_id, slot, channel`);
  const grouped = await client.execute(`WITH c AS (
      SELECT app_id, ${slotOf('started_at')} AS slot, channel, count(*) AS conversations,
        sum(escalated_at IS NOT NULL) AS escalated,
        sum(bot_messages > 0 AND agent_messages = 0 AND escalated_at IS NULL) AS ai_answered
      FROM insight_conversations GROUP BY 1, 2, 3),
    k AS (
      SELECT app_id, ${slotOf('at')} AS slot, channel, count(*) AS contacts, sum(is_repeat <> 0) AS repeat_contacts,
        sum(coalesce(is_repeat AND with_context, 0)) AS repeat_with_context,
        sum(coalesce(is_repeat AND NOT with_context, 0)) AS repeat_without_context
      FROM insight_contacts GROUP BY 1, 2, 3),
    keys AS (SELECT app_id, slot, channel FROM c UNION SELECT app_id, slot, channel FROM k)
    SELECT keys.app_id, keys.slot, keys.channel, coalesce(c.conversations, 0) AS conversations,
      coalesce(c.escalated, 0) AS escalated, coalesce(c.ai_answered, 0) AS ai_answered,
      coalesce(k.contacts, 0) AS contacts, coalesce(k.repeat_contacts, 0) AS repeat_contacts,
      coalesce(k.repeat_with_context, 0) AS repeat_with_context,
      coalesce(k.repeat_without_context, 0) AS repeat_without_context
    FROM keys LEFT JOIN c USING (app_id, slot, channel) LEFT JOIN k USING (app_id, slot, channel)
    ORDER BY 1, 2, 3`);
  const plain = (rows: typeof kept.rows) => rows.map((row) => ({ ...row }));
  return { kept: plain(kept.rows), grouped: plain(grouped.rows) };
}

/** Asserts the per-slot totals equal the rows they sum (see slotTotalsAndRows). */
export async function expectSlotTotalsMatchRows(api: Pick<TestApi, 'database'>) {
  const { kept, grouped } = await slotTotalsAndRows(api);
  expect(grouped.length).toBeGreaterThan(0);
  expect(kept).toEqual(grouped);
}
