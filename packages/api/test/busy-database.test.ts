import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { describe, expect, it } from 'vitest';
import { createDatabase, migrateDatabase } from '../src/db/database';
import { createTestApi } from './harness';

describe('a database another process keeps locked', () => {
  it('answers writes with a retryable 503 (Retry-After), never a 500, and serves reads meanwhile', async () => {
    const url = `file:${join(mkdtempSync(join(tmpdir(), 'threadline-locked-')), 'api.db')}`;
    const database = createDatabase({ url, busyDeadlineMs: 300 });
    await migrateDatabase(database);
    const api = await createTestApi({ database });
    const shop = await api.createShop();
    const session = await shop.startSession({ channel: 'web' });

    // Another API process on the same file, holding the write lock longer than the deadline.
    const other = createClient({ url });
    await other.execute('BEGIN IMMEDIATE');
    try {
      const sent = await api.call('POST', '/v1/messages', {
        token: session.sessionToken,
        body: { text: '锁住的时候发的', clientMessageId: 'locked-send-0001' },
      });
      expect(sent.status).toBe(503);
      expect(sent.headers.get('retry-after')).toBe('1');
      expect(errorEnvelope.parse(sent.body).error).toMatchObject({ code: 'unavailable', retryAfterSec: 1 });
      const started = await api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'web' },
      });
      expect(started.status).toBe(503);
      // Reads do not wait for the writer (WAL).
      const timeline = await api.call('GET', '/v1/timeline', { token: session.sessionToken });
      expect(timeline.status).toBe(200);
    } finally {
      await other.execute('ROLLBACK');
      other.close();
    }
    // The retry, once the lock is gone, is stored once.
    const retried = await api.call('POST', '/v1/messages', {
      token: session.sessionToken,
      body: { text: '锁住的时候发的', clientMessageId: 'locked-send-0001' },
    });
    expect(retried.status).toBe(201);
    const stored = await database.client.execute({
      sql: 'SELECT id FROM messages WHERE client_message_id = ?',
      args: ['locked-send-0001'],
    });
    expect(stored.rows).toHaveLength(1);
    database.close();
  });
});
