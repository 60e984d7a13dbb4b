// The send load generator, in its own process (bench/lib/send-load.mjs starts it, pinned away from
// the server with taskset where the machine allows), so measuring never shares an event loop — or,
// pinned, a core — with the server under test. Talks to the parent over IPC:
//   ← { cmd: 'pool', name, senders: [{ headers }], perWindow, windowMs }  adds senders to a pool
//   ← { cmd: 'budget', name }  → { type: 'budget', sends }  sends the pool can make right now
//   ← { cmd: 'run', name, url, path, duration, connections, text }  → { type: 'result', result }
//
// A sender is one shopper: its session token and the address it comes from. Each sends at most
// `perWindow` messages per `windowMs` (the app's messagesPerSessionPerMinute, and the per-address
// limit through the addresses the parent gave out), so every request stays within the limits the
// product enforces; one that would not is still sent and counted in `overBudget` (and then shows
// up as a 429, failing the bench row), never silently skipped.
import autocannon from 'autocannon';

const pools = new Map();
let seq = 0;
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function poolOf(name) {
  let pool = pools.get(name);
  if (!pool) {
    pool = {
      senders: [],
      active: [],
      next: 0,
      scanned: 0,
      turn: 0,
      perWindow: 30,
      windowMs: 60_000,
      overBudget: 0,
    };
    pools.set(name, pool);
  }
  return pool;
}

/** Whether the sender may send now; opens a new window for it when its last one has passed. */
function fresh(sender, pool, now) {
  if (sender.windowStart === 0 || now - sender.windowStart >= pool.windowMs) {
    sender.windowStart = now;
    sender.used = 0;
  }
  return sender.used < pool.perWindow;
}

/**
 * The next sender with room. Senders take turns within a small active set (twice the
 * connections, so concurrent sends rarely share a session) and each spends its window's budget
 * before the next one joins: a shopper writes several messages into one conversation, as shoppers
 * do, rather than every send opening a new customer's first conversation.
 */
function take(pool, activeSize) {
  const now = Date.now();
  while (pool.active.length < activeSize && pool.scanned < pool.senders.length) {
    const sender = pool.senders[pool.next];
    pool.next = (pool.next + 1) % pool.senders.length;
    pool.scanned++;
    if (!sender.active && fresh(sender, pool, now)) {
      sender.active = true;
      pool.active.push(sender);
    }
  }
  if (pool.active.length === 0) {
    // Every sender used its window up: send anyway, so the shortfall shows as a failure.
    pool.overBudget++;
    pool.scanned = 0;
    return pool.senders[pool.next];
  }
  pool.turn = (pool.turn + 1) % pool.active.length;
  const sender = pool.active[pool.turn];
  sender.used++;
  if (sender.used >= pool.perWindow) {
    sender.active = false;
    pool.active.splice(pool.turn, 1);
    // A sender left: look at the pool again (windows that passed have room again).
    pool.scanned = 0;
  }
  return sender;
}

function budget(pool) {
  const now = Date.now();
  let sends = 0;
  for (const sender of pool.senders) {
    const expired = sender.windowStart === 0 || now - sender.windowStart >= pool.windowMs;
    // An active sender's window may pass during the round, but it is counted as it stands.
    sends += expired ? pool.perWindow : pool.perWindow - sender.used;
  }
  return sends;
}

async function run({ name, url, path, duration, connections, text }) {
  const pool = poolOf(name);
  if (pool.senders.length === 0) throw new Error(`pool ${name} has no senders`);
  pool.overBudget = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (req) => {
          const sender = take(pool, connections * 2);
          return {
            ...req,
            headers: { ...req.headers, ...sender.headers },
            body: JSON.stringify({ clientMessageId: `cm-${runId}-${++seq}`, text }),
          };
        },
      },
    ],
    headers: { 'content-type': 'application/json' },
  });
  return {
    rps: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    overBudget: pool.overBudget,
    statusCodes: result.statusCodeStats,
  };
}

process.on('message', async (message) => {
  try {
    if (message?.cmd === 'pool') {
      const pool = poolOf(message.name);
      pool.perWindow = message.perWindow ?? pool.perWindow;
      pool.windowMs = message.windowMs ?? pool.windowMs;
      for (const sender of message.senders)
        pool.senders.push({ ...sender, used: 0, windowStart: 0, active: false });
      pool.scanned = 0;
      process.send({ type: 'pool', size: pool.senders.length });
    } else if (message?.cmd === 'budget') {
      process.send({ type: 'budget', sends: budget(poolOf(message.name)) });
    } else if (message?.cmd === 'run') {
      process.send({ type: 'result', result: await run(message) });
    } else if (message?.cmd === 'stop') {
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', error: String(error?.stack ?? error) });
  }
});
// The parent went away: never outlive it.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
