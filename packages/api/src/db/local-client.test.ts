import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient, LibsqlError } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalClient, localPathOf } from './local-client';

describe('the statement-caching local client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-local-client-'));
  const clients: Client[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  const open = async (name: string) => {
    const ours = createLocalClient(`file:${join(dir, name)}`)!;
    clients.push(ours);
    await ours.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, big INTEGER)');
    await ours.execute('CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, name TEXT)');
    return ours;
  };

  it('answers in @libsql/client’s shape: rows by column name and by index, numbers, lastInsertRowid', async () => {
    const ours = await open('shape.db');
    const inserted = await ours.execute({ sql: 'INSERT INTO t (name, big) VALUES (?, ?)', args: ['a', 5] });
    expect(inserted.rowsAffected).toBe(1);
    expect(inserted.lastInsertRowid).toBe(1n);
    await ours.execute({ sql: 'INSERT INTO u (t_id, name) VALUES (?, ?)', args: [1, 'b'] });

    const stock = createClient({ url: `file:${join(dir, 'shape.db')}` });
    clients.push(stock);
    for (const sql of [
      'SELECT id, name, big FROM t',
      'SELECT t.id, t.name, u.id, u.name FROM t JOIN u ON u.t_id = t.id',
    ]) {
      const [a, b] = [await ours.execute(sql), await stock.execute(sql)];
      expect(a.columns).toEqual(b.columns);
      expect(a.rows.length).toBe(b.rows.length);
      const [ra, rb] = [a.rows[0]!, b.rows[0]!];
      expect({ ...ra }).toEqual({ ...rb });
      expect(Object.keys(ra)).toEqual(Object.keys(rb));
      expect(ra.length).toBe(rb.length);
      expect(Array.prototype.slice.call(ra)).toEqual(Array.prototype.slice.call(rb));
    }
  });

  it('reuses statements, and a repeated statement still binds fresh arguments', async () => {
    const ours = await open('reuse.db');
    for (let i = 0; i < 5; i++)
      await ours.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: [`n${i}`] });
    const names = [];
    for (let i = 1; i <= 5; i++) {
      const { rows } = await ours.execute({ sql: 'SELECT name FROM t WHERE id = ?', args: [i] });
      names.push(rows[0]!.name);
    }
    expect(names).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it('refuses integers JavaScript cannot hold, and raises LibsqlError with SQLite codes', async () => {
    const ours = await open('errors.db');
    await ours.execute({ sql: 'INSERT INTO t (id, big) VALUES (1, ?)', args: [2n ** 60n] });
    await expect(ours.execute('SELECT big FROM t')).rejects.toThrow(RangeError);
    const error = await ours.execute('INSERT INTO t (id) VALUES (1)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect((error as LibsqlError).code).toBe('SQLITE_CONSTRAINT');
    expect((error as LibsqlError).message).toContain('UNIQUE');
  });

  it('leaves URLs with options or a remote scheme to @libsql/client', () => {
    expect(localPathOf('file:/a/b.db')).toBe('/a/b.db');
    expect(localPathOf('file:///a/b%20c.db')).toBe('/a/b c.db');
    expect(localPathOf('file:rel.db')).toBe('rel.db');
    expect(localPathOf(':memory:')).toBe(':memory:');
    expect(localPathOf('file:a.db?mode=ro')).toBeNull();
    expect(localPathOf('file://host/a.db')).toBeNull();
    expect(localPathOf('libsql://x.turso.io')).toBeNull();
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
