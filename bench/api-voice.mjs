// Voice: a phone turn from Twilio's webhook to TwiML, against the same question posted on
// POST /v1/channels/phone/messages, in the same run on the same server (the caller is waiting:
// SPEC §10 wants ≤ 50 ms plus the engine's time, which the baseline contains). Each call's start
// (and each baseline caller's first message) is set up outside the timing; arms are interleaved.
// Then speech synthesis (POST /v1/voice/speech, espeak-ng): distinct texts with the cache cold,
// then the same texts again, warm.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { apiDist, ratio, summarize, tempDir } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const AUTH_TOKEN = 'bench-twilio-auth-token-0123456789';

export default async function run({ log, quick }) {
  const iterations = quick ? 60 : 400;
  const warmup = quick ? 10 : 40;
  const ttsTexts = quick ? 6 : 30;
  const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks.js');
  const api = await import(apiDist);
  const dir = tempDir('voice');
  let server;
  try {
    server = await api.startServer({
      databaseUrl: `file:${dir.file('voice.db')}`,
      port: 0,
      host: '127.0.0.1',
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      logger: api.silentLogger,
      maxConnectionsPerIp: Number.MAX_SAFE_INTEGER,
      rateLimits: Object.fromEntries(Object.keys(api.DEFAULT_RATE_LIMITS).map((rule) => [rule, 100_000_000])),
    });
    const keys = await api.createMerchantApp(server.app.deps, { name: '澜悦生活' });
    await api.seedDemoStore(server.app.deps, keys.appId);
    const json = async (method, path, body, expected = 200) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    await json('PATCH', '/v1/app', { voice: { twilioAuthToken: AUTH_TOKEN } });

    const twilio = async (params, turn) => {
      const path = `/v1/voice/twilio/${keys.appId}${turn === undefined ? '' : `?turn=${turn}`}`;
      const url = `${server.url}${path}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, url, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('<Say'))
        throw new Error(`webhook: ${res.status} ${text.slice(0, 200)}`);
      return text;
    };
    const phone = (i) => `+86139${String(10_000_000 + i).slice(-8)}`;
    const caller = (i) => `+86137${String(10_000_000 + i).slice(-8)}`;
    const question = '玻尿酸面霜保质期多久';

    // Untimed: every call answered (turn 0), every baseline caller known to the API.
    const total = iterations + warmup;
    for (let i = 0; i < total; i++) {
      await twilio({ CallSid: `CA${i}bench`, From: caller(i) });
      await json('POST', '/v1/channels/phone/messages', { from: { phone: phone(i) }, text: '你好' }, 201);
    }
    log(`${total} calls answered and ${total} phone callers known`);

    const voiceTurn = async (i) => {
      const t0 = performance.now();
      const twiml = await twilio({ CallSid: `CA${i}bench`, From: caller(i), SpeechResult: question }, 1);
      const ms = performance.now() - t0;
      if (!twiml.includes('保质期')) throw new Error(`the turn did not answer: ${twiml.slice(0, 200)}`);
      return ms;
    };
    const phoneMessage = async (i) => {
      const t0 = performance.now();
      const res = await json(
        'POST',
        '/v1/channels/phone/messages',
        { from: { phone: phone(i) }, text: question },
        201,
      );
      const body = await res.json();
      const ms = performance.now() - t0;
      if (!body.replies[0]?.text.includes('保质期')) throw new Error('the phone message was not answered');
      return ms;
    };
    for (let i = iterations; i < total; i++) {
      await voiceTurn(i);
      await phoneMessage(i);
    }
    const voice = [];
    const base = [];
    for (let i = 0; i < iterations; i++) {
      voice.push(await voiceTurn(i));
      base.push(await phoneMessage(i));
    }
    const v = summarize(voice);
    const b = summarize(base);
    log(
      `voice turn p50 ${v.p50.toFixed(2)} ms p99 ${v.p99.toFixed(2)} ms; phone message p50 ${b.p50.toFixed(2)} ms p99 ${b.p99.toFixed(2)} ms`,
    );

    // Speech: distinct answers cold, then again warm (the cache).
    const texts = Array.from(
      { length: ttsTexts },
      (_, i) => `您好，第${i + 1}位顾客：这款面霜未开封可以保存3年，开封后12个月内用完。`,
    );
    const speak = async (text) => {
      const t0 = performance.now();
      const res = await json('POST', '/v1/voice/speech', { text, channel: 'phone' });
      const audio = await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (audio.byteLength < 1000) throw new Error('no audio');
      return { ms, cache: res.headers.get('x-speech-cache') };
    };
    const cold = [];
    const warm = [];
    for (const text of texts) {
      const r = await speak(text);
      if (r.cache !== 'miss') throw new Error('expected a cold synthesis');
      cold.push(r.ms);
    }
    for (const text of texts) {
      const r = await speak(text);
      if (r.cache !== 'hit') throw new Error('expected a cache hit');
      warm.push(r.ms);
    }
    const c = summarize(cold);
    const w = summarize(warm);
    log(`speech cold p50 ${c.p50.toFixed(1)} ms, warm p50 ${w.p50.toFixed(2)} ms`);

    const overhead = v.p50 - b.p50;
    return {
      name: 'api-voice',
      rows: [
        {
          metric: 'voice turn, Twilio webhook → TwiML, p50',
          value: v.p50,
          unit: 'ms',
          baseline: b.p50,
          ratio: ratio(v.p50, b.p50),
          budget: '≤ 50 ms + engine',
          pass: overhead <= 50,
          note: `baseline: the same question on POST /v1/channels/phone/messages (${iterations} interleaved turns); voice overhead ${overhead.toFixed(2)} ms`,
        },
        {
          metric: 'voice turn, Twilio webhook → TwiML, p99',
          value: v.p99,
          unit: 'ms',
          baseline: b.p99,
          ratio: ratio(v.p99, b.p99),
          budget: '≤ 50 ms + engine',
          pass: v.p99 - b.p99 <= 50,
        },
        {
          metric: 'speech synthesis (espeak-ng), cache cold, p50',
          value: c.p50,
          unit: 'ms',
          note: `${ttsTexts} distinct sentences of about 35 characters`,
        },
        {
          metric: 'speech synthesis, cache warm, p50',
          value: w.p50,
          unit: 'ms',
          baseline: c.p50,
          ratio: ratio(w.p50, c.p50),
        },
        {
          metric: 'speech synthesis, cache warm, p99',
          value: w.p99,
          unit: 'ms',
          baseline: c.p99,
          ratio: ratio(w.p99, c.p99),
        },
      ],
    };
  } finally {
    await server?.close();
    dir.remove();
  }
}
