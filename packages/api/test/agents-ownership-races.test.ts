import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepPresence } from '../src/agents';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('ownership under races: one owner, never an owner who is gone', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  /** A shopper who asked for a person while nobody was online: the conversation waits in the queue. */
  async function queued(userId: string) {
    const session = await shop.startSession({ identityToken: await shop.identityToken(userId) });
    const asked = await shop.send(session.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    return asked.body.conversation.id as string;
  }
  const ownerOf = async (conversationId: string) =>
    (
      await api.rows<{ status: string; assigned_agent_id: string | null }>(
        'select status, assigned_agent_id from conversations where id = ?',
        [conversationId],
      )
    )[0]!;

  it('many agents claiming one conversation at once: exactly one wins, the rest get 409 already_assigned', async () => {
    const conversationId = await queued('race-claim');
    const crowd = [];
    for (let i = 0; i < 10; i++) {
      const agent = await shop.addAgent({ name: `抢单${i}`, capacity: 3 });
      await agent.presence('away'); // present, but routing gives them nothing on its own
      crowd.push(agent);
    }
    const answers = await Promise.all(
      crowd.map((agent) => agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`)),
    );
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).map((a) => [a.status, codeOf(a)])).toEqual(
      Array(9).fill([409, 'already_assigned']),
    );
    const winner = crowd[answers.indexOf(won[0]!)]!;
    expect(await ownerOf(conversationId)).toEqual({ status: 'assigned', assigned_agent_id: winner.id });
    const open = await api.rows('select id from assignments where conversation_id = ? and ended_at is null', [
      conversationId,
    ]);
    expect(open).toHaveLength(1);
    for (const agent of crowd) await agent.presence('offline');
  });

  it('an agent at capacity claiming many at once takes exactly their capacity', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await queued(`race-capacity-${i}`));
    const agent = await shop.addAgent({ name: '满载', capacity: 2 });
    await agent.presence('away');
    const answers = await Promise.all(
      ids.map((id) => agent.call('POST', `/v1/agent/conversations/${id}/claim`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409).map(codeOf)).toEqual([
      'agent_at_capacity',
      'agent_at_capacity',
    ]);
    await agent.presence('offline');
  });

  it('an offline agent who takes a conversation becomes away, so the presence sweep returns it if they vanish', async () => {
    const agent = await shop.addAgent({ name: '离线', capacity: 3 });
    for (const path of ['claim', 'messages'] as const) {
      const conversationId = await queued(`offline-${path}`);
      await agent.presence('offline');
      const res = await agent.call(
        'POST',
        `/v1/agent/conversations/${conversationId}/${path}`,
        path === 'messages' ? { text: '您好，我来处理' } : undefined,
      );
      expect(res.status).toBeLessThan(300);
      expect(await ownerOf(conversationId)).toEqual({ status: 'assigned', assigned_agent_id: agent.id });
      expect((await agent.call('GET', '/v1/agent/me')).body.agent.presence).toBe('away');
      // The laptop closes: once silent past the timeout, the sweep sends the conversation back.
      await api.rows('update agents set last_seen_at = ? where id = ?', [Date.now() - 10 * 60_000, agent.id]);
      await sweepPresence(api.deps, 120_000);
      expect(await ownerOf(conversationId)).toEqual({ status: 'queued', assigned_agent_id: null });
    }
  });

  it('a claim racing the agent going offline or being deactivated never leaves the conversation with them', async () => {
    for (const ending of ['offline', 'deactivate'] as const) {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await queued(`race-${ending}-${i}`));
      const agent = await shop.addAgent({ name: `走了-${ending}`, capacity: 5 });
      await agent.presence('away');
      await Promise.all([
        ...ids.map((id) => agent.call('POST', `/v1/agent/conversations/${id}/claim`)),
        ending === 'offline'
          ? agent.presence('offline')
          : api.call('POST', `/v1/agents/${agent.id}/deactivate`, { token: shop.secretKey }),
      ]);
      // Whatever the order the writes took: every conversation the agent holds has an owner who is
      // active and present (the sweep and returnToQueue watch them), or none.
      const held = await api.rows<{ presence: string; active: number }>(
        "select a.presence, a.active from conversations c join agents a on a.id = c.assigned_agent_id where c.assigned_agent_id = ? and c.status = 'assigned'",
        [agent.id],
      );
      for (const owner of held) expect(owner.presence !== 'offline' && owner.active === 1).toBe(true);
      if (ending === 'deactivate') expect(held).toEqual([]);
    }
  });

  it('the presence sweep spares an agent heard from after it chose them', async () => {
    const own = await api.createShop();
    const agent = await own.addAgent({ name: '刚回来', capacity: 2 });
    await agent.presence('online');
    const session = await own.startSession({ identityToken: await own.identityToken('sweep-race') });
    const conversationId = (await own.send(session.sessionToken, '转人工')).body.conversation.id as string;
    expect((await ownerOf(conversationId)).assigned_agent_id).toBe(agent.id);
    await api.rows('update agents set last_seen_at = ? where id = ?', [Date.now() - 10 * 60_000, agent.id]);
    // The sweep has chosen the silent agent; their request lands before its write runs.
    const database = api.deps.database;
    const racing = Object.create(database) as typeof database;
    racing.write = (async (work: Parameters<typeof database.write>[0]) => {
      await api.rows('update agents set last_seen_at = ? where id = ?', [Date.now(), agent.id]);
      return database.write(work);
    }) as typeof database.write;
    await sweepPresence({ ...api.deps, database: racing }, 120_000);
    expect(await ownerOf(conversationId)).toEqual({ status: 'assigned', assigned_agent_id: agent.id });
    expect((await agent.call('GET', '/v1/agent/me')).body.agent.presence).toBe('online');
  });
});
