// review-p: attacks on speed-16i (WAL checkpointer, erasure's truncate retry), speed-16j (IVs as
// pool views) and the full-disk 503. Passing cases are guards; a real break is an `it.fails` that
// asserts the right behaviour, with a comment naming the break.
import { createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncateWriteAheadLog } from '../src/db/database';
import { startWalCheckpointer, type WalCheckpointer } from '../src/db/wal-checkpointer';
import { type DataKey, SEALED_PREFIX, sealWith } from '../src/identity/sealing';
import { createPooledId, pooledRandomBytes, pooledRandomView } from '../src/platform/secrets';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

const quiet = { warn: () => {} };

/** Opens a sealed value as customer-keys.ts does (AES-256-GCM; the value names its key). */
function open(key: DataKey, sealed: string): string {
  const [keyId, iv, tag, body] = sealed.slice(SEALED_PREFIX.length).split('.');
  expect(keyId).toBe(key.id);
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv!, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body!, 'base64url')), decipher.final()]).toString('utf8');
}

describe('sealing with IVs that are views into the random pool', () => {
  it('IVs stay unique and values open, interleaved with ids and copies across many refills', () => {
    const key: DataKey = { id: 'k1', key: randomBytes(32) };
    const sealed: string[] = [];
    const ids = new Set<string>();
    // 20,000 values × 12 bytes plus ids/copies between: ~80 pool refills.
    for (let i = 0; i < 20_000; i++) {
      sealed.push(sealWith(key, `第${i}条 有没有小码`));
      if (i % 7 === 0) ids.add(createPooledId('dk'));
      if (i % 11 === 0) pooledRandomBytes(5); // odd sizes shift the cut points
    }
    const ivs = new Set(sealed.map((v) => v.slice(SEALED_PREFIX.length).split('.')[1]));
    expect(ivs.size).toBe(sealed.length);
    for (let i = 0; i < sealed.length; i += 97) expect(open(key, sealed[i]!)).toBe(`第${i}条 有没有小码`);
    expect(open(key, sealed.at(-1)!)).toBe('第19999条 有没有小码');
  });

  it('a view handed out is never rewritten by later draws or refills (the pool is replaced, not refilled in place)', () => {
    const views = Array.from({ length: 50 }, () => pooledRandomView(12));
    const copies = views.map((v) => Buffer.from(v));
    for (let i = 0; i < 5_000; i++) pooledRandomView(12);
    pooledRandomBytes(10_000); // a draw larger than the pool
    for (const [i, v] of views.entries()) expect(v.equals(copies[i]!)).toBe(true);
  });

  it('seals across an await gap: values sealed before many async refills still open', async () => {
    const key: DataKey = { id: 'k2', key: randomBytes(32) };
    const early = Array.from({ length: 300 }, (_, i) => sealWith(key, `早${i}`));
    await Promise.all(
      Array.from({ length: 20 }, async (_, b) => {
        await new Promise((r) => setImmediate(r));
        for (let i = 0; i < 400; i++) sealWith(key, `并发${b}-${i}`);
      }),
    );
    for (const [i, v] of early.entries()) expect(open(key, v)).toBe(`早${i}`);
  });
});

describe('a full disk (SQLITE_FULL)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED, liveTickMs: 0, liveTimelineDrainMs: 0 });
  });
  afterAll(async () => {
    api.app.livestream.close();
    await api.close();
  });

  async function capFile(spare: number) {
    const pages = Number(
      (await api.rows<{ n: number }>('select page_count as n from pragma_page_count()'))[0]!.n,
    );
    const free = Number(
      (await api.rows<{ n: number }>('select freelist_count as n from pragma_freelist_count()'))[0]!.n,
    );
    await api.rows(`PRAGMA max_page_count = ${pages - free + spare}`);
  }
  const uncap = () => api.rows('PRAGMA max_page_count = 1073741823');
  async function whileFull<T>(run: () => Promise<T>, spare = 0): Promise<T> {
    await capFile(spare);
    try {
      return await run();
    } finally {
      await uncap();
    }
  }

  it('a livestream comment batch answers 503 unavailable, stores none of it, and the retried batch is stored once', async () => {
    const shop = await api.createShop();
    const items = Array.from({ length: 40 }, (_, i) => ({
      id: `full-${i}`,
      viewerId: `dy_full_${i % 9}`,
      nickname: `观众${i}`,
      text: `${'这个颜色显白吗？'.repeat(60)} ${i}`,
      at: Date.now(),
    }));
    const post = () =>
      api.call('POST', '/v1/channels/douyin_live/comments', {
        token: shop.secretKey,
        body: { roomId: 'room-full', items },
      });
    const count = async () =>
      Number(
        (
          await api
            .rows<{ n: number }>(
              "select count(*) as n from live_comments where platform_comment_id like 'full-%'",
            )
            .catch(async () => api.rows<{ n: number }>('select count(*) as n from live_comments'))
        )[0]!.n,
      );
    const before = await count();
    const refused = await whileFull(post);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable', retryAfterSec: 30 });
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await count()).toBe(before);
    const again = await post();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 40, duplicates: 0 });
    const once = await post();
    expect(once.body).toMatchObject({ accepted: 40, duplicates: 40 });
    expect(await count()).toBe(before + 40);
    await api.app.livestream.settled();
  }, 30_000);

  it('an agent reply on a full disk answers 503 and is stored once on retry with its clientMessageId', async () => {
    const shop = await api.createShop();
    const agent = await shop.addAgent({ name: '王敏', capacity: 3 });
    await agent.presence('online');
    const session = await shop.startSession();
    const asked = await shop.send(session.sessionToken, '我要投诉，转人工');
    expect(asked.status).toBe(201);
    const conversationId = asked.body.conversation.id as string;
    const claimed = await agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`);
    expect(claimed.status).toBeLessThan(300);
    const clientMessageId = randomUUID();
    const text = '您好，我是客服王敏，'.repeat(300);
    const reply = () =>
      agent.call('POST', `/v1/agent/conversations/${conversationId}/messages`, { text, clientMessageId });
    const count = async () =>
      Number(
        (
          await api.rows<{ n: number }>('select count(*) as n from messages where client_message_id = ?', [
            clientMessageId,
          ])
        )[0]!.n,
      );
    const refused = await whileFull(reply);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable', retryAfterSec: 30 });
    expect(await count()).toBe(0);
    const again = await reply();
    expect(again.status).toBe(201);
    const once = await reply();
    expect(once.status).toBeLessThan(300);
    expect(await count()).toBe(1);
  }, 30_000);

  it('full disk, then the same clientMessageId again while still full: 503 both times, nothing stored, no 409/500', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    expect((await shop.send(session.sessionToken, '在吗')).status).toBe(201);
    const clientMessageId = randomUUID();
    const big = '请问尺码偏大还是偏小？'.repeat(300);
    const [first, second] = await whileFull(async () => [
      await shop.send(session.sessionToken, big, clientMessageId),
      await shop.send(session.sessionToken, big, clientMessageId),
    ]);
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(
      Number(
        (
          await api.rows<{ n: number }>('select count(*) as n from messages where client_message_id = ?', [
            clientMessageId,
          ])
        )[0]!.n,
      ),
    ).toBe(0);
    // A small write fits in the pages left: the server still serves once there is room.
    const later = await shop.send(session.sessionToken, big, clientMessageId);
    expect(later.status).toBe(201);
  }, 30_000);
});

describe('a full disk with room for part of a livestream batch', () => {
  it('each cap from 0 to 60 spare pages: 503 with nothing stored, or 200 with all of it, never half', async () => {
    const api = await createTestApi({ rateLimits: UNLIMITED, liveTickMs: 0, liveTimelineDrainMs: 0 });
    const shop = await api.createShop();
    const outcomes: string[] = [];
    for (let spare = 0; spare <= 60; spare += 6) {
      const items = Array.from({ length: 60 }, (_, i) => ({
        id: `p${spare}-${i}`,
        viewerId: `dy_p_${spare}_${i}`,
        nickname: `观众${i}`,
        text: `${'这个颜色显白吗？'.repeat(40)} ${i}`,
        at: Date.now(),
      }));
      const pages = Number(
        (await api.rows<{ n: number }>('select page_count as n from pragma_page_count()'))[0]!.n,
      );
      const free = Number(
        (await api.rows<{ n: number }>('select freelist_count as n from pragma_freelist_count()'))[0]!.n,
      );
      await api.rows(`PRAGMA max_page_count = ${pages - free + spare}`);
      let res: Awaited<ReturnType<TestApi['call']>>;
      try {
        res = await api.call('POST', '/v1/channels/douyin_live/comments', {
          token: shop.secretKey,
          body: { roomId: `room-p${spare}`, items },
        });
        await api.app.livestream.settled().catch(() => undefined);
      } finally {
        await api.rows('PRAGMA max_page_count = 1073741823');
      }
      const stored = Number(
        (
          await api
            .rows<{ n: number }>(
              'select count(*) as n from live_comments where room_id in (select id from live_rooms where external_id = ?) or item_id like ?',
              [`room-p${spare}`, `p${spare}-%`],
            )
            .catch(() =>
              api.rows<{ n: number }>('select count(*) as n from live_comments where item_id like ?', [
                `p${spare}-%`,
              ]),
            )
        )[0]!.n,
      );
      outcomes.push(`${spare}:${res.status}:${stored}`);
      expect(
        [res.status === 503 && stored === 0, res.status === 200 && stored === 60],
        outcomes.join(' '),
      ).toContain(true);
    }
    api.app.livestream.close();
    await api.close();
  }, 50_000);
});

describe('erase while another connection reads an old snapshot', () => {
  // Was BREAK (fixed by the lead at stop 31: a repeat erase truncates the log too) (erase.ts + truncateWriteAheadLog): a reader on another connection (a fold/drain worker, a
  // second process) holding a snapshot past the 5 s deadline makes the erase answer 503 after the
  // erase committed; the client retries as told, the retry finds the person 'already' erased and
  // skips the truncate, answers 200 — and the person's old page images stay in the -wal and file.
  it("the retried erase still empties the log: the person's identity bytes are gone from -wal and file", async () => {
    const api = await createTestApi({ rateLimits: UNLIMITED });
    const shop = await api.createShop();
    const anon = `anon-review-p-${randomUUID()}`;
    const session = await shop.startSession({ anonymousId: anon });
    expect((await shop.send(session.sessionToken, '我的地址是上海市')).status).toBe(201);
    const { default: Libsql } = (await import('libsql')) as unknown as { default: new (path: string) => any };
    const reader = new Libsql(api.databasePath);
    reader.exec('BEGIN');
    reader.prepare('select count(*) from identities').get();
    const customerId = session.customer.id as string;
    const first = await api.call('DELETE', `/v1/customers/${customerId}?messages=redact`, {
      token: shop.secretKey,
    });
    reader.exec('COMMIT');
    reader.close();
    // The first answer may be 200 (truncate got through) or 503 (told to retry): either way, retry.
    expect([200, 202, 204, 503]).toContain(first.status);
    const again = await api.call('DELETE', `/v1/customers/${customerId}?messages=redact`, {
      token: shop.secretKey,
    });
    expect(again.status).toBeLessThan(300);
    const needle = Buffer.from(anon);
    let wal = Buffer.alloc(0);
    try {
      wal = readFileSync(`${api.databasePath}-wal`);
    } catch {}
    const file = readFileSync(api.databasePath);
    const where = { first: first.status, wal: wal.indexOf(needle), file: file.indexOf(needle) };
    await api.close();
    expect(where).toEqual({ first: first.status, wal: -1, file: -1 });
  }, 30_000);
});

describe('erasure racing the WAL checkpointer', () => {
  let api: TestApi;
  let checkpointer: WalCheckpointer;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    // Cycles as often as it can: a frame waiting starts one, every cycle borrows the turn.
    checkpointer = startWalCheckpointer(api.database, quiet, { thresholdPages: 1, pollMs: 1, idleMs: 1 })!;
    expect(checkpointer).not.toBeNull();
    expect(await checkpointer.ready).toBe(true);
  });
  afterAll(async () => {
    await checkpointer.stop();
    await api.close();
  });

  it('after each truncate returns, a secret written just before is in neither the -wal nor (deleted) the file', async () => {
    await api.rows('create table if not exists secrets (id integer primary key, body blob)');
    await api.rows('create table if not exists filler (id integer primary key, body blob)');
    for (let round = 0; round < 25; round++) {
      const secret = randomBytes(32);
      await api.database.write(async () => {
        await api.rows('insert into secrets (id, body) values (?, ?)', [1_000_000 + round, secret]);
        // Other rows in the same cycle, so the checkpointer has frames to work on.
        await api.rows('insert into filler (body) values (randomblob(3000))');
      });
      await api.database.write(async () => {
        await api.rows('delete from secrets where id = ?', [1_000_000 + round]);
      });
      await truncateWriteAheadLog(api.database, 10_000);
      let wal = Buffer.alloc(0);
      try {
        wal = readFileSync(`${api.databasePath}-wal`);
      } catch {}
      expect(wal.indexOf(secret), `round ${round}: secret in -wal (${wal.length} bytes)`).toBe(-1);
      expect(readFileSync(api.databasePath).indexOf(secret), `round ${round}: secret in file`).toBe(-1);
    }
    expect(checkpointer.stats().running).toBe(true);
  }, 40_000);

  it('a real erase through the API leaves the -wal empty while the checkpointer cycles', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    for (let i = 0; i < 5; i++)
      expect((await shop.send(session.sessionToken, `我的电话是1380000${i}`)).status).toBe(201);
    const customerId = session.customer.id as string;
    const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=redact`, {
      token: shop.secretKey,
    });
    expect(erased.status, erased.text).toBeLessThan(300);
    let size = 0;
    try {
      size = statSync(`${api.databasePath}-wal`).size;
    } catch {}
    // Nothing wrote after the erase (the checkpointer only copies): the log is empty.
    expect(size).toBe(0);
  }, 30_000);

  it('stop() while cycles run returns, gives the limit back, and writes go on', async () => {
    const other = await createTestApi({ rateLimits: UNLIMITED });
    const cp = startWalCheckpointer(other.database, quiet, { thresholdPages: 1, pollMs: 1, idleMs: 1 })!;
    expect(await cp.ready).toBe(true);
    await other.rows('create table t (id integer primary key, body blob)');
    const writes = (async () => {
      for (let i = 0; i < 150; i++)
        await other.database.write(() => other.rows('insert into t (body) values (randomblob(4000))'));
    })();
    // Stop mid-flood, once cycles are running.
    for (let i = 0; i < 2000 && cp.stats().cycles < 3; i++) await new Promise((r) => setTimeout(r, 5));
    await cp.stop();
    await writes;
    expect(Number((await other.rows<{ n: number }>('select count(*) as n from t'))[0]!.n)).toBe(150);
    expect(Number(Object.values((await other.rows('PRAGMA wal_autocheckpoint'))[0]!)[0])).toBe(10_000);
    await other.close();
  }, 40_000);
});

describe('two checkpointers on one file (two processes)', () => {
  it('writes from both sides all land, nobody waits forever, the log stays bounded', async () => {
    const a = await createTestApi({ rateLimits: UNLIMITED });
    const { createDatabase } = await import('../src/db/database');
    const b = createDatabase({ url: `file:${a.databasePath}` });
    const ca = startWalCheckpointer(a.database, quiet, { thresholdPages: 50, pollMs: 2, hardCapPages: 0 })!;
    const cb = startWalCheckpointer(b, quiet, { thresholdPages: 50, pollMs: 2, hardCapPages: 0 })!;
    expect(await ca.ready).toBe(true);
    expect(await cb.ready).toBe(true);
    await a.rows('create table t (id integer primary key, side text, body blob)');
    const N = 150;
    let largest = 0;
    const side = async (db: typeof b, name: string) => {
      for (let i = 0; i < N; i++) {
        await db.write(() =>
          db.client.execute({ sql: 'insert into t (side, body) values (?, randomblob(3000))', args: [name] }),
        );
        try {
          largest = Math.max(largest, statSync(`${a.databasePath}-wal`).size / 4096);
        } catch {}
      }
    };
    await Promise.all([side(a.database, 'a'), side(b, 'b')]);
    const rows = await a.rows<{ side: string; n: number }>(
      'select side, count(*) as n from t group by side order by side',
    );
    expect(rows.map((r) => [r.side, Number(r.n)])).toEqual([
      ['a', N],
      ['b', N],
    ]);
    // Each checkpointer's RESTART is lent only its own process's write turn, so the other process's
    // writers make most RESTARTs busy and the log rarely starts again (1,200 writes: -wal reached
    // ~1,580 pages, 44 of 61 cycles busy; docs/notes/review-p.md). Only the hard cap (30,000 pages
    // in production, off here) bounds it: checked loosely, as a guard against runaway growth.
    expect(largest).toBeLessThan(N * 2 * 6);
    await ca.stop();
    await cb.stop();
    b.close();
    await a.close();
  }, 40_000);
});
