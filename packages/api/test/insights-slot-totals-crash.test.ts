import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, builtServers, createAppWithBuiltCli } from './built-server';
import { slotTotalsAndRows } from './insights-slot-totals';

/**
 * The per-slot totals' backfill after an upgrade runs in the real server's background fold. The
 * process is SIGKILLed while it is part-way (cursors between 0 and done); at that instant the
 * totals must hold exactly the rows up to each cursor, and after a restart the fill resumes and
 * ends with every row counted once: the metrics answer what the rows say.
 */
const DONE = 9007199254740991;
const T = Date.UTC(2026, 9, 1);
const ROWS = 40_000;
const dir = mkdtempSync(join(tmpdir(), 'threadline-fill-crash-'));
const database = `file:${join(dir, 'fill.db')}`;
const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: '', PORT: '', HOST: '' };
const servers = builtServers(database, env);
let client: Client;
let keys: { appId: string; secretKey: string };

const slotOf = (column: string) => `(${column} - ((${column} % 900000) + 900000) % 900000)`;
async function cursors() {
  const { rows } = await client.execute(
    "SELECT source, position FROM insight_cursors WHERE source LIKE 'slot_totals_%' ORDER BY source",
  );
  return Object.fromEntries(rows.map((r) => [r.source as string, Number(r.position)]));
}

beforeAll(async () => {
  keys = await createAppWithBuiltCli(database, env, 'Fill shop');
  client = createClient({ url: database });
  // Two shops' history, as an upgrade finds it: conversations and contacts over a month, on 3 channels.
  for (const insert of [
    `INSERT INTO insight_conversations (conversation_id, app_id, customer_id, channel, started_at, customer_messages,
         bot_messages, agent_messages, first_customer_at, first_response_at, escalated_at)
       SELECT 'cnv_' || i, CASE WHEN i % 4 = 0 THEN 'app_other' ELSE ?1 END, 'cus_' || (i % 500),
         CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'app' ELSE 'phone' END, ?2 + i * 61000, 1, i % 2, i % 5 = 0,
         ?2 + i * 61000, ?2 + i * 61000 + i % 7000, CASE WHEN i % 6 = 0 THEN ?2 + i * 61000 + 5 END FROM k`,
    `INSERT INTO insight_contacts (app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context)
       SELECT CASE WHEN i % 4 = 1 THEN 'app_other' ELSE ?1 END, 'cus_' || (i % 500), 'cnv_' || i,
         CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'app' ELSE 'phone' END, 'refund', ?2 + i * 59000, ?2 + i * 59000,
         i % 3 = 0, CASE WHEN i % 3 = 0 THEN i % 2 END FROM k`,
  ])
    await client.execute({
      sql: `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${ROWS}) ${insert}`,
      args: [keys.appId, T],
    });
  expect((await client.execute('SELECT count(*) AS n FROM insight_conversations')).rows[0]!.n).toBe(ROWS);
}, 120_000);
afterAll(async () => {
  await servers.killAll();
  client?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a SIGKILL in the middle of the per-slot totals backfill', () => {
  it('leaves exactly the rows up to the cursors counted, and a restart finishes the fill counting each row once', async () => {
    let killedMidway: Record<string, number> | null = null;
    // A few attempts: the fill is quick, and the kill must land while it is part-way.
    for (let attempt = 0; attempt < 5 && !killedMidway; attempt++) {
      // An upgrade: the totals empty, both cursors at 0 (migration 0019 on a table with rows).
      await client.execute('DELETE FROM insight_slot_totals');
      await client.execute(
        "UPDATE insight_cursors SET position = 0 WHERE source IN ('slot_totals_conversations', 'slot_totals_contacts')",
      );
      const child = spawn(
        process.execPath,
        [builtCli, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', database],
        { env, stdio: 'ignore' },
      );
      const exited = new Promise((done) => child.once('exit', done));
      for (let poll = 0; poll < 4000; poll++) {
        const now = await cursors();
        const positions = Object.values(now);
        if (positions.some((p) => p > 0) && positions.some((p) => p < DONE)) {
          child.kill('SIGKILL');
          await exited;
          killedMidway = await cursors();
          break;
        }
        if (positions.every((p) => p === DONE)) break; // missed it: try again
        await new Promise((r) => setTimeout(r, 2));
      }
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    expect(killedMidway, 'the kill landed while the fill was part-way').not.toBeNull();
    const mid = killedMidway!;
    expect(Object.values(mid).some((p) => p < DONE)).toBe(true);

    // At the kill: the totals hold the rows up to each cursor, each once, and nothing past it.
    const upTo = await client.execute({
      sql: `WITH c AS (SELECT app_id, ${slotOf('started_at')} AS slot, channel, count(*) AS conversations,
          sum(escalated_at IS NOT NULL) AS escalated FROM insight_conversations WHERE rowid <= ?1 GROUP BY 1, 2, 3),
        k AS (SELECT app_id, ${slotOf('at')} AS slot, channel, count(*) AS contacts, sum(is_repeat <> 0) AS repeats
          FROM insight_contacts WHERE rowid <= ?2 GROUP BY 1, 2, 3)
        SELECT (SELECT coalesce(sum(conversations), 0) FROM c) AS conversations, (SELECT coalesce(sum(escalated), 0) FROM c) AS escalated,
          (SELECT coalesce(sum(contacts), 0) FROM k) AS contacts, (SELECT coalesce(sum(repeats), 0) FROM k) AS repeats`,
      args: [mid.slot_totals_conversations!, mid.slot_totals_contacts!],
    });
    const kept = await client.execute(
      `SELECT coalesce(sum(conversations), 0) AS conversations, coalesce(sum(escalated), 0) AS escalated,
        coalesce(sum(contacts), 0) AS contacts, coalesce(sum(repeat_contacts), 0) AS repeats FROM insight_slot_totals`,
    );
    expect({ ...kept.rows[0] }).toEqual({ ...upTo.rows[0] });

    // A restart resumes the fill from the cursors and finishes it.
    const { url, child } = await servers.start();
    let after = await cursors();
    for (let poll = 0; poll < 600 && Object.values(after).some((p) => p < DONE); poll++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await cursors();
    }
    expect(Object.values(after)).toEqual([DONE, DONE]);
    const { kept: totals, grouped } = await slotTotalsAndRows({ database: { client } } as never);
    expect(grouped.length).toBeGreaterThan(100);
    expect(totals).toEqual(grouped);

    // And the metrics say what the rows say: this shop's conversations and contacts in October (UTC).
    const res = await fetch(
      `${url}/v1/insights/metrics?period=all&since=2026-10-01&until=2026-10-31&timeZone=UTC`,
      { headers: { authorization: `Bearer ${keys.secretKey}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      rows: { channel: string | null; conversations: number; contacts: number }[];
    };
    const [expected] = (
      await client.execute({
        sql: `SELECT (SELECT count(*) FROM insight_conversations WHERE app_id = ?1 AND started_at >= ?2 AND started_at < ?3) AS conversations,
          (SELECT count(*) FROM insight_contacts WHERE app_id = ?1 AND at >= ?2 AND at < ?3) AS contacts`,
        args: [keys.appId, T, Date.UTC(2026, 10, 1)],
      })
    ).rows;
    const all = body.rows.find((r) => r.channel === null)!;
    expect({ conversations: all.conversations, contacts: all.contacts }).toEqual({ ...expected });
    await servers.kill(child);
  }, 180_000);
});
