// Handoff create + claim + first timeline page: a web session with a live conversation asks for a
// code (POST /v1/handoffs), the code starts a session on another channel (POST /v1/sessions with
// handoffCode), which reads its first page (GET /v1/timeline). p50/p99 of the three calls in
// sequence, against three round trips to a bare Hono + libSQL app (insert, insert, page) on the
// same database, in the same run. Each iteration's web session and first message are set up
// outside the timing.
import { jsonClient, pool, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';

export default async function run({ log, quick }) {
  const iterations = quick ? 100 : 500;
  const warmup = quick ? 20 : 50;
  const dir = tempDir('handoff');
  const dbPath = dir.file('handoff.db');
  let api;
  let bare;
  try {
    api = await startServerProcess({ mode: 'api', dbPath });
    bare = await startServerProcess({ mode: 'bare', dbPath });
    const http = jsonClient(api.url);
    const bareHttp = jsonClient(bare.url);
    const setupHttp = jsonClient(api.url, { maxSockets: 4 });

    // Untimed set-up: one web customer per iteration, each with a short conversation.
    const total = iterations + warmup;
    const sessions = await pool(total, 4, async (i) => {
      const s = await setupHttp.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web' },
      });
      for (let m = 0; m < 3; m++) {
        await setupHttp.expect(201, 'POST', '/v1/messages', {
          token: s.sessionToken,
          body: { clientMessageId: `handoff-${i}-${m}-xxxx`, text: `这件衬衫有 M 码吗？(${m})` },
        });
      }
      return s;
    });
    setupHttp.close();
    log(`${total} web sessions with 3 messages each ready`);

    const handoff = async (session) => {
      const code = await http.expect(201, 'POST', '/v1/handoffs', {
        token: session.sessionToken,
        body: { toChannel: 'miniprogram' },
      });
      const claimed = await http.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'miniprogram', handoffCode: code.code },
      });
      if (claimed.customer.id !== session.customer.id || !claimed.handoff)
        throw new Error('the handoff did not land on the same customer');
      const page = await http.expect(200, 'GET', '/v1/timeline?limit=50', { token: claimed.sessionToken });
      if (page.messages.length < 3) throw new Error('the first page lost messages');
    };
    let n = 0;
    const bareRoundTrips = async () => {
      n++;
      await bareHttp.expect(201, 'POST', '/messages', {
        body: { clientMessageId: `bare-a-${n}`, text: 'handoff' },
        headers: { 'x-customer': `bare-${n}` },
      });
      await bareHttp.expect(201, 'POST', '/messages', {
        body: { clientMessageId: `bare-b-${n}`, text: 'claim' },
        headers: { 'x-customer': `bare-${n}` },
      });
      await bareHttp.expect(
        200,
        'GET',
        `/timeline?customer=${encodeURIComponent(sessions[n % total].customer.id)}&limit=50`,
      );
    };

    for (let i = 0; i < warmup; i++) {
      await handoff(sessions[iterations + i]);
      await bareRoundTrips();
    }
    // Interleaved, so both arms see the same machine.
    const apiSamples = [];
    const bareSamples = [];
    for (let i = 0; i < iterations; i++) {
      let t0 = performance.now();
      await handoff(sessions[i]);
      apiSamples.push(performance.now() - t0);
      t0 = performance.now();
      await bareRoundTrips();
      bareSamples.push(performance.now() - t0);
    }
    http.close();
    bareHttp.close();
    const a = summarize(apiSamples);
    const b = summarize(bareSamples);
    log(
      `api p50 ${a.p50.toFixed(2)} / p99 ${a.p99.toFixed(2)} ms · bare p50 ${b.p50.toFixed(2)} / p99 ${b.p99.toFixed(2)} ms`,
    );
    return {
      name: 'handoff create + claim + first timeline page',
      rows: [
        {
          metric: 'three calls p50',
          value: a.p50,
          unit: 'ms',
          baseline: b.p50,
          ratio: ratio(a.p50, b.p50),
          budget: '≤ 30 ms',
          pass: a.p50 <= 30,
        },
        {
          metric: 'three calls p99',
          value: a.p99,
          unit: 'ms',
          baseline: b.p99,
          ratio: ratio(a.p99, b.p99),
          budget: '≤ 30 ms',
          pass: a.p99 <= 30,
          note: `${iterations} handoffs, one at a time, interleaved with the baseline: three round trips (insert, insert, page of 50) to a bare Hono + libSQL app on the same database`,
        },
        {
          metric: 'three calls mean',
          value: a.mean,
          unit: 'ms',
          baseline: b.mean,
          ratio: ratio(a.mean, b.mean),
        },
      ],
      meta: { api: a, bare: b },
    };
  } finally {
    await Promise.all([api?.stop(), bare?.stop()]);
    dir.remove();
  }
}
