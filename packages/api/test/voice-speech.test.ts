import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiSpeechProvider } from '../src/voice';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';

const ANSWER = '澜悦玻尿酸水润保湿面霜的保质期：未开封3年，开封后12个月内用完。';

/** The parts of a PCM WAV file a player needs, read from its header. */
function readWav(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  expect(text(0)).toBe('RIFF');
  expect(text(8)).toBe('WAVE');
  expect(view.getUint32(4, true)).toBe(bytes.length - 8);
  let offset = 12;
  let format: { channels: number; sampleRate: number; bitsPerSample: number } | null = null;
  let dataBytes = -1;
  while (offset + 8 <= bytes.length) {
    const size = view.getUint32(offset + 4, true);
    if (text(offset) === 'fmt ') {
      expect(view.getUint16(offset + 8, true)).toBe(1); // PCM
      format = {
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
    }
    if (text(offset) === 'data') {
      dataBytes = size;
      expect(offset + 8 + size).toBe(bytes.length);
      break;
    }
    offset += 8 + size;
  }
  expect(format).not.toBeNull();
  expect(dataBytes).toBeGreaterThan(0);
  const seconds = dataBytes / (format!.sampleRate * format!.channels * (format!.bitsPerSample / 8));
  return { ...format!, seconds };
}

describe('speech in the brand voice: the embedded espeak-ng engine', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
  });
  afterAll(() => api.close());

  it('reads a Chinese answer into a valid WAV of plausible length, in the channel’s voice, then from the cache', async () => {
    const shop = await api.createShop();
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { voices: { web: '温柔女声', phone: '专业男声' } } },
    });
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    const speak = () =>
      api.app.request('/v1/voice/speech', {
        method: 'POST',
        headers: { authorization: `Bearer ${web.sessionToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: ANSWER }),
      });
    const cold = await speak();
    expect(cold.status).toBe(200);
    expect(cold.headers.get('content-type')).toBe('audio/wav');
    expect(cold.headers.get('x-speech-cache')).toBe('miss');
    expect(decodeURIComponent(cold.headers.get('x-speech-voice')!)).toBe('温柔女声');
    const audio = new Uint8Array(await cold.arrayBuffer());
    const wav = readWav(audio);
    expect(wav.channels).toBe(1);
    expect(wav.sampleRate).toBe(22050);
    // About 30 characters of Chinese, read at a calm pace: a few seconds, not a blip or a minute.
    expect(wav.seconds).toBeGreaterThan(3);
    expect(wav.seconds).toBeLessThan(20);

    const warm = await speak();
    expect(warm.headers.get('x-speech-cache')).toBe('hit');
    expect(new Uint8Array(await warm.arrayBuffer())).toEqual(audio);

    // The phone's brand voice is another voice: other audio.
    const phone = await api.app.request('/v1/voice/speech', {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: ANSWER, channel: 'phone' }),
    });
    expect(phone.status).toBe(200);
    expect(decodeURIComponent(phone.headers.get('x-speech-voice')!)).toBe('专业男声');
    expect(new Uint8Array(await phone.arrayBuffer())).not.toEqual(audio);

    // Another app asking for the same text in the same voice is not told (by a cache hit) that
    // this app had it read: texts hold order and phone numbers (review 15).
    const other = await api.createShop();
    const probe = await api.app.request('/v1/voice/speech', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: ANSWER, voice: '温柔女声' }),
    });
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-speech-cache')).toBe('miss');
  });

  it('refuses what it cannot read with 4xx', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    for (const body of [
      {},
      { text: '' },
      { text: 'x'.repeat(501) },
      { text: 'ok', voice: '<bad>' },
      { text: 'ok', channel: 'NOPE' },
    ]) {
      const res = await api.call('POST', '/v1/voice/speech', { token: web.sessionToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const byPublishable = await api.call('POST', '/v1/voice/speech', {
      token: shop.publishableKey,
      body: { text: '你好' },
    });
    expect(byPublishable.status).toBe(403);
  });
});

describe('speech through an OpenAI-compatible /audio/speech endpoint (msw)', () => {
  const BASE = 'https://tts.provider.test/v1';
  const calls: {
    voice: string;
    input: string;
    model: string;
    response_format: string;
    authorization: string | null;
  }[] = [];
  const server = setupServer(
    http.post(`${BASE}/audio/speech`, async ({ request }) => {
      const body = (await request.json()) as {
        voice: string;
        input: string;
        model: string;
        response_format: string;
      };
      calls.push({ ...body, authorization: request.headers.get('authorization') });
      // A tiny, recognisable MP3-framed payload: what matters is that it is passed through untouched.
      return new HttpResponse(new Uint8Array([0xff, 0xfb, 0x90, 0x64, calls.length]), {
        headers: { 'content-type': 'audio/mpeg' },
      });
    }),
  );
  let api: TestApi;
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    api = await createTestApi({
      rateLimits: UNLIMITED,
      speech: {
        provider: createOpenAiSpeechProvider({
          baseUrl: BASE,
          apiKey: 'tts-key',
          model: 'cosyvoice-2',
          // A cloned voice served by the provider is just its voice id.
          voices: { 温柔女声: 'brand-clone-lanyue-f1' },
        }),
      },
    });
  });
  afterAll(async () => {
    server.close();
    await api.close();
  });

  it('returns the provider’s audio for the brand voice, spoken style in, and serves a repeat from the cache', async () => {
    const shop = await api.createShop();
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { voices: { app: '温柔女声' } } },
    });
    const app = await shop.startSession({ channel: 'app', anonymousId: anonymousId() });
    const speak = () =>
      api.app.request('/v1/voice/speech', {
        method: 'POST',
        headers: { authorization: `Bearer ${app.sessionToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: '到手价¥189，SPF50+' }),
      });
    const first = await speak();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('audio/mpeg');
    expect([...new Uint8Array(await first.arrayBuffer())]).toEqual([0xff, 0xfb, 0x90, 0x64, 1]);
    expect(calls).toEqual([
      {
        voice: 'brand-clone-lanyue-f1',
        input: '到手价一百八十九元，SPF五十加',
        model: 'cosyvoice-2',
        response_format: 'mp3',
        authorization: 'Bearer tts-key',
      },
    ]);
    const second = await speak();
    expect(second.headers.get('x-speech-cache')).toBe('hit');
    expect([...new Uint8Array(await second.arrayBuffer())]).toEqual([0xff, 0xfb, 0x90, 0x64, 1]);
    expect(calls).toHaveLength(1);
  });

  it('answers 502 speech_failed when the provider fails, and recovers', async () => {
    const shop = await api.createShop();
    server.use(
      http.post(`${BASE}/audio/speech`, () => new HttpResponse('busy', { status: 503 }), { once: true }),
    );
    const failed = await api.call('POST', '/v1/voice/speech', {
      token: shop.secretKey,
      body: { text: '稍后再试' },
    });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('speech_failed');
    const ok = await api.app.request('/v1/voice/speech', {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: '稍后再试' }),
    });
    expect(ok.status).toBe(200);
  });
});
