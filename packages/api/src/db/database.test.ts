import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../platform/errors';
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

  it('a timer a write left behind runs its own write later, not inside the finished one', async () => {
    // The transaction's async context follows the timer; once the write has ended it must not
    // count: the late write takes its own turn (and its own rollback) instead of "joining".
    let late: Promise<unknown> | null = null;
    await database.write(async () => {
      expect(database.inWrite?.()).toBe(true);
      await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['first'] });
      late = new Promise((resolve) => setTimeout(resolve, 20)).then(() => {
        expect(database.inWrite?.()).toBe(false);
        return database.write(async () => {
          await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['late'] });
          throw new Error('rolled back alone');
        });
      });
    });
    await expect(late).rejects.toThrow('rolled back alone');
    const { rows } = await database.client.execute('SELECT v FROM t ORDER BY id');
    // Had the late write "joined" the finished one, its insert would have run outside any
    // transaction and stayed despite the error.
    expect(rows.map((row) => row.v)).toEqual(['first']);
  });

  it('lends its write turn: no write of its own starts until the borrower is done; reads go on', async () => {
    const other = createClient({ url: `file:${join(dir, 'db.sqlite')}` });
    try {
      const order: string[] = [];
      let release!: () => void;
      const lent = database.lendWriteTurn!(async () => {
        // The borrower (another connection) holds the lock while this process's writer waits.
        await other.execute('BEGIN IMMEDIATE');
        await other.execute("INSERT INTO t (v) VALUES ('borrowed')");
        order.push('borrower wrote');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        await other.execute('COMMIT');
        order.push('borrower committed');
        return 'done';
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const writing = database
        .write(async () => {
          await database.client.execute("INSERT INTO t (v) VALUES ('own')");
        })
        .then(() => order.push('own write committed'));
      // A read meanwhile is not held up (WAL), and sees only what is committed.
      const { rows } = await database.client.execute('SELECT count(*) AS n FROM t');
      expect(Number(rows[0]!.n)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(order).toEqual(['borrower wrote']);
      release();
      await expect(lent).resolves.toBe('done');
      await writing;
      expect(order).toEqual(['borrower wrote', 'borrower committed', 'own write committed']);
      await expect(database.write(() => database.lendWriteTurn!(async () => 1))).rejects.toThrow(
        'lendWriteTurn inside a write',
      );
    } finally {
      other.close();
    }
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

  it('when the first writer of a group fails, it rolls back alone and the rest commit in order', async () => {
    // The first writer runs without a savepoint (nothing is before it): its failure rolls the whole
    // transaction back, and the writers behind it go first in the next one.
    const log: string[] = [];
    await insert('taken', log);
    const outcomes = await Promise.allSettled([
      database.write(async (_db, onCommit) => {
        await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['first'] });
        onCommit(() => log.push('first'));
        throw new Error('changed my mind');
      }),
      insert('a', log),
      insert('taken', log),
      insert('b', log),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await database.client.execute('SELECT v FROM t ORDER BY id');
    expect(rows.rows.map((r) => r.v)).toEqual(['taken', 'a', 'b']);
    expect(log).toEqual(['taken', 'a', 'b']);
    // The failed first writer left no transaction open behind it.
    await insert('after', log);
    expect(log.at(-1)).toBe('after');
  });

  it('a reader never sees a write that has not committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const inside = new Promise<void>((resolve) => {
      started = resolve;
    });
    const writing = database.write(async () => {
      await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['pending'] });
      started();
      await gate;
    });
    // Issued before the transaction began (it starts on the next turn, so writers of this turn can
    // share it): the read sees the state before it.
    const before = database.client.execute('SELECT count(*) AS n FROM t');
    await inside;
    const reading = database.client.execute('SELECT count(*) AS n FROM t');
    release();
    await writing;
    expect(Number((await before).rows[0]!.n)).toBe(0);
    // Issued while it ran: the read queued behind the transaction, so it sees the committed row,
    // never a half state.
    expect(Number((await reading).rows[0]!.n)).toBe(1);
  });

  it('the write scope holds in every group, though it is switched off between them', async () => {
    // The AsyncLocalStorage is disabled after each group (no promise hooks between writes) and on
    // again for the next: reads, nested writes and awaits inside a later group's work still find
    // their transaction — without it they would queue behind it and never finish.
    const log: string[] = [];
    const madeBefore = Promise.resolve('made outside any write');
    for (let round = 0; round < 3; round++) {
      expect(database.inWrite?.()).toBe(false);
      const seen = await database.write(async () => {
        expect(await madeBefore).toBe('made outside any write');
        expect(database.inWrite?.()).toBe(true);
        await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [`own ${round}`] });
        await insert(`nested ${round}`, log);
        await new Promise((resolve) => setImmediate(resolve));
        expect(database.inWrite?.()).toBe(true);
        const { rows } = await database.client.execute({
          sql: 'SELECT count(*) AS n FROM t WHERE v LIKE ?',
          args: [`% ${round}`],
        });
        return Number(rows[0]!.n);
      });
      expect(seen).toBe(2);
      expect(database.inWrite?.()).toBe(false);
    }
    expect(log).toEqual(['nested 0', 'nested 1', 'nested 2']);
    // A nested write that fails takes the whole work's transaction with it, in a later group too.
    await expect(
      database.write(async () => {
        await insert('inner', log);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect((await database.client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(6);
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

describe('database.write while another process holds the write lock', () => {
  let dir: string;
  let database: Database;
  let other: Client;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-busy-'));
    const url = `file:${join(dir, 'db.sqlite')}`;
    database = createDatabase({ url, busyDeadlineMs: 600 });
    await database.client.execute('PRAGMA journal_mode = WAL');
    await database.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    // Another connection stands in for another API process on the same file.
    other = createClient({ url });
    await other.execute('BEGIN IMMEDIATE');
  });
  afterEach(async () => {
    await other.execute('ROLLBACK').catch(() => undefined);
    other.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) =>
    database.write(async () => {
      await database.client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [v] });
      return v;
    });

  it('waits for the lock without blocking reads or timers, then commits', async () => {
    const writing = insert('after the other');
    // Reads and timers go on while the write waits for the lock.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const read = await database.client.execute('SELECT count(*) AS n FROM t');
    expect(read.rows[0]!.n).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 250));
    clearInterval(ticker);
    expect(ticks).toBeGreaterThanOrEqual(5);
    await other.execute('COMMIT');
    await expect(writing).resolves.toBe('after the other');
    expect((await database.client.execute('SELECT v FROM t')).rows.map((r) => r.v)).toEqual([
      'after the other',
    ]);
  });

  it('gives up past its deadline with a retryable 503 and writes nothing', async () => {
    const error = await insert('too late').catch((e: unknown) => e);
    expect(ApiError.isInstance(error)).toBe(true);
    expect((error as ApiError).code).toBe('unavailable');
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).headers?.['Retry-After']).toBe('1');
    await other.execute('COMMIT');
    expect((await database.client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(0);
    // The queue is not stuck: the next write goes through.
    await expect(insert('next')).resolves.toBe('next');
  });
});
