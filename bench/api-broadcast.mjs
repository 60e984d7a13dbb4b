// One process holding 12,000 SSE streams, then 12,000 waiting long-polls (GET /v1/updates), then
// both kinds at once as far as the file-descriptor limit allows: the server's RSS, and the time to
// broadcast one event to all of them (post → the last stream or poll has it). Every stream and
// poll is a session of one identified customer, so one phone message (merchant, secret key) is
// one event every one of them must get. Clients are raw sockets from several loopback addresses.
//
// File descriptors: the server process raises `ulimit -n` as far as the hard limit allows (here
// the hard limit may be below 2 × 12,000 + the database's; then the combined phase holds as many
// of each as fit, and says so). Baseline, same run: the same broadcast to a single stream.
import net from 'node:net';
import { signIdentityToken } from '../packages/api/dist/index.js';
import {
  jsonClient,
  MiB,
  openSse,
  ownFdLimit,
  pool,
  ratio,
  sleep,
  startServerProcess,
  tempDir,
} from './lib/common.mjs';

const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const SUB = 'broadcast-everyone';

/** One GET /v1/updates over a raw socket; resolves with its cursor and the texts it carried. */
function pollOnce(url, token, localAddress, after, onSent, onSocket) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress });
    onSocket(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(
        `GET /v1/updates?wait=30${after ? `&after=${after}` : ''} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      onSent();
    });
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!text.startsWith('HTTP/1.1 200')) return reject(new Error(`long-poll: ${text.slice(0, 200)}`));
      const answer = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
      resolve({ cursor: answer.cursor, texts: (answer.events ?? []).map((e) => e.data?.text) });
    });
  });
}

/**
 * A long-poll client as the mini-program SDK runs one: it polls again as soon as a poll answers
 * (empty after 30 s, or with events), from the cursor it got, so it is always waiting on the server.
 * `arrival(text)` resolves when a poll has carried that text.
 */
function longPoller(baseUrl, token, localAddress) {
  const url = new URL(baseUrl);
  let cursor;
  let stopped = false;
  let armed;
  const firstArmed = new Promise((resolve) => {
    armed = resolve;
  });
  const wanted = new Map();
  let failures = 0;
  let socket;
  const loop = (async () => {
    while (!stopped) {
      try {
        const answer = await pollOnce(url, token, localAddress, cursor, armed, (s) => {
          socket = s;
        });
        cursor = answer.cursor;
        for (const text of answer.texts) {
          const at = performance.now();
          wanted.get(text)?.(at);
          wanted.delete(text);
        }
      } catch {
        if (stopped) return;
        failures++;
        armed();
        if (failures > 20) return;
        await sleep(200);
      }
    }
  })();
  return {
    armed: firstArmed,
    failures: () => failures,
    arrival: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event within 60 s')), 60_000);
        wanted.set(text, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      }),
    stop() {
      stopped = true;
      socket?.destroy();
      return Promise.race([loop, sleep(5_000)]);
    },
  };
}

export default async function run({ log, quick }) {
  const wanted = quick ? 1_000 : 12_000;
  const dir = tempDir('broadcast');
  let api;
  const streams = [];
  try {
    api = await startServerProcess({
      mode: 'api',
      dbPath: dir.file('broadcast.db'),
      fdLimit: 1_048_576,
      nodeArgs: ['--max-old-space-size=4096'],
    });
    const clientFds = ownFdLimit() ?? 1024;
    log(`server fd limit ${api.fdLimit}, this process ${clientFds}`);
    const http = jsonClient(api.url, { maxSockets: 8 });
    const identityToken = await signIdentityToken({ sub: SUB, expiresInSec: 7200 }, api.identitySecret);
    const t0 = performance.now();
    const tokens = await pool(wanted, 8, async () => {
      const s = await http.expect(201, 'POST', '/v1/sessions', {
        token: api.publishableKey,
        body: { channel: 'web', identityToken },
      });
      return s.sessionToken;
    });
    log(`${wanted} sessions of one customer in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    http.close();
    let seq = 0;
    /** The text the next post will carry (pollers wait for it by text). */
    const nextText = () => `to everyone #${seq + 1}`;
    // A fresh connection per post: a kept-alive one may have been closed by the server meanwhile.
    const post = async () => {
      const once = jsonClient(api.url);
      try {
        const res = await once.request('POST', '/v1/channels/phone/messages', {
          token: api.secretKey,
          body: {
            from: { externalId: SUB },
            text: `to everyone #${++seq}`,
            clientMessageId: `broadcast-${seq}-bench`,
          },
        });
        if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text.slice(0, 200)}`);
      } finally {
        once.close();
      }
    };
    await post(); // the phone identity and the conversation exist before anything is timed

    /** Opens `count` SSE streams counting message.created per stream; answers a broadcaster. */
    const openStreams = async (count, offset = 0) => {
      const got = new Array(count).fill(0);
      let waiting = null;
      let arrivedAll = 0;
      let need = 0;
      const opened = [];
      let failed = 0;
      await pool(count, 100, async (k) => {
        try {
          opened[k] = await openSse(api.url, '/v1/stream', {
            token: tokens[offset + k],
            localAddress: LOCAL_ADDRESSES[k % LOCAL_ADDRESSES.length],
            onEvent: () => {
              got[k]++;
              if (waiting && got[k] === need) {
                arrivedAll++;
                if (arrivedAll === count) waiting(performance.now());
              }
            },
          });
          streams.push(opened[k]);
        } catch {
          failed++;
        }
      });
      return {
        failed,
        open: () => opened.filter((s) => s && !s.closed).length,
        /** Resolves when every stream has one more message than before (or rejects after 60 s). */
        expectOneMore() {
          need = Math.max(...got) + 1;
          arrivedAll = got.filter((g) => g >= need).length;
          return new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`${count - arrivedAll} of ${count} streams missed the broadcast`)),
              60_000,
            );
            waiting = (at) => {
              clearTimeout(timer);
              resolve(at);
            };
          });
        },
        close: () => {
          for (const s of opened) s?.close();
        },
      };
    };
    /** Posts once; answers post → the last arrival, and how many of `arrivals` failed. */
    const broadcast = async (arrivals) => {
      const settled = Promise.allSettled(arrivals);
      const start = performance.now();
      await post();
      const ack = performance.now() - start;
      const done = await settled;
      const times = done.filter((d) => d.status === 'fulfilled').map((d) => d.value);
      return { ms: Math.max(...times) - start, ack, failed: done.length - times.length };
    };
    const sample = async () => {
      await sleep(1_500);
      const rss = api.rss();
      await api.gc();
      return { rss, rssAfterGc: api.rss() };
    };

    // Baseline: one stream.
    const one = await openStreams(1);
    await sleep(300);
    const single = await broadcast([one.expectOneMore()]);
    one.close();
    log(`1 stream: broadcast ${single.ms.toFixed(1)} ms`);
    const idle = await sample();

    // SSE.
    const sse = await openStreams(wanted);
    const sseHeld = await sample();
    log(`${sse.open()} SSE streams (${sse.failed} failed): RSS ${(sseHeld.rss / MiB).toFixed(0)} MiB`);
    const sseCast = await broadcast([sse.expectOneMore()]);
    log(
      `SSE broadcast to ${sse.open()}: ${sseCast.ms.toFixed(0)} ms (post answered in ${sseCast.ack.toFixed(1)} ms)`,
    );
    const sseOpen = sse.open();
    sse.close();
    await sleep(2_000);

    // Long-polls.
    const openPolls = async (count, offset = 0) => {
      // Opened 100 at a time, as the streams are: thousands of connects at once overflow the
      // listen backlog and get reset. Each poller re-polls at once, so all stay waiting.
      const pollers = await pool(count, 100, async (k) => {
        const poller = longPoller(api.url, tokens[offset + k], LOCAL_ADDRESSES[k % LOCAL_ADDRESSES.length]);
        await poller.armed;
        return poller;
      });
      // Requests written; give the server a moment to have each one waiting.
      await sleep(Math.min(5_000, 500 + count / 4));
      return pollers;
    };
    const stopPolls = async (pollers) => {
      await Promise.all(pollers.map((p) => p.stop()));
    };
    const polls = await openPolls(wanted);
    const pollHeld = await sample();
    log(`${wanted} long-polls waiting: RSS ${(pollHeld.rss / MiB).toFixed(0)} MiB`);
    const pollText = nextText();
    const pollCast = await broadcast(polls.map((p) => p.arrival(pollText)));
    const pollFailures = polls.reduce((n, p) => n + p.failures(), 0);
    log(
      `long-poll broadcast to ${wanted}: ${pollCast.ms.toFixed(0)} ms; ${wanted - pollCast.failed} got the event, ${pollFailures} polls failed`,
    );
    await stopPolls(polls);
    await sleep(2_000);

    // Both kinds at once, as many as both processes' descriptor limits allow.
    const room = Math.min(api.fdLimit, clientFds) - 1_500;
    const each = Math.min(wanted, Math.floor(room / 2));
    const mixedStreams = await openStreams(each);
    // The polls reuse the streams' sessions (the bench server's per-session limits are opened wide).
    const mixedPolls = await openPolls(each);
    const mixedHeld = await sample();
    const mixedText = nextText();
    const mixedCast = await broadcast([
      mixedStreams.expectOneMore(),
      ...mixedPolls.map((p) => p.arrival(mixedText)),
    ]);
    const mixedOpen = mixedStreams.open();
    log(
      `${mixedOpen} SSE + ${each} long-polls: RSS ${(mixedHeld.rss / MiB).toFixed(0)} MiB, broadcast ${mixedCast.ms.toFixed(0)} ms`,
    );
    mixedStreams.close();
    await stopPolls(mixedPolls);

    const limited = each < wanted;
    return {
      name: `${wanted.toLocaleString('en-US')} SSE streams and ${wanted.toLocaleString('en-US')} long-polls in one process: RSS and one broadcast`,
      rows: [
        {
          metric: `broadcast to ${sseOpen} SSE streams`,
          value: sseCast.ms,
          unit: 'ms',
          baseline: single.ms,
          ratio: ratio(sseCast.ms, single.ms),
          note: `post → the last stream has the event (post answered in ${sseCast.ack.toFixed(0)} ms); baseline = the same post to 1 stream`,
        },
        {
          metric: `RSS holding ${sseOpen} SSE streams`,
          value: sseHeld.rss / MiB,
          unit: 'MiB',
          baseline: idle.rss / MiB,
          ratio: ratio(sseHeld.rss, idle.rss),
          note: `baseline = the same process idle; ${((sseHeld.rss - idle.rss) / Math.max(1, sseOpen) / 1024).toFixed(1)} KiB per stream`,
        },
        {
          metric: `broadcast to ${wanted} waiting long-polls`,
          value: pollCast.ms,
          unit: 'ms',
          baseline: single.ms,
          ratio: ratio(pollCast.ms, single.ms),
          note: `post → the last poll answered with the event; each client polls again at once (as the SDK does); ${wanted - pollCast.failed} of ${wanted} got it${pollCast.failed ? ` (${pollCast.failed} did not)` : ''}`,
        },
        {
          metric: `RSS holding ${wanted} long-polls`,
          value: pollHeld.rss / MiB,
          unit: 'MiB',
          baseline: idle.rss / MiB,
          ratio: ratio(pollHeld.rss, idle.rss),
        },
        {
          metric: `broadcast to ${mixedOpen} SSE + ${each} long-polls at once`,
          value: mixedCast.ms,
          unit: 'ms',
          baseline: single.ms,
          ratio: ratio(mixedCast.ms, single.ms),
          note: limited
            ? `not ${wanted} + ${wanted}: the server may hold ${api.fdLimit} descriptors and this process ${clientFds} (hard limits here), so ${each} of each`
            : 'both kinds at full count',
        },
        {
          metric: `RSS holding ${mixedOpen} SSE + ${each} long-polls`,
          value: mixedHeld.rss / MiB,
          unit: 'MiB',
          baseline: idle.rss / MiB,
          ratio: ratio(mixedHeld.rss, idle.rss),
        },
      ],
      meta: {
        single,
        sseCast,
        pollCast,
        mixedCast,
        idle,
        sseHeld,
        pollHeld,
        mixedHeld,
        fdLimit: api.fdLimit,
        clientFds,
      },
    };
  } finally {
    for (const s of streams) s?.close();
    await api?.stop();
    dir.remove();
  }
}
