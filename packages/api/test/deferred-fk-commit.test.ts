// speed-16l §5: a write whose COMMIT fails on a deferred foreign key must not leave the local
// connection unable to write once another connection has committed (it answered 503
// SQLITE_BUSY_SNAPSHOT until the busy deadline, every time). Real libSQL file, two connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, test } from 'vitest';
import { createDatabase } from '../src/db/database';
import { createLocalClient } from '../src/db/local-client';

const dir = mkdtempSync(join(tmpdir(), 'threadline-deferred-fk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a COMMIT refused by a deferred foreign key', () => {
  test('the next writes go through once another connection committed; nothing half-stored', async () => {
    const url = `file:${join(dir, 'fk.db')}`;
    const database = createDatabase({ url, busyDeadlineMs: 1_500 });
    const other = createLocalClient(url)!;
    try {
      await database.client.execute('PRAGMA journal_mode = WAL');
      await database.client.execute('PRAGMA foreign_keys = ON');
      await other.execute('PRAGMA foreign_keys = ON');
      await other.execute('CREATE TABLE p (id INTEGER PRIMARY KEY)');
      await other.execute(
        'CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
      );
      await other.execute('CREATE TABLE log (n INTEGER PRIMARY KEY)');
      for (let round = 0; round < 3; round++) {
        // Refused at COMMIT (the statement itself passes: the key is checked at the end).
        const refused = await database
          .write((db) => db.run(sql`insert into c (parent) values (${-1 - round})`))
          .then(
            () => 'stored',
            (error: Error) => String((error as { code?: string }).code ?? error.message),
          );
        expect(refused).toMatch(/CONSTRAINT/);
        // Another connection commits: the local one's snapshot is now old.
        await other.execute({ sql: 'INSERT INTO p (id) VALUES (?)', args: [round + 1] });
        // The next writes of the local connection go through (a parent that exists now, and a plain row).
        await database.write((db) => db.run(sql`insert into c (parent) values (${round + 1})`));
        await database.write((db) => db.run(sql`insert into log (n) values (${round})`));
      }
      const count = async (table: string) =>
        Number((await other.execute(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
      expect([await count('p'), await count('c'), await count('log')]).toEqual([3, 3, 3]);
      expect(Number((await other.execute('SELECT count(*) FROM c WHERE parent < 0')).rows[0]![0])).toBe(0);
      expect((await other.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
      expect((await other.execute('PRAGMA foreign_key_check')).rows).toHaveLength(0);
    } finally {
      other.close();
      database.close();
    }
  }, 30_000);
});

describe("a group commit refused by one writer's deferred key (review-t break 2)", () => {
  /** A fresh file with a deferred key (c.parent → p.id) and a log whose rows would show a duplicate. */
  async function open(name: string) {
    const database = createDatabase({ url: `file:${join(dir, `${name}.db`)}`, busyDeadlineMs: 1_500 });
    await database.client.execute('PRAGMA journal_mode = WAL');
    await database.client.execute('PRAGMA foreign_keys = ON');
    await database.client.execute('CREATE TABLE p (id INTEGER PRIMARY KEY)');
    await database.client.execute(
      'CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    await database.client.execute('CREATE TABLE log (id INTEGER PRIMARY KEY, tag TEXT NOT NULL)');
    await database.client.execute('INSERT INTO p (id) VALUES (1)');
    const count = async (table: string, where = '1') =>
      Number((await database.client.execute(`SELECT count(*) FROM ${table} WHERE ${where}`)).rows[0]![0]);
    return { database, count };
  }
  type Outcome = { tag: string; result: string; error?: unknown };
  const settle = (tag: string, run: Promise<unknown>): Promise<Outcome> =>
    run.then(
      (value) => ({ tag, result: `stored ${String(value)}` }),
      (error: { code?: string; message?: string }) => ({
        tag,
        result: `refused ${error.code ?? error.message}`,
        error,
      }),
    );

  test('good, bad, good in one tick: 2 stored once each, the bad one refused with the error it gets alone', async () => {
    const { database, count } = await open('group-one-bad');
    try {
      // What a writer breaking the key gets alone: the group must answer it the same (same 4xx/5xx).
      const alone = await settle(
        'alone',
        database.write((db) => db.run(sql`insert into c (parent) values (-100)`)),
      );
      const fired: string[] = [];
      const runs: Record<string, number> = {};
      // Each writer writes two rows (a duplicate would show) and leaves an onCommit callback.
      const writer = (tag: string, parent: number) =>
        database.write(async (db, onCommit) => {
          runs[tag] = (runs[tag] ?? 0) + 1;
          await db.run(sql`insert into log (tag) values (${tag})`);
          await db.run(sql`insert into c (parent) values (${parent})`);
          onCommit(() => fired.push(tag));
          return tag;
        });
      const outcomes = await Promise.all([
        settle('a', writer('a', 1)),
        settle('bad', writer('bad', -1)),
        settle('b', writer('b', 1)),
      ]);
      expect(alone.result).toMatch(/^refused SQLITE_CONSTRAINT/);
      expect(outcomes.map((o) => o.result)).toEqual(['stored a', alone.result, 'stored b']);
      // The same kind of error as alone: not turned into a retryable 503 or any ApiError.
      expect((outcomes[1]!.error as Error).constructor).toBe((alone.error as Error).constructor);
      expect([
        await count('log', "tag = 'a'"),
        await count('log', "tag = 'b'"),
        await count('log', "tag = 'bad'"),
      ]).toEqual([1, 1, 0]);
      expect([await count('c'), await count('c', 'parent < 0')]).toEqual([2, 0]);
      // Callbacks of the rolled-back group never ran; each stored writer's ran once, in order.
      expect(fired).toEqual(['a', 'b']);
      // The group ran once, then each writer once alone.
      expect(runs).toEqual({ a: 2, bad: 2, b: 2 });
      // The connection writes on: one more group of two commits together.
      const next = await Promise.all([settle('c', writer('c', 1)), settle('d', writer('d', 1))]);
      expect(next.map((o) => o.result)).toEqual(['stored c', 'stored d']);
      expect(runs).toMatchObject({ c: 1, d: 1 });
      expect(fired).toEqual(['a', 'b', 'c', 'd']);
      expect((await database.client.execute('PRAGMA foreign_key_check')).rows).toHaveLength(0);
      expect((await database.client.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
    } finally {
      database.close();
    }
  });

  test('two culprits, a writer that fails on its own, and writers queued meanwhile: each answered as alone', async () => {
    const { database, count } = await open('group-two-bad');
    try {
      const fired: string[] = [];
      const writer = (tag: string, parent: number | null) =>
        database.write(async (db, onCommit) => {
          await db.run(sql`insert into log (tag) values (${tag})`);
          if (parent === null) throw new Error(`own failure ${tag}`);
          await db.run(sql`insert into c (parent) values (${parent})`);
          onCommit(() => fired.push(tag));
          return tag;
        });
      const late: Promise<Outcome>[] = [];
      const outcomes = await Promise.all([
        settle('g1', writer('g1', 1)),
        settle('bad1', writer('bad1', -1)),
        settle('own', writer('own', null)),
        settle('g2', writer('g2', 1)),
        settle('bad2', writer('bad2', -2)),
        // Queued while the group runs: it must not join a writer that runs alone, nor be lost.
        settle(
          'g3',
          writer('g3', 1).then((value) => {
            late.push(settle('g4', writer('g4', 1)));
            return value;
          }),
        ),
      ]);
      const after = await Promise.all(late);
      expect([...outcomes, ...after].map((o) => `${o.tag}: ${o.result}`)).toEqual([
        'g1: stored g1',
        expect.stringMatching(/^bad1: refused SQLITE_CONSTRAINT/),
        'own: refused own failure own',
        'g2: stored g2',
        expect.stringMatching(/^bad2: refused SQLITE_CONSTRAINT/),
        'g3: stored g3',
        'g4: stored g4',
      ]);
      const tags = (await database.client.execute('SELECT tag FROM log ORDER BY id')).rows.map((r) => r[0]);
      // Stored once each, in the order they were queued.
      expect(tags).toEqual(['g1', 'g2', 'g3', 'g4']);
      expect([await count('c'), await count('c', 'parent < 0')]).toEqual([4, 0]);
      expect(fired).toEqual(['g1', 'g2', 'g3', 'g4']);
      expect((await database.client.execute('PRAGMA foreign_key_check')).rows).toHaveLength(0);
    } finally {
      database.close();
    }
  });

  test('a group whose writers all break the key: every one refused, nothing stored, no callback', async () => {
    const { database, count } = await open('group-all-bad');
    try {
      const fired: string[] = [];
      const outcomes = await Promise.all(
        [-1, -2, -3].map((parent) =>
          settle(
            String(parent),
            database.write(async (db, onCommit) => {
              await db.run(sql`insert into c (parent) values (${parent})`);
              onCommit(() => fired.push(String(parent)));
            }),
          ),
        ),
      );
      expect(outcomes.every((o) => /^refused SQLITE_CONSTRAINT/.test(o.result))).toBe(true);
      expect([await count('c'), fired]).toEqual([0, []]);
      // And the next write goes through.
      await database.write((db) => db.run(sql`insert into c (parent) values (1)`));
      expect(await count('c')).toBe(1);
    } finally {
      database.close();
    }
  });
});
