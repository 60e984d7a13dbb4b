import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillSlotTotals, slotTotalsReady } from '../src/insights/slot-totals';
import { createTestApi, type TestApi } from './harness';
import { expectSlotTotalsMatchRows, slotTotalsAndRows } from './insights-slot-totals';

/**
 * insight_slot_totals (migration 0019) is kept by triggers on insight_conversations and
 * insight_contacts. Whatever writes those rows — insert, the fold's upserts, merges that move
 * counts and start times, erasure's renames, deletes — the totals must equal the rows grouped
 * afresh, slot by slot, or the metrics would drift from the rows they summarise.
 */
const SLOT = 15 * 60_000;
const T = Date.UTC(2026, 9, 25, 0, 0); // a slot bound
let api: TestApi;
const run = (sql: string, args: (string | number | null)[] = []) =>
  api.database.client.execute({ sql, args });
const conversation = (id: string, app: string, channel: string, startedAt: number, bot = 1, agent = 0) =>
  run(
    `INSERT INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at,
      customer_messages, bot_messages, agent_messages, first_customer_at, first_response_at)
     VALUES (?, ?, 'cus_1', ?, ?, 1, ?, ?, ?, ?)`,
    [id, app, channel, startedAt, bot, agent, startedAt, startedAt + 900],
  );
const contact = (app: string, channel: string, at: number, isRepeat: 0 | 1, withContext: 0 | 1 | null) =>
  run(
    `INSERT INTO insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
     VALUES (?, 'cus_1', 'cnv_x', ?, 'returns', ?, ?, ?, ?)`,
    [app, channel, at, at, isRepeat, withContext],
  );

beforeAll(async () => {
  api = await createTestApi();
}, 60_000);
afterAll(() => api?.close());

describe('insight_slot_totals', () => {
  it('counts inserts into the slot of their start, bounds included, per app and channel', async () => {
    await conversation('c1', 'app_a', 'web', T); // first instant of a slot
    await conversation('c2', 'app_a', 'web', T + SLOT - 1); // last instant of the same slot
    await conversation('c3', 'app_a', 'web', T + SLOT); // the next slot
    await conversation('c4', 'app_a', 'app', T, 1, 1); // an agent wrote: not AI-answered
    await conversation('c5', 'app_b', 'web', T);
    await contact('app_a', 'web', T, 0, null);
    await contact('app_a', 'web', T + 5, 1, 1);
    await contact('app_a', 'web', T + 6, 1, 0);
    await expectSlotTotalsMatchRows(api);
    const { kept } = await slotTotalsAndRows(api);
    expect(kept.find((r) => r.app_id === 'app_a' && r.slot === T && r.channel === 'web')).toMatchObject({
      conversations: 2,
      ai_answered: 2,
      contacts: 3,
      repeat_contacts: 2,
      repeat_with_context: 1,
      repeat_without_context: 1,
    });
    expect(kept.find((r) => r.app_id === 'app_a' && r.slot === T && r.channel === 'app')).toMatchObject({
      conversations: 1,
      ai_answered: 0,
    });
  });

  it('moves with every update that changes a figure: escalation, an agent reply, a merge’s earlier start and channel', async () => {
    await run(`UPDATE insight_conversations SET escalated_at = ? WHERE conversation_id = 'c1'`, [T + 60_000]);
    await run(`UPDATE insight_conversations SET agent_messages = 1 WHERE conversation_id = 'c2'`);
    // A merge makes the kept conversation start earlier, on the other conversation's channel.
    await run(
      `UPDATE insight_conversations SET started_at = ?, channel = 'miniprogram' WHERE conversation_id = 'c3'`,
      [T - 3 * SLOT],
    );
    // A fold's late event: the same conversation gets more bot messages (no figure changes).
    await run(
      `UPDATE insight_conversations SET bot_messages = bot_messages + 3 WHERE conversation_id = 'c4'`,
    );
    // Contacts re-labelled (a repeat found later) and moved to another customer (a merge).
    await run(`UPDATE insight_contacts SET is_repeat = 1, with_context = 0 WHERE with_context IS NULL`);
    await run(`UPDATE insight_contacts SET customer_id = 'cus_2'`);
    await expectSlotTotalsMatchRows(api);
    const { kept } = await slotTotalsAndRows(api);
    // c3 left its slot: nothing of app_a is there any more, so the row is gone, not left at zero.
    expect(kept.find((r) => r.app_id === 'app_a' && r.slot === T + SLOT)).toBeUndefined();
  });

  it('follows renames (erasure’s pseudonyms) without counting twice, and deletes (a merge’s dropped row)', async () => {
    await run(
      `UPDATE insight_conversations SET conversation_id = 'erased_1', customer_id = 'erased' WHERE conversation_id = 'c1'`,
    );
    await run(
      `UPDATE OR IGNORE insight_conversations SET conversation_id = 'c4' WHERE conversation_id = 'c2'`,
    );
    await run(`DELETE FROM insight_conversations WHERE conversation_id = 'c2'`);
    await run(`DELETE FROM insight_contacts WHERE at = ?`, [T + 5]);
    await run(`UPDATE insight_conversations SET app_id = 'app_c' WHERE conversation_id = 'c5'`);
    await expectSlotTotalsMatchRows(api);
    expect((await slotTotalsAndRows(api)).kept.some((r) => r.app_id === 'app_b')).toBe(false);
  });

  it('is filled after an upgrade by the background backfill, chunk by chunk, exactly, whatever changes meanwhile', async () => {
    const upgrade = async () => {
      await run('DELETE FROM insight_slot_totals');
      await run(
        "UPDATE insight_cursors SET position = 0 WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts')",
      );
    };
    for (let i = 0; i < 30; i++) {
      await conversation(`b${i}`, 'app_a', i % 2 ? 'web' : 'app', T + i * 7 * 60_000, 1, i % 3 === 0 ? 1 : 0);
      await contact(
        'app_a',
        i % 2 ? 'web' : 'app',
        T + i * 7 * 60_000,
        (i % 2) as 0 | 1,
        i % 2 ? ((i % 4 === 1 ? 1 : 0) as 0 | 1) : null,
      );
    }
    const before = (await slotTotalsAndRows(api)).kept;
    await upgrade();
    expect(await slotTotalsReady(api.database.db)).toBe(false);
    expect((await slotTotalsAndRows(api)).kept).toEqual([]);
    expect(await backfillSlotTotals(api.deps, 7)).toBe(14);
    // Between chunks: rows behind the cursor and past it change, a row goes, new rows come.
    await run(
      `UPDATE insight_conversations SET escalated_at = started_at + 1 WHERE conversation_id IN ('c4', 'b29')`,
    );
    await run(
      `UPDATE insight_conversations SET started_at = started_at - ? WHERE conversation_id IN ('c5', 'b28')`,
      [SLOT],
    );
    await run(`DELETE FROM insight_conversations WHERE conversation_id IN ('c3', 'b27')`);
    await run(`UPDATE insight_contacts SET is_repeat = 1, with_context = 1`);
    await conversation('late', 'app_a', 'phone', T + 2 * SLOT);
    await contact('app_a', 'phone', T + 2 * SLOT, 0, null);
    for (let round = 0; round < 100 && (await backfillSlotTotals(api.deps, 7)) > 0; round++);
    expect(await slotTotalsReady(api.database.db)).toBe(true);
    await expectSlotTotalsMatchRows(api);
    // Done: new rows are followed by the triggers at once.
    await conversation('after', 'app_a', 'phone', T + 3 * SLOT);
    await expectSlotTotalsMatchRows(api);
    // And an upgrade of an unchanged table gives back exactly what the triggers had kept.
    const kept = (await slotTotalsAndRows(api)).kept;
    await upgrade();
    for (let round = 0; round < 100 && (await backfillSlotTotals(api.deps)) > 0; round++);
    expect((await slotTotalsAndRows(api)).kept).toEqual(kept);
    expect(before.length).toBeGreaterThan(0);
  });
});
