// The timeline drain on a worker thread (livestream/timeline-drain-thread.ts; opt-in, option
// `liveTimelineDrainWorker` / THREADLINE_LIVE_TIMELINE_DRAIN_WORKER=1): its own connection
// to the same file, drained inside the write turn the request thread lends it. Shown here: it
// drains while batches keep coming; a worker that dies inside its transaction leaves nothing
// half-written and the questions still reach their timelines exactly once; another connection's
// lock is waited out; processes exit without closing anything; remote libSQL and :memory: drain
// in-thread.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, migrateDatabase } from '../src/db/database';
import { createTimelineDrain } from '../src/livestream/timeline-drain';
import { createTestApi } from './harness';
import { startSqld } from './scale-out-kit';

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function startApi(options: Parameters<typeof createTestApi>[0] = {}) {
  const api = await createTestApi({
    liveTickMs: 0,
    liveTimelineDrainMs: 0,
    liveTimelineDrainWorker: true,
    ...options,
  });
  const shop = await api.createShop();
  open.push({
    close: async () => {
      api.app.livestream.close();
      await api.close();
    },
  });
  let seq = 0;
  /** A batch of `askers` first questions from fresh viewers, plus as many filler comments. */
  const ask = async (askers: number, roomId = 'room-w') => {
    const batch = ++seq;
    const items = [];
    for (let i = 0; i < askers; i++) {
      items.push({
        id: `q${batch}-${i}`,
        viewerId: `dy_${batch}_${i}`,
        text: '优惠券怎么领',
        at: Date.now(),
      });
      items.push({ id: `f${batch}-${i}`, viewerId: `dy_${batch}_${i}`, text: '666', at: Date.now() });
    }
    const res = await api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      body: { roomId, items },
    });
    expect(res.status).toBe(200);
    return askers;
  };
  // The app's own database (a test may give it another one than the harness's file).
  const count = async (sql: string) => Number((await api.app.deps.database.client.execute(sql)).rows[0]!.n);
  const questions = () =>
    count("select count(*) as n from messages where channel = 'douyin_live' and author_type = 'customer'");
  const distinctQuestions = () =>
    count(
      "select count(distinct id) as n from messages where channel = 'douyin_live' and author_type = 'customer'",
    );
  const queued = () => count('select count(*) as n from live_timeline_queue');
  return { api, shop, ask, questions, distinctQuestions, queued };
}

describe('the timeline drain on a worker thread', () => {
  it('drains on the worker while batches keep coming, each question once', async () => {
    const { api, ask, questions, distinctQuestions, queued } = await startApi();
    let asked = await ask(300);
    expect(await queued()).toBe(300);
    // Drains and batches interleave: the request thread lends its write turn, batches wait and
    // then share one commit; nothing is lost or written twice.
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 4; round++) {
      work.push(api.app.livestream.settled());
      work.push(ask(150).then((n) => (asked += n)));
    }
    await Promise.all(work);
    await api.app.livestream.settled();
    expect(await queued()).toBe(0);
    expect(await questions()).toBe(asked);
    expect(await distinctQuestions()).toBe(asked);
    const stats = api.app.livestream.timelineDrains();
    expect(stats.worker).toBe(true);
    expect(stats.onWorker).toBeGreaterThanOrEqual(1);
    expect(stats.inThread).toBe(0);
    // The request thread reads what the worker committed: a timeline read drains first, too.
    const [row] = await api.rows<{ customer_id: string }>(
      "select customer_id from messages where channel = 'douyin_live' limit 1",
    );
    expect(row?.customer_id).toMatch(/^cus_/);
  }, 60_000);

  it('a worker that dies inside its drain transaction leaves nothing half-written; the drain recovers', async () => {
    const { api, ask, questions, distinctQuestions, queued } = await startApi({
      liveTimelineDrainWorker: false,
    });
    // A second drain of the same process, whose first worker exits before its COMMIT.
    const drain = createTimelineDrain(api.app.deps, 0, { worker: true, crashWorkers: 1 });
    open.push(drain);
    const asked = await ask(400);
    expect(await queued()).toBe(400);

    // The worker dies mid-transaction: its writes roll back, the lock it held is released — else
    // the in-thread drain that takes over waits out the busy deadline and fails, and `settle`
    // rejects. (A wall-clock bound under that deadline, 4 s of 5, failed under load: 5.2 s with
    // the worker's start and crash in it.)
    await drain.settle();
    expect(drain.stats()).toMatchObject({ onWorker: 0, inThread: 1, worker: true });
    expect(await queued()).toBe(0);
    expect(await questions()).toBe(asked);
    expect(await distinctQuestions()).toBe(asked);

    // The next drain starts a new worker, and the request thread writes as before.
    const more = await ask(100);
    await drain.settle();
    expect(drain.stats()).toMatchObject({ onWorker: 1, inThread: 1, worker: true });
    expect(await questions()).toBe(asked + more);
    expect(await distinctQuestions()).toBe(asked + more);
  }, 60_000);

  it('after three workers died in a row it drains in-thread for good', async () => {
    const { api, ask, questions, queued } = await startApi({ liveTimelineDrainWorker: false });
    const drain = createTimelineDrain(api.app.deps, 0, { worker: true, crashWorkers: 3 });
    open.push(drain);
    let asked = 0;
    for (let i = 0; i < 4; i++) {
      asked += await ask(20);
      await drain.settle();
      expect(await queued()).toBe(0);
      expect(await questions()).toBe(asked);
    }
    expect(drain.stats()).toMatchObject({ onWorker: 0, inThread: 4, worker: false });
  }, 60_000);

  it('waits out another connection’s write lock, then drains on the worker', async () => {
    const { api, ask, questions, queued } = await startApi();
    const asked = await ask(200);
    // Another connection (another process, as far as the worker can tell) holds the write lock.
    const other = createClient({ url: `file:${api.databasePath}` });
    open.push({ close: () => other.close() });
    const tx = await other.transaction('write');
    await tx.execute('insert into live_timeline_queue (seq) values (-1)');
    const started = Date.now();
    const settling = api.app.livestream.settled();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await questions()).toBe(0);
    await tx.rollback();
    await settling;
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(await queued()).toBe(0);
    expect(await questions()).toBe(asked);
    expect(api.app.livestream.timelineDrains()).toMatchObject({ onWorker: 1, inThread: 0 });
  }, 60_000);

  it('drains in-thread by default, and where there is no second connection to the same data (:memory:, remote libSQL)', async () => {
    // Off unless asked for.
    const byDefault = await startApi({ liveTimelineDrainWorker: undefined });
    const askedByDefault = await byDefault.ask(20);
    await byDefault.api.app.livestream.settled();
    expect(await byDefault.questions()).toBe(askedByDefault);
    expect(byDefault.api.app.livestream.timelineDrains()).toMatchObject({
      worker: false,
      inThread: 1,
      onWorker: 0,
    });

    const memory = createDatabase({ url: ':memory:' });
    await migrateDatabase(memory);
    const inMemory = await startApi({ database: memory });
    const asked = await inMemory.ask(50);
    await inMemory.api.app.livestream.settled();
    expect(await inMemory.questions()).toBe(asked);
    expect(inMemory.api.app.livestream.timelineDrains()).toMatchObject({
      worker: false,
      inThread: 1,
      onWorker: 0,
    });

    const dir = mkdtempSync(join(tmpdir(), 'tl-worker-sqld-'));
    open.push({ close: () => rmSync(dir, { recursive: true, force: true }) });
    const sqld = await startSqld(dir);
    open.push({ close: () => sqld.stop() });
    const remote = createDatabase({ url: sqld.url });
    await migrateDatabase(remote);
    const onServer = await startApi({ database: remote });
    const remoteAsked = await onServer.ask(30);
    await onServer.api.app.livestream.settled();
    expect(await onServer.questions()).toBe(remoteAsked);
    expect(onServer.api.app.livestream.timelineDrains()).toMatchObject({
      worker: false,
      inThread: 1,
      onWorker: 0,
    });
  }, 90_000);

  it('a process whose drain ran on the worker exits on its own, with or without close()', async () => {
    // The built package, in a child process: the worker is unreferenced when idle (it never holds
    // a process open) and referenced while it drains (an awaited drain is not cut short).
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = (closeIt: boolean) => `
      const api = await import(${JSON.stringify(dist)});
      const { randomBytes } = await import('node:crypto');
      const dir = (await import('node:fs')).mkdtempSync((await import('node:os')).tmpdir() + '/tl-exit-');
      const database = api.createDatabase({ url: 'file:' + dir + '/db.sqlite' });
      await api.migrateDatabase(database);
      const app = api.createApp({ database, masterKey: randomBytes(32), sessionSigningKey: randomBytes(32),
        logger: { ...api.silentLogger, warn: (m, f) => console.error(m, JSON.stringify(f)), error: (m, f) => console.error(m, JSON.stringify(f)) },
        liveTickMs: 0, liveTimelineDrainMs: 0, liveTimelineDrainWorker: true });
      const shop = await api.createMerchantApp(app.deps, { name: 'exit' });
      const items = Array.from({ length: 50 }, (_, i) => ({ id: 'c' + i, viewerId: 'v' + i, text: '优惠券怎么领', at: Date.now() }));
      const res = await app.request('/v1/channels/douyin_live/comments', { method: 'POST',
        headers: { authorization: 'Bearer ' + shop.secretKey, 'content-type': 'application/json' },
        body: JSON.stringify({ roomId: 'r', items }) });
      await app.livestream.settled();
      const n = (await database.client.execute("select count(*) as n from messages where channel = 'douyin_live'")).rows[0].n;
      console.log(JSON.stringify({ status: res.status, n, drains: app.livestream.timelineDrains() }));
      ${closeIt ? 'app.livestream.close(); database.close();' : ''}
    `;
    for (const closeIt of [true, false]) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script(closeIt)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 30_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(JSON.parse(out)).toEqual({
        status: 200,
        n: 50,
        drains: { onWorker: 1, inThread: 0, worker: true },
      });
    }
  }, 90_000);
});
