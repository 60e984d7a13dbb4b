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
