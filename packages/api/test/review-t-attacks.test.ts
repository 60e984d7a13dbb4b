// review-t: attacks on ckpt-33 (close() really closing a served file, the checkpointer's ready/stop
// in any order, the -shm header read through SQLite's own descriptor, COMMIT through exec after a
// deferred foreign key). Real libSQL files in temp dirs, real worker threads, real child processes
// (the built CLI of main where a process must be SIGKILLed), loopback only, every loop bounded.
// A guard that holds is a `test`; a break is a `test.fails` asserting the RIGHT behaviour, with a
// comment saying what happened instead.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createMerchantApp } from '../src/apps/apps';
import { createDatabase } from '../src/db/database';
import { createLocalClient } from '../src/db/local-client';
import { type ServerOptions, startServer } from '../src/serve';
import { UNLIMITED } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'threadline-review-t-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
const fresh = (name: string) => join(dir, `${name}-${files++}.db`);
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const apiDir = resolve(import.meta.dirname, '..');
/** main's build of the API (this worktree is not built; the brief names it). */
const builtCli = existsSync(join(apiDir, 'dist/cli.js'))
  ? join(apiDir, 'dist/cli.js')
  : '/work/main/packages/api/dist/cli.js';

/** POSIX locks `pid` holds on `file` (/proc/locks: "… POSIX ADVISORY READ <pid> <maj>:<min>:<ino> …"). */
const locksOn = (file: string, pid: number = process.pid) => {
  const ino = String(statSync(file).ino);
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      const at = fields.indexOf('POSIX');
      return at >= 0 && fields[at + 3] === String(pid) && fields[at + 4]?.split(':')[2] === ino;
    }).length;
};

/** Descriptors of `pid` pointing at one of `paths`. */
const openOn = (paths: string[], pid: number | 'self' = 'self') =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return paths.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false;
    }
  }).length;
const trio = (path: string) => [path, `${path}-wal`, `${path}-shm`];

/** Runs `code` in another process with a plain libsql connection `d` on `path`, then closes it. */
const otherProcess = (path: string, code: string) =>
  execFileSync(
    process.execPath,
    ['-e', `const L = require('libsql'); const d = new L(process.argv[1]); ${code}; d.close();`, path],
    { cwd: apiDir, encoding: 'utf8', timeout: 20_000 },
  );

const serveOn = (path: string, extra: Partial<ServerOptions> = {}) =>
  startServer({
    databaseUrl: `file:${path}`,
    port: 0,
    masterKey: new Uint8Array(32).fill(5),
    sessionSigningKey: new Uint8Array(32).fill(6),
    logger: quiet,
    insightsFoldEveryMs: 3_600_000,
    ...extra,
  });

/** Waits (bounded) until this process has `n` descriptors on the database file itself. */
async function connectionsOnFile(path: string, n: number, pid: number | 'self' = 'self', ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until && openOn([path], pid) < n) await sleep(50);
  return openOn([path], pid);
}

async function post(url: string, token: string, body: unknown) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: String(response.status), body: (await response.json().catch(() => null)) as any };
  } catch (error) {
    return { status: `conn ${(error as { cause?: { code?: string } }).cause?.code ?? 'error'}`, body: null };
  }
}

describe('the process lock on the database file (worst first)', () => {
  // Precondition of the two breaks below: in WAL mode SQLite keeps a SHARED lock on the database
  // file for as long as a connection of the process is open; a process closing its last connection
  // checkpoints and DELETES the -wal only if it can take that file EXCLUSIVE, i.e. nobody else uses it.
  test('guard: an open connection in WAL mode holds a lock on the database file', async () => {
    const path = fresh('lock-held');
    const database = createDatabase({ url: `file:${path}` });
    await database.client.execute('PRAGMA journal_mode = WAL');
    await database.client.execute('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    await database.write(() => database.client.execute('INSERT INTO t (n) VALUES (1)'));
    const held = locksOn(path);
    database.close();
    expect(held).toBeGreaterThan(0);
  });

  // Was a BREAK (fixed by the lead, stop 33: restrictFileMode now creates the file only when
  // missing, 'wx', and never opens it otherwise). Same hazard class as ckpt-33's -shm probe, on the
  // other file: createDatabase ran restrictFileMode, which did `closeSync(openSync(path, 'a'))` on the database file every time.
  // Closing any descriptor of a file drops EVERY POSIX lock the process holds on it: the request
  // connection's SHARED lock went 1 → 0 here. Every served process does this at start, from the
  // insights fold worker (and the livestream timeline drain worker), both calling createDatabase.
  test('a second createDatabase on the same file (what each fold/drain worker does) leaves the first connection its lock', async () => {
    const path = fresh('lock-dropped');
    const first = createDatabase({ url: `file:${path}` });
    await first.client.execute('PRAGMA journal_mode = WAL');
    await first.client.execute('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    await first.write(() => first.client.execute('INSERT INTO t (n) VALUES (1)'));
    const second = createDatabase({ url: `file:${path}` });
    const after = locksOn(path);
    second.close();
    first.close();
    expect(after).toBeGreaterThan(0);
  });

  // Was a BREAK (fixed with the one above), data lost with integrity_check "ok": a served process (fold worker on, the default) has
  // lost its lock as above. Another process that merely opens the file and closes it (a backup
  // script, a `threadline` CLI command) then believes it is the last user: it checkpoints and
  // deletes the -wal under the server, which goes on writing into the unlinked log. A second
  // process's 10 committed rows then went into a NEW -wal and the file; the server's close
  // checkpointed its orphaned log over them. Seen: [['a', 50]] — the other process's 10 rows gone.
  test('another process reads, then writes, beside a served process: after the server closes every row of both is there', async () => {
    const path = fresh('served-divergence');
    const server = await serveOn(path);
    try {
      await server.database.client.execute(
        'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)',
      );
      // Request connection + checkpoint worker + fold worker (its start is what drops the lock).
      await connectionsOnFile(path, 3);
      const put = async (from: number, n: number) => {
        for (let i = from; i < from + n; i++)
          await server.database.write(() =>
            server.database.client.execute({ sql: "INSERT INTO t (who, n) VALUES ('a', ?)", args: [i] }),
          );
      };
      await put(0, 20);
      otherProcess(path, "d.prepare('SELECT count(*) FROM t').get()");
      await put(20, 20);
      otherProcess(
        path,
        `for (let i = 0; i < 10; i++) d.prepare("INSERT INTO t (who, n) VALUES ('c', ?)").run(i)`,
      );
      await put(40, 10);
    } finally {
      await server.close();
    }
    const check = createDatabase({ url: `file:${path}` });
    const rows = (
      await check.client.execute('SELECT who, count(*), count(DISTINCT n) FROM t GROUP BY who ORDER BY who')
    ).rows;
    const integrity = (await check.client.execute('PRAGMA integrity_check')).rows[0]![0];
    check.close();
    expect(rows.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual([
      ['a', 50, 50],
      ['c', 10, 10],
    ]);
    expect(integrity).toBe('ok');
  }, 40_000);

  // The control for the break above: the same run with the fold worker off (no second
  // createDatabase in the process) keeps the lock, the -wal, and every row.
  test('guard: the same two processes with insightsFoldWorker off lose nothing', async () => {
    const path = fresh('served-no-fold');
    const server = await serveOn(path, { insightsFoldWorker: false });
    let walAfterReader = false;
    try {
      await server.database.client.execute(
        'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)',
      );
      await connectionsOnFile(path, 2);
      for (let i = 0; i < 20; i++)
        await server.database.write(() =>
          server.database.client.execute({ sql: "INSERT INTO t (who, n) VALUES ('a', ?)", args: [i] }),
        );
      otherProcess(path, "d.prepare('SELECT count(*) FROM t').get()");
      walAfterReader = existsSync(`${path}-wal`);
      otherProcess(
        path,
        `for (let i = 0; i < 10; i++) d.prepare("INSERT INTO t (who, n) VALUES ('c', ?)").run(i)`,
      );
      for (let i = 20; i < 30; i++)
        await server.database.write(() =>
          server.database.client.execute({ sql: "INSERT INTO t (who, n) VALUES ('a', ?)", args: [i] }),
        );
    } finally {
      await server.close();
    }
    const check = createDatabase({ url: `file:${path}` });
    const rows = (await check.client.execute('SELECT who, count(*) FROM t GROUP BY who ORDER BY who')).rows;
    const integrity = (await check.client.execute('PRAGMA integrity_check')).rows[0]![0];
    check.close();
    expect(walAfterReader).toBe(true);
    expect(rows.map((r) => [r[0], Number(r[1])])).toEqual([
      ['a', 30],
      ['c', 10],
    ]);
    expect(integrity).toBe('ok');
  }, 40_000);

  // Was a BREAK (fixed with the one above), acknowledged messages lost: the built server (main's dist) is serving; the operator runs
  // one `threadline app create --db <same file>` (its process closes last-user-like: -wal deleted
  // under the server, see above); 3 more sends answer 201; the server is SIGKILLed and restarted.
  // Seen: the timeline holds only the 3 messages sent before the CLI ran — the 3 acknowledged after
  // it lived only in the unlinked -wal and died with the process.
  test('SIGKILL after an operator ran the CLI on the served file: every 201 is there after a restart, once', async () => {
    const path = fresh('cli-beside-server');
    const url = `file:${path}`;
    const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: '', PORT: '', HOST: '' };
    const appCreate = (name: string) => {
      const out = execFileSync(process.execPath, [builtCli, 'app', 'create', '--name', name, '--db', url], {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      return JSON.parse(out.slice(out.indexOf('{'))) as { publishableKey: string };
    };
    const serve = async () => {
      const child = spawn(
        process.execPath,
        [builtCli, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', url],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.add(child);
      let output = '';
      const base = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 30_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            done(match[1]!);
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => {
          clearTimeout(timer);
          fail(new Error(`server exited with ${code}:\n${output}`));
        });
      });
      return { child, base };
    };
    const kill = async (child: ChildProcess) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    };
    const keys = appCreate('Review T shop');
    const first = await serve();
    const session = await post(`${first.base}/v1/sessions`, keys.publishableKey, {
      channel: 'web',
      anonymousId: randomUUID(),
    });
    expect(session.status).toBe('201');
    const token = session.body.sessionToken as string;
    const acknowledged: string[] = [];
    const send = async (text: string) => {
      const clientMessageId = randomUUID();
      const res = await post(`${first.base}/v1/messages`, token, { clientMessageId, text });
      if (res.status === '201') acknowledged.push(clientMessageId);
      return res.status;
    };
    for (let i = 0; i < 3; i++) expect(await send(`before ${i}`)).toBe('201');
    // Its fold worker has started (request + checkpoint + fold connections on the file), bounded.
    await connectionsOnFile(path, 3, first.child.pid!);
    appCreate('Another shop');
    for (let i = 0; i < 3; i++) expect(await send(`after ${i}`)).toBe('201');
    await kill(first.child);
    const second = await serve();
    try {
      const response = await fetch(`${second.base}/v1/timeline?limit=200`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { messages: { clientMessageId?: string | null }[] };
      const stored = page.messages.map((m) => m.clientMessageId).filter(Boolean);
      expect(acknowledged).toHaveLength(6);
      expect(acknowledged.filter((id) => stored.filter((s) => s === id).length !== 1)).toEqual([]);
    } finally {
      await kill(second.child);
    }
  }, 80_000);
});

describe('deferred foreign keys at COMMIT', () => {
  // Was a BREAK, fixed by ckpt-34 (embedders with DEFERRABLE keys or PRAGMA defer_foreign_keys; the
  // API's own schema has none): Database.write groups queued writers into one transaction; when its
  // COMMIT was refused by one writer's deferred key, every writer of the group was rejected with
  // SQLITE_CONSTRAINT — not retryable, nothing of theirs stored, although only one of them broke
  // the key. Seen: all three 'err SQLITE_CONSTRAINT', log empty. Now such a group runs again one
  // writer per transaction (test/deferred-fk-commit.test.ts).
  test('writers grouped with one whose deferred key fails at COMMIT are stored; only that one is refused', async () => {
    const path = fresh('fk-group');
    const database = createDatabase({ url: `file:${path}`, busyDeadlineMs: 1_500 });
    try {
      await database.client.execute('PRAGMA journal_mode = WAL');
      await database.client.execute('PRAGMA foreign_keys = ON');
      await database.client.execute('CREATE TABLE p (id INTEGER PRIMARY KEY)');
      await database.client.execute(
        'CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
      );
      await database.client.execute('CREATE TABLE log (n INTEGER PRIMARY KEY)');
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => 'stored',
          (error: { code?: string }) => `refused ${error.code ?? ''}`,
        );
      // Queued in one tick: they run as one group.
      const results = await Promise.all([
        outcome(database.write(() => database.client.execute('INSERT INTO log (n) VALUES (1)'))),
        outcome(database.write(() => database.client.execute('INSERT INTO c (parent) VALUES (-1)'))),
        outcome(database.write(() => database.client.execute('INSERT INTO log (n) VALUES (2)'))),
      ]);
      const log = (await database.client.execute('SELECT count(*) FROM log')).rows[0]![0];
      expect({ results, log: Number(log) }).toEqual({
        results: ['stored', expect.stringMatching(/^refused .*CONSTRAINT/), 'stored'],
        log: 2,
      });
    } finally {
      database.close();
    }
  });

  test('guard: a refused deferred key through batch(), executeMultiple() and a hand-written COMMIT leaves no stale snapshot', async () => {
    const url = `file:${fresh('fk-paths')}`;
    const database = createDatabase({ url, busyDeadlineMs: 1_500 });
    const other = createLocalClient(url)!;
    try {
      await database.client.execute('PRAGMA journal_mode = WAL');
      await database.client.execute('PRAGMA foreign_keys = ON');
      await other.execute('CREATE TABLE p (id INTEGER PRIMARY KEY)');
      await other.execute(
        'CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
      );
      const refused = (p: Promise<unknown>) =>
        p.then(
          () => 'stored',
          (error: { code?: string }) => String(error.code),
        );
      const paths: (() => Promise<unknown>)[] = [
        () => database.client.batch([{ sql: 'INSERT INTO c (parent) VALUES (?)', args: [-1] }], 'write'),
        () => database.client.executeMultiple('BEGIN IMMEDIATE; INSERT INTO c (parent) VALUES (-2); COMMIT;'),
        async () => {
          await database.client.execute('BEGIN IMMEDIATE');
          await database.client.execute('INSERT INTO c (parent) VALUES (-3)');
          try {
            await database.client.execute('COMMIT');
          } finally {
            await database.client.execute('ROLLBACK').catch(() => undefined);
          }
        },
      ];
      for (const [round, path] of paths.entries()) {
        expect(await refused(path())).toMatch(/CONSTRAINT/);
        // Another connection commits: a snapshot kept by a half-ended COMMIT would now be stale.
        await other.execute({ sql: 'INSERT INTO p (id) VALUES (?)', args: [round + 1] });
        await database.write(() =>
          database.client.execute({ sql: 'INSERT INTO c (parent) VALUES (?)', args: [round + 1] }),
        );
      }
      const totals = (await other.execute('SELECT count(*), coalesce(sum(parent < 0), 0) FROM c')).rows[0]!;
      expect([Number(totals[0]), Number(totals[1])]).toEqual([3, 0]);
      expect((await other.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
      expect((await other.execute('PRAGMA foreign_key_check')).rows).toHaveLength(0);
    } finally {
      other.close();
      database.close();
    }
  });
});

describe('close() in other orders', () => {
  test('guard: close() during a write group — the write rejects CLIENT_CLOSED (no hang), nothing half-stored, later calls fail clearly, a second close() is a no-op', async () => {
    const path = fresh('close-mid-write');
    const database = createDatabase({ url: `file:${path}` });
    await database.client.execute('PRAGMA journal_mode = WAL');
    await database.client.execute('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    const write = database.write(async () => {
      await database.client.execute('INSERT INTO t (n) VALUES (1)');
      await sleep(50);
      await database.client.execute('INSERT INTO t (n) VALUES (2)');
    });
    await sleep(10);
    database.close();
    const settle = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'ok',
          (error: { code?: string }) => `err ${error.code}`,
        ),
        sleep(5_000).then(() => 'hang'),
      ]);
    expect(await settle(write)).toBe('err CLIENT_CLOSED');
    expect(await settle(database.write(() => database.client.execute('INSERT INTO t (n) VALUES (3)')))).toBe(
      'err CLIENT_CLOSED',
    );
    expect(await settle(database.client.execute('SELECT 1'))).toBe('err CLIENT_CLOSED');
    expect(() => database.close()).not.toThrow();
    await new Promise<void>((r) => setImmediate(r));
    expect(openOn(trio(path))).toBe(0);
    // Its transaction was rolled back with the connection: no row, no lock left behind.
    const next = createDatabase({ url: `file:${path}`, busyDeadlineMs: 1_000 });
    await next.write(() => next.client.execute('INSERT INTO t (n) VALUES (9)'));
    const rows = (await next.client.execute('SELECT group_concat(n) FROM t')).rows[0]![0];
    const integrity = (await next.client.execute('PRAGMA integrity_check')).rows[0]![0];
    next.close();
    expect([rows, integrity]).toEqual(['9', 'ok']);
  }, 20_000);

  test('guard: a server closed at once (before its checkpointer is ready), twice concurrently: one promise, nothing left open, later use fails clearly', async () => {
    const path = fresh('close-at-once');
    const server = await serveOn(path);
    const [a, b] = [server.close(), server.close()];
    expect(a).toBe(b);
    expect(await a).toBe(true);
    expect(server.walCheckpoints!().running).toBe(false);
    expect(openOn(trio(path))).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
    // A worker that was still booting must not reopen the file afterwards.
    await sleep(1_500);
    expect(openOn(trio(path))).toBe(0);
    const write = await server.database
      .write(() => server.database.client.execute('SELECT 1'))
      .then(
        () => 'ok',
        (error: { code?: string }) => `err ${error.code}`,
      );
    expect(write).toBe('err CLIENT_CLOSED');
    const health = await fetch(`${server.url}/v1/health`).then(
      (r) => `status ${r.status}`,
      (error: { cause?: { code?: string } }) => `conn ${error.cause?.code}`,
    );
    expect(health).toBe('conn ECONNREFUSED');
  }, 30_000);

  test('guard: close() while sends are in flight — every 201 stored once, nothing stored that was not answered 201', async () => {
    const path = fresh('close-mid-sends');
    const server = await serveOn(path, { rateLimits: UNLIMITED });
    const keys = await createMerchantApp(server.app.deps, { name: 'Review T' });
    const session = await post(`${server.url}/v1/sessions`, keys.publishableKey, {
      channel: 'web',
      anonymousId: randomUUID(),
    });
    expect(session.status).toBe('201');
    const token = session.body.sessionToken as string;
    const ids = Array.from({ length: 60 }, () => randomUUID());
    const outcome = new Map<string, string>();
    let closing: Promise<boolean> | undefined;
    let next = 0;
    let acked = 0;
    const worker = async () => {
      while (next < ids.length) {
        const i = next++;
        const res = await post(`${server.url}/v1/messages`, token, {
          clientMessageId: ids[i],
          text: `m ${i}`,
        });
        outcome.set(ids[i]!, res.status);
        if (res.status === '201' && ++acked === 10) closing = server.close();
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(await closing).toBe(true);
    const check = createDatabase({ url: `file:${path}` });
    const rows = (
      await check.client.execute(
        "SELECT client_message_id, count(*) FROM messages WHERE author_type = 'customer' GROUP BY 1",
      )
    ).rows;
    const integrity = (await check.client.execute('PRAGMA integrity_check')).rows[0]![0];
    check.close();
    const stored = new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
    const answered201 = [...outcome].filter(([, status]) => status === '201').map(([id]) => id);
    expect(answered201.length).toBeGreaterThanOrEqual(10);
    expect(answered201.filter((id) => stored.get(id) !== 1)).toEqual([]);
    expect([...stored.values()].filter((n) => n > 1)).toEqual([]);
    // A send cut by the close (503, refused, reset) stored nothing.
    expect([...stored.keys()].filter((id) => outcome.get(id) !== '201')).toEqual([]);
    expect(integrity).toBe('ok');
  }, 40_000);

  test('guard: the app of a closed server, called in-process (an embedder mounting it), answers 503 with a code — no 500, no hang', async () => {
    const server = await serveOn(fresh('app-after-close'), { rateLimits: UNLIMITED });
    const keys = await createMerchantApp(server.app.deps, { name: 'Review T' });
    await server.close();
    const call = async (path: string, token: string, body: unknown) => {
      const response = await Promise.race([
        server.app.request(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
        sleep(5_000).then(() => null),
      ]);
      if (!response) return { status: 'hang', code: undefined };
      const json = (await response.json().catch(() => null)) as { error?: { code?: unknown } } | null;
      return { status: String(response.status), code: typeof json?.error?.code };
    };
    const answers = [
      await call('/v1/sessions', keys.publishableKey, { channel: 'web', anonymousId: randomUUID() }),
      await call('/v1/messages', 'not-a-session', { clientMessageId: randomUUID(), text: 'hi' }),
    ];
    // A refused credential may answer first (4xx); what must not come is a 500 or no answer.
    expect(answers).toEqual([
      { status: expect.stringMatching(/^(4\d\d|503)$/), code: 'string' },
      { status: expect.stringMatching(/^(4\d\d|503)$/), code: 'string' },
    ]);
  }, 30_000);

  test('guard: one of two servers on a file in one process closes while the other writes — its -shm locks stay, every row once, integrity ok', async () => {
    const path = fresh('two-in-process');
    const a = await serveOn(path);
    const b = await serveOn(path);
    await a.database.client.execute(
      'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE, body BLOB)',
    );
    // Both checkpoint workers connected (bounded).
    for (let i = 0; i < 300 && !(a.walCheckpoints!().running && b.walCheckpoints!().running); i++)
      await sleep(50);
    let written = 0;
    let stop = false;
    let failure = '';
    const flood = (async () => {
      for (let i = 0; i < 20_000 && !stop; i++) {
        try {
          await a.database.write(() =>
            a.database.client.execute({
              sql: 'INSERT INTO t (n, body) VALUES (?, randomblob(1500))',
              args: [i],
            }),
          );
          written++;
        } catch (error) {
          failure = String(error);
          return;
        }
        if (i % 20 === 0) await sleep(1);
      }
    })();
    await sleep(150);
    const writtenAtClose = written;
    await b.close();
    const shmLocks = locksOn(`${path}-shm`);
    await sleep(300);
    stop = true;
    await flood;
    const counted = (await a.database.client.execute('SELECT count(*), count(DISTINCT n) FROM t')).rows[0]!;
    await a.close();
    const leftOpen = openOn(trio(path));
    const check = createDatabase({ url: `file:${path}` });
    const after = (await check.client.execute('SELECT count(*) FROM t')).rows[0]![0];
    const integrity = (await check.client.execute('PRAGMA integrity_check')).rows[0]![0];
    check.close();
    expect(failure).toBe('');
    expect(writtenAtClose).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(writtenAtClose);
    expect(shmLocks).toBeGreaterThan(0);
    expect([Number(counted[0]), Number(counted[1]), Number(after)]).toEqual([written, written, written]);
    expect(integrity).toBe('ok');
    expect(leftOpen).toBe(0);
  }, 40_000);

  test('guard: 2 start/write/close cycles after a warm-up leave no new socket, pipe, eventfd or database descriptor', async () => {
    // Counted by kind (a descriptor number may be reused by another socket or pipe meanwhile).
    const kinds = () => {
      const counts: Record<string, number> = { socket: 0, pipe: 0, anon_inode: 0, database: 0 };
      for (const fd of readdirSync('/proc/self/fd')) {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          const kind = /\.db(-wal|-shm)?$/.test(target)
            ? 'database'
            : /^(socket|pipe|anon_inode):/.exec(target)?.[1];
          if (kind) counts[kind]!++;
        } catch {
          // Closed meanwhile.
        }
      }
      return counts;
    };
    const cycle = async (name: string) => {
      const server = await serveOn(fresh(name));
      await server.database.client.execute('CREATE TABLE IF NOT EXISTS t (n INTEGER)');
      for (let i = 0; i < 20; i++)
        await server.database.write(() => server.database.client.execute('INSERT INTO t VALUES (1)'));
      for (let i = 0; i < 200 && !server.walCheckpoints!().running; i++) await sleep(25);
      await server.close();
    };
    await cycle('warm');
    await sleep(200);
    const before = kinds();
    for (let round = 0; round < 2; round++) await cycle('cycle');
    // Descriptors a close ends in the background (a worker thread's, a socket's) are given up to 5 s
    // to go, looked at every 100 ms, instead of a fixed 300 ms that a loaded machine can outlast: a
    // leak is still there after 5 s.
    const addedSince = (after: Record<string, number>) =>
      Object.keys(after).filter((kind) => after[kind]! > before[kind]!);
    let after = kinds();
    for (let i = 0; i < 50 && addedSince(after).length > 0; i++) {
      await sleep(100);
      after = kinds();
    }
    const added = addedSince(after);
    expect({ added, before, after }).toEqual({ added: [], before, after: expect.anything() });
  }, 60_000);
});
