import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bulkInsertWith } from './bulk-insert';
import { createDatabase, type Database } from './database';

const log = sqliteTable('log', {
  seq: integer('seq').primaryKey(),
  roomId: text('room_id').notNull(),
  itemId: text('item_id').notNull(),
  at: integer('at').notNull(),
  note: text('note'),
});

describe('bulkInsertWith with shared leading columns', () => {
  let dir: string;
  let database: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-bulk-'));
    database = createDatabase({ url: `file:${join(dir, 'db.sqlite')}` });
    await database.client.execute(
      'CREATE TABLE log (seq INTEGER PRIMARY KEY, room_id TEXT NOT NULL, item_id TEXT NOT NULL, at INTEGER NOT NULL, note TEXT, UNIQUE (room_id, item_id))',
    );
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds the shared values once and stores every row as if each gave them, rowids in VALUES order', async () => {
    // Two items already stored (a retry): skipped, and the chunks say which rows went in.
    await database.client.execute({
      sql: "INSERT INTO log (room_id, item_id, at, note) VALUES ('r1', 'i7', 1, 'old'), ('r1', 'i290', 1, 'old')",
      args: [],
    });
    const count = 300; // chunks of 256, 16, 16, 4, 4, 4
    const seqOf = new Array<number>(count).fill(0);
    await database.write(async (db) => {
      const chunks = await bulkInsertWith(
        db,
        { table: log, columns: ['roomId', 'at', 'itemId', 'note'], skipConflicts: true, shared: ['r1', 5] },
        count,
        (r, args) => {
          args.push(`i${r}`, r % 3 === 0 ? null : `n${r}`);
        },
      );
      expect(chunks.map((c) => c.size)).toEqual([256, 16, 16, 4, 4, 4]);
      for (const chunk of chunks) {
        if (chunk.inserted !== chunk.size) continue;
        for (let r = 0; r < chunk.size; r++) seqOf[chunk.offset + r] = chunk.lastRowid - chunk.size + 1 + r;
      }
      expect(chunks.map((c) => c.inserted)).toEqual([255, 16, 16, 3, 4, 4]);
    });
    const { rows } = await database.client.execute(
      'SELECT seq, room_id, item_id, at, note FROM log ORDER BY seq',
    );
    expect(rows).toHaveLength(count);
    const byItem = new Map(rows.map((row) => [row.item_id as string, row]));
    for (let r = 0; r < count; r++) {
      const row = byItem.get(`i${r}`)!;
      expect(row.room_id).toBe('r1');
      if (r === 7 || r === 290) {
        expect(row.note).toBe('old');
        continue;
      }
      expect(row.at).toBe(5);
      expect(row.note).toBe(r % 3 === 0 ? null : `n${r}`);
      if (seqOf[r]) expect(row.seq).toBe(seqOf[r]);
    }
    // Rows of the complete chunks have the rowids the arithmetic gives them.
    expect(seqOf.filter(Boolean)).toHaveLength(16 + 16 + 4 + 4);
  });
});
