// Issue 17: two API processes (the built CLI, `threadline serve`) on one libSQL file with Debian's
// redis-server between them, everything on loopback. Latency across processes is measured in
// bench/api-scale-out.mjs, not here.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../src/identity';
import {
  type ApiProcess,
  call,
  followStream,
  prepareDeployment,
  sleep,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';

describe('two API processes on one database with Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let env: Record<string, string>;
  let p1: ApiProcess;
  let p2: ApiProcess;
  const streams: ReturnType<typeof followStream>[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'tl-db-'));
    deployment = await prepareDeployment(`file:${join(dir, 'shared.db')}`);
    env = { ...deployment.env, REDIS_URL: redis.url };
    [p1, p2] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.stop()));
    await Promise.all([p1?.kill(), p2?.kill()]);
    await redis?.stop();
    deployment?.remove();
  });

  const keys = () => deployment.keys;
  /** An identified web shopper with a session started on `api`. */
  const webShopper = async (api: ApiProcess, sub: string) => {
    const identityToken = await signIdentityToken({ sub }, keys().identitySecret);
    const res = await call(api.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'web',
      identityToken,
    });
    expect(res.status).toBe(201);
    return res.json as { sessionToken: string; customer: { id: string } };
  };
  let phoneSeq = 0;
  /** The merchant's phone system posts what the caller said, on process `api`. */
  const phoneMessage = (api: ApiProcess, sub: string, text: string) =>
    call(api.url, 'POST', '/v1/channels/phone/messages', keys().secretKey, {
      from: { externalId: sub },
      text,
      clientMessageId: `phone-${sub}-${++phoneSeq}-${randomBytes(4).toString('hex')}`,
    });
  const textsOf = (stream: ReturnType<typeof followStream>) =>
    stream.received.filter((e) => e.type === 'message.created').map((e) => e.data.text as string);

  it('delivers a phone message sent to process 1 to a web stream held by process 2', async () => {
    const shopper = await webShopper(p2, 'across-1');
    const stream = followStream(shopper.sessionToken, () => p2.url);
    streams.push(stream);
    await waitFor('the stream on process 2 to open', stream.connected);
    const sent = await phoneMessage(p1, 'across-1', '我刚在电话里问过的那件外套');
    expect(sent.status).toBe(201);
    expect(sent.json.customer.id).toBe(shopper.customer.id);
    await waitFor('the event on process 2', () => textsOf(stream).length === 1, 10_000);
    expect(textsOf(stream)).toEqual(['我刚在电话里问过的那件外套']);
    expect(stream.received[0]!.data.channel).toBe('phone');
    await stream.stop();
  });

  it('routes an escalation sent to process 1 to an agent streaming from process 2, whose reply reaches the shopper on process 1', async () => {
    // The app's first agent (a supervisor with every skill); agents' events travel on the app topic.
    const agentToken = keys().agentToken;
    const online = await call(p2.url, 'POST', '/v1/agent/presence', agentToken, { presence: 'online' });
    expect(online.status).toBe(200);
    const agentStream = followStream(agentToken, () => p2.url, '/v1/agent/stream');
    streams.push(agentStream);
    await waitFor('the agent stream on process 2 to open', agentStream.connected);
    const shopper = await webShopper(p1, 'agent-across');
    const shopperStream = followStream(shopper.sessionToken, () => p1.url);
    streams.push(shopperStream);
    await waitFor('the shopper stream on process 1 to open', shopperStream.connected);

    // The shopper writes on process 1 and asks for a person (the widget's button: POST /v1/escalate).
    const wrote = await call(p1.url, 'POST', '/v1/messages', shopper.sessionToken, {
      text: '我的快递三天没动了，能找个人帮我查一下吗',
      clientMessageId: 'agent-across-0001',
    });
    expect(wrote.status).toBe(201);
    const asked = await call(p1.url, 'POST', '/v1/escalate', shopper.sessionToken, {});
    expect(asked.status).toBe(200);
    expect(asked.json.conversation.status).toBe('assigned');
    const conversationId = asked.json.conversation.id as string;
    const assigned = () =>
      agentStream.received.find(
        (e) =>
          e.type === 'inbox.updated' &&
          e.data.change === 'assigned' &&
          e.data.conversation.id === conversationId,
      );
    await waitFor('the assignment on the agent stream of process 2', () => !!assigned(), 10_000);
    expect(
      agentStream.received.some(
        (e) => e.type === 'message.created' && e.data.text === '我的快递三天没动了，能找个人帮我查一下吗',
      ),
    ).toBe(true);

    const reply = await call(
      p2.url,
      'POST',
      `/v1/agent/conversations/${conversationId}/messages`,
      agentToken,
      {
        text: '您好，这里是人工客服，请问有什么可以帮您？',
        clientMessageId: 'agent-across-reply-0001',
      },
    );
    expect(reply.status).toBe(201);
    await waitFor(
      'the reply on the shopper stream of process 1',
      () => textsOf(shopperStream).includes('您好，这里是人工客服，请问有什么可以帮您？'),
      10_000,
    );
    // The agent's stream carried the app's events in log order, each once.
    const ids = agentStream.received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // Staff-only events never reach the shopper.
    expect(shopperStream.received.filter((e) => e.type.startsWith('inbox.'))).toEqual([]);
    await Promise.all([agentStream.stop(), shopperStream.stop()]);
    await call(p2.url, 'POST', '/v1/agent/presence', agentToken, { presence: 'offline' });
  }, 60_000);

  it('claims on process 2 a handoff code created on process 1', async () => {
    const web = await call(p1.url, 'POST', '/v1/sessions', keys().publishableKey, { channel: 'web' });
    expect(web.status).toBe(201);
    expect(
      (
        await call(p1.url, 'POST', '/v1/messages', web.json.sessionToken, {
          text: '想换到小程序继续',
          clientMessageId: 'handoff-msg-0001',
        })
      ).status,
    ).toBe(201);
    const created = await call(p1.url, 'POST', '/v1/handoffs', web.json.sessionToken, { toChannel: 'app' });
    expect(created.status).toBe(201);
    const claimed = await call(p2.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'app',
      handoffCode: created.json.code,
    });
    expect(claimed.status).toBe(201);
    expect(claimed.json.customer.id).toBe(web.json.customer.id);
    const timeline = await call(p2.url, 'GET', '/v1/timeline', claimed.json.sessionToken);
    expect(timeline.json.messages.map((m: { text: string }) => m.text)).toContain('想换到小程序继续');
    // Used once, on either process.
    const again = await call(p1.url, 'POST', '/v1/sessions', keys().publishableKey, {
      channel: 'app',
      handoffCode: created.json.code,
    });
    expect(again.status).toBe(409);
  });

  it('counts wrong handoff codes from one address across both processes', async () => {
    // The default: 10 wrong codes per address per minute (the used code above was one already).
    // Alone, each process would see at most 9 of these and refuse none.
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await call(i % 2 ? p2.url : p1.url, 'POST', '/v1/sessions', keys().publishableKey, {
        channel: 'app',
        handoffCode: randomBytes(16).toString('base64url'),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const first = statuses.indexOf(429);
    expect(first).toBeGreaterThanOrEqual(9);
    expect(first).toBeLessThanOrEqual(10);
    expect(statuses.slice(0, first)).toEqual(Array(first).fill(404));
    expect(statuses.slice(first)).toEqual(Array(16 - first).fill(429));
  });

  it('counts failed agent sign-ins for one account across both processes', async () => {
    const created = await call(p1.url, 'POST', '/v1/agents', keys().secretKey, {
      name: '陈静',
      email: 'chenjing@shop.example',
      password: 'a long and correct passphrase',
    });
    expect(created.status).toBe(201);
    // 10 failures per account in 15 minutes: alone, each process would see 7 of these and refuse none.
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const res = await call(i % 2 ? p2.url : p1.url, 'POST', '/v1/agent/sign-in', undefined, {
        app: keys().appId,
        email: 'chenjing@shop.example',
        password: `wrong guess ${i}`,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(4).fill(429)]);
    // Ten scrypt runs: slow on a loaded machine.
  }, 180_000);

  it('lets streams of a SIGKILLed process resume on the other from their cursors, with no gap and no duplicate', async () => {
    const subs = ['kill-a', 'kill-b', 'kill-c'];
    let p2Alive = true;
    const followers = await Promise.all(
      subs.map(async (sub) => {
        const shopper = await webShopper(p2, sub);
        const stream = followStream(shopper.sessionToken, () => (p2Alive ? p2.url : p1.url));
        streams.push(stream);
        return stream;
      }),
    );
    await waitFor('every stream on process 2 to open', () => followers.every((s) => s.connected()));
    const sent = new Map<string, string[]>(subs.map((s) => [s, []]));
    const send = async (round: number) => {
      for (const sub of subs) {
        const text = `${sub} 第 ${round} 条`;
        const res = await phoneMessage(p1, sub, text);
        expect(res.status).toBe(201);
        sent.get(sub)!.push(text);
      }
    };
    for (let round = 0; round < 5; round++) await send(round);
    await waitFor('the first rounds on process 2', () =>
      followers.every((s, i) => textsOf(s).length === sent.get(subs[i]!)!.length),
    );
    await p2.kill();
    p2Alive = false;
    // Sent while the streams are down or reconnecting: they must come from the log.
    for (let round = 5; round < 10; round++) await send(round);
    await waitFor(
      'every stream to catch up on process 1',
      () => followers.every((s, i) => textsOf(s).length >= sent.get(subs[i]!)!.length),
      20_000,
    );
    await sleep(300);
    followers.forEach((stream, i) => {
      expect(textsOf(stream)).toEqual(sent.get(subs[i]!));
      const ids = stream.received.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(stream.reconnects()).toBeGreaterThan(0);
    });
    await Promise.all(followers.map((s) => s.stop()));
    p2 = await startApiProcess(env);
  }, 90_000);

  it('catches streams up from the log when Redis restarts mid-stream, losing nothing', async () => {
    const subs = ['redis-a', 'redis-b'];
    const followers = await Promise.all(
      subs.map(async (sub) => {
        const shopper = await webShopper(p2, sub);
        const stream = followStream(shopper.sessionToken, () => p2.url);
        streams.push(stream);
        return stream;
      }),
    );
    await waitFor('the streams to open', () => followers.every((s) => s.connected()));
    const sent = new Map<string, string[]>(subs.map((s) => [s, []]));
    const send = async (label: string) => {
      for (const sub of subs) {
        const text = `${sub} ${label}`;
        const res = await phoneMessage(p1, sub, text);
        // Rate limits fall back to each process's own counters; the send itself never fails.
        expect(res.status).toBe(201);
        sent.get(sub)!.push(text);
      }
    };
    await send('before');
    await redis.stop();
    await send('while Redis is down');
    await redis.restart();
    await send('after');
    await waitFor(
      'every stream to have everything',
      () => followers.every((s, i) => textsOf(s).length >= sent.get(subs[i]!)!.length),
      20_000,
    );
    await sleep(300);
    followers.forEach((stream, i) => {
      expect(textsOf(stream)).toEqual(sent.get(subs[i]!));
      expect(new Set(stream.received.map((e) => e.id)).size).toBe(stream.received.length);
    });
    await Promise.all(followers.map((s) => s.stop()));
    // Redis is back in service: a message crosses processes again.
    await waitFor('both processes to be back on Redis', async () => {
      const res = await call(p1.url, 'GET', '/v1/health');
      return res.status === 200;
    });
  }, 90_000);

  it('answers 300 concurrent sends over both processes with 201 or a retryable 503, never 500, each 201 stored once', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const api = i % 2 ? p2 : p1;
        const res = await call(api.url, 'POST', '/v1/sessions', keys().publishableKey, { channel: 'web' });
        expect(res.status).toBe(201);
        return res.json as { sessionToken: string; customer: { id: string } };
      }),
    );
    const sends = Array.from({ length: 300 }, (_, k) => ({
      session: sessions[k % 30]!,
      api: k % 2 ? p2 : p1,
      clientMessageId: `burst-${k}-${randomBytes(6).toString('hex')}`,
      text: `并发第 ${k} 条`,
    }));
    const answers = await Promise.all(
      sends.map((s) =>
        call(s.api.url, 'POST', '/v1/messages', s.session.sessionToken, {
          text: s.text,
          clientMessageId: s.clientMessageId,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer.json.error.code).toBe('unavailable');
    }
    const created = sends.filter((_, k) => statuses[k] === 201);
    expect(created.length).toBeGreaterThan(0);
    // Every 201 is in its customer's timeline exactly once; nothing that was refused is.
    for (const session of sessions) {
      const timeline = await call(p1.url, 'GET', '/v1/timeline?limit=100', session.sessionToken);
      expect(timeline.status).toBe(200);
      const stored = timeline.json.messages.map((m: { clientMessageId?: string }) => m.clientMessageId);
      const expected = created.filter((s) => s.session === session).map((s) => s.clientMessageId);
      expect([...stored].sort()).toEqual([...expected].sort());
    }
  }, 120_000);
});
