import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/database';
import { createLocalClient } from '../src/db/local-client';
import { startWalCheckpointer, type WalCheckpointer } from '../src/db/wal-checkpointer';

/**
 * How the WAL checkpointer tells another process's writes from its own process's (ckpt-34): frames
 * that appear in the log between two of this process's write groups are another connection's. A
 * worker thread of this process writes only with the write turn lent (the insights fold, the
 * timeline drain): its frames are this process's and must not hand the checkpoints back (a served
 * process would yield for good). Any other connection's are another process's: the checkpoints go
 * back to the request thread at once, before its first busy RESTART (a cycle later, the log up to
 * the hard cap beside a fast flood). A second connection in this process that writes without the
 * turn is, to SQLite and to the checkpointer, exactly another process. Real libSQL file and worker.
 */

const dir = mkdtempSync(join(tmpdir(), 'threadline-wal-handback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function open() {
  const path = join(dir, `handback-${files++}.db`);
  const url = `file:${path}`;
  const database = createDatabase({ url, walAutocheckpointPages: 300 });
  await database.client.execute('PRAGMA journal_mode = WAL');
  await database.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)');
  const warnings: string[] = [];
  const checkpointer = startWalCheckpointer(
    database,
    { warn: (message: string) => warnings.push(message), info: () => {} },
    { thresholdPages: 300, fallbackPages: 300, hardCapPages: 900, pollMs: 2 },
  ) as WalCheckpointer;
  expect(await checkpointer.ready).toBe(true);
  const other = createLocalClient(url)!;
  await other.execute('PRAGMA busy_timeout = 1000');
  return { database, checkpointer, other, warnings };
}

const write = (database: Database, rows = 2) =>
  database.write(async () => {
    for (let i = 0; i < rows; i++)
      await database.client.execute('INSERT INTO t (body) VALUES (randomblob(1500))');
  });

describe('the WAL checkpointer hands back when another process appends to the log', () => {
  it('a borrower of the write turn (a worker thread of this process) writing between groups: no hand-back', async () => {
    const { database, checkpointer, other, warnings } = await open();
    try {
      for (let round = 0; round < 40; round++) {
        await write(database);
        await database.lendWriteTurn!(() => other.execute('INSERT INTO t (body) VALUES (randomblob(1500))'));
      }
      await write(database);
      expect(checkpointer.stats()).toMatchObject({ yielding: false, yields: 0 });
      expect(warnings).toEqual([]);
    } finally {
      await checkpointer.stop();
      other.close();
      database.close();
    }
  });

  it('statements of this process outside `write` (autocommit writes) between groups: no hand-back', async () => {
    const { database, checkpointer, other, warnings } = await open();
    try {
      for (let round = 0; round < 40; round++) {
        await write(database);
        await database.client.execute('INSERT INTO t (body) VALUES (randomblob(1500))');
        await database.client.batch(['INSERT INTO t (body) VALUES (randomblob(100))'], 'write');
      }
      await write(database);
      expect(checkpointer.stats()).toMatchObject({ yielding: false, yields: 0 });
      expect(warnings).toEqual([]);
    } finally {
      await checkpointer.stop();
      other.close();
      database.close();
    }
  });

  it('another connection appending without the turn: handed back at the next group, before any busy RESTART; taken up again once alone', async () => {
    const { database, checkpointer, other, warnings } = await open();
    try {
      await write(database);
      await write(database);
      expect(checkpointer.stats().yields).toBe(0);
      // One row of "another process", then one group of ours: it sees the frame and hands back.
      await other.execute('INSERT INTO t (body) VALUES (randomblob(100))');
      await write(database);
      const handedBack = checkpointer.stats();
      expect(handedBack).toMatchObject({ yielding: true, yields: 1, busyCycles: 0 });
      expect(warnings.join('\n')).toMatch(/another process writing to this file appended frames/);
      // The request thread checkpoints at the normal limit again.
      expect(Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0])).toBe(300);
      // Alone from now on: once windows show no other frame and RESTARTs succeed, taken up again
      // (bounded: 20 s of writes at most).
      const deadline = Date.now() + 20_000;
      while (checkpointer.stats().yielding && Date.now() < deadline) await write(database, 4);
      expect(checkpointer.stats()).toMatchObject({ yielding: false, resumes: 1 });
      expect(Number((await database.client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0])).toBe(900);
    } finally {
      await checkpointer.stop();
      other.close();
      database.close();
    }
  });
});
