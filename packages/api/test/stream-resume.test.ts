import { errorEnvelope, updatesAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/realtime/events';
import { createTestApi, type TestApi } from './harness';
import { readSse, type SseFrame } from './sse-reader';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

const textOf = (frame: SseFrame) => (JSON.parse(frame.data ?? '{}') as { text?: string }).text;

describe('a client that disconnects and resumes from its last cursor misses nothing', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ heartbeatMs: 50 });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const stream = (token: string, options: { after?: string; lastEventId?: string } = {}) =>
    api.app.request(`/v1/stream${options.after !== undefined ? `?after=${options.after}` : ''}`, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
    });
  const updates = async (token: string, query: string) => {
    const res = await api.call('GET', `/v1/updates?${query}`, { token });
    expect(res.status).toBe(200);
    return updatesAnswer.parse(res.body);
  };

  /** Connects, receives the first three messages, disconnects, and misses the next four and an escalation. */
  async function disconnectedClient() {
    const web = await shop.startSession({ channel: 'web' });
    const first = readSse(await stream(web.sessionToken));
    await first.until((frames) => frames.some((f) => f.comment === 'connected'));
    for (const text of ['one', 'two', 'three']) await shop.send(web.sessionToken, text);
    await first.until(() => first.events().length >= 3);
    await first.close();
    const seen = first.events();
    expect(seen.map(textOf)).toEqual(['one', 'two', 'three']);

    for (const text of ['four', 'five']) await shop.send(web.sessionToken, text);
    await api.call('POST', '/v1/escalate', { token: web.sessionToken, body: { reason: 'wants a human' } });
    for (const text of ['six', 'seven']) await shop.send(web.sessionToken, text);
    const missed = [
      'message.created:four',
      'message.created:five',
      'conversation.updated:',
      'message.created:six',
      'message.created:seven',
    ];
    return { web, lastId: seen.at(-1)!.id!, missed };
  }
  const describeFrames = (frames: SseFrame[]) => frames.map((f) => `${f.event}:${textOf(f) ?? ''}`);
  const expectStrictlyIncreasing = (ids: string[]) => {
    const numbers = ids.map(Number);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
  };

  it('replays exactly the missed events, in order, after Last-Event-ID', async () => {
    const { web, lastId, missed } = await disconnectedClient();
    const resumed = readSse(await stream(web.sessionToken, { lastEventId: lastId }));
    await resumed.until(() => resumed.events().length >= missed.length);
    expect(describeFrames(resumed.events())).toEqual(missed);
    expectStrictlyIncreasing([lastId, ...resumed.events().map((f) => f.id!)]);

    // Still live after the replay, with nothing repeated.
    await shop.send(web.sessionToken, 'eight');
    await resumed.until(() => resumed.events().length >= missed.length + 1);
    await resumed.close();
    expect(describeFrames(resumed.events())).toEqual([...missed, 'message.created:eight']);
  });

  it('replays the same from ?after=', async () => {
    const { web, lastId, missed } = await disconnectedClient();
    const resumed = readSse(await stream(web.sessionToken, { after: lastId }));
    await resumed.until(() => resumed.events().length >= missed.length);
    await resumed.close();
    expect(describeFrames(resumed.events())).toEqual(missed);
    expectStrictlyIncreasing([lastId, ...resumed.events().map((f) => f.id!)]);
  });

  it('long-polls the same events from the cursor, then nothing more', async () => {
    const { web, lastId, missed } = await disconnectedClient();
    const page = await updates(web.sessionToken, `after=${lastId}&wait=0`);
    expect(page.events.map((e) => `${e.type}:${(e.data as { text?: string }).text ?? ''}`)).toEqual(missed);
    expect(page.cursor).toBe(page.events.at(-1)!.id);
    const empty = await updates(web.sessionToken, `after=${page.cursor}&wait=0`);
    expect(empty).toEqual({ events: [], cursor: page.cursor });
  });

  it('answers a waiting long-poll as soon as an event arrives', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const { cursor } = await updates(web.sessionToken, 'wait=0');
    // wait=29 would outlast the test timeout if the poll did not return early.
    const waiting = updates(web.sessionToken, `after=${cursor}&wait=29`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await shop.send(web.sessionToken, 'are you there?');
    const answer = await waiting;
    expect(answer.events.map((e) => (e.data as { text: string }).text)).toEqual(['are you there?']);
  });

  it('drains a backlog longer than one page without a gap, by stream and by long-poll', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const { cursor } = await updates(web.sessionToken, 'wait=0');
    const total = 1_203;
    await api.database.write(async (db, onCommit) => {
      for (let i = 0; i < total; i++) {
        await appendEvent(api.deps, db, onCommit, {
          appId: shop.appId,
          customerId: web.customer.id,
          type: 'typing',
          data: { conversationId: String(i), author: { type: 'bot' }, typing: i % 2 === 0 },
        });
      }
    });
    const polled: number[] = [];
    let after = cursor!;
    for (let round = 0; round < 10 && polled.length < total; round++) {
      const page = await updates(web.sessionToken, `after=${after}&wait=0`);
      polled.push(...page.events.map((e) => Number((e.data as { conversationId: string }).conversationId)));
      after = page.cursor!;
    }
    expect(polled).toEqual(Array.from({ length: total }, (_, i) => i));

    const streamed = readSse(await stream(web.sessionToken, { after: cursor! }));
    await streamed.until(() => streamed.events().length >= total);
    await streamed.close();
    expect(
      streamed
        .events()
        .map((f) => Number((JSON.parse(f.data!) as { conversationId: string }).conversationId)),
    ).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('keeps a stream opened on an anonymous session going after that customer merges into a user', async () => {
    const token = await shop.identityToken('user-stream-merge');
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    const web = await shop.startSession({ channel: 'web' });
    const live = readSse(await stream(web.sessionToken));
    await live.until((frames) => frames.some((f) => f.comment === 'connected'));
    await shop.send(web.sessionToken, 'anonymous question');
    await live.until(() => live.events().length >= 1);

    const identified = await shop.identify(web.sessionToken, token);
    expect(identified.body.merged).toBe(true);
    await shop.send(app.sessionToken, 'from the app after the merge');
    await shop.channelMessage('phone', { externalId: 'user-stream-merge' }, 'from the phone');
    await live.until(() => live.events().length >= 3);
    expect(live.events().map(textOf)).toEqual([
      'anonymous question',
      'from the app after the merge',
      'from the phone',
    ]);
    const lastId = live.events().at(-1)!.id!;
    await live.close();

    // Resuming with the cursor from before the merge and the re-issued token works too.
    await shop.send(app.sessionToken, 'while the web tab slept');
    const resumed = readSse(await stream(identified.body.sessionToken, { lastEventId: lastId }));
    await resumed.until(() => resumed.events().length >= 1);
    await resumed.close();
    expect(resumed.events().map(textOf)).toEqual(['while the web tab slept']);
    // The long-poll of the original (pre-identify) token follows the merge as well.
    const polled = await updates(web.sessionToken, `after=${lastId}&wait=0`);
    expect(polled.events.map((e) => (e.data as { text: string }).text)).toEqual(['while the web tab slept']);
  });

  it('sends heartbeats while nothing happens', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const quiet = readSse(await stream(web.sessionToken));
    const frames = await quiet.until((f) => f.filter((x) => x.comment === 'ping').length >= 2);
    await quiet.close();
    expect(frames.filter((f) => f.comment === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(frames.filter((f) => f.id !== undefined)).toEqual([]);
  });

  it('refuses a cursor it never handed out', async () => {
    const web = await shop.startSession({ channel: 'web' });
    for (const res of [
      await stream(web.sessionToken, { lastEventId: 'xyz' }),
      await stream(web.sessionToken, { after: 'abc' }),
      await stream(web.sessionToken, { after: '-1' }),
    ]) {
      expect(res.status).toBe(400);
      expect(errorEnvelope.parse(await res.json()).error.code).toBe('validation_failed');
    }
    const poll = await api.call('GET', '/v1/updates?after=abc&wait=0', { token: web.sessionToken });
    expect([poll.status, poll.body.error.code]).toEqual([400, 'validation_failed']);
  });
});
