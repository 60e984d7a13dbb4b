import {
  agentConversationAnswer,
  agentHandoffAnswer,
  agentUpdatesAnswer,
  conversationDetail,
  errorEnvelope,
  timelinePage,
  updatesAnswer,
} from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
type Agent = Awaited<ReturnType<Shop['addAgent']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('exclusive ownership across web, phone and mini-program', () => {
  let api: TestApi;
  let shop: Shop;
  let agent: Agent;
  let colleague: Agent;
  let supervisor: Agent;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    agent = await shop.addAgent({ name: '王敏', skills: ['returns'], capacity: 3 });
    colleague = await shop.addAgent({ name: '小周', skills: ['returns'], capacity: 3 });
    supervisor = await shop.addAgent({ name: '李主管', role: 'supervisor', capacity: 3 });
  });
  afterAll(() => api.close());

  /** One shopper, signed in on the web and in the mini-program; the phone knows their user id. */
  async function shopper(userId: string) {
    const identityToken = await shop.identityToken(userId);
    const web = await shop.startSession({ channel: 'web', identityToken });
    const mini = await shop.startSession({ channel: 'miniprogram', identityToken });
    expect(mini.customer.id).toBe(web.customer.id);
    return {
      customerId: web.customer.id,
      web: (text: string) => shop.send(web.sessionToken, text),
      mini: (text: string) => shop.send(mini.sessionToken, text),
      phone: (text: string) => shop.channelMessage('phone', { externalId: userId }, text),
      timeline: async () =>
        timelinePage.parse(
          (await api.call('GET', '/v1/timeline?limit=200', { token: web.sessionToken })).body,
        ),
      updates: async (after?: string) =>
        updatesAnswer.parse(
          (
            await api.call('GET', `/v1/updates?wait=0${after ? `&after=${after}` : ''}`, {
              token: mini.sessionToken,
            })
          ).body,
        ),
    };
  }

  it('while an agent owns it, every channel reaches the agent and the bot never answers; after release the bot answers again', async () => {
    await agent.presence('online');
    const me = await shopper('u-owner');
    const asked = await me.web('转人工');
    expect(asked.body.conversation.status).toBe('assigned');
    const conversationId = asked.body.conversation.id;
    const agentCursor = agentUpdatesAnswer.parse(
      (await agent.call('GET', '/v1/agent/updates?wait=0')).body,
    ).cursor;

    // Questions the bot knows, on three channels: no bot reply anywhere, one conversation.
    for (const say of [me.web, me.phone, me.mini]) {
      const res = await say('付款后多久发货');
      expect(res.status).toBe(201);
      expect(res.body.replies).toEqual([]);
      expect(res.body.conversation).toEqual({ id: conversationId, status: 'assigned' });
    }
    const detail = conversationDetail.parse(
      (await agent.call('GET', `/v1/agent/conversations/${conversationId}`)).body,
    );
    const fromCustomer = detail.timeline.messages.filter((m) => m.text === '付款后多久发货');
    expect(fromCustomer.map((m) => m.channel)).toEqual(['web', 'phone', 'miniprogram']);
    expect(
      detail.timeline.messages.filter(
        (m) => m.author.type === 'bot' && m.createdAt > fromCustomer[0]!.createdAt,
      ),
    ).toEqual([]);
    expect(detail.conversation.summary?.sentiment.flags).toContain('asked_for_human');
    // …and they reached the agent live, on the agent stream.
    const live = agentUpdatesAnswer.parse(
      (await agent.call('GET', `/v1/agent/updates?wait=0&after=${agentCursor}`)).body,
    );
    const messages = live.events
      .filter((e) => e.type === 'message.created')
      .map((e) => e.data as { channel: string });
    expect(messages.map((m) => m.channel)).toEqual(['web', 'phone', 'miniprogram']);

    // The agent answers; the shopper sees it with the agent's name.
    const reply = await agent.call('POST', `/v1/agent/conversations/${conversationId}/messages`, {
      text: '您好，我是客服王敏，现货付款后 48 小时内发货。',
      clientMessageId: 'agent-reply-0001',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({
      channel: 'miniprogram',
      author: { type: 'agent', name: '王敏' },
    });
    const again = await agent.call('POST', `/v1/agent/conversations/${conversationId}/messages`, {
      text: '您好，我是客服王敏，现货付款后 48 小时内发货。',
      clientMessageId: 'agent-reply-0001',
    });
    expect(again.body.message.id).toBe(reply.body.message.id);
    expect((await me.timeline()).messages.filter((m) => m.author.type === 'agent')).toHaveLength(1);

    // Back to the bot: it answers the next question, and does not hand straight back.
    const released = agentConversationAnswer.parse(
      (await agent.call('POST', `/v1/agent/conversations/${conversationId}/release`)).body,
    );
    expect(released.conversation).toMatchObject({ status: 'bot', assignedAgent: null });
    const answered = await me.mini('付款后多久发货');
    expect(answered.body.replies).toHaveLength(1);
    expect(answered.body.replies[0].author.type).toBe('bot');
    expect(answered.body.conversation).toEqual({ id: conversationId, status: 'bot' });
  });

  it('a message after resolve opens a new conversation with the bot, and never loops back into a handoff', async () => {
    await agent.presence('online');
    const me = await shopper('u-resolved');
    const first = (await me.phone('人工客服')).body.conversation;
    expect(first.status).toBe('assigned');
    const resolved = await agent.call('POST', `/v1/agent/conversations/${first.id}/resolve`);
    expect(resolved.body.conversation.status).toBe('resolved');
    expect((await agent.call('POST', `/v1/agent/conversations/${first.id}/resolve`)).status).toBe(200);
    const late = await agent.call('POST', `/v1/agent/conversations/${first.id}/messages`, {
      text: '还在吗？',
    });
    expect([late.status, codeOf(late)]).toEqual([409, 'conversation_resolved']);

    for (const [say, text] of [
      [me.web, '好的谢谢'],
      [me.mini, '那我再问一下，面霜保质期多久'],
      [me.phone, '好的'],
    ] as const) {
      const res = await say(text);
      expect(res.body.conversation.id).not.toBe(first.id);
      expect(res.body.conversation.status).toBe('bot');
    }
    const [open] = await api.rows<{ status: string; summary: string | null; id: string }>(
      "select id, status, summary from conversations where customer_id = ? and status <> 'resolved'",
      [me.customerId],
    );
    expect(open).toMatchObject({ status: 'bot', summary: null });
    const handoffs = await api.rows('select id from assignments where conversation_id = ?', [open!.id]);
    expect(handoffs).toEqual([]);
  });

  it('claims, transfers and take-overs respect ownership and capacity', async () => {
    await agent.presence('offline');
    await colleague.presence('offline');
    const me = await shopper('u-claims');
    const conversationId = (await me.web('我要投诉，转人工')).body.conversation.id;

    const claimed = await agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`);
    expect(claimed.body.conversation).toMatchObject({ status: 'assigned', assignedAgent: { name: '王敏' } });
    const stolen = await colleague.call('POST', `/v1/agent/conversations/${conversationId}/claim`);
    expect([stolen.status, codeOf(stolen)]).toEqual([409, 'already_assigned']);
    const meddle = await colleague.call('POST', `/v1/agent/conversations/${conversationId}/messages`, {
      text: 'hi',
    });
    expect([meddle.status, codeOf(meddle)]).toEqual([403, 'not_conversation_owner']);
    const release = await colleague.call('POST', `/v1/agent/conversations/${conversationId}/release`);
    expect([release.status, codeOf(release)]).toEqual([403, 'not_conversation_owner']);

    // To an offline colleague: refused; once online, with a note for them.
    const refused = await agent.call('POST', `/v1/agent/conversations/${conversationId}/transfer`, {
      agentId: colleague.id,
    });
    expect([refused.status, codeOf(refused)]).toEqual([409, 'agent_unavailable']);
    await colleague.presence('away');
    const moved = await agent.call('POST', `/v1/agent/conversations/${conversationId}/transfer`, {
      agentId: colleague.id,
      note: '客户情绪激动，订单 20240518001',
    });
    expect(moved.body.conversation.assignedAgent.name).toBe('小周');

    // A supervisor takes over; a transfer to a skill puts it back in the queue for that skill.
    const taken = await supervisor.call('POST', `/v1/agent/conversations/${conversationId}/claim`);
    expect(taken.body.conversation.assignedAgent.name).toBe('李主管');
    await agent.presence('online');
    const toSkill = await supervisor.call('POST', `/v1/agent/conversations/${conversationId}/transfer`, {
      skill: 'returns',
    });
    expect(toSkill.body.conversation).toMatchObject({
      status: 'assigned',
      skill: 'returns',
      assignedAgent: { name: '王敏' },
    });

    const detail = conversationDetail.parse(
      (await agent.call('GET', `/v1/agent/conversations/${conversationId}`)).body,
    );
    expect(detail.assignments.map((a) => [a.agent.name, a.how, a.endReason])).toEqual([
      ['王敏', 'claimed', 'transferred'],
      ['小周', 'transferred', 'claimed_over'],
      ['李主管', 'claimed', 'transferred'],
      ['王敏', 'routed', null],
    ]);
    expect(detail.timeline.notes.map((n) => [n.author.name, n.text])).toEqual([
      ['王敏', '客户情绪激动，订单 20240518001'],
    ]);

    // Capacity holds for claims too.
    await api.call('PATCH', `/v1/agents/${agent.id}`, { token: shop.secretKey, body: { capacity: 1 } });
    const other = await shopper('u-claims-2');
    const second = (await other.web('转人工')).body.conversation;
    expect(second.status).toBe('queued');
    const full = await agent.call('POST', `/v1/agent/conversations/${second.id}/claim`);
    expect([full.status, codeOf(full)]).toEqual([409, 'agent_at_capacity']);
    await api.call('PATCH', `/v1/agents/${agent.id}`, { token: shop.secretKey, body: { capacity: 3 } });
  });

  it('notes stay internal; typing and replies reach the customer; the first reply is timed', async () => {
    await agent.presence('online');
    const me = await shopper('u-notes');
    const conversationId = (await me.web('转人工')).body.conversation.id;
    const cursor = (await me.updates()).cursor!;
    const noteBody = { text: '内部：客户手机 13912345678，地址在上海浦东', clientNoteId: 'note-retry-0001' };
    const note = await agent.call('POST', `/v1/agent/conversations/${conversationId}/notes`, noteBody);
    expect(note.status).toBe(201);
    // A retried POST adds nothing.
    const retried = await agent.call('POST', `/v1/agent/conversations/${conversationId}/notes`, noteBody);
    expect(retried.body.note.id).toBe(note.body.note.id);
    const typing = await agent.call('POST', `/v1/agent/conversations/${conversationId}/typing`, {
      typing: true,
    });
    expect(typing.status).toBe(202);
    await agent.call('POST', `/v1/agent/conversations/${conversationId}/messages`, { text: '马上为您查询' });

    const seen = await me.updates(cursor);
    expect(seen.events.map((e) => e.type)).toEqual(['typing', 'message.created']);
    expect(seen.events[0]!.data).toMatchObject({
      conversationId,
      author: { type: 'agent', name: '王敏' },
      typing: true,
    });
    expect(JSON.stringify(seen)).not.toContain('内部');
    expect(JSON.stringify(await me.timeline())).not.toContain('内部');
    // Sealed at rest, like the profile's personal data.
    const raw = await api.rows<{ text_enc: string }>(
      'select text_enc from conversation_notes where conversation_id = ?',
      [conversationId],
    );
    expect(raw).toHaveLength(1);
    expect(raw[0]!.text_enc).not.toContain('13912345678');
    const stored = await api.rows<{ data: string }>("select data from events where type = 'note.created'");
    expect(stored.map((r) => r.data).join()).not.toContain('13912345678');

    const [assignment] = await api.rows<{
      first_response_at: number | null;
      queued_at: number | null;
      assigned_at: number;
    }>('select first_response_at, queued_at, assigned_at from assignments where conversation_id = ?', [
      conversationId,
    ]);
    expect(assignment!.first_response_at).toBeGreaterThanOrEqual(assignment!.assigned_at);
    expect(assignment!.queued_at).toBeLessThanOrEqual(assignment!.assigned_at);
  });

  it('creates a handoff code for the customer and texts it to the phone on file (phone → app)', async () => {
    // A clear desk: earlier tests left this agent at capacity.
    for (const row of (await agent.call('GET', '/v1/agent/inbox?view=mine')).body.conversations)
      await agent.call('POST', `/v1/agent/conversations/${row.id}/resolve`);
    await agent.presence('online');
    const caller = await shop.channelMessage('phone', { phone: '13700001111' }, '转人工');
    const conversationId = caller.body.conversation.id;
    expect(caller.body.conversation.status).toBe('assigned');
    // Texting the customer is a reply: only the owner may.
    const refused = await colleague.call('POST', `/v1/agent/conversations/${conversationId}/handoff`, {
      sendSms: true,
    });
    expect([refused.status, codeOf(refused)]).toEqual([403, 'not_conversation_owner']);
    const res = await agent.call('POST', `/v1/agent/conversations/${conversationId}/handoff`, {
      toChannel: 'app',
      sendSms: true,
    });
    expect(res.status).toBe(201);
    const answer = agentHandoffAnswer.parse(res.body);
    expect(answer.shortCode).toMatch(/^\d{6}$/);
    expect(answer.sms?.to).toBe('137****1111');
    expect(answer.sms?.message).toMatchObject({ channel: 'sms', author: { type: 'agent' } });
    expect(answer.sms?.message.text).toContain(answer.shortCode);
    expect(answer.sms?.message.text).not.toContain('13700001111');

    // The app session that presents the code joins the same customer and conversation.
    const resumed = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      // A short code also needs the last 4 digits of the phone on file.
      body: { channel: 'app', handoffCode: answer.shortCode, handoffCheck: '1111' },
    });
    expect(resumed.status).toBe(201);
    expect(resumed.body.customer.id).toBe(caller.body.customer.id);
    expect(resumed.body.conversation.id).toBe(conversationId);

    // No number on file: refused before any code is made.
    const anonymous = await shop.startSession({ channel: 'web' });
    const web = (await shop.send(anonymous.sessionToken, '转人工')).body.conversation.id;
    const none = await agent.call('POST', `/v1/agent/conversations/${web}/handoff`, { sendSms: true });
    expect([none.status, codeOf(none)]).toEqual([409, 'no_phone_on_file']);
    const codeOnly = await agent.call('POST', `/v1/agent/conversations/${web}/handoff`, {
      toChannel: 'miniprogram',
    });
    expect(codeOnly.status).toBe(201);
    expect(codeOnly.body.sms).toBeNull();
  });
});
