import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  errorEnvelope,
  liveCommentBatchRefusedAnswer,
  liveHotQuestions,
  liveReplyPayload,
} from '@threadline/sdk-core/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { postOutbound, publicOnlyLookup } from '../src/platform/outbound';
import { createTestApi, type TestApi } from './harness';
import { startReplyServer } from './reply-server';

/**
 * What a real livestream connector (and an attacker behind one) does that the happy path does
 * not: clocks that run behind or count in seconds, greetings and bare "?" floods, reply callbacks
 * that point inside the network, redirect, or hang, and a second API process answering the same room.
 */
const START = Date.UTC(2026, 4, 1, 12);

let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
let clock: ReturnType<typeof createManualClock>;
let seq = 0;

const comment = (viewerId: string, text: string, at = clock.now()) => ({
  id: `c-${++seq}`,
  viewerId,
  nickname: `昵称${viewerId}`,
  text,
  at,
});
const post = (items: unknown[], roomId = 'room-1') =>
  api.call('POST', '/v1/channels/douyin_live/comments', { token: shop.secretKey, body: { roomId, items } });
const hot = async (roomId = 'room-1') =>
  liveHotQuestions.parse(
    (
      await api.call('GET', `/v1/channels/douyin_live/rooms/${roomId}/hot-questions`, {
        token: shop.secretKey,
      })
    ).body,
  );
const settle = async () => {
  await api.app.livestream.refreshRooms();
  await api.app.livestream.settled();
  await api.app.livestream.delivery.flush();
};
const viewers = (n: number, prefix = 'dy_') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

beforeEach(async () => {
  clock = createManualClock(START);
  api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
  shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
});
afterEach(async () => {
  api.app.livestream.close();
  await api.close();
});

/** A loopback connector taking the room's answers for each test of the block; hot at 3 askers and 30%. */
function withConnector() {
  const connector = { received: [] as Awaited<ReturnType<typeof startReplyServer>>['received'] };
  let server: Awaited<ReturnType<typeof startReplyServer>>;
  beforeEach(async () => {
    server = await startReplyServer();
    connector.received = server.received;
    await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: { replyUrl: server.url, hot: { minAskers: 3, minShare: 0.3 } },
    });
  });
  afterEach(() => server.close());
  return connector;
}

describe('a connector whose clock is off', () => {
  const replies = withConnector();

  it('running minutes behind: its questions still go hot and are answered', async () => {
    // The connector stamps comments with a clock three minutes slow, a second apart.
    const behind = clock.now() - 3 * 60_000;
    const res = await post(
      viewers(6).map((v, i) => comment(v, '直播间的券怎么领', behind - 6000 + i * 1000)),
    );
    expect(res.status).toBe(200);
    const view = await hot();
    const coupon = view.questions.find((q) => q.suggestedAnswer?.includes('小黄车'));
    expect(coupon).toMatchObject({ hot: true, askers: { m1: 6, m5: 6, m15: 6 } });
    await settle();
    expect(replies.received).toHaveLength(1);
    const mentioned = liveReplyPayload
      .parse(replies.received[0]!.body)
      .messages.flatMap((m) => m.mentions.map((x) => x.viewerId));
    expect(mentioned.sort()).toEqual(viewers(6).sort());
    // Order and spacing are the connector's: the newest lands now, the rest keep their gaps.
    const stored = await api.rows<{ at: number }>('select at from live_comments order by at');
    expect(stored.map((r) => r.at)).toEqual(viewers(6).map((_, i) => clock.now() - 5000 + i * 1000));
  });

  it('sending Unix seconds: those items are refused with a hint, the rest of the batch is kept', async () => {
    const res = await post([
      comment('dy_1', '什么时候发货'),
      { ...comment('dy_2', '什么时候发货'), id: 'in-seconds', at: Math.floor(clock.now() / 1000) },
      { ...comment('dy_3', '什么时候发货'), id: 'last-week', at: clock.now() - 7 * 86_400_000 },
    ]);
    expect(res.status).toBe(422);
    const answer = liveCommentBatchRefusedAnswer.parse(res.body);
    expect(answer.accepted).toBe(1);
    expect(answer.refused.map((r) => [r.id, r.code])).toEqual([
      ['in-seconds', 'invalid_at'],
      ['last-week', 'invalid_at'],
    ]);
    expect(answer.refused[0]!.message).toContain('seconds');
    expect((await api.rows('select seq from live_comments')).length).toBe(1);
  });

  it('a batch held up longer than the window stays history: counted in the log, not made hot now', async () => {
    const old = clock.now() - 20 * 60_000;
    expect((await post(viewers(6).map((v) => comment(v, '直播间的券怎么领', old)))).status).toBe(200);
    const view = await hot();
    expect(view.questions.filter((q) => q.hot)).toEqual([]);
    await settle();
    expect(replies.received).toHaveLength(0);
  });
});

describe('manners and bare cues in a flood', () => {
  const replies = withConnector();

  it('a room full of greetings, presence checks and "多少？"/"是吗" gets no room answer and no hot question', async () => {
    const texts = [
      '在吗',
      '主播晚上好',
      '有人吗？',
      '能听到吗',
      'anyone here?',
      '多少？',
      '是吗',
      '啥',
      '哪个',
      '谢谢主播',
    ];
    const items = texts.flatMap((text, t) => viewers(8, `v${t}_`).map((v) => comment(v, text)));
    expect((await post(items)).status).toBe(200);
    const view = await hot();
    expect(view.questions).toEqual([]);
    expect(view.totals.filler.m1).toBe(items.length);
    await settle();
    expect(replies.received).toHaveLength(0);
    // Nobody's timeline got a "question" out of it either.
    expect(await api.rows("select id from messages where channel = 'douyin_live'")).toEqual([]);
  });

  it('still takes a real question that starts with a greeting, and an English one', async () => {
    const items = [
      ...viewers(4, 'a').map((v) => comment(v, '主播晚上好，优惠券怎么领')),
      ...viewers(4, 'b').map((v) => comment(v, 'how do I use the coupon?')),
    ];
    expect((await post(items)).status).toBe(200);
    const view = await hot();
    expect(view.totals.questions.m1).toBe(8);
  });
});

describe('the reply callback, as a way into the network', () => {
  let strict: ReturnType<TestApi['reopen']>;
  beforeEach(() => {
    strict = api.reopen({ liveTickMs: 0, allowPrivateCallbacks: false });
  });
  afterEach(() => strict.livestream.close());
  const put = (path: string, body: unknown) =>
    strict.request(path, {
      method: 'PUT',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses loopback, private, link-local and non-http reply URLs with a 400 (settings and rooms)', async () => {
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://[::1]/x',
      'http://[::ffff:10.0.0.1]/x',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://172.20.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x',
      'http://2130706433/x',
      'http://0x7f.1/x',
      'http://user:pw@connector.example/x',
      'ftp://connector.example/x',
    ]) {
      for (const path of ['/v1/live/settings', '/v1/channels/douyin_live/rooms/room-1']) {
        const res = await put(path, { replyUrl: url });
        expect([url, path, res.status]).toEqual([url, path, 400]);
        expect(errorEnvelope.parse(await res.json()).error.code).toBe('validation_failed');
      }
    }
    expect((await put('/v1/live/settings', { replyUrl: 'https://connector.example/replies' })).status).toBe(
      200,
    );
  });

  it('checks the address it connects to, after DNS: a name that resolves to loopback is refused', async () => {
    // The look-up every call connects through: "localhost" passes DNS, then is refused by address.
    const outcome = await new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      publicOnlyLookup('localhost', {}, (error, address) => resolve({ error, address })),
    );
    expect(outcome.error?.message).toMatch(/not public/);
    expect(outcome.error?.code).toBe('EBLOCKEDADDRESS');
    // And a call is refused before any byte leaves.
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let called = 0;
    server.on('request', () => called++);
    try {
      const { port } = server.address() as AddressInfo;
      await expect(
        postOutbound(`http://127.0.0.1:${port}/x`, {
          headers: {},
          body: '{}',
          timeoutMs: 2000,
          policy: { allowPrivate: false },
        }),
      ).rejects.toThrow(/not public/);
      expect(called).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('reply callbacks that misbehave', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeEach(async () => {
    hits.length = 0;
    server = createServer((req, res) => {
      hits.push(req.url!);
      req.resume();
      if (req.url === '/redirect') {
        res.writeHead(307, { location: `${base}/elsewhere` });
        res.end();
      } else if (req.url === '/hang') {
        // Headers never come: the connector is stuck.
      } else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: { replyUrl: `${base}/ok`, hot: { minAskers: 3, minShare: 0.3 } },
    });
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const roomWith = async (roomId: string, path: string) => {
    const res = await api.call('PUT', `/v1/channels/douyin_live/rooms/${roomId}`, {
      token: shop.secretKey,
      body: { replyUrl: `${base}${path}` },
    });
    expect(res.status).toBe(200);
    expect(
      (
        await post(
          viewers(3, `${roomId}_`).map((v) => comment(v, '直播间的券怎么领')),
          roomId,
        )
      ).status,
    ).toBe(200);
  };

  it('does not follow a redirect: the delivery fails and is retried, the target is never called', async () => {
    await roomWith('room-r', '/redirect');
    await settle();
    expect(hits).toEqual(['/redirect']);
    const [row] = await api.rows<{ status: string; last_error: string }>(
      'select status, last_error from live_replies',
    );
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.last_error).toContain('redirects are not followed');
  });

  it('a hanging callback holds up only its own room: another room’s answer goes out meanwhile', async () => {
    await roomWith('room-stuck', '/hang');
    await roomWith('room-fine', '/ok');
    await api.app.livestream.refreshRooms();
    await api.app.livestream.settled();
    api.app.livestream.delivery.kick();
    // Well before the stuck call's 5-second deadline, the other room's answer has arrived.
    for (let i = 0; i < 60 && !hits.includes('/ok'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(hits).toContain('/hang');
    expect(hits).toContain('/ok');
    await api.app.livestream.delivery.flush();
    const rows = await api.rows<{ status: string; last_error: string | null; url: string }>(
      'select status, last_error, url from live_replies order by url',
    );
    expect(rows.find((r) => r.url.endsWith('/ok'))).toMatchObject({ status: 'sent' });
    expect(rows.find((r) => r.url.endsWith('/hang'))).toMatchObject({ status: 'pending' });
    expect(rows.find((r) => r.url.endsWith('/hang'))!.last_error).toMatch(/no answer within/);
  }, 20_000);
});

describe('two API processes on one room', () => {
  it('never @-mentions a viewer twice, even when the other process has not heard of the first round', async () => {
    const replies = await startReplyServer();
    try {
      const settings = (answers: Record<string, unknown>) =>
        api.call('PUT', '/v1/live/settings', {
          token: shop.secretKey,
          body: { replyUrl: replies.url, hot: { minAskers: 3, minShare: 0.3 }, answers },
        });
      // Answers off while the second process loads the room, so both see the same four askers waiting.
      await settings({ intervalSec: 10, enabled: false });
      await post(viewers(4).map((v) => comment(v, '直播间的券怎么领')));
      // A second process (its own bus: it hears nothing of the first's rounds) loads the room now.
      const other = api.reopen({ liveTickMs: 0 });
      const otherView = async () =>
        liveHotQuestions.parse(
          await (
            await other.request('/v1/channels/douyin_live/rooms/room-1/hot-questions', {
              headers: { authorization: `Bearer ${shop.secretKey}` },
            })
          ).json(),
        );
      try {
        expect((await otherView()).questions[0]?.answered.waiting).toBe(4);
        await settings({ enabled: true });
        other.livestream.settingsChanged(shop.appId);
        await otherView();
        await hot();
        await settle();
        expect(replies.received).toHaveLength(1);
        clock.advance(11_000);
        await other.livestream.refreshRooms();
        await other.livestream.settled();
        await other.livestream.delivery.flush();
        await api.app.livestream.delivery.flush();
        expect(replies.received).toHaveLength(1);
        const mentions = await api.rows<{ n: number }>('select count(*) as n from live_mentions');
        expect(mentions[0]!.n).toBe(4);
      } finally {
        other.livestream.close();
      }
    } finally {
      await replies.close();
    }
  });
});

describe('retries and crashes', () => {
  it('takes the same batch sent five times at once exactly once: comments, viewers, timeline questions, counts', async () => {
    const batch = viewers(200).map((v, i) => comment(v, i % 2 ? '直播间的券怎么领' : '666'));
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(batch)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Each item was new to exactly one of the five requests.
    expect(answers.reduce((sum, a) => sum + (a.body.accepted - a.body.duplicates), 0)).toBe(200);
    await api.app.livestream.settled();
    const [counts] = await api.rows<{
      comments: number;
      identities: number;
      customers: number;
      messages: number;
    }>(
      "select (select count(*) from live_comments) as comments, (select count(*) from identities where kind = 'douyin') as identities, (select count(*) from customers) as customers, (select count(*) from messages where channel = 'douyin_live' and author_type = 'customer') as messages",
    );
    expect(counts).toEqual({ comments: 200, identities: 200, customers: 200, messages: 100 });
    const view = await hot();
    expect(view.totals.comments.m1).toBe(200);
    expect(view.questions[0]).toMatchObject({ counts: { m1: 100 }, askers: { m1: 100 } });
  });

  it('a crash right after the answer round committed: the next process delivers that reply, under its event id, and answers no one again', async () => {
    const replies = await startReplyServer();
    try {
      await api.call('PUT', '/v1/live/settings', {
        token: shop.secretKey,
        body: { replyUrl: replies.url, hot: { minAskers: 3, minShare: 0.3 }, answers: { intervalSec: 10 } },
      });
      await post(viewers(4).map((v) => comment(v, '直播间的券怎么领')));
      await hot();
      await api.app.livestream.refreshRooms();
      await api.app.livestream.settled();
      // The process dies; its outbox pass may or may not have reached the connector.
      api.app.livestream.close();
      expect(await api.rows('select id from live_replies')).toHaveLength(1);
      const next = api.reopen({ liveTickMs: 0 });
      try {
        // Past the interval, and past the minute a reply the dead process had claimed stays leased.
        clock.advance(61_000);
        await next.request('/v1/channels/douyin_live/rooms/room-1/hot-questions', {
          headers: { authorization: `Bearer ${shop.secretKey}` },
        });
        await next.livestream.refreshRooms();
        await next.livestream.settled();
        await next.livestream.delivery.flush();
        // At least once, and every copy is the same reply under the same event id (the connector drops repeats).
        expect(replies.received.length).toBeGreaterThanOrEqual(1);
        const [reply] = await api.rows<{ id: string; status: string }>('select id, status from live_replies');
        expect(reply!.status).toBe('sent');
        for (const got of replies.received) {
          expect(got.headers['threadline-event-id']).toBe(reply!.id);
          expect(
            liveReplyPayload
              .parse(got.body)
              .messages.flatMap((m) => m.mentions.map((x) => x.viewerId))
              .sort(),
          ).toEqual(viewers(4).sort());
        }
        // No second round: each asker @-mentioned once, one bot answer in each timeline.
        const [counts] = await api.rows<{ mentions: number; answers: number }>(
          "select (select count(*) from live_mentions) as mentions, (select count(*) from messages where author_type = 'bot') as answers",
        );
        expect(counts).toEqual({ mentions: 4, answers: 4 });
      } finally {
        next.livestream.close();
      }
    } finally {
      await replies.close();
    }
  });
});
