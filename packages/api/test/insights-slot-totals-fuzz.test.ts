import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillSlotTotals, slotTotalsReady } from '../src/insights/slot-totals';
import { createTestApi, type TestApi } from './harness';
import { slotTotalsAndRows } from './insights-slot-totals';

/**
 * A fresh reviewer's attack on `insight_slot_totals` (migration 0019): seeded random writes to
 * `insight_conversations` and `insight_contacts` in every SQL shape a writer could use — plain
 * inserts, the fold's upserts, `INSERT OR REPLACE` / `REPLACE INTO`, updates of app, channel and
 * time (across slots, before 1970), escalations and agent replies, deletes, a merge's
 * `UPDATE … FROM` + `UPDATE OR IGNORE` rename + delete, `UPDATE OR REPLACE` renames — for two
 * apps, interleaved with upgrades (totals dropped, cursors back to 0) and backfill chunks of random
 * size. After every step where the backfill is done, and at the end, the totals must equal the
 * rows grouped afresh.
 */
const SLOT = 15 * 60_000;
const T = Date.UTC(2026, 9, 25, 0, 0);
let api: TestApi;

function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  api = await createTestApi();
}, 60_000);
afterAll(() => api?.close());

const run = (sql: string, args: (string | number | null)[] = []) =>
  api.database.client.execute({ sql, args });

async function expectMatch(label: string) {
  const { kept, grouped } = await slotTotalsAndRows(api);
  expect(kept, label).toEqual(grouped);
}

describe('insight_slot_totals under random writes of every shape, upgrades and backfills', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: totals equal the rows after every step`, async () => {
      await run('DELETE FROM insight_conversations');
      await run('DELETE FROM insight_contacts');
      await run('DELETE FROM insight_slot_totals');
      await run(
        "UPDATE insight_cursors SET position = 9007199254740991 WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts')",
      );
      const rnd = random(seed);
      const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
      const apps = ['app_a', 'app_b'];
      const channels = ['web', 'app', 'phone', 'miniprogram'];
      const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
      // Times around a slot bound, a few slots apart, and some before 1970 (negative epoch ms).
      const time = () =>
        rnd() < 0.1
          ? -T + Math.floor(rnd() * 5 * SLOT) - 2 * SLOT
          : T + Math.floor((rnd() - 0.5) * 8) * SLOT + pick([0, 1, SLOT - 1, Math.floor(rnd() * SLOT)]);
      const maybe = <T>(value: T) => (rnd() < 0.5 ? value : null);
      const conversationValues = () => {
        const startedAt = time();
        return [
          pick(ids),
          pick(apps),
          pick(['cus_1', 'cus_2', 'cus_3']),
          pick(channels),
          startedAt,
          Math.floor(rnd() * 3),
          Math.floor(rnd() * 3),
          maybe(startedAt + 1000),
        ];
      };
      const insertConversation = (verb: string, tail = '') =>
        run(
          `${verb} INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at,
            customer_messages, bot_messages, agent_messages, first_customer_at, first_response_at, escalated_at)
          VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?5, ?5 + 500, ?8) ${tail}`,
          conversationValues(),
        );
      const contactValues = () => {
        const repeat = rnd() < 0.5 ? 1 : 0;
        return [
          pick(apps),
          pick(['cus_1', 'cus_2', 'cus_3']),
          pick(ids),
          pick(channels),
          pick(['refund', 'shipping']),
          time(),
          repeat,
          repeat ? pick([0, 1, null]) : null,
        ];
      };
      const someContactId = async () => {
        const { rows } = await run('SELECT id FROM insight_contacts ORDER BY random() LIMIT 1');
        return (rows[0]?.id as number | undefined) ?? 1;
      };
      const ops: [number, () => Promise<unknown>][] = [
        [6, () => insertConversation('INSERT OR IGNORE')],
        // The fold's shape: an upsert that moves the start earlier, escalates, adds replies.
        [
          4,
          () =>
            insertConversation(
              'INSERT',
              `ON CONFLICT (conversation_id) DO UPDATE SET started_at = min(started_at, excluded.started_at),
                channel = CASE WHEN excluded.started_at < started_at THEN excluded.channel ELSE channel END,
                bot_messages = bot_messages + excluded.bot_messages, agent_messages = agent_messages + excluded.agent_messages,
                escalated_at = coalesce(escalated_at, excluded.escalated_at)`,
            ),
        ],
        [2, () => insertConversation('INSERT OR REPLACE')],
        [1, () => insertConversation('REPLACE')],
        [
          6,
          () =>
            run(
              `INSERT INTO insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)`,
              contactValues(),
            ),
        ],
        [
          2,
          async () =>
            run(
              `INSERT OR REPLACE INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
              VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)`,
              [...contactValues(), await someContactId()],
            ),
        ],
        [
          1,
          async () =>
            run(
              `INSERT INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
              VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)
              ON CONFLICT (id) DO UPDATE SET at = excluded.at, channel = excluded.channel, is_repeat = excluded.is_repeat, with_context = excluded.with_context`,
              [...contactValues(), await someContactId()],
            ),
        ],
        [
          4,
          () =>
            run(
              `UPDATE insight_conversations SET ${pick([
                'channel = ?2',
                'started_at = ?3',
                'escalated_at = CASE WHEN escalated_at IS NULL THEN started_at + 5 END',
                'agent_messages = agent_messages + 1',
                'bot_messages = 0',
                'app_id = ?4',
                'customer_id = ?4',
                'channel = ?2, started_at = ?3',
              ])} WHERE conversation_id = ?1`,
              [pick(ids), pick(channels), time(), pick(apps)],
            ),
        ],
        [
          4,
          async () =>
            run(
              `UPDATE insight_contacts SET ${pick([
                'channel = ?2',
                'at = ?3',
                'is_repeat = 1 - is_repeat',
                'with_context = CASE WHEN with_context IS NULL THEN 1 WHEN with_context = 1 THEN 0 END',
                'app_id = ?4',
                'is_repeat = 1, with_context = NULL',
              ])} WHERE id = ?1 OR (?5 AND customer_id = 'cus_2')`,
              [await someContactId(), pick(channels), time(), pick(apps), rnd() < 0.2 ? 1 : 0],
            ),
        ],
        [2, () => run('DELETE FROM insight_conversations WHERE conversation_id = ?', [pick(ids)])],
        [2, async () => run('DELETE FROM insight_contacts WHERE id = ?', [await someContactId()])],
        // A merge of two conversations (identity/customers.ts mergeInsightConversations).
        [
          3,
          async () => {
            const [from, into] = [pick(ids), pick(ids)];
            if (from === into) return;
            await run(
              `UPDATE insight_conversations AS k SET
                bot_messages = k.bot_messages + f.bot_messages, agent_messages = k.agent_messages + f.agent_messages,
                channel = CASE WHEN f.started_at < k.started_at THEN f.channel ELSE k.channel END,
                started_at = min(k.started_at, f.started_at),
                escalated_at = coalesce(min(k.escalated_at, f.escalated_at), k.escalated_at, f.escalated_at)
              FROM (SELECT * FROM insight_conversations WHERE conversation_id = ?1) AS f
              WHERE k.conversation_id = ?2`,
              [from, into],
            );
            await run(
              'UPDATE OR IGNORE insight_conversations SET conversation_id = ?2 WHERE conversation_id = ?1',
              [from, into],
            );
            await run('DELETE FROM insight_conversations WHERE conversation_id = ?1', [from]);
          },
        ],
        [
          1,
          () =>
            run(
              'UPDATE OR REPLACE insight_conversations SET conversation_id = ?2 WHERE conversation_id = ?1',
              [pick(ids), pick(ids)],
            ),
        ],
        // An upgrade: the totals gone, both cursors back to 0 (what migration 0019 does on a filled table).
        [
          1,
          async () => {
            await run('DELETE FROM insight_slot_totals');
            await run(
              "UPDATE insight_cursors SET position = 0 WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts')",
            );
          },
        ],
        [5, () => backfillSlotTotals(api.deps, 1 + Math.floor(rnd() * 7))],
      ];
      const weight = ops.reduce((sum, [w]) => sum + w, 0);
      for (let step = 0; step < 400; step++) {
        let r = rnd() * weight;
        const op =
          ops.find(([w]) => {
            r -= w;
            return r < 0;
          }) ?? ops[0]!;
        await op[1]();
        if (step % 10 === 9 && (await slotTotalsReady(api.database.db)))
          await expectMatch(`seed ${seed}, step ${step}`);
      }
      for (let round = 0; round < 1000 && (await backfillSlotTotals(api.deps, 3)) > 0; round++);
      expect(await slotTotalsReady(api.database.db)).toBe(true);
      const { grouped } = await slotTotalsAndRows(api);
      expect(grouped.length).toBeGreaterThan(0);
      await expectMatch(`seed ${seed}, end`);
    });
  }
});
