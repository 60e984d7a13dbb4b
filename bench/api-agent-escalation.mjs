// Escalation → the agent's inbox event: an online agent holds GET /v1/agent/stream (raw socket);
// an identified web customer with a profile (attributes, phone, an order pushed by the backend)
// and a short conversation asks for a human (POST /v1/escalate), and we time the request's start
// → the `inbox.updated` event arriving on the agent's stream carrying the handoff summary and the
// customer's profile. Baseline, same run: a plain customer message → its `message.created` on the
// same agent stream (the same pipe with no routing, summary or profile). The API runs in its own
// process; each iteration's customer is set up, and its conversation resolved, outside the timing.
import { signIdentityToken } from '../packages/api/dist/index.js';
import { jsonClient, openSse, pool, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';

export default async function run({ log, quick }) {
  const iterations = quick ? 60 : 400;
  const warmup = quick ? 10 : 40;
  const dir = tempDir('escalation');
  let api;
  let stream;
  try {
    api = await startServerProcess({ mode: 'api', dbPath: dir.file('escalation.db') });
    const http = jsonClient(api.url);
    const setup = jsonClient(api.url, { maxSockets: 4 });
    const me = await setup.expect(200, 'GET', '/v1/agent/me', { token: api.agentToken });
    await setup.expect(200, 'PATCH', `/v1/agents/${me.agent.id}`, {
      token: api.secretKey,
      body: { capacity: 100 },
    });
    await setup.expect(200, 'POST', '/v1/agent/presence', {
      token: api.agentToken,
      body: { presence: 'online' },
    });

    // Untimed: one identified customer per iteration, with a profile, an order and two messages.
    const total = iterations + warmup;
    const customers = await pool(total, 4, async (i) => {
      const identityToken = await signIdentityToken(
        { sub: `escalation-${i}`, name: `顾客${i}` },
        api.identitySecret,
      );
      const session = await setup.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web', identityToken },
      });
      await setup.expect(200, 'POST', '/v1/customers', {
        token: api.secretKey,
        body: {
          customer: { externalId: `escalation-${i}` },
          attributes: { vip: i % 5 === 0, skinType: 'dry' },
          phone: `139${String(i).padStart(8, '0')}`,
          address: '上海市浦东新区世纪大道100号',
        },
      });
      await setup.expect(200, 'POST', '/v1/orders', {
        token: api.secretKey,
        body: {
          customer: { externalId: `escalation-${i}` },
          orders: [{ id: `E-${i}`, status: 'shipped', items: [], amount: 199, trackingNumber: `SF${i}` }],
        },
      });
      for (let m = 0; m < 2; m++) {
        await setup.expect(201, 'POST', '/v1/messages', {
          token: session.sessionToken,
          body: { clientMessageId: `escalation-${i}-${m}-bench`, text: `订单 E-${i} 的快递到哪了？(${m})` },
        });
      }
      return session;
    });
    log(`${total} customers with profiles, orders and a conversation ready`);

    const waiting = new Map();
    const settle = (key, at) => {
      const waiter = waiting.get(key);
      if (waiter) {
        waiting.delete(key);
        waiter(at);
      }
    };
    stream = await openSse(api.url, '/v1/agent/stream', {
      token: api.agentToken,
      types: ['inbox.updated', 'message.created'],
      onEvent: (type, data) => {
        const at = performance.now();
        const event = JSON.parse(data);
        if (type === 'message.created') return settle(`message:${event.text}`, at);
        // The inbox event counts only when it carries what the agent reads first.
        if (event.conversation?.summary && event.profile?.customer)
          settle(`inbox:${event.conversation.id}`, at);
      },
    });
    const arrival = (key) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`no agent event for ${key} within 10 s`));
        }, 10_000);
        waiting.set(key, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });

    let seq = 0;
    const escalate = async (session) => {
      const conversationId = (
        await http.expect(200, 'GET', '/v1/timeline?limit=1', { token: session.sessionToken })
      ).messages[0].conversationId;
      const arrived = arrival(`inbox:${conversationId}`);
      const t0 = performance.now();
      const answer = await http.expect(200, 'POST', '/v1/escalate', {
        token: session.sessionToken,
        body: {},
      });
      const at = await arrived;
      if (answer.conversation.id !== conversationId) throw new Error('escalated another conversation');
      await setup.expect(200, 'POST', `/v1/agent/conversations/${conversationId}/resolve`, {
        token: api.agentToken,
      });
      return at - t0;
    };
    const message = async (session) => {
      const text = `还在吗 #${++seq}`;
      const arrived = arrival(`message:${text}`);
      const t0 = performance.now();
      await http.expect(201, 'POST', '/v1/messages', {
        token: session.sessionToken,
        body: { clientMessageId: `plain-${seq}-bench`, text },
      });
      return (await arrived) - t0;
    };

    for (let i = 0; i < warmup; i++) {
      await message(customers[iterations + i]);
      await escalate(customers[iterations + i]);
    }
    // Interleaved, so both arms see the same machine.
    const escalations = [];
    const messages = [];
    for (let i = 0; i < iterations; i++) {
      messages.push(await message(customers[i]));
      escalations.push(await escalate(customers[i]));
    }
    http.close();
    setup.close();
    const e = summarize(escalations);
    const m = summarize(messages);
    log(
      `escalation → inbox event p50 ${e.p50.toFixed(2)} / p99 ${e.p99.toFixed(2)} ms · message → agent stream p50 ${m.p50.toFixed(2)} / p99 ${m.p99.toFixed(2)} ms`,
    );
    return {
      name: 'escalation → the agent’s inbox event with summary and profile',
      rows: [
        {
          metric: 'escalation → inbox event p50',
          value: e.p50,
          unit: 'ms',
          baseline: m.p50,
          ratio: ratio(e.p50, m.p50),
          budget: '< 200 ms',
          pass: e.p50 < 200,
        },
        {
          metric: 'escalation → inbox event p99',
          value: e.p99,
          unit: 'ms',
          baseline: m.p99,
          ratio: ratio(e.p99, m.p99),
          budget: '< 200 ms',
          pass: e.p99 < 200,
          note: `${iterations} escalations, one at a time, each routed to the online agent; baseline: a plain customer message → its message.created on the same agent stream, interleaved`,
        },
      ],
      meta: { escalation: e, message: m },
    };
  } finally {
    stream?.close();
    await api?.stop();
    dir.remove();
  }
}
