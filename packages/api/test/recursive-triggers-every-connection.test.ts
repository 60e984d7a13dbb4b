import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, migrateDatabase } from '../src/db/database';
import { expectSlotTotalsMatchRows, slotTotalsAndRows } from './insights-slot-totals';
import { startSqld } from './scale-out-kit';

/**
 * The per-slot insight totals (migration 0019) are kept by triggers, and a row that `INSERT OR
 * REPLACE` pushes out fires its DELETE trigger only with `recursive_triggers` on — a per-connection
 * setting, off by default. Every local connection the app opens has it: the file's own and a
 * second one on the same file (as the livestream drain worker opens). A libSQL server (sqld)
 * refuses to set it: there the app's writers must (and do) keep to the shapes the triggers follow
 * without it, and what a REPLACE would do is measured here, as db/database.ts documents.
 */
const T = Date.UTC(2026, 10, 2, 8, 0);
const SLOT = 15 * 60_000;

/** A contact replaced by id with one in another slot and channel: the old one must leave the totals. */
async function replaceAContact(database: Database, id: number) {
  const app = `app_r${id}`;
  await database.write(async (db) => {
    await db.run(sql`INSERT INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
      VALUES (${id}, ${app}, 'cus_r', 'cnv_r', 'web', 'refund', ${T}, ${T}, 0, NULL)`);
  });
  await database.write(async (db) => {
    await db.run(sql`INSERT OR REPLACE INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
      VALUES (${id}, ${app}, 'cus_r', 'cnv_r', 'app', 'refund', ${T + 3 * SLOT}, ${T + 3 * SLOT}, 1, 1)`);
  });
  const totals = await database.client.execute({
    sql: 'SELECT channel, contacts FROM insight_slot_totals WHERE app_id = ? AND contacts <> 0 ORDER BY channel',
    args: [app],
  });
  expect(totals.rows.map((r) => ({ ...r }))).toEqual([{ channel: 'app', contacts: 1 }]);
  await expectSlotTotalsMatchRows({ database });
}

/** The setting as a write transaction sees it (its first statement, where a server's would start). */
const inWrite = (database: Database) =>
  database.write(async (db) =>
    Number(
      (await db.all<{ recursive_triggers: number }>(sql`PRAGMA recursive_triggers`))[0]!.recursive_triggers,
    ),
  );

describe('recursive_triggers on every connection the app writes through', () => {
  describe('a local file', () => {
    let dir: string;
    const opened: Database[] = [];
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'threadline-pragma-'));
    });
    afterAll(() => {
      for (const database of opened) database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has it on its connection, in a write, and on a second connection to the same file', async () => {
      const url = `file:${join(dir, 'local.db')}`;
      const database = createDatabase({ url });
      opened.push(database);
      await migrateDatabase(database);
      const [row] = (await database.client.execute('PRAGMA recursive_triggers')).rows;
      expect(Number(row!.recursive_triggers)).toBe(1);
      expect(await inWrite(database)).toBe(1);
      await replaceAContact(database, 1);
      // The drain worker's own connection (another createDatabase on the file's URL).
      const second = createDatabase({ url: database.localFileUrl! });
      opened.push(second);
      expect(await inWrite(second)).toBe(1);
      await replaceAContact(second, 2);
    });
  });

  describe('a libSQL server (sqld), which cannot have it', () => {
    let sqld: Awaited<ReturnType<typeof startSqld>>;
    let dir: string;
    let database: Database;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'threadline-pragma-sqld-'));
      sqld = await startSqld(dir);
      database = createDatabase({ url: sqld.url });
      await migrateDatabase(database);
    }, 60_000);
    afterAll(async () => {
      database?.close();
      await sqld?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses to set it, so every write transaction runs without it', async () => {
      // Why the remote path is left as it is (db/database.ts, remoteDatabase): the server refuses
      // the statement, in a transaction or not, and each write reads it as off.
      const codes: unknown[] = [];
      for (const run of [
        () => database.client.execute('PRAGMA recursive_triggers = ON'),
        () => database.write((db) => db.run(sql`PRAGMA recursive_triggers = ON`)),
      ]) {
        const refused = await run().then(
          () => null,
          (error: unknown) => error,
        );
        // The driver's code, wherever drizzle put it in the cause chain.
        let code: unknown;
        for (
          let e = refused as { code?: unknown; cause?: unknown } | null;
          e && !code;
          e = e.cause as typeof e
        )
          code = e.code;
        codes.push(code);
      }
      expect(codes).toEqual(['SQL_PARSE_ERROR', 'SQL_PARSE_ERROR']);
      expect(await inWrite(database)).toBe(0);
    });

    it('the app’s own shapes of write keep the totals exact without it; a REPLACE would not', async () => {
      // The fold's upserts (moving a contact to another slot and channel, a conversation's start
      // earlier) and a merge's UPDATE OR IGNORE rename + DELETE: the triggers follow every one.
      await database.write(async (db) => {
        await db.run(sql`INSERT INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
          VALUES (21, 'app_s', 'cus_s', 'cnv_s', 'web', 'refund', ${T}, ${T}, 0, NULL)`);
        await db.run(sql`INSERT INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
          VALUES (21, 'app_s', 'cus_s', 'cnv_s', 'app', 'refund', ${T + 2 * SLOT}, ${T + 2 * SLOT}, 1, 1)
          ON CONFLICT (id) DO UPDATE SET at = excluded.at, channel = excluded.channel, is_repeat = excluded.is_repeat, with_context = excluded.with_context`);
        for (const [id, start, channel] of [
          ['cnv_s1', T + 4 * SLOT, 'web'],
          ['cnv_s1', T + SLOT, 'app'],
          ['cnv_s2', T + 5 * SLOT, 'phone'],
        ] as const)
          await db.run(sql`INSERT INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at,
              customer_messages, bot_messages, agent_messages, first_customer_at, first_response_at, escalated_at)
            VALUES (${id}, 'app_s', 'cus_s', ${channel}, ${start}, 1, 1, 0, ${start}, ${start + 500}, NULL)
            ON CONFLICT (conversation_id) DO UPDATE SET started_at = min(started_at, excluded.started_at),
              channel = CASE WHEN excluded.started_at < started_at THEN excluded.channel ELSE channel END`);
        await db.run(
          sql`UPDATE OR IGNORE insight_contacts SET conversation_id = 'cnv_s1' WHERE conversation_id = 'cnv_s'`,
        );
        await db.run(sql`DELETE FROM insight_conversations WHERE conversation_id = 'cnv_s2'`);
      });
      await expectSlotTotalsMatchRows({ database });
      // The consequence, measured: a REPLACE that pushes a contact out leaves it counted.
      await database.write(async (db) => {
        await db.run(sql`INSERT OR REPLACE INTO insight_contacts (id, app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
          VALUES (21, 'app_s', 'cus_s', 'cnv_s1', 'phone', 'refund', ${T + 6 * SLOT}, ${T + 6 * SLOT}, 0, NULL)`);
      });
      const { kept, grouped } = await slotTotalsAndRows({ database });
      const contacts = (rows: typeof kept) =>
        rows.filter((r) => r.app_id === 'app_s').reduce((n, r) => n + Number(r.contacts), 0);
      expect(contacts(grouped)).toBe(1);
      expect(contacts(kept)).toBe(2);
    });
  });
});
