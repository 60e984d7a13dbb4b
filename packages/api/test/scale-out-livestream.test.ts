// Review of issue 17: a livestream room (issue 16) followed by two API processes sharing Redis.
// Comment batches reach whichever process the load balancer picks; each process's windows must
// count every comment once, whatever order the bus notices arrive in, and after Redis comes back.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createDatabase } from '../src/db/database';
import { silentLogger } from '../src/platform/deps';
import {
  type ApiProcess,
  call,
  prepareDeployment,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';

describe('a livestream room across two processes', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let p1: ApiProcess;
  let p2: ApiProcess;
  let seq = 0;

  beforeAll(async () => {
    redis = await startRedis();
    deployment = await prepareDeployment(
      `file:${join(mkdtempSync(join(os.tmpdir(), 'tl-live-')), 'api.db')}`,
    );
    const env = { ...deployment.env, REDIS_URL: redis.url };
    [p1, p2] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([p1?.kill(), p2?.kill()]);
    await redis?.stop();
    deployment?.remove();
  });

  const batch = (api: ApiProcess, roomId: string, size: number) =>
    call(api.url, 'POST', '/v1/channels/douyin_live/comments', deployment.keys.secretKey, {
      roomId,
      items: Array.from({ length: size }, () => {
        const n = ++seq;
        return {
          id: `c-${n}`,
          viewerId: `dy_${n % 37}`,
          nickname: `观众${n % 37}`,
          text: '666',
          at: Date.now(),
        };
      }),
    });
  const ingested = async (api: ApiProcess, roomId: string) => {
    const res = await call(
      api.url,
      'GET',
      `/v1/channels/douyin_live/rooms/${roomId}/hot-questions`,
      deployment.keys.secretKey,
    );
    expect(res.status).toBe(200);
    return res.json.totals.ingested as number;
  };

  it('counts every comment once on both processes when batches land on both at once', async () => {
    const first = await batch(p1, 'room-a', 1);
    expect(first.status).toBe(200);
    // Both processes hold the room's windows from here on (kept current by the bus).
    expect(await ingested(p1, 'room-a')).toBe(1);
    expect(await ingested(p2, 'room-a')).toBe(1);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => batch(i % 2 ? p2 : p1, 'room-a', 5)));
    for (const res of sent) expect(res.status).toBe(200);
    const total = 1 + 40 * 5;
    await waitFor(
      'both windows to count every comment',
      async () => {
        const [a, b] = await Promise.all([ingested(p1, 'room-a'), ingested(p2, 'room-a')]);
        return a === total && b === total;
      },
      15_000,
    ).catch(() => undefined);
    expect([await ingested(p1, 'room-a'), await ingested(p2, 'room-a')]).toEqual([total, total]);
  }, 120_000);

  it('catches up the comments taken while Redis was away', async () => {
    await batch(p1, 'room-b', 1);
    expect(await ingested(p1, 'room-b')).toBe(1);
    expect(await ingested(p2, 'room-b')).toBe(1);
    await redis.stop();
    for (let i = 0; i < 4; i++) expect((await batch(p1, 'room-b', 5)).status).toBe(200);
    await redis.restart();
    await waitFor(
      'process 2 to count what process 1 took meanwhile',
      async () => (await ingested(p2, 'room-b')) === 21,
      20_000,
    ).catch(() => undefined);
    expect([await ingested(p1, 'room-b'), await ingested(p2, 'room-b')]).toEqual([21, 21]);
  }, 120_000);

  it('catches up a batch that was committed and never published (its process died in between)', async () => {
    await batch(p1, 'room-c', 1);
    expect(await ingested(p2, 'room-c')).toBe(1);
    // A third process on the same file with no Redis at all: it commits, and no notice ever leaves it.
    const database = createDatabase({ url: deployment.env.DATABASE_URL! });
    const silent = createApp({
      database,
      masterKey: Buffer.from(deployment.env.THREADLINE_MASTER_KEY!, 'base64'),
      sessionSigningKey: Buffer.from(deployment.env.THREADLINE_SESSION_KEY!, 'base64'),
      logger: silentLogger,
    });
    try {
      const res = await silent.fetch(
        new Request('http://127.0.0.1/v1/channels/douyin_live/comments', {
          method: 'POST',
          headers: {
            authorization: `Bearer ${deployment.keys.secretKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            roomId: 'room-c',
            items: Array.from({ length: 7 }, (_, i) => ({
              id: `silent-${i}`,
              viewerId: `dy_s${i}`,
              nickname: '观众',
              text: '666',
              at: Date.now(),
            })),
          }),
        }),
      );
      expect(res.status).toBe(200);
    } finally {
      silent.livestream.close();
      database.close();
    }
    await waitFor(
      'both processes to find the batch in the log',
      async () => (await ingested(p1, 'room-c')) === 8 && (await ingested(p2, 'room-c')) === 8,
      15_000,
    ).catch(() => undefined);
    expect([await ingested(p1, 'room-c'), await ingested(p2, 'room-c')]).toEqual([8, 8]);
  }, 60_000);
});
