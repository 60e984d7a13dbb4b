// Shared helpers for bench/api-*.mjs: server child processes, a light HTTP client, raw SSE streams
// over net sockets, RSS sampling and percentiles. Everything stays on loopback.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const apiDist = join(repoRoot, 'packages', 'api', 'dist', 'index.js');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A temporary folder for one bench's database files; `remove()` in a finally. */
export function tempDir(prefix) {
  const path = mkdtempSync(join(os.tmpdir(), `threadline-bench-${prefix}-`));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * Which cores the server and the load generator get, so they never share one: `taskset` lists, or
 * null where the machine has one core or no taskset (then both float, as before).
 */
export function cpuPlan() {
  const count = os.availableParallelism?.() ?? os.cpus().length;
  if (count < 2 || !existsSync('/usr/bin/taskset')) return null;
  return { load: '0', server: count === 2 ? '1' : `1-${count - 1}` };
}

/**
 * Node flags every bench server gets, whatever it runs (the bare route, this API, another build),
 * so the arms of a bench always run on the same V8 settings: BENCH_SERVER_NODE_ARGS
 * (space-separated), for an experiment (`--trace-gc`, `--max-semi-space-size=32`). None by default:
 * the product starts node without extra flags (issue 18's young-generation sizes were measured
 * and did not pay; docs/notes/speed-18g.md).
 */
export function serverNodeFlags() {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Starts bench/lib/server-child.mjs in its own process (through bash, so `ulimit -n` can be raised
 * for it) and waits for it to listen. Always `await server.stop()` in a finally. `cpus` pins it
 * (a taskset list, see `cpuPlan`); `limits: 'product'` keeps the API's own rate-limit defaults and
 * connection cap and trusts one proxy hop (the load generator says each shopper's address in
 * X-Forwarded-For) instead of opening the limits wide; `responder: 'silent'` runs the API without
 * the AI answer; `apiDist` runs another build of the API (its dist/index.js); `startOptions` are
 * given to that API's `startServer` last (per-arm A/B switches such as `insightsFoldWorker`; a build
 * without the option ignores it); `readerFoldsAll` makes the API's insights reads fold
 * everything left before they answer, so a bench can fold between its measured rounds.
 */
export async function startServerProcess({
  mode,
  dbPath,
  nodeArgs = [],
  flags = serverNodeFlags(),
  fdLimit,
  timeoutMs = 60_000,
  encryptAtRest = true,
  redisUrl,
  keys,
  app,
  cpus,
  limits,
  responder,
  apiDist,
  startOptions,
  readerFoldsAll,
}) {
  const raise = fdLimit ? `ulimit -n ${fdLimit} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ` : '';
  const pin = cpus ? `taskset -c ${cpus} ` : '';
  const child = spawn(
    'bash',
    [
      '-c',
      `${raise}exec ${pin}"$0" "$@"`,
      process.execPath,
      '--expose-gc',
      ...flags,
      ...nodeArgs,
      join(here, 'server-child.mjs'),
      JSON.stringify({
        mode,
        dbPath,
        encryptAtRest,
        redisUrl,
        keys,
        app,
        limits,
        responder,
        apiDist,
        startOptions,
        readerFoldsAll,
      }),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: repoRoot },
  );
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exit.then(() => {
    exited = true;
  });
  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };
  let info;
  try {
    info = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${mode} server did not start in ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.on('message', (m) => {
        if (m?.type === 'ready') {
          clearTimeout(timer);
          resolve(m);
        }
      });
      exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${mode} server exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
  } catch (error) {
    kill();
    throw error;
  }
  return {
    ...info,
    child,
    pid: child.pid,
    get exited() {
      return exited;
    },
    /** VmRSS of the server process, bytes (0 once it is gone). */
    rss: () => readRss(child.pid),
    /** CPU time the server process has used so far (user + system), ms; null where unreadable. */
    cpuMs: () => readCpuMs(child.pid),
    /** CPU time of the server's main (request) thread alone, ms: worker threads left out. */
    mainThreadCpuMs: () => readCpuMs(child.pid, child.pid),
    /** Runs a full GC in the server and answers its memoryUsage(). */
    gc: () => ask(child, { cmd: 'gc' }, 'mem'),
    /** Event-loop stalls since the last ask, and the WAL checkpointer's figures (server-child.mjs). */
    loopStats: () => ask(child, { cmd: 'loop' }, 'loop'),
    /** Starts the server's CPU profiler (see server-child.mjs). */
    profileStart: () => ask(child, { cmd: 'profile-start' }, 'profiling'),
    /** Stops it and writes the .cpuprofile to `file`. */
    profileStop: (file) => ask(child, { cmd: 'profile-stop', file }, 'profiled'),
    /** Starts sampling the server's allocations, garbage included (see server-child.mjs). */
    allocStart: () => ask(child, { cmd: 'alloc-start' }, 'alloc-profiling'),
    /** Stops it and writes the .heapprofile to `file`. */
    allocStop: (file) => ask(child, { cmd: 'alloc-stop', file }, 'alloc-profiled'),
    async stop() {
      if (exited) return;
      try {
        child.send({ cmd: 'stop' });
      } catch {
        // The channel is already closed.
      }
      const stopped = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
      if (!stopped) {
        kill();
        await exit;
      }
    },
  };
}

/**
 * CPU time (user + system) a process has used, ms, from /proc (clock ticks of 10 ms); null where
 * /proc cannot be read. What a request costs in CPU does not depend on how busy the machine is,
 * unlike requests per second.
 */
export function readCpuMs(pid, tid) {
  try {
    const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Sends a command to a server child and waits for its answer of type `type`. */
function ask(child, command, type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not answer ${command.cmd}`)), 30_000);
    const onMessage = (m) => {
      if (m?.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

export function readRss(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line.replace(/\D+/g, '')) * 1024;
  } catch {
    return 0;
  }
}

/** A keep-alive JSON client for one base URL; `maxSockets` bounds concurrency. */
export function jsonClient(baseUrl, { maxSockets = 1, localAddress } = {}) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets, localAddress });
  const request = (method, path, { token, body, headers = {} } = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, json, text });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  /** Like request, but throws unless the status is the expected one. */
  const expect = async (status, method, path, options) => {
    const res = await request(method, path, options);
    if (res.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
    return res.json;
  };
  return { request, expect, close: () => agent.destroy() };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * Opens one SSE stream over a raw socket (lighter than http.request for thousands of streams).
 * Resolves once the response headers and the server's first comment arrived. `onEvent(type, data)`
 * gets each event whose type is in `types` (data as the raw string); lines are read loosely, so
 * chunked-encoding size lines are simply ignored.
 */
export function openSse(baseUrl, path, { token, localAddress, onEvent, types = ['message.created'] } = {}) {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress });
    let buffer = '';
    let headersDone = false;
    let opened = false;
    let eventType = null;
    const stream = {
      socket,
      closed: false,
      close() {
        stream.closed = true;
        socket.destroy();
      },
    };
    const fail = (error) => {
      if (!opened) reject(error);
      stream.closed = true;
      socket.destroy();
    };
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.setTimeout(60_000, () => {
      if (!opened) fail(new Error('SSE open timed out'));
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n` +
          `${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      buffer += chunk;
      if (!headersDone) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buffer.slice(0, buffer.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 200/.test(status))
          return fail(new Error(`SSE open failed: ${buffer.slice(0, 300)}`));
        headersDone = true;
        buffer = buffer.slice(end + 4);
      }
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(': connected') && !opened) {
          opened = true;
          socket.setTimeout(0);
          resolve(stream);
        } else if (line.startsWith('event: ')) {
          eventType = line.slice(7);
        } else if (line.startsWith('data: ')) {
          if (onEvent && types.includes(eventType)) onEvent(eventType, line.slice(6));
          eventType = null;
        }
        nl = buffer.indexOf('\n');
      }
    });
    socket.on('error', fail);
    socket.on('close', () => {
      stream.closed = true;
      if (!opened) reject(new Error('SSE socket closed before the stream opened'));
    });
  });
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** p50/p90/p99/max/mean of a list of milliseconds. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean,
  };
}

export const ratio = (value, baseline) => (baseline > 0 ? value / baseline : undefined);
export const MiB = 2 ** 20;

/** A free loopback port (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Debian's redis-server on a free loopback port, in memory only; `await redis.stop()` in a finally. */
export async function startRedisServer() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxclients',
      '50000',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

/** This process's open-file limit (soft), from /proc; null where it cannot be read. */
export function ownFdLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return Number(line?.split(/\s{2,}/)[1]);
  } catch {
    return null;
  }
}
