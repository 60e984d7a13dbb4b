// Follow-ups (issue 19): due-follow-up throughput — follow-ups sent per second by the worker
// (claim, consent and cap checks, the message sealed and stored, its realtime event, all in one
// transaction per follow-up) with 100,000 scheduled (10,000 of them due), against a bare update of the same rows
// (`scheduled` → `sent` by id, one write each, the same concurrency) in the same run, alternating.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  createApp,
  createDatabase,
  createMerchantApp,
  migrateDatabase,
  silentLogger,
  silentResponder,
  startFollowUpWorker,
} from '../packages/api/dist/index.js';
import { pool, ratio, tempDir } from './lib/common.mjs';

const CONCURRENCY = 32;
/** Follow-ups per customer: under the weekly cap (at most 50). */
const PER_CUSTOMER = 40;

async function fill(database, appId, count, due) {
  const now = Date.now();
  const customers = Math.ceil(count / PER_CUSTOMER);
  const client = database.client;
  await client.execute('DELETE FROM follow_ups');
  await client.execute("DELETE FROM messages WHERE author_type = 'system'");
  await client.execute('DELETE FROM events');
  for (let start = 0; start < customers; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(customers, start + 500); i++)
      batch.push({
        sql: 'INSERT OR IGNORE INTO customers (id, app_id, identified, attributes, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?)',
        args: [`cus_bench_${i}`, appId, '{}', now, now],
      });
    // Each customer has used the app: a follow-up to a channel the person never used is skipped
    // (`not_on_channel`), which is not the send this bench measures.
    for (let i = start; i < Math.min(customers, start + 500); i++)
      batch.push({
        sql: "INSERT OR IGNORE INTO sessions (id, app_id, customer_id, channel, created_at, expires_at) VALUES (?, ?, ?, 'app', ?, ?)",
        args: [`ses_bench_${i}`, appId, `cus_bench_${i}`, now, now + 86_400_000],
      });
    await client.batch(batch, 'write');
  }
  const content = JSON.stringify({
    kind: 'card',
    card: {
      title: '保养指南',
      targetUrl: 'https://shop.example/care',
      imageUrl: 'https://cdn.example/a.jpg',
    },
  });
  // The ten rules the follow-ups came from: the worker reads each rule at send time (a disabled or
  // deleted rule cancels its pending follow-ups), so they must exist and be enabled.
  await client.execute('DELETE FROM follow_up_rules');
  await client.batch(
    Array.from({ length: 10 }, (_, r) => ({
      sql: "INSERT INTO follow_up_rules (id, app_id, name, enabled, intent, delay_sec, expires_after_sec, send_channel, content, created_at, updated_at) VALUES (?, ?, ?, 1, 'care', 600, 86400, 'app', ?, ?, ?)",
      args: [`fur_bench_${r}`, appId, `bench rule ${r}`, content, now, now],
    })),
    'write',
  );
  for (let start = 0; start < count; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 1000); i++)
      batch.push({
        sql: "INSERT INTO follow_ups (id, app_id, rule_id, customer_id, conversation_id, channel, content, state, due_at, expires_at, deferrals, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'app', ?, 'scheduled', ?, ?, 0, ?, ?)",
        args: [
          `fup_bench_${String(i).padStart(7, '0')}`,
          appId,
          `fur_bench_${i % 10}`,
          `cus_bench_${i % customers}`,
          `cnv_bench_${i}`,
          content,
          // The first `due` are due now; the rest are scheduled for tomorrow (they stay in the table).
          i < due ? now - 1000 : now + 24 * 3600_000,
          now + 48 * 3600_000,
          now,
          now,
        ],
      });
    await client.batch(batch, 'write');
  }
}

async function scheduledCount(database) {
  const { rows } = await database.client.execute(
    "SELECT count(*) AS n FROM follow_ups WHERE state = 'scheduled'",
  );
  return Number(rows[0].n);
}

export default async function run({ log, quick }) {
  const count = quick ? 4000 : 100_000;
  const due = quick ? 1000 : 10_000;
  const rounds = quick ? 1 : 2;
  const dir = tempDir('followups');
  const database = createDatabase({ url: `file:${dir.file('followups.db')}` });
  try {
    await migrateDatabase(database);
    const app = createApp({
      database,
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      logger: silentLogger,
      responder: silentResponder,
    });
    const { appId } = await createMerchantApp(app.deps, { name: 'bench follow-ups' });
    await database.client.execute({
      sql: 'UPDATE apps SET settings = ? WHERE id = ?',
      // The cards' hosts are the app's card hosts, so the worker's host check passes (review 19, F11).
      args: [
        JSON.stringify({
          followUps: { quietHours: null, weeklyCap: 50, cardHosts: ['shop.example', 'cdn.example'] },
        }),
        appId,
      ],
    });
    const rates = { worker: [], bare: [] };
    for (let round = 0; round < rounds; round++) {
      // The bare arm: the same rows, `scheduled` → `sent` by id, one write each.
      await fill(database, appId, count, due);
      const { rows } = await database.client.execute(
        `SELECT id FROM follow_ups WHERE state = 'scheduled' AND due_at <= ${Date.now()}`,
      );
      const ids = rows.map((r) => String(r.id));
      let started = performance.now();
      await pool(ids.length, CONCURRENCY, (i) =>
        database.write((db) =>
          db.run(
            sql`UPDATE follow_ups SET state = 'sent', sent_at = ${Date.now()}, updated_at = ${Date.now()} WHERE id = ${ids[i]} AND state = 'scheduled'`,
          ),
        ),
      );
      rates.bare.push(due / ((performance.now() - started) / 1000));
      if ((await scheduledCount(database)) !== count - due)
        throw new Error('bare arm left due rows scheduled');
      log(`round ${round + 1} bare update: ${rates.bare.at(-1).toFixed(0)} rows/s`);

      // The worker arm: the same rows again, sent for real.
      await fill(database, appId, count, due);
      started = performance.now();
      const worker = startFollowUpWorker(app.deps, {
        concurrency: CONCURRENCY,
        batch: 500,
        pollMs: 3_600_000,
      });
      await worker.drain();
      await worker.stop();
      rates.worker.push(due / ((performance.now() - started) / 1000));
      const { rows: sent } = await database.client.execute(
        "SELECT count(*) AS n FROM messages WHERE author_type = 'system'",
      );
      if (Number(sent[0].n) !== due) throw new Error(`worker sent ${sent[0].n} of ${due}`);
      log(`round ${round + 1} worker: ${rates.worker.at(-1).toFixed(0)} follow-ups/s`);
    }
    const mean = (list) => list.reduce((s, r) => s + r, 0) / list.length;
    return {
      name: 'Follow-ups: due-follow-up throughput',
      rows: [
        {
          metric: 'worker sends, due follow-ups',
          value: mean(rates.worker),
          unit: 'sends/s',
          baseline: mean(rates.bare),
          ratio: ratio(mean(rates.worker), mean(rates.bare)),
          note: `${count} scheduled, ${due} of them due (${PER_CUSTOMER} per customer), ${CONCURRENCY} in flight, each claimed, checked (opt-out, caps, quiet hours, an agent helping), stored as a sealed message with its event in one transaction; baseline = a bare UPDATE of the same rows to sent, one write each, same concurrency; ${rounds} round(s) alternating`,
        },
      ],
    };
  } finally {
    database.close();
    dir.remove();
  }
}
