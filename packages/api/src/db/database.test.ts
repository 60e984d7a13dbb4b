import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from './database';

describe('database.write (group commit on local files)', () => {
  let dir: string;
  let database: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-db-'));
    database = createDatabase({ url: `file:${join(dir, 'db.sqlite')}` });
    await database.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string, log: string[]) =>
    database.write(async (_db, onCommit) => {
      await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [v] });
      onCommit(() => log.push(v));
      return v;
    });

  it('writers that queue up together commit together, and a failing one rolls back alone', async () => {
    const log: string[] = [];
    await insert('taken', log);
    const outcomes = await Promise.allSettled([
      insert('a', log),
      insert('taken', log), // violates UNIQUE: only this writer fails
      insert('b', log),
      database.write(async () => {
        await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['c'] });
        throw new Error('changed my mind');
      }),
      insert('d', log),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const rows = await database.client.execute('SELECT v FROM t ORDER BY id');
    expect(rows.rows.map((r) => r.v)).toEqual(['taken', 'a', 'b', 'd']);
    // onCommit callbacks ran after the commit, in commit order, only for writers that committed.
    expect(log).toEqual(['taken', 'a', 'b', 'd']);
  });

  it('a reader never sees a write that has not committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = database.write(async () => {
      await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['pending'] });
      await gate;
    });
    const reading = database.client.execute('SELECT count(*) AS n FROM t');
    release();
    await writing;
    // The read queued behind the transaction, so it sees the committed row, never a half state.
    expect(Number((await reading).rows[0]!.n)).toBe(1);
  });

  it('a write inside a write joins the outer transaction', async () => {
    const log: string[] = [];
    await expect(
      database.write(async () => {
        await insert('inner', log);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect((await database.client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(0);
    expect(log).toEqual([]);
  });
});
