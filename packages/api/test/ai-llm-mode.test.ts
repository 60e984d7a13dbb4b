import { message, messageDelta } from '@threadline/sdk-core/protocol';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

const LLM_BASE = 'https://llm.test/v1';
const received: { messages: { role: string; content: string }[]; model: string; stream: boolean }[] = [];
let release: () => void = () => {};

const chunk = (content: string) =>
  `data: ${JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'test-model',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`;

/** An OpenAI-compatible endpoint that streams the given pieces of text. */
const streaming = (pieces: string[]) =>
  http.post(`${LLM_BASE}/chat/completions`, async ({ request }) => {
    received.push((await request.json()) as (typeof received)[number]);
    const encoder = new TextEncoder();
    const body = new ReadableStream({
      async start(controller) {
        for (const piece of pieces) {
          controller.enqueue(encoder.encode(chunk(piece)));
          await new Promise((r) => setTimeout(r, 30));
        }
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
      },
    });
    return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
  });

const server = setupServer();

describe('LLM mode (OpenAI-compatible endpoint, mocked with msw)', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    api = await createTestApi({
      ai: { llm: { baseUrl: LLM_BASE, apiKey: 'test-key', model: 'test-model', timeoutMs: 1500 } },
    });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterEach(() => {
    release();
    server.resetHandlers();
    received.length = 0;
  });
  afterAll(async () => {
    server.close();
    await api.close();
  });

  it('streams the answer as message.delta events, then one final message, grounded on the retrieved facts', async () => {
    server.use(streaming(['亲，这款气垫', '未开封3年，', '开封后12个月内用完哦～']));
    const web = await shop.startSession({ channel: 'web', identityToken: await shop.identityToken('llm-1') });
    await shop.channelMessage('phone', { externalId: 'llm-1' }, '你们那个气垫粉底我想了解一下');
    const cursor = (await api.call('GET', '/v1/updates?wait=0', { token: web.sessionToken })).body.cursor;

    const sent = await shop.send(web.sessionToken, '这个保质期多久');
    expect(sent.status).toBe(201);
    const reply = message.parse(sent.body.replies[0]);
    expect(reply.text).toBe('亲，这款气垫未开封3年，开封后12个月内用完哦～');
    expect(reply.meta).toMatchObject({ source: 'llm', productId: 'p-cushion-foundation' });
    expect(reply.intent).toBe('shelf_life');

    const events = (await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, { token: web.sessionToken }))
      .body.events as { type: string; data: unknown }[];
    const afterQuestion = events.slice(events.findIndex((e) => e.type === 'message.created') + 1);
    const deltas = afterQuestion
      .filter((e) => e.type === 'message.delta')
      .map((e) => messageDelta.parse(e.data));
    const finals = afterQuestion.filter((e) => e.type === 'message.created');
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.every((d) => d.replyId === reply.id)).toBe(true);
    expect(deltas.map((d) => d.delta).join('')).toBe(reply.text);
    expect(finals).toHaveLength(1);
    expect(afterQuestion.at(-1)).toMatchObject({ type: 'message.created', data: { id: reply.id } });

    // The prompt carries the product's facts and the cross-channel history.
    expect(received).toHaveLength(1);
    expect(received[0]!.model).toBe('test-model');
    const prompt = received[0]!.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain('澜悦轻透持妆气垫粉底');
    expect(prompt).toContain('开封后12个月内用完');
    expect(prompt).toContain('(phone) customer: 你们那个气垫粉底我想了解一下');
  });

  it('puts the retrieved article in the prompt for an article answer', async () => {
    server.use(streaming(['满99元包邮哦']));
    const web = await shop.startSession({ channel: 'web' });
    const sent = await shop.send(web.sessionToken, '运费多少，满多少包邮');
    expect(sent.body.replies[0].meta).toMatchObject({ source: 'llm', articleId: 'kb-shipping-carrier-fee' });
    const prompt = received[0]!.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain('实付满99元包邮，不满99元收6元运费');
  });

  it('falls back to the retrieval answer when the endpoint hangs past the timeout', async () => {
    server.use(
      http.post(`${LLM_BASE}/chat/completions`, async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return HttpResponse.json({});
      }),
    );
    const web = await shop.startSession({ channel: 'web' });
    const started = Date.now();
    const sent = await shop.send(web.sessionToken, '运费多少，满多少包邮');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sent.body.replies[0].meta).toMatchObject({
      source: 'fallback',
      articleId: 'kb-shipping-carrier-fee',
    });
    expect(sent.body.replies[0].text).toContain('实付满99元包邮');
  });

  it('falls back to the retrieval answer when the endpoint fails', async () => {
    server.use(
      http.post(`${LLM_BASE}/chat/completions`, () =>
        HttpResponse.json({ error: { message: 'overloaded' } }, { status: 503 }),
      ),
    );
    const web = await shop.startSession({ channel: 'web' });
    const sent = await shop.send(web.sessionToken, '付款后多久发货');
    expect(sent.status).toBe(201);
    expect(sent.body.replies[0].meta).toMatchObject({ source: 'fallback', articleId: 'kb-shipping-time' });
  });
});
