// Review of issue 17: notices that are in no log — a session ended, a customer merged — reach a
// stream held by another API process (they cross Redis with their data), and the stream acts on them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../src/identity';
import {
  type ApiProcess,
  call,
  prepareDeployment,
  startApiProcess,
  startRedis,
  waitFor,
} from './scale-out-kit';
import { readSse } from './sse-reader';

describe('session end and merge seen by a stream on the other process', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let p1: ApiProcess;
  let p2: ApiProcess;

  beforeAll(async () => {
    redis = await startRedis();
    deployment = await prepareDeployment(
      `file:${join(mkdtempSync(join(os.tmpdir(), 'tl-note-')), 'api.db')}`,
    );
    const env = { ...deployment.env, REDIS_URL: redis.url };
    [p1, p2] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([p1?.kill(), p2?.kill()]);
    await redis?.stop();
    deployment?.remove();
  });

  const openStream = async (api: ApiProcess, token: string) => {
    const response = await fetch(`${api.url}/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const stream = readSse(response);
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'), 100);
    return stream;
  };

  it('ends a stream on process 2 when its session is ended on process 1', async () => {
    const web = await call(p1.url, 'POST', '/v1/sessions', deployment.keys.publishableKey, {
      channel: 'web',
    });
    expect(web.status).toBe(201);
    const stream = await openStream(p2, web.json.sessionToken);
    const ended = await call(p1.url, 'DELETE', '/v1/session', web.json.sessionToken);
    expect(ended.status).toBeLessThan(300);
    await stream.until(() => stream.ended(), 100);
    expect(stream.ended()).toBe(true);
    const again = await fetch(`${p2.url}/v1/stream`, {
      headers: { authorization: `Bearer ${web.json.sessionToken}` },
    });
    expect(again.status).toBe(401);
    await again.body?.cancel();
  }, 60_000);

  it('ends, as one process does, the other tab’s stream on process 2 when the shopper signs in on process 1 and is merged', async () => {
    const keys = deployment.keys;
    // The caller is known by phone already; the web shopper is anonymous until they sign in.
    const phone = await call(p1.url, 'POST', '/v1/channels/phone/messages', keys.secretKey, {
      from: { externalId: 'merge-across' },
      text: '我打过电话',
      clientMessageId: 'merge-across-phone-1',
    });
    expect(phone.status).toBe(201);
    // Two tabs of one anonymous shopper; the first signs in on process 1, the second streams on 2.
    const anonymousId = randomBytes(18).toString('base64url');
    const signingIn = await call(p2.url, 'POST', '/v1/sessions', keys.publishableKey, {
      channel: 'web',
      anonymousId,
    });
    const otherTab = await call(p2.url, 'POST', '/v1/sessions', keys.publishableKey, {
      channel: 'web',
      anonymousId,
    });
    expect(otherTab.json.customer.id).toBe(signingIn.json.customer.id);
    const stream = await openStream(p2, otherTab.json.sessionToken);
    const identityToken = await signIdentityToken({ sub: 'merge-across' }, keys.identitySecret);
    const identified = await call(p1.url, 'POST', '/v1/identify', signingIn.json.sessionToken, {
      identityToken,
    });
    expect(identified.status).toBe(200);
    // The anonymous customer is merged into the phone customer: its streams end (the SDK
    // reconnects with the session it now holds), on process 2 as they would on process 1.
    await stream.until(() => stream.ended(), 100);
    expect(stream.ended()).toBe(true);
    const rejoined = await openStream(p2, identified.json.sessionToken);
    const later = await call(p1.url, 'POST', '/v1/channels/phone/messages', keys.secretKey, {
      from: { externalId: 'merge-across' },
      text: '电话里又问了一句',
      clientMessageId: 'merge-across-phone-2',
    });
    expect(later.status).toBe(201);
    await rejoined.until(
      (frames) =>
        frames.some((f) => f.event === 'message.created' && (f.data ?? '').includes('电话里又问了一句')),
      100,
    );
    const texts = rejoined.frames
      .filter((f) => f.event === 'message.created')
      .map((f) => JSON.parse(f.data ?? '{}').text as string);
    expect(texts).toEqual(['电话里又问了一句']);
    await rejoined.close();
  }, 60_000);
});
