// Review of issue 17: the faults an operator meets with several API processes — Redis paused or
// gone mid-traffic, a worker that cannot start, counts left behind by a dropped connection. Real
// redis-server and the built CLI on loopback; every wait is bounded.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  call,
  cliPath,
  followStream,
  freePort,
  prepareDeployment,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';

/** `threadline <args>` from the built CLI; its exit code and output, killed after `timeoutMs`. */
function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; output: string; timedOut: boolean }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** `call`, but a request that hangs fails the test after `ms` instead of hanging it. */
async function within<T>(ms: number, work: Promise<T>): Promise<T | 'hung'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Redis paused (SIGSTOP) under two API processes', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let p1: ApiProcess;
  let p2: ApiProcess;

  beforeAll(async () => {
    redis = await startRedis();
    const dir = mkdtempSync(join(os.tmpdir(), 'tl-db-'));
    deployment = await prepareDeployment(`file:${join(dir, 'shared.db')}`);
    const env = { ...deployment.env, REDIS_URL: redis.url };
    [p1, p2] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    redis?.resume();
    await Promise.all([p1?.kill(), p2?.kill()]);
    await redis?.stop();
    deployment?.remove();
  });

  it('answers sessions, sends, streams and claims while Redis hangs; streams on the other process still get every message once', async () => {
    const keys = deployment.keys;
    const web = await call(p2.url, 'POST', '/v1/sessions', keys.publishableKey, { channel: 'web' });
    expect(web.status).toBe(201);
    const stream = followStream(web.json.sessionToken, () => p2.url);
    await waitFor('the stream on process 2', stream.connected);
    const send = (api: ApiProcess, text: string) =>
      within(
        8_000,
        call(api.url, 'POST', '/v1/messages', web.json.sessionToken, {
          text,
          clientMessageId: `paused-${randomBytes(6).toString('hex')}`,
        }),
      );
    expect(await send(p1, 'before the pause')).toMatchObject({ status: 201 });
    redis.pause();
    try {
      // A hung Redis must cost a request at most a short command timeout, never the request.
      const session = await within(
        8_000,
        call(p1.url, 'POST', '/v1/sessions', keys.publishableKey, { channel: 'web' }),
      );
      expect(session === 'hung' ? 'hung' : session.status).toBe(201);
      for (let i = 0; i < 3; i++) expect(await send(p1, `while paused ${i}`)).toMatchObject({ status: 201 });
      const opened = await within(
        8_000,
        fetch(`${p1.url}/v1/stream`, { headers: { authorization: `Bearer ${web.json.sessionToken}` } }),
      );
      expect(opened === 'hung' ? 'hung' : opened.status).toBe(200);
      if (opened !== 'hung') await opened.body?.cancel();
      const guess = await within(
        8_000,
        call(p1.url, 'POST', '/v1/sessions', keys.publishableKey, {
          channel: 'app',
          handoffCode: randomBytes(16).toString('base64url'),
        }),
      );
      expect(guess === 'hung' ? 'hung' : guess.status).toBe(404);
      // Process 2 hears nothing from Redis: its log sweep wakes the stream.
      await waitFor(
        'the messages sent while Redis was paused, on process 2',
        () => stream.received.filter((e) => e.type === 'message.created').length >= 4,
        15_000,
      );
    } finally {
      redis.resume();
    }
    expect(await send(p1, 'after the pause')).toMatchObject({ status: 201 });
    await waitFor(
      'the message sent after the pause',
      () => stream.received.filter((e) => e.type === 'message.created').length >= 5,
      15_000,
    );
    await stream.stop();
    const texts = stream.received.filter((e) => e.type === 'message.created').map((e) => e.data.text);
    expect(texts).toEqual([
      'before the pause',
      'while paused 0',
      'while paused 1',
      'while paused 2',
      'after the pause',
    ]);
    const ids = stream.received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 90_000);
});

describe('configuration mistakes and worker failures', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let locked: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  beforeAll(async () => {
    [redis, locked] = await Promise.all([startRedis(), startRedis({ password: 'correct horse' })]);
    deployment = await prepareDeployment(
      `file:${join(mkdtempSync(join(os.tmpdir(), 'tl-conf-')), 'api.db')}`,
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([redis?.stop(), locked?.stop()]);
    deployment?.remove();
  });

  it('refuses a REDIS_URL that is no Redis URL, and bad worker counts, with usage errors', async () => {
    for (const url of ['http://127.0.0.1:6379', 'redis-server:6379 ', 'not a url']) {
      const run = await runCli(['serve', '--port', '0'], { ...deployment.env, REDIS_URL: url });
      expect(run.code, run.output).toBe(2);
      expect(run.output).toMatch(/usage: REDIS_URL must/);
    }
    for (const workers of ['0', '1000', '-1', 'two']) {
      const run = await runCli(['serve', '--port', '0', '--workers', workers], {
        ...deployment.env,
        REDIS_URL: redis.url,
      });
      expect(run.code, run.output).toBe(2);
      expect(run.output).toMatch(/--workers must be a whole number from 1 to 64/);
    }
  }, 120_000);

  it('stops at once when Redis refuses the password, alone or as a cluster; serves with the right one', async () => {
    const base = `redis://127.0.0.1:${locked.port}`;
    for (const [url, args] of [
      [base, []],
      [`redis://:wrong@127.0.0.1:${locked.port}`, []],
      [base, ['--workers', '2']],
    ] as const) {
      const run = await runCli(
        ['serve', '--port', '0', ...args],
        { ...deployment.env, REDIS_URL: url },
        45_000,
      );
      expect(run.timedOut, run.output).toBe(false);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/refused this process: (NOAUTH|WRONGPASS)/);
      expect(run.output).not.toMatch(/correct horse|:wrong@/);
    }
    const api = await startApiProcess({
      ...deployment.env,
      REDIS_URL: `redis://:${encodeURIComponent('correct horse')}@127.0.0.1:${locked.port}`,
    });
    try {
      const session = await call(api.url, 'POST', '/v1/sessions', deployment.keys.publishableKey, {
        channel: 'web',
      });
      expect(session.status).toBe(201);
      // The limits really live in that Redis.
      expect(Number(await locked.cli('DBSIZE'))).toBeGreaterThan(0);
      expect(api.output()).not.toMatch(/correct horse/);
    } finally {
      await api.stop();
    }
  }, 180_000);

  it('exits instead of hanging when the port is taken, alone or as a cluster', async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      for (const args of [[], ['--workers', '2']]) {
        const run = await runCli(
          ['serve', '--port', String(port), ...args],
          { ...deployment.env, REDIS_URL: redis.url },
          45_000,
        );
        expect(run.timedOut, run.output).toBe(false);
        expect(run.code, run.output).toBe(1);
        expect(run.output).toMatch(/EADDRINUSE/);
      }
    } finally {
      holder.close();
    }
  }, 120_000);

  it('replaces a worker killed with SIGKILL and keeps serving on the same port', async () => {
    const cluster = await startApiProcess({ ...deployment.env, REDIS_URL: redis.url }, ['--workers', '2']);
    try {
      const before = childrenOf(cluster.child.pid!);
      expect(before).toHaveLength(2);
      process.kill(before[0]!, 'SIGKILL');
      await waitFor(
        'a replacement worker',
        () => {
          const now = childrenOf(cluster.child.pid!);
          return now.length === 2 && !now.includes(before[0]!);
        },
        30_000,
      );
      await waitFor('the replacement to serve', () => /starting another/.test(cluster.output()), 5_000);
      // Every connection (round-robin over both workers) is answered.
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${cluster.url}/v1/health`, { headers: { connection: 'close' } });
        expect(res.status).toBe(200);
      }
      const exit = await cluster.stop(30_000);
      expect(exit.code).toBe(0);
    } finally {
      await cluster.kill();
    }
  }, 120_000);
});
