// `threadline serve --workers N`: node:cluster workers on one port and one libSQL file, Redis
// between them (the built CLI, Debian's redis-server).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  call,
  cliPath,
  followStream,
  prepareDeployment,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';

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

describe('serve --workers', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let cluster: ApiProcess;
  beforeAll(async () => {
    redis = await startRedis();
    deployment = await prepareDeployment(
      `file:${join(mkdtempSync(join(tmpdir(), 'tl-cluster-')), 'api.db')}`,
    );
    cluster = await startApiProcess({ ...deployment.env, REDIS_URL: redis.url }, ['--workers', '2']);
  }, 120_000);
  afterAll(async () => {
    await cluster?.kill();
    for (const pid of cluster ? childrenOf(cluster.child.pid!) : []) process.kill(pid, 'SIGKILL');
    await redis?.stop();
    deployment?.remove();
  });

  it('refuses more than one worker without Redis, with a usage error', () => {
    const run = spawnSync(process.execPath, [cliPath, 'serve', '--port', '0', '--workers', '2'], {
      env: { ...process.env, ...deployment.env, REDIS_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--workers above 1 needs REDIS_URL/);
  });

  it('serves from two worker processes on one port, delivers between them, and stops on SIGTERM', async () => {
    expect(childrenOf(cluster.child.pid!)).toHaveLength(2);
    const keys = deployment.keys;
    const web = await call(cluster.url, 'POST', '/v1/sessions', keys.publishableKey, { channel: 'web' });
    expect(web.status).toBe(201);
    const stream = followStream(web.json.sessionToken, () => cluster.url);
    await waitFor('the stream', stream.connected);
    // Fresh connections go round the workers: some of these sends reach the other worker.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${cluster.url}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${web.json.sessionToken}`,
          'content-type': 'application/json',
          connection: 'close',
        },
        body: JSON.stringify({ text: `第 ${i} 条`, clientMessageId: `cluster-send-${i}` }),
      });
      expect(res.status).toBe(201);
    }
    await waitFor('every message on the stream', () => stream.received.length === 6, 10_000);
    expect(stream.received.map((e) => e.data.text)).toEqual(
      Array.from({ length: 6 }, (_, i) => `第 ${i} 条`),
    );
    await stream.stop();

    const workers = childrenOf(cluster.child.pid!);
    const exit = await cluster.stop(30_000);
    expect(exit.code).toBe(0);
    expect(workers.filter(existsPid)).toEqual([]);
  }, 60_000);
});

function existsPid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
