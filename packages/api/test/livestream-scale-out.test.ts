// A livestream room across two API processes (the built CLI, `threadline serve`) on one libSQL file
// with Debian's redis-server between them: batches posted to either process count in one room, the
// host's stream on the other sees them, and each asker is @-mentioned once although both processes
// judge the room every second and try answer rounds.
import { join } from 'node:path';
import { liveReplyPayload } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createDatabase } from '../src/db/database';
import { seedDemoStore } from '../src/knowledge';
import { silentLogger } from '../src/platform/deps';
import { startReplyServer } from './reply-server';
import {
  type ApiProcess,
  call,
  prepareDeployment,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';
import { readSse } from './sse-reader';

describe('a livestream room on two API processes sharing Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let replies: Awaited<ReturnType<typeof startReplyServer>>;
  let p1: ApiProcess;
  let p2: ApiProcess;

  beforeAll(async () => {
    [redis, replies] = await Promise.all([startRedis(), startReplyServer()]);
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'tl-live-'));
    const databaseUrl = `file:${join(dir, 'shared.db')}`;
    deployment = await prepareDeployment(databaseUrl);
    // The shop's knowledge, so the coupon question has an answer to broadcast.
    const database = createDatabase({ url: databaseUrl });
    const seeding = createApp({
      database,
      masterKey: Buffer.from(deployment.env.THREADLINE_MASTER_KEY!, 'base64'),
      sessionSigningKey: Buffer.from(deployment.env.THREADLINE_SESSION_KEY!, 'base64'),
      logger: silentLogger,
      liveTickMs: 0,
    });
    await seedDemoStore(seeding.deps, deployment.keys.appId);
    seeding.livestream.close();
    database.close();
    const env = {
      ...deployment.env,
      REDIS_URL: redis.url,
      // The test's connector listens on loopback.
      THREADLINE_ALLOW_PRIVATE_CALLBACKS: '1',
    };
    [p1, p2] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([p1?.kill(), p2?.kill()]);
    await Promise.all([redis?.stop(), replies?.close()]);
    deployment?.remove();
  });

  it('counts batches from both processes in one room, streams them from either, and answers each asker once', async () => {
    const sk = deployment.keys.secretKey;
    const settings = await call(p1.url, 'PUT', '/v1/live/settings', sk, {
      replyUrl: replies.url,
      hot: { minAskers: 3, minShare: 0.3 },
      // Both processes try a round every second: only the log decides who is still waiting.
      answers: { intervalSec: 1, mentionsPerMessage: 4 },
    });
    expect(settings.status).toBe(200);
    const room = '/v1/channels/douyin_live/rooms/scale-room';
    // The room must exist before its stream opens; the host's stream is held by process 2.
    expect((await call(p2.url, 'PUT', room, sk, { title: '双进程直播间' })).status).toBe(200);
    const response = await fetch(`${p2.url}${room}/hot-questions/stream`, {
      headers: { authorization: `Bearer ${sk}` },
    });
    expect(response.status).toBe(200);
    const stream = readSse(response);

    let seq = 0;
    const batch = (viewerIds: string[], text: string) => ({
      roomId: 'scale-room',
      items: viewerIds.map((viewerId) => ({
        id: `c-${++seq}`,
        viewerId,
        nickname: `昵称${viewerId}`,
        text,
        at: Date.now(),
      })),
    });
    const viewers = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `dy_${from + i}`);
    // Process 1 takes viewers 1–6, process 2 viewers 7–12 and repeats from 1–3; both take filler.
    const posts = await Promise.all([
      call(p1.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch(viewers(1, 6), '直播间的券怎么领')),
      call(p2.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch(viewers(7, 12), '优惠券怎么领呀')),
      call(p2.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch(viewers(1, 3), '券怎么领？？')),
      call(p1.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch(viewers(20, 29), '666')),
    ]);
    expect(posts.map((p) => p.status)).toEqual([200, 200, 200, 200]);

    // Process 2's stream shows the whole room: 15 questions from 12 askers, 10 filler comments.
    const reading = stream.until((frames) =>
      frames.some((f) => {
        if (f.event !== 'live.hot_questions') return false;
        const view = JSON.parse(f.data!);
        return view.totals.comments.m1 === 25 && view.questions[0]?.askers.m1 === 12;
      }),
    );
    const views = await Promise.race([
      reading,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          const seen = stream.frames.filter((f) => f.event === 'live.hot_questions').at(-1);
          reject(new Error(`no full view within 20 s; last: ${seen?.data?.slice(0, 1500)}`));
        }, 20_000),
      ),
    ]);
    const last = JSON.parse(views.filter((f) => f.event === 'live.hot_questions').at(-1)!.data!);
    expect(last.totals).toMatchObject({ comments: { m1: 25 }, questions: { m1: 15 }, filler: { m1: 10 } });
    expect(last.questions[0]).toMatchObject({ hot: true, counts: { m1: 15 }, askers: { m1: 12 } });

    // Rounds from both processes: every asker @-mentioned, none twice, for several intervals.
    const mentioned = () =>
      replies.received.flatMap((r) =>
        liveReplyPayload.parse(r.body).messages.flatMap((m) => m.mentions.map((x) => x.viewerId)),
      );
    await waitFor('every asker to be answered', () => new Set(mentioned()).size === 12, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const all = mentioned();
    expect(all.sort()).toEqual(viewers(1, 12).sort());
    // Each reply delivered once (a repeat would carry the same event id).
    const ids = replies.received.map((r) => r.headers['threadline-event-id']);
    expect(new Set(ids).size).toBe(ids.length);
    // And both processes agree on the view.
    const [a, b] = await Promise.all([
      call(p1.url, 'GET', `${room}/hot-questions`, sk),
      call(p2.url, 'GET', `${room}/hot-questions`, sk),
    ]);
    expect(a.json.totals).toEqual(b.json.totals);
    expect(a.json.questions[0].answered).toMatchObject({ askers: 12, waiting: 0 });
    expect(b.json.questions[0].answered).toMatchObject({ askers: 12, waiting: 0 });
    await stream.close();
  }, 90_000);
});
