import type { Message, TypingEvent } from '@threadline/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse } from '../../api/test/sse-reader';
import { type StartedApi, startApi } from './api-harness';

// The shopper has the chat open on the web and in the mini-program; an agent answers once. The
// reply must arrive live on both: over SSE on the web, over long-poll in the mini-program.
describe('an agent reply reaches every session of the customer, live', () => {
  let api: StartedApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('arrives on the web stream (SSE) and on the mini-program long-poll, with the typing indicator before it', async () => {
    const shop = await api.createShop();
    const identityToken = await shop.identityToken('user-live');

    const { wx, client } = shop.miniProgram();
    const online = new Promise((resolve) => client.on('connection', (s) => s === 'online' && resolve(s)));
    await client.start();
    await client.identify(identityToken);
    await online;

    const web = await shop.webSession({ identityToken });
    const stream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${web.sessionToken}` } }),
    );
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));

    // The shopper asks for a human in the mini-program; an agent picks it up.
    const { conversation } = await client.escalate();
    expect(conversation.status).toBe('queued');
    const agent = await api.call('POST', '/v1/agents', shop.secretKey, { name: '王敏', capacity: 3 });
    const { token } = await api.call('POST', `/v1/agents/${agent.agent.id}/tokens`, shop.secretKey, {});
    const claimed = await api.call('POST', `/v1/agent/conversations/${conversation.id}/claim`, token);
    expect(claimed.conversation.status).toBe('assigned');

    const typingInMini = new Promise<TypingEvent>((resolve) => client.on('typing', resolve));
    const replyInMini = new Promise<Message>((resolve) =>
      client.on('message', (m) => m.author.type === 'agent' && resolve(m)),
    );
    await api.call('POST', `/v1/agent/conversations/${conversation.id}/typing`, token, { typing: true });
    const { message } = await api.call('POST', `/v1/agent/conversations/${conversation.id}/messages`, token, {
      text: '您好，我是客服王敏，请问有什么可以帮您？',
    });

    expect(await typingInMini).toMatchObject({ author: { type: 'agent', name: '王敏' }, typing: true });
    expect(await replyInMini).toMatchObject({
      id: message.id,
      author: { type: 'agent', name: '王敏' },
      text: '您好，我是客服王敏，请问有什么可以帮您？',
    });

    const frames = await stream.until((all) =>
      all.some((f) => f.event === 'message.created' && JSON.parse(f.data!).id === message.id),
    );
    const types = frames.filter((f) => f.event).map((f) => f.event);
    expect(types.indexOf('typing')).toBeLessThan(types.lastIndexOf('message.created'));
    const assigned = frames.find(
      (f) => f.event === 'conversation.updated' && JSON.parse(f.data!).status === 'assigned',
    );
    expect(JSON.parse(assigned!.data!).assignedAgent).toEqual({ id: agent.agent.id, name: '王敏' });
    await stream.close();

    // The mini-program never opened a stream: every live event came through /v1/updates.
    expect(wx.requests.some((r) => r.path === '/v1/stream')).toBe(false);
    expect(wx.requests.filter((r) => r.path === '/v1/updates').length).toBeGreaterThan(1);
  });
});
