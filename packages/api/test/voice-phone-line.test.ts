import { createHmac, randomUUID } from 'node:crypto';
import { voiceTurnAnswer } from '@threadline/sdk-core/protocol';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';
import { readSse } from './sse-reader';

const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const CALLER = '+8613800138000';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

/** What the <Say> inside the TwiML says (entities decoded). */
const said = (twiml: string) =>
  [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)]
    .map((m) => m[1]!)
    .join('')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('the phone line: a voice bot on Twilio Programmable Voice', () => {
  let api: TestApi;
  let shop: Shop;

  /** A webhook request signed the way Twilio signs it: the full URL plus the sorted form fields. */
  async function twilio(
    params: Record<string, string>,
    options: { turn?: number; token?: string; signature?: string } = {},
  ) {
    const path = `/v1/voice/twilio/${shop.appId}${options.turn === undefined ? '' : `?turn=${options.turn}`}`;
    const url = `http://localhost${path}`;
    const signature =
      options.signature ?? webhooks.getExpectedTwilioSignature(options.token ?? AUTH_TOKEN, url, params);
    const response = await api.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    return {
      status: response.status,
      text: await response.text(),
      type: response.headers.get('content-type'),
    };
  }

  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    // Someone is on duty: an escalated call goes to the app's queue (with nobody online, see
    // voice-phone-line-faults: the caller is told so instead of waiting in a queue nobody serves).
    await (await shop.addAgent({ name: '值班客服' })).presence('online');
    const patched = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { twilioAuthToken: AUTH_TOKEN, voices: { phone: '专业男声', web: '温柔女声' } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.app.voice).toEqual({
      twilioConfigured: true,
      transferTo: null,
      voices: { phone: '专业男声', web: '温柔女声' },
      greeting: null,
      smsWebhookUrl: null,
    });
    expect(patched.text).not.toContain(AUTH_TOKEN);
  });
  afterAll(() => api.close());

  it('answers a known caller’s shelf-life question about the cream from the app, in spoken style, on the web stream too', async () => {
    const identityToken = await shop.identityToken('user-voice-1', { phone: CALLER });
    const app = await shop.startSession({ channel: 'app', anonymousId: anonymousId(), identityToken });
    expect((await shop.send(app.sessionToken, '玻尿酸水润保湿面霜干皮能用吗')).status).toBe(201);
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId(), identityToken });
    const stream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${web.sessionToken}` } }),
    );

    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const start = await twilio({ CallSid: callSid, From: CALLER, CallStatus: 'ringing' });
    expect(start.status).toBe(200);
    expect(start.type).toMatch(/text\/xml/);
    expect(start.text).toMatch(
      /<Gather input="speech dtmf" language="zh-CN"[^>]*action="\/v1\/voice\/twilio\/app_[^"?]+\?turn=1"/,
    );
    expect(said(start.text)).toContain('Test shop');

    const asked = await twilio(
      { CallSid: callSid, From: CALLER, SpeechResult: '保质期多久', Confidence: '0.93' },
      { turn: 1 },
    );
    expect(asked.status).toBe(200);
    // The right product, in spoken style: numbers as words, no digits left.
    expect(said(asked.text)).toContain('玻尿酸水润保湿面霜');
    expect(said(asked.text)).toContain('未开封三年');
    expect(said(asked.text)).toContain('十二个月');
    expect(said(asked.text)).not.toMatch(/\d/);
    expect(asked.text).toContain('?turn=2');

    const frames = await stream.until(
      (f) =>
        f.filter((x) => x.event === 'message.created' && x.data?.includes('"channel":"phone"')).length >= 2,
    );
    await stream.close();
    const phoneMessages = frames
      .filter((f) => f.event === 'message.created')
      .map((f) => JSON.parse(f.data!))
      .filter((m) => m.channel === 'phone');
    expect(phoneMessages.map((m) => [m.author.type, m.channel])).toEqual([
      ['customer', 'phone'],
      ['bot', 'phone'],
    ]);
    expect(phoneMessages[0].text).toBe('保质期多久');
    expect(phoneMessages[1].voiceText).toContain('未开封三年');

    // Twilio retries the same turn (a timeout on its side): the same TwiML, no second message.
    const before = await api.rows('SELECT count(*) AS n FROM messages WHERE app_id = ?', [shop.appId]);
    const retried = await twilio(
      { CallSid: callSid, From: CALLER, SpeechResult: '保质期多久', Confidence: '0.93' },
      { turn: 1 },
    );
    expect(retried.text).toBe(asked.text);
    expect(await api.rows('SELECT count(*) AS n FROM messages WHERE app_id = ?', [shop.appId])).toEqual(
      before,
    );

    // 转人工 ends in <Enqueue> (no transfer target set), the conversation queued with its summary.
    const human = await twilio({ CallSid: callSid, From: CALLER, SpeechResult: '转人工' }, { turn: 2 });
    expect(human.text).toMatch(/<Enqueue>threadline-app_[^<]+<\/Enqueue>/);
    expect(human.text).not.toContain('<Gather');
    const [conversation] = await api.rows<{ status: string; summary: string }>(
      'SELECT status, summary FROM conversations WHERE customer_id = ?',
      [app.customer.id],
    );
    expect(['queued', 'assigned']).toContain(conversation!.status);
    const summary = JSON.parse(conversation!.summary);
    expect(summary.reason).toBe('escalation');
    expect(summary.channels).toEqual(expect.arrayContaining(['app', 'phone']));
  });

  it('dials the configured agent number on escalation, and keeps the summary for the agent', async () => {
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { transferTo: '+862161234567' } },
    });
    try {
      const callSid = `CA${randomUUID().replace(/-/g, '')}`;
      await twilio({ CallSid: callSid, From: '+8613900139000' });
      const human = await twilio({ CallSid: callSid, From: '+8613900139000', Digits: '0' }, { turn: 1 });
      expect(human.text).toMatch(/<Dial answerOnBridge="true">\+862161234567<\/Dial>/);
      const turn = await api.call('POST', '/v1/voice/turn', {
        token: shop.secretKey,
        body: {
          callId: 'generic-dial-1',
          from: '+8613700137000',
          event: 'speech',
          utterance: '我要投诉，转人工',
          sequence: 0,
        },
      });
      expect(turn.status).toBe(200);
      const answer = voiceTurnAnswer.parse(turn.body);
      expect(answer.action).toBe('transfer');
      expect(answer.transferTo).toBe('+862161234567');
      expect(answer.summary?.reason).toBe('escalation');
      expect(['queued', 'assigned']).toContain(answer.conversation?.status);
    } finally {
      await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { voice: { transferTo: null } } });
    }
  });

  it('refuses a wrong signature with 403 and garbage bodies with 4xx, never a 5xx', async () => {
    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const wrong = await twilio(
      { CallSid: callSid, From: CALLER },
      { token: 'not-the-auth-token-at-all-000' },
    );
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text).error.code).toBe('twilio_signature_invalid');
    const tampered = await twilio({ CallSid: callSid, From: CALLER }, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(tampered.status).toBe(403);
    const unsigned = await api.app.request(`/v1/voice/twilio/${shop.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `CallSid=${callSid}`,
    });
    expect(unsigned.status).toBe(403);

    // Signed but not a voice webhook: no CallSid, a CallSid with markup, a bad turn number.
    for (const [params, turn] of [
      [{ From: CALLER }, undefined],
      [{ CallSid: '<script>', From: CALLER }, undefined],
      [{ CallSid: 'x'.repeat(500) }, undefined],
      [{ CallSid: callSid, SpeechResult: 'y'.repeat(5000) }, undefined],
      [{ CallSid: callSid }, -1],
    ] as [Record<string, string>, number | undefined][]) {
      const path = `/v1/voice/twilio/${shop.appId}${turn === undefined ? '' : `?turn=${turn}`}`;
      const res = await api.app.request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': webhooks.getExpectedTwilioSignature(
            AUTH_TOKEN,
            `http://localhost${path}`,
            params,
          ),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    for (const [type, body] of [
      ['application/json', '{"CallSid":"CA1"}'],
      ['text/plain', '%%%'],
      ['application/x-www-form-urlencoded', '%E0%A4%A=&&&=='],
    ]) {
      const res = await api.app.request(`/v1/voice/twilio/${shop.appId}`, {
        method: 'POST',
        headers: { 'content-type': type!, 'x-twilio-signature': 'AAAA' },
        body,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const unknownApp = await api.app.request('/v1/voice/twilio/app_doesnotexist', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
      body: 'CallSid=CA1',
    });
    expect(unknownApp.status).toBe(404);
    // An app without a Twilio auth token has no phone line.
    const other = await api.createShop();
    const unconfigured = await api.app.request(`/v1/voice/twilio/${other.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
      body: 'CallSid=CA1',
    });
    expect(unconfigured.status).toBe(403);
    expect(((await unconfigured.json()) as { error: { code: string } }).error.code).toBe(
      'voice_not_configured',
    );
  });

  it('resumes a web conversation from a 6-digit handoff code typed on the keypad', async () => {
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    const first = await shop.send(web.sessionToken, '清透防晒乳SPF多少');
    expect(first.status).toBe(201);
    const conversationId = first.body.conversation.id;
    const handoff = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'phone' },
    });
    expect(handoff.status).toBe(201);

    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const from = '+8613611112222';
    await twilio({ CallSid: callSid, From: from });
    const wrong = await twilio(
      { CallSid: callSid, From: from, Digits: handoff.body.shortCode === '000000' ? '111111' : '000000' },
      { turn: 1 },
    );
    expect(said(wrong.text)).toContain('接续码不对');
    const resumed = await twilio(
      { CallSid: callSid, From: from, Digits: `${handoff.body.shortCode}#` },
      { turn: 2 },
    );
    expect(said(resumed.text)).toContain('已经接上您在网页上的咨询');
    const asked = await twilio({ CallSid: callSid, From: from, SpeechResult: '保质期多久' }, { turn: 3 });
    expect(asked.status).toBe(200);

    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: web.sessionToken });
    const phone = timeline.body.messages.filter((m: { channel: string }) => m.channel === 'phone');
    expect(phone.map((m: { conversationId: string }) => m.conversationId)).toEqual([
      conversationId,
      conversationId,
    ]);
    expect(phone[0].text).toBe('保质期多久');
    // The code is single-use.
    const again = await twilio(
      { CallSid: `CA${randomUUID().replace(/-/g, '')}`, From: from, Digits: handoff.body.shortCode },
      { turn: 1 },
    );
    expect(said(again.text)).toContain('接续码不对');
  });

  it('reads how-to answers one step at a time: 怎么退货 → step 1, 下一步 → 2, 重复 → 2, key 1 → 3', async () => {
    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const from = '+8613755556666';
    await twilio({ CallSid: callSid, From: from });
    const step1 = said(
      (await twilio({ CallSid: callSid, From: from, SpeechResult: '怎么退货' }, { turn: 1 })).text,
    );
    expect(step1).toContain('第一步：在订单详情点申请售后');
    const step2 = said(
      (await twilio({ CallSid: callSid, From: from, SpeechResult: '下一步' }, { turn: 2 })).text,
    );
    expect(step2).toContain('第二步：选择退货退款');
    const repeated = said(
      (await twilio({ CallSid: callSid, From: from, SpeechResult: '重复' }, { turn: 3 })).text,
    );
    expect(repeated).toBe(step2);
    const step3 = said((await twilio({ CallSid: callSid, From: from, Digits: '1' }, { turn: 4 })).text);
    expect(step3).toContain('第三步：我们会在二十四小时内审核');
    const back = said(
      (await twilio({ CallSid: callSid, From: from, SpeechResult: '上一步' }, { turn: 5 })).text,
    );
    expect(back).toBe(step2);
  });

  it('re-prompts silence twice, then offers a human, then puts the caller through', async () => {
    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const from = '+8613544443333';
    await twilio({ CallSid: callSid, From: from });
    const first = said((await twilio({ CallSid: callSid, From: from }, { turn: 1 })).text);
    const second = said((await twilio({ CallSid: callSid, From: from }, { turn: 2 })).text);
    const third = await twilio({ CallSid: callSid, From: from }, { turn: 3 });
    expect(first).toContain('没有听清');
    expect(second).toContain('还是没有听清楚');
    expect(said(third.text)).toContain('需要为您转接人工客服吗');
    expect(third.text).toContain('<Gather');
    const fourth = await twilio({ CallSid: callSid, From: from }, { turn: 4 });
    expect(fourth.text).toContain('<Enqueue>');
  });

  it('re-prompts unrecognised speech twice (generic protocol), then offers a human; yes puts the caller through', async () => {
    const turn = (sequence: number, body: Record<string, unknown>) =>
      api.call('POST', '/v1/voice/turn', {
        token: shop.secretKey,
        body: { callId: 'ivr-nomatch-1', from: '13822223333', sequence, ...body },
      });
    const start = voiceTurnAnswer.parse((await turn(0, { event: 'start' })).body);
    expect(start.action).toBe('continue');
    expect(start.bargeIn).toBe(true);
    expect(start.ssml).toMatch(/^<speak version="1.1" xml:lang="zh-CN"><s>/);
    const misses = [];
    for (let i = 1; i <= 3; i++)
      misses.push(voiceTurnAnswer.parse((await turn(i, { event: 'no_match' })).body));
    expect(misses[0]!.speak).toContain('没听明白');
    expect(misses[1]!.speak).toContain('还是没有理解');
    expect(misses[2]!.speak).toContain('需要为您转接人工客服吗');
    const yes = voiceTurnAnswer.parse((await turn(4, { event: 'speech', utterance: '好的' })).body);
    expect(yes.action).toBe('transfer');
    expect(yes.bargeIn).toBe(false);
    // A retried turn is answered as the first time: turn 2's retry gets turn 2's answer (it used
    // to get the latest answer, turn 4's, which this test asserted).
    expect(voiceTurnAnswer.parse((await turn(2, { event: 'no_match' })).body)).toEqual(misses[1]);
    expect(voiceTurnAnswer.parse((await turn(4, { event: 'speech', utterance: '好的' })).body)).toEqual(yes);
    const bye = voiceTurnAnswer.parse((await turn(5, { event: 'hangup' })).body);
    expect(bye.action).toBe('hangup');
  });

  it('validates the generic protocol: speech needs utterance, dtmf needs digits, the secret key only', async () => {
    const bad = [
      { callId: 'c1', from: '138', event: 'speech' },
      { callId: 'c1', from: '13800138000', event: 'dtmf' },
      { callId: 'c 1', from: '13800138000', event: 'start' },
      { callId: 'c1', from: '13800138000', event: 'ring' },
      { callId: 'c1', from: '13800138000', event: 'dtmf', digits: '12a' },
    ];
    for (const body of bad) {
      const res = await api.call('POST', '/v1/voice/turn', { token: shop.secretKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const web = await shop.startSession({ channel: 'web' });
    const bySession = await api.call('POST', '/v1/voice/turn', {
      token: web.sessionToken,
      body: { callId: 'c1', from: '13800138000', event: 'start' },
    });
    expect(bySession.status).toBe(403);
  });
  it('texts the caller an app link through the SMS webhook (signed), and the code opens the same customer in the app', async () => {
    const sent: { body: Record<string, string>; signature: string | null }[] = [];
    const gateway = setupServer(
      http.post('https://sms.gateway.test/send', async ({ request }) => {
        const raw = await request.text();
        sent.push({ body: JSON.parse(raw), signature: request.headers.get('threadline-signature') });
        const [t, v1] = (request.headers.get('threadline-signature') ?? '')
          .split(',')
          .map((p) => p.split('=')[1]);
        const expected = createHmac('sha256', 'sms-webhook-secret-0123456789')
          .update(`${t}.${raw}`)
          .digest('hex');
        return v1 === expected
          ? HttpResponse.json({ queued: true })
          : new HttpResponse('bad signature', { status: 401 });
      }),
    );
    gateway.listen({ onUnhandledRequest: 'bypass' });
    try {
      await api.call('PATCH', '/v1/app', {
        token: shop.secretKey,
        body: {
          voice: {
            smsWebhookUrl: 'https://sms.gateway.test/send',
            smsWebhookSecret: 'sms-webhook-secret-0123456789',
          },
        },
      });
      const callSid = `CA${randomUUID().replace(/-/g, '')}`;
      const from = '+8613812345678';
      await twilio({ CallSid: callSid, From: from });
      const asked = await twilio(
        { CallSid: callSid, From: from, SpeechResult: '清透防晒乳SPF多少' },
        { turn: 1 },
      );
      expect(asked.status).toBe(200);
      const texted = await twilio({ CallSid: callSid, From: from, Digits: '9' }, { turn: 2 });
      expect(said(texted.text)).toContain('链接发到您的手机上了');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body.to).toBe(from);
      expect(sent[0]!.body.text).toContain('接续码');
      expect(sent[0]!.body.shortCode).toMatch(/^\d{6}$/);
      const resumed = await api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'app', anonymousId: anonymousId(), handoffCode: sent[0]!.body.code },
      });
      expect(resumed.status).toBe(201);
      expect(resumed.body.handoff.fromChannel).toBe('phone');
      const timeline = await api.call('GET', '/v1/timeline?limit=20', { token: resumed.body.sessionToken });
      expect(timeline.body.messages.map((m: { text: string }) => m.text)).toContain('清透防晒乳SPF多少');
    } finally {
      gateway.close();
      await api.call('PATCH', '/v1/app', {
        token: shop.secretKey,
        body: { voice: { smsWebhookUrl: null, smsWebhookSecret: null } },
      });
    }
  });

  it('keeps apps apart: one app’s auth token never signs for another; a status callback ends the call', async () => {
    const other = await api.createShop();
    await api.call('PATCH', '/v1/app', {
      token: other.secretKey,
      body: { voice: { twilioAuthToken: 'other-app-twilio-token-0000000000' } },
    });
    const params = { CallSid: `CA${randomUUID().replace(/-/g, '')}`, From: CALLER };
    const path = `/v1/voice/twilio/${other.appId}`;
    const crossed = await api.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // Signed with the first app's token, sent to the second app's webhook.
        'x-twilio-signature': webhooks.getExpectedTwilioSignature(
          AUTH_TOKEN,
          `http://localhost${path}`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(crossed.status).toBe(403);

    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    await twilio({ CallSid: callSid, From: CALLER });
    const ended = await twilio({ CallSid: callSid, From: CALLER, CallStatus: 'completed' });
    expect(ended.status).toBe(200);
    expect(ended.text).toContain('<Hangup/>');
    const [row] = await api.rows<{ ended_at: number | null }>(
      'SELECT ended_at FROM voice_calls WHERE call_id = ?',
      [callSid],
    );
    expect(row!.ended_at).not.toBeNull();
  });
});
