// Channel A → channel B delivery with 1,000 live streams: 1,000 identified web customers each hold
// a GET /v1/stream (raw sockets, so the client stays light); the merchant backend posts on `phone`
// (POST /v1/channels/phone/messages, secret key, same external id) and we time post → the
// message.created event arriving on that customer's web stream. Baseline, same run: the same
// measurement while only one stream is open. The API runs in its own process.
import { signIdentityToken } from '../packages/api/dist/index.js';
import { jsonClient, openSse, pool, ratio, startServerProcess, summarize, tempDir } from './lib/common.mjs';

const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

export default async function run({ log, quick }) {
  const streamsWanted = quick ? 200 : 1_000;
  const posts = quick ? 200 : 1_000;
  const dir = tempDir('delivery');
  let api;
  const streams = [];
  try {
    api = await startServerProcess({ mode: 'api', dbPath: dir.file('delivery.db'), fdLimit: 65_536 });
    const setup = jsonClient(api.url, { maxSockets: 8 });
    const sessions = await pool(streamsWanted, 8, async (i) => {
      const identityToken = await signIdentityToken({ sub: `delivery-${i}` }, api.identitySecret);
      return setup.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web', identityToken },
      });
    });
    setup.close();
    log(`${sessions.length} identified web sessions`);

    const pending = new Map();
    const onEvent = (_type, data) => {
      const text = JSON.parse(data).text;
      const waiter = pending.get(text);
      if (waiter) {
        pending.delete(text);
        waiter(performance.now());
      }
    };
    const open = (i) =>
      openSse(api.url, '/v1/stream', {
        token: sessions[i].sessionToken,
        localAddress: LOCAL_ADDRESSES[i % LOCAL_ADDRESSES.length],
        onEvent,
      }).then((s) => {
        streams[i] = s;
      });

    const phone = jsonClient(api.url, { maxSockets: 16 });
    let seq = 0;
    /** Posts on phone for customer i; answers { event, ack } in ms from the start of the POST. */
    const deliver = async (i) => {
      const text = `phone→web #${++seq}`;
      const arrived = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(text);
          reject(new Error(`no event for "${text}" within 10 s`));
        }, 10_000);
        pending.set(text, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const t0 = performance.now();
      const res = await phone.request('POST', '/v1/channels/phone/messages', {
        token: api.secretKey,
        body: { from: { externalId: `delivery-${i}` }, text, clientMessageId: `delivery-${seq}-bench` },
      });
      const ack = performance.now() - t0;
      if (res.status !== 201) throw new Error(`phone message: ${res.status} ${res.text.slice(0, 200)}`);
      if (res.json.customer.id !== sessions[i].customer.id) throw new Error('phone reached another customer');
      return { event: (await arrived) - t0, ack };
    };
    const measure = async (count, concurrency, pick) => {
      const results = await pool(count, concurrency, (k) => deliver(pick(k)));
      return {
        event: summarize(results.map((r) => r.event)),
        ack: summarize(results.map((r) => r.ack)),
      };
    };

    // Every customer first gets one untimed phone message, so every measured post meets the same
    // state (phone identity attached, conversation open) whichever customer it goes to.
    await pool(streamsWanted, 8, (i) =>
      phone.expect(201, 'POST', '/v1/channels/phone/messages', {
        token: api.secretKey,
        body: {
          from: { externalId: `delivery-${i}` },
          text: 'hello from the phone',
          clientMessageId: `warm-${i}-bench`,
        },
      }),
    );

    // Baseline: one stream open.
    await open(0);
    await measure(50, 1, () => 0); // warm-up
    const single = await measure(posts, 1, () => 0);
    log(`1 stream: post → event p50 ${single.event.p50.toFixed(2)} / p99 ${single.event.p99.toFixed(2)} ms`);

    await pool(streamsWanted - 1, 50, (k) => open(k + 1));
    const openCount = streams.filter((s) => s && !s.closed).length;
    log(`${openCount} streams open`);
    let rng = 12345;
    const random = () => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng % streamsWanted;
    };
    await measure(50, 1, random); // warm-up
    const many = await measure(posts, 1, random);
    log(
      `${openCount} streams: post → event p50 ${many.event.p50.toFixed(2)} / p99 ${many.event.p99.toFixed(2)} ms`,
    );
    const loaded = await measure(posts, 10, random);
    log(
      `${openCount} streams, 10 in flight: post → event p50 ${loaded.event.p50.toFixed(2)} / p99 ${loaded.event.p99.toFixed(2)} ms, post → 201 p99 ${loaded.ack.p99.toFixed(2)} ms`,
    );
    const stillOpen = streams.filter((s) => s && !s.closed).length;
    phone.close();

    return {
      name: `channel A → B delivery with ${openCount.toLocaleString('en-US')} open streams`,
      rows: [
        {
          metric: 'phone post → web event p50',
          value: many.event.p50,
          unit: 'ms',
          baseline: single.event.p50,
          ratio: ratio(many.event.p50, single.event.p50),
        },
        {
          metric: 'phone post → web event p99',
          value: many.event.p99,
          unit: 'ms',
          baseline: single.event.p99,
          ratio: ratio(many.event.p99, single.event.p99),
          budget: '≤ 50 ms',
          pass: many.event.p99 <= 50 && stillOpen === streamsWanted,
          note: `${posts} posts one at a time to random customers among ${openCount} streaming; baseline = the same with a single stream open`,
        },
        {
          metric: 'post → event p99, 10 posts in flight',
          value: loaded.event.p99,
          unit: 'ms',
          baseline: loaded.ack.p99,
          ratio: ratio(loaded.event.p99, loaded.ack.p99),
          note: 'baseline = post → 201 of the same requests',
        },
        { metric: 'streams open at the end', value: stillOpen, unit: 'streams', baseline: streamsWanted },
      ],
      meta: { single, many, loaded },
    };
  } finally {
    for (const s of streams) s?.close();
    await api?.stop();
    dir.remove();
  }
}
