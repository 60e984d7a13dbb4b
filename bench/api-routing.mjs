// Routing decisions at scale: 200 online agents (1–2 skills each, capacity 5, all full: 1,000
// owned conversations) and 1,000 conversations waiting, against the same with 10 waiting
// (baseline, same run, interleaved). Two decisions, each through the real route in-process
// (app.request, no sockets):
//  - a slot frees: an agent resolves one of theirs, and routing picks the next waiting
//    conversation they can take (VIP first, then the longest wait) and assigns it;
//  - a new escalation: POST /v1/escalate ranks it (skill from the routing rules, VIP), looks for
//    the least-loaded online agent with the skill and a free slot among 200, and announces it.
// The queue is topped up (and the escalated conversation resolved) outside the timing, so each
// arm keeps its size.
import { randomBytes } from 'node:crypto';
import {
  createApp,
  createDatabase,
  createMerchantApp,
  DEFAULT_RATE_LIMITS,
  migrateDatabase,
  silentLogger,
} from '../packages/api/dist/index.js';
import { ratio, summarize, tempDir } from './lib/common.mjs';

const SKILLS = ['beauty', 'fashion', 'aftersales', 'livestream'];
const CHANNELS = ['web', 'douyin_live', 'phone', 'miniprogram'];
const ROUTING = {
  rules: [
    { skill: 'livestream', channels: ['douyin_live'] },
    { skill: 'aftersales', channels: ['phone'] },
  ],
};

async function scenario({ dir, name, agentCount, capacity, queued }) {
  const database = createDatabase({ url: `file:${dir.file(`${name}.db`)}` });
  await migrateDatabase(database);
  const app = createApp({
    database,
    masterKey: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    logger: silentLogger,
    // Every request comes from one process: the per-address and per-app limits have their own tests.
    rateLimits: Object.fromEntries(Object.keys(DEFAULT_RATE_LIMITS).map((rule) => [rule, 100_000_000])),
  });
  const keys = await createMerchantApp(app.deps, { name: `routing ${name}` });
  const call = async (method, path, token, body) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  await call('PUT', '/v1/routing', keys.secretKey, ROUTING);
  const agents = [];
  for (let i = 0; i < agentCount; i++) {
    const skills = [SKILLS[i % SKILLS.length], ...(i % 3 === 0 ? [SKILLS[(i + 1) % SKILLS.length]] : [])];
    const { agent } = await call('POST', '/v1/agents', keys.secretKey, {
      name: `agent-${i}`,
      skills,
      capacity,
    });
    const { token } = await call('POST', `/v1/agents/${agent.id}/tokens`, keys.secretKey, {});
    agents.push({ id: agent.id, token, skills });
  }
  // The conversations are written straight into the tables: routing reads them, not how they came.
  let n = 0;
  const insertConversation = async (status, skill, agentId) => {
    n++;
    const now = Date.now() - 60_000 + n;
    const customerId = `cus_${name}_${n}_${randomBytes(6).toString('hex')}`;
    const conversationId = `cnv_${name}_${n}_${randomBytes(6).toString('hex')}`;
    await database.client.batch(
      [
        {
          sql: 'insert into customers (id, app_id, identified, attributes, created_at, updated_at) values (?, ?, 0, ?, ?, ?)',
          args: [customerId, keys.appId, n % 10 === 0 ? '{"vip":true}' : '{}', now, now],
        },
        {
          sql: `insert into conversations (id, app_id, customer_id, status, channel, last_channel, assigned_agent_id,
                  assigned_at, priority, waiting_since, skill, context, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)`,
          args: [
            conversationId,
            keys.appId,
            customerId,
            status,
            CHANNELS[n % CHANNELS.length],
            CHANNELS[n % CHANNELS.length],
            agentId,
            agentId ? now : null,
            n % 10 === 0 ? 1 : 0,
            status === 'queued' ? now : null,
            skill,
            now,
            now,
          ],
        },
      ],
      'write',
    );
    return conversationId;
  };
  const owned = new Map();
  for (const agent of agents) {
    const list = [];
    for (let k = 0; k < capacity; k++)
      list.push(await insertConversation('assigned', agent.skills[0], agent.id));
    owned.set(agent.id, list);
  }
  for (let q = 0; q < queued; q++) await insertConversation('queued', SKILLS[q % SKILLS.length], null);
  await database.client.execute('ANALYZE');
  for (const agent of agents) await call('POST', '/v1/agent/presence', agent.token, { presence: 'online' });

  let turn = 0;
  return {
    /** One agent frees a slot; routing fills it from the queue. Returns ms. */
    async slotFreed() {
      const agent = agents[turn++ % agents.length];
      const list = owned.get(agent.id);
      const conversationId = list.shift();
      const t0 = performance.now();
      await call('POST', `/v1/agent/conversations/${conversationId}/resolve`, agent.token);
      const elapsed = performance.now() - t0;
      const mine = await call('GET', '/v1/agent/inbox?view=mine&limit=100', agent.token);
      const known = new Set(list);
      const fresh = mine.conversations.filter((c) => !known.has(c.id));
      if (fresh.length !== 1) throw new Error(`the freed slot was not filled (${fresh.length})`);
      list.push(fresh[0].id);
      // Keep the queue at its size.
      await insertConversation('queued', agent.skills[0], null);
      return elapsed;
    },
    /** A new customer asks for a human; nobody is free, so it is ranked and announced. Returns ms. */
    async escalation() {
      const session = await call('POST', '/v1/sessions', keys.publishableKey, {
        channel: CHANNELS[turn % 4],
      });
      turn++;
      const t0 = performance.now();
      const answer = await call('POST', '/v1/escalate', session.sessionToken, {});
      const elapsed = performance.now() - t0;
      if (answer.conversation.status !== 'queued')
        throw new Error('expected it to wait: every agent is full');
      await call('POST', `/v1/agent/conversations/${answer.conversation.id}/resolve`, keys.agentToken);
      return elapsed;
    },
    close: () => database.close(),
  };
}

export default async function run({ log, quick }) {
  const agentCount = quick ? 50 : 200;
  const capacity = 5;
  const iterations = quick ? 60 : 400;
  const warmup = quick ? 10 : 40;
  const dir = tempDir('routing');
  let big;
  let small;
  try {
    const started = performance.now();
    big = await scenario({ dir, name: 'big', agentCount, capacity, queued: 1_000 });
    small = await scenario({ dir, name: 'small', agentCount, capacity, queued: 10 });
    log(
      `${agentCount} agents × ${capacity} slots full, 1,000 vs 10 waiting, set up in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (let i = 0; i < warmup; i++) {
      await big.slotFreed();
      await small.slotFreed();
      await big.escalation();
      await small.escalation();
    }
    const samples = { bigFill: [], smallFill: [], bigEscalate: [], smallEscalate: [] };
    for (let i = 0; i < iterations; i++) {
      samples.bigFill.push(await big.slotFreed());
      samples.smallFill.push(await small.slotFreed());
      samples.bigEscalate.push(await big.escalation());
      samples.smallEscalate.push(await small.escalation());
    }
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    log(
      `slot freed → next assigned p99 ${s.bigFill.p99.toFixed(2)} ms (1,000 waiting) vs ${s.smallFill.p99.toFixed(2)} ms (10) · escalation routed p99 ${s.bigEscalate.p99.toFixed(2)} vs ${s.smallEscalate.p99.toFixed(2)} ms`,
    );
    const row = (metric, a, b, note) => ({
      metric,
      value: a,
      unit: 'ms',
      baseline: b,
      ratio: ratio(a, b),
      ...(note ? { note } : {}),
    });
    return {
      name: `routing decisions, ${agentCount} agents, 1,000 waiting vs 10`,
      rows: [
        row('slot freed → next conversation assigned p50', s.bigFill.p50, s.smallFill.p50),
        row(
          'slot freed → next conversation assigned p99',
          s.bigFill.p99,
          s.smallFill.p99,
          `${iterations} resolves through POST /v1/agent/conversations/:id/resolve in-process; the route resolves, picks the next waiting conversation the agent can take and assigns it; baseline: the same with 10 waiting`,
        ),
        row('new escalation routed p50', s.bigEscalate.p50, s.smallEscalate.p50),
        row(
          'new escalation routed p99',
          s.bigEscalate.p99,
          s.smallEscalate.p99,
          `${iterations} POST /v1/escalate in-process: summary, skill and VIP rank, the choice among ${agentCount} agents (all full), inbox and queue events; baseline: the same with 10 waiting`,
        ),
      ],
      meta: s,
    };
  } finally {
    big?.close();
    small?.close();
    dir.remove();
  }
}
