import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { startPresenceSweeper } from './agents';
import { type AppOptions, createApp, type ThreadlineApp } from './app';
import { createDatabase, type Database, migrateDatabase } from './db/database';
import {
  startWalCheckpointer,
  type WalCheckpointerOptions,
  type WalCheckpointerStats,
} from './db/wal-checkpointer';
import { followUpWorkerOptionsFromEnv, startFollowUpWorker } from './followups';
import { clientKeyOf } from './http/auth';
import { createLifecycle } from './http/lifecycle';
import { useSealWorker } from './identity/seal-thread';
import { startInsightsRollup } from './insights';
import { consoleLogger } from './platform/deps';
import { startRetentionSweeper } from './privacy';
import { sealTrackedEventsInTheClear } from './profile';
import { startLogSweep } from './realtime/log-sweep';
import { DEFAULT_PAGE_CACHE_MIB, DEFAULT_SHUTDOWN_TIMEOUT_MS, MAX_PAGE_CACHE_MIB } from './serve-limits';
import { connectSharedState, type SharedState } from './shared-state';
import { startWebhookWorker } from './webhooks';

export interface ServerOptions extends Omit<AppOptions, 'database'> {
  databaseUrl: string;
  databaseAuthToken?: string;
  port: number;
  host?: string;
  /** Extra routes (demo shop, console assets) mounted beside the API. */
  mount?: (app: ThreadlineApp) => void;
  /**
   * Runs on the migrated app before the port opens and before any worker or timer starts (the demo
   * seeds and replays its past month here, so no request can land on a replayed clock).
   */
  beforeListen?: (app: ThreadlineApp) => Promise<void>;
  /**
   * A request's headers and body must arrive within this (default 30 s), so a client sending a
   * byte at a time cannot hold a connection. Streams and long-polls have no body: their responses
   * run as long as they need.
   */
  bodyTimeoutMs?: number;
  /**
   * Open connections one address may hold (default 256). Not applied behind trusted proxies, where
   * every connection comes from the proxy; per-address stream limits still use the forwarded address.
   */
  maxConnectionsPerIp?: number;
  /**
   * Redis for several API processes (`REDIS_URL`): the event bus, shared rate limits, open-stream
   * counts and in-flight sends. Unset: everything stays in this process.
   */
  redisUrl?: string;
  /** Apply pending migrations before listening (default true; cluster workers leave it to the primary). */
  migrate?: boolean;
  /** How long `close()` waits for running requests (sends) before it cuts them (default 10 s). */
  shutdownTimeoutMs?: number;
  /**
   * How often the background worker folds new messages and events into the insights rollups
   * (default 60 s; it also folds once at start, and readers fold a batch themselves).
   */
  insightsFoldEveryMs?: number;
  /**
   * The background fold's messages pass on a worker thread with its own connection (local files;
   * see insights/fold-thread.ts), so a minute's livestream questions and room answers are not
   * folded on the request thread. Default true (issue 16, docs/notes/speed-16h.md: a fold landing
   * among comment batches cost the request thread 140–205 µs per comment in that round against
   * ~60–85; on the worker the rounds stay clean). False folds in-thread; remote and in-memory
   * databases always fold in-thread.
   */
  insightsFoldWorker?: boolean;
  /**
   * The write-ahead log's checkpoints on a worker thread with its own connection (local files; see
   * db/wal-checkpointer.ts), not inside a request's COMMIT with the event loop blocked; an object
   * tunes it. Default on (issue 16: on the full livestream room, equal or better comments/s with
   * 0.82–0.93× request-thread CPU and 0.75–0.90× whole-run CPU in six quiet same-run A/Bs,
   * docs/notes/speed-16i.md, stop-31-closing-note.md). When another process writes to the same
   * file, its RESTARTs fail busy and it hands the checkpoints back to the request thread at the
   * normal limit until they succeed again, so the log is bounded as with it off
   * (docs/notes/speed-16k.md). False: SQLite's autocheckpoint in the request thread's COMMIT.
   * Remote and in-memory databases never start it.
   */
  walCheckpointer?: boolean | WalCheckpointerOptions;
  /**
   * The SQLite page cache of the request thread's connection, MiB (local files; default
   * `DEFAULT_PAGE_CACHE_MIB`; 0: SQLite's own 2 MiB). Worker threads' connections keep SQLite's
   * default: see `DEFAULT_PAGE_CACHE_MIB`.
   */
  pageCacheMiB?: number;
  /**
   * Bulk sealing (a livestream batch's comments, a room answer's copies) on a sealing worker
   * thread (identity/seal-thread.ts) instead of the request thread. Default true (issue 16,
   * docs/notes/speed-35.md: with the insights fold out of the bench's measured rounds, the full
   * livestream room ran at 1.11× comments/s with 0.85× request-thread CPU and the same whole-run
   * CPU; speed-16m's 0.78–1.08× had the api arm's own 60-s fold landing in its rounds). False: in
   * the request thread. The worker is per process: the last started server's choice holds.
   */
  sealWorker?: boolean;
}

export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export { DEFAULT_PAGE_CACHE_MIB, DEFAULT_SHUTDOWN_TIMEOUT_MS, MAX_PAGE_CACHE_MIB };
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;

export interface RunningServer {
  app: ThreadlineApp;
  database: Database;
  /** Set when the server runs with Redis (`redisUrl`). */
  shared?: SharedState;
  url: string;
  port: number;
  /** The write-ahead log checkpointer's figures, when it runs (local files; benches and tests). */
  walCheckpoints?: () => WalCheckpointerStats;
  /**
   * A graceful stop, bounded by `shutdownTimeoutMs`: stops accepting connections, answers new
   * requests on open connections 503 with Retry-After, ends streams with a reconnect hint
   * (`retry:`) and long-polls with what they have, waits for running requests (sends) to answer,
   * then closes every connection, Redis and the database. Resolves with whether it drained in time.
   */
  close(): Promise<boolean>;
}

/** Drops connections past `max` from one client (an IPv4 address or an IPv6 /64, counted while open). */
function capConnectionsPerAddress(server: ReturnType<typeof serve>, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = clientKeyOf(socket.remoteAddress ?? 'unknown');
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * The engine closes a local file's connection from the finalizers of its statements, which
 * `database.close()` has collected; they run on the next turn of the event loop
 * (db/local-client.ts). After this, the file has no descriptor open in this process.
 */
const connectionsReleased = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Migrates the database, then listens. Only this file knows about sockets. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? consoleLogger;
  const pageCacheMiB = options.pageCacheMiB ?? DEFAULT_PAGE_CACHE_MIB;
  // Past 2,097,151 MiB SQLite's cache_size (KiB, an int) overflows to its smallest cache; a negative
  // or NaN size would quietly mean the default. Refused at once rather than served slow.
  if (!Number.isInteger(pageCacheMiB) || pageCacheMiB < 0 || pageCacheMiB > MAX_PAGE_CACHE_MIB)
    throw new RangeError(
      `pageCacheMiB must be a whole number of MiB from 0 to ${MAX_PAGE_CACHE_MIB}, not ${pageCacheMiB}`,
    );
  const database = createDatabase({
    url: options.databaseUrl,
    authToken: options.databaseAuthToken,
    ...(pageCacheMiB > 0 ? { pageCacheKiB: Math.round(pageCacheMiB * 1024) } : {}),
  });
  if (options.migrate !== false) await migrateDatabase(database);
  useSealWorker(options.sealWorker ?? true);
  // After the migrations (they set the file's WAL mode); it raises the request thread's
  // autocheckpoint limit only once its worker is connected. On unless turned off; null for
  // remote and in-memory databases.
  const walCheckpointer = options.walCheckpointer ?? true;
  const checkpointer = walCheckpointer
    ? startWalCheckpointer(database, logger, walCheckpointer === true ? {} : walCheckpointer)
    : null;
  let shared: SharedState | undefined;
  let sweep: ReturnType<typeof startLogSweep> | undefined;
  let app: ThreadlineApp;
  let startedApp: ThreadlineApp | undefined;
  const lifecycle = createLifecycle();
  const host = options.host ?? '127.0.0.1';
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  let server: ReturnType<typeof serve>;
  try {
    shared = options.redisUrl ? await connectSharedState(options.redisUrl, logger) : undefined;
    app = createApp({ ...options, ...shared?.appOptions, database, lifecycle });
    startedApp = app;
    // Data steps that need the keys (the SQL migrations cannot seal): idempotent, every start.
    await sealTrackedEventsInTheClear(app.deps);
    sweep = shared ? startLogSweep(app.deps, shared.bus) : undefined;
    options.mount?.(app);
    await options.beforeListen?.(app);
    const listening = app;
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve(
        {
          fetch: listening.fetch,
          port: options.port,
          hostname: host,
          // Node checks the deadlines below this often (its default, 30 s, is as long as the deadline).
          serverOptions: { connectionsCheckingInterval: Math.min(5_000, bodyTimeoutMs) },
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
  } catch (error) {
    // A start that fails half-way (the port is taken, Redis refuses us) closes what it opened:
    // a process left holding Redis connections and timers would neither serve nor exit.
    sweep?.stop();
    startedApp?.livestream.close();
    await shared?.close().catch(() => undefined);
    await checkpointer?.stop();
    database.close();
    await connectionsReleased();
    throw error;
  }
  // Node's requestTimeout covers receiving the request (headers and body) only: an SSE or long-poll
  // response, whose request has long arrived, is not cut by it.
  const http = server as unknown as { requestTimeout: number; headersTimeout: number };
  http.requestTimeout = bodyTimeoutMs;
  http.headersTimeout = Math.min(bodyTimeoutMs, 20_000);
  if ((options.trustedProxyHops ?? (options.trustProxy ? 1 : 0)) === 0)
    capConnectionsPerAddress(server, options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP);
  const port = (server.address() as AddressInfo).port;
  const timeoutMs = (options.agentPresenceTimeoutSec ?? 120) * 1000;
  const stopSweeper = startPresenceSweeper(app.deps, { timeoutMs, everyMs: Math.min(30_000, timeoutMs / 2) });
  // Delivers the webhook outbox; pending deliveries of a previous run (or a crash) are picked up.
  const webhookWorker = startWebhookWorker(app.deps);
  // Sends due follow-ups; what was due while the process was down (or killed) goes out now, once.
  const followUpWorker = startFollowUpWorker(app.deps, followUpWorkerOptionsFromEnv(process.env));
  // Apps with a message retention period lose older messages hourly.
  const stopRetention = startRetentionSweeper(app.deps);
  // Insights rollups follow the stored messages and event log (they are also folded on read).
  const stopInsights = startInsightsRollup(app.deps, options.insightsFoldEveryMs, {
    worker: options.insightsFoldWorker ?? true,
  });
  const connections = server as unknown as { closeAllConnections(): void; closeIdleConnections(): void };
  let closing: Promise<boolean> | undefined;
  const close = async () => {
    // No presence writes while the database is about to close.
    stopSweeper();
    stopRetention();
    const insightsStopped = stopInsights();
    lifecycle.drain();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    connections.closeIdleConnections();
    const drained = await lifecycle.idle(options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    if (!drained) logger.warn('shutdown: requests still running were cut', { running: lifecycle.inFlight() });
    // A handler that returned has not always written its answer yet: close connections as they
    // fall idle, and cut the rest only after a short grace.
    const idleCloser = setInterval(() => connections.closeIdleConnections(), 25);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, drained ? 2_000 : 0));
    await Promise.race([stopped, grace]);
    clearInterval(idleCloser);
    connections.closeAllConnections();
    await stopped;
    // The rooms' timers (timeline drain, ticks, reply outbox) would otherwise go on querying the
    // closed database, logging a failure a second and keeping the process up for a while.
    app.livestream.close();
    await followUpWorker.stop();
    await webhookWorker.stop();
    sweep?.stop();
    await shared?.close();
    await insightsStopped;
    // Its connection closed first, so this one is the file's last in this process and closing it
    // checkpoints the log into the file, as before.
    await checkpointer?.stop();
    database.close();
    await connectionsReleased();
    return drained;
  };
  return {
    app,
    database,
    shared,
    port,
    ...(checkpointer ? { walCheckpoints: () => checkpointer.stats() } : {}),
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
