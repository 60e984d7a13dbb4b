import {
  agentList,
  agentUpdatesAnswer,
  inboxAnswer,
  inboxUpdate,
  queueAnswer,
} from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
type Agent = Awaited<ReturnType<Shop['addAgent']>>;

const ROUTING = {
  rules: [
    { skill: 'livestream', channels: ['douyin_live'] },
    { skill: 'phone', channels: ['phone'] },
  ],
};
// Three agents with different skills and capacities: 12 slots for 30 conversations.
const TEAM = [
  { name: '直播客服 阿杰', skills: ['livestream'], capacity: 5 },
  { name: '全能客服 王敏', skills: ['livestream', 'phone'], capacity: 4 },
  { name: '热线客服 小周', skills: ['phone'], capacity: 3 },
];
const channelOf = (i: number) => (i % 2 === 1 ? 'phone' : 'douyin_live');

async function setUpShop(api: TestApi, vips: number[]) {
  const shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  expect((await api.call('PUT', '/v1/routing', { token: shop.secretKey, body: ROUTING })).status).toBe(200);
  for (const i of vips) {
    const res = await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: { customer: { externalId: `shopper-${i}` }, attributes: { vip: true } },
    });
    expect(res.status).toBe(200);
  }
  const team: Agent[] = [];
  for (const member of TEAM) team.push(await shop.addAgent(member));
  return { shop, team };
}

/** The shopper asks for a human on their channel; the bot (demo knowledge) queues it. */
async function askForHuman(shop: Shop, i: number) {
  const res = await shop.channelMessage(channelOf(i), { externalId: `shopper-${i}` }, '转人工');
  expect(res.status).toBe(201);
  return { i, id: res.body.conversation.id as string, status: res.body.conversation.status as string };
}

async function loadsOf(api: TestApi, shop: Shop) {
  const { agents } = agentList.parse((await api.call('GET', '/v1/agents', { token: shop.secretKey })).body);
  return new Map(agents.map((a) => [a.id, a]));
}

async function expectNobodyOverCapacity(api: TestApi, shop: Shop) {
  for (const agent of (await loadsOf(api, shop)).values()) {
    expect(agent.load, agent.name).toBeLessThanOrEqual(agent.capacity);
  }
}

async function ownedBy(agent: Agent) {
  const inbox = inboxAnswer.parse((await agent.call('GET', '/v1/agent/inbox?view=mine&limit=100')).body);
  return inbox.conversations;
}

describe('routing: a burst of 30 conversations from douyin_live and phone, 3 agents', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 18, 12));
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ clock });
  });
  afterAll(() => api.close());

  it('serves VIPs first, then the longest wait, by skill and capacity; re-routes an offline agent’s work; assigns everything as slots free', async () => {
    const vips = [21, 22, 25, 26];
    const { shop, team } = await setUpShop(api, vips);
    const [live, both, phone] = team as [Agent, Agent, Agent];

    // Everybody is offline: the burst waits in one queue, whatever the channel.
    const queued: Awaited<ReturnType<typeof askForHuman>>[] = [];
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      queued.push(await askForHuman(shop, i));
    }
    expect(queued.map((q) => q.status)).toEqual(queued.map(() => 'queued'));
    const idOf = (i: number) => queued[i]!.id;
    const indexOf = new Map(queued.map((q) => [q.id, q.i]));

    const figures = queueAnswer.parse((await live.call('GET', '/v1/agent/queue')).body);
    expect(figures.total).toMatchObject({
      waiting: 30,
      longestWaitSec: 29,
      agentsOnline: 0,
      freeCapacity: 0,
    });
    expect(figures.channels.map((c) => [c.channel, c.waiting]).sort()).toEqual([
      ['douyin_live', 15],
      ['phone', 15],
    ]);
    expect(figures.skills.map((s) => [s.skill, s.waiting])).toEqual([
      ['livestream', 15],
      ['phone', 15],
    ]);

    // The queue view is in serving order: the four VIPs, then by wait, across both channels.
    const view = inboxAnswer.parse((await live.call('GET', '/v1/agent/inbox?view=queued&limit=10')).body);
    expect(view.conversations.map((c) => indexOf.get(c.id))).toEqual([21, 22, 25, 26, 0, 1, 2, 3, 4, 5]);
    expect(view.conversations[0]!.customer.vip).toBe(true);
    expect(view.counts).toEqual({ mine: 0, queued: 30, open: 30 });

    // Online one by one: each takes what it can, VIP first then the longest wait, its skills only.
    expect((await live.presence('online')).status).toBe(200);
    expect((await ownedBy(live)).map((c) => indexOf.get(c.id)).sort((a, b) => a! - b!)).toEqual([
      0, 2, 4, 22, 26,
    ]);
    await both.presence('online');
    expect((await ownedBy(both)).map((c) => indexOf.get(c.id)).sort((a, b) => a! - b!)).toEqual([
      1, 3, 21, 25,
    ]);
    await phone.presence('online');
    expect((await ownedBy(phone)).map((c) => indexOf.get(c.id)).sort((a, b) => a! - b!)).toEqual([5, 7, 9]);
    await expectNobodyOverCapacity(api, shop);
    for (const [agent, skills] of [
      [live, ['livestream']],
      [both, ['livestream', 'phone']],
      [phone, ['phone']],
    ] as const) {
      for (const row of await ownedBy(agent)) expect(skills).toContain(row.skill);
    }

    // The all-rounder leaves: their four go back to the queue, ahead of everyone (VIP, then the
    // oldest waits), and nobody else has a free slot yet.
    await both.presence('offline');
    const after = inboxAnswer.parse((await live.call('GET', '/v1/agent/inbox?view=queued&limit=4')).body);
    expect(after.conversations.map((c) => indexOf.get(c.id))).toEqual([21, 25, 1, 3]);
    expect(after.counts.queued).toBe(30 - 12 + 4);

    // A slot frees on the hotline: the offline agent's VIP phone conversations are re-routed there first.
    const patched = await api.call('PATCH', `/v1/agents/${phone.id}`, {
      token: shop.secretKey,
      body: { capacity: 5 },
    });
    expect(patched.body.agent.load).toBe(5);
    const phoneOwns = (await ownedBy(phone)).map((c) => indexOf.get(c.id));
    expect(phoneOwns).toEqual(expect.arrayContaining([21, 25]));

    // The livestream agent resolves one and gets the oldest livestream conversation still waiting.
    await live.call('POST', `/v1/agent/conversations/${idOf(22)}/resolve`);
    expect((await ownedBy(live)).map((c) => indexOf.get(c.id))).toContain(6);
    await expectNobodyOverCapacity(api, shop);

    // Capacity frees up until nothing waits: everything is assigned, and resolved.
    await both.presence('online');
    for (let round = 0; round < 20; round++) {
      let resolved = 0;
      for (const agent of team) {
        for (const row of await ownedBy(agent)) {
          const res = await agent.call('POST', `/v1/agent/conversations/${row.id}/resolve`);
          expect(res.status).toBe(200);
          resolved++;
        }
        await expectNobodyOverCapacity(api, shop);
      }
      if (resolved === 0) break;
    }
    const statuses = await api.rows<{ status: string; n: number }>(
      'select status, count(*) as n from conversations where app_id = ? group by status',
      [shop.appId],
    );
    expect(statuses).toEqual([{ status: 'resolved', n: 30 }]);
    // Every conversation reached an agent; only the four the all-rounder dropped went twice.
    const reached = await api.rows<{ conversation_id: string; n: number }>(
      'select conversation_id, count(*) as n from assignments where app_id = ? group by conversation_id',
      [shop.appId],
    );
    expect(reached).toHaveLength(30);
    const twice = reached.filter((r) => r.n > 1).map((r) => indexOf.get(r.conversation_id));
    expect(twice.sort((a, b) => a! - b!)).toEqual([1, 3, 21, 25]);
    const offline = await api.rows<{ n: number }>(
      "select count(*) as n from assignments where app_id = ? and end_reason = 'agent_offline'",
      [shop.appId],
    );
    expect(offline[0]!.n).toBe(4);
  });

  it('spreads a concurrent burst by load and skill: every routing choice went to the least-loaded agent who could take it', async () => {
    const { shop, team } = await setUpShop(api, [3, 4]);
    for (const agent of team) await agent.presence('online');
    const skillsOf = new Map(team.map((a, k) => [a.id, TEAM[k]!.skills]));
    const capacityOf = new Map(team.map((a, k) => [a.id, TEAM[k]!.capacity]));
    const start = agentUpdatesAnswer.parse(
      (await team[0]!.call('GET', '/v1/agent/updates?wait=0')).body,
    ).cursor;

    // All thirty at once, from both channels.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => askForHuman(shop, i)));
    expect(results.filter((r) => r.status === 'assigned')).toHaveLength(12);
    await expectNobodyOverCapacity(api, shop);
    const loads = await loadsOf(api, shop);
    expect(team.map((a) => loads.get(a.id)!.load)).toEqual([5, 4, 3]);

    // Replay the agents' stream: at each assignment the owner had the skill and a free slot, and
    // no other agent who could take it was less loaded (relative to capacity).
    const load = new Map(team.map((a) => [a.id, 0]));
    let cursor = start;
    let assignedEvents = 0;
    for (let page = 0; page < 20; page++) {
      const batch = agentUpdatesAnswer.parse(
        (await team[0]!.call('GET', `/v1/agent/updates?wait=0&after=${cursor}`)).body,
      );
      if (batch.events.length === 0) break;
      cursor = batch.cursor;
      for (const event of batch.events) {
        if (event.type !== 'inbox.updated') continue;
        const update = inboxUpdate.parse(event.data);
        if (update.change !== 'assigned') continue;
        assignedEvents++;
        const owner = update.conversation.assignedAgent!.id;
        const skill = update.conversation.skill!;
        expect(skillsOf.get(owner)).toContain(skill);
        expect(load.get(owner)!).toBeLessThan(capacityOf.get(owner)!);
        for (const other of team) {
          if (other.id === owner || !skillsOf.get(other.id)!.includes(skill)) continue;
          if (load.get(other.id)! >= capacityOf.get(other.id)!) continue;
          const ratio = (id: string) => load.get(id)! / capacityOf.get(id)!;
          expect(ratio(other.id)).toBeGreaterThanOrEqual(ratio(owner));
        }
        load.set(owner, load.get(owner)! + 1);
        // The profile travels with it, masked.
        expect(update.profile?.customer.id).toBe(update.conversation.customer.id);
      }
    }
    expect(assignedEvents).toBe(12);

    // Free the slots until nothing waits: each conversation is assigned once, and only once.
    for (let round = 0; round < 20; round++) {
      let resolved = 0;
      for (const agent of team) {
        for (const row of await ownedBy(agent)) {
          await agent.call('POST', `/v1/agent/conversations/${row.id}/resolve`);
          resolved++;
        }
      }
      await expectNobodyOverCapacity(api, shop);
      if (resolved === 0) break;
    }
    const reached = await api.rows<{ n: number }>(
      'select count(*) as n from assignments where app_id = ? group by conversation_id',
      [shop.appId],
    );
    expect(reached.map((r) => r.n)).toEqual(Array.from({ length: 30 }, () => 1));
    const open = await api.rows("select id from conversations where app_id = ? and status <> 'resolved'", [
      shop.appId,
    ]);
    expect(open).toEqual([]);
  });
});
