import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { startPresenceSweeper } from './agents';
import { type AppOptions, createApp, type ThreadlineApp } from './app';
import { createDatabase, type Database, migrateDatabase } from './db/database';
import { startRetentionSweeper } from './privacy';
import { startWebhookWorker } from './webhooks';

export interface ServerOptions extends Omit<AppOptions, 'database'> {
  databaseUrl: string;
  databaseAuthToken?: string;
  port: number;
  host?: string;
  /** Extra routes (demo shop, console assets) mounted beside the API. */
  mount?: (app: ThreadlineApp) => void;
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
}

export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;

export interface RunningServer {
  app: ThreadlineApp;
  database: Database;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Drops connections past `max` from one address (counted while they are open). */
function capConnectionsPerAddress(server: ReturnType<typeof serve>, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
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

/** Migrates the database, then listens. Only this file knows about sockets. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const database = createDatabase({ url: options.databaseUrl, authToken: options.databaseAuthToken });
  await migrateDatabase(database);
  const app = createApp({ ...options, database });
  options.mount?.(app);
  const host = options.host ?? '127.0.0.1';
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: host,
        // Node checks the deadlines below this often (its default, 30 s, is as long as the deadline).
        serverOptions: { connectionsCheckingInterval: Math.min(5_000, bodyTimeoutMs) },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
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
  // Apps with a message retention period lose older messages hourly.
  const stopRetention = startRetentionSweeper(app.deps);
  return {
    app,
    database,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopSweeper();
        stopRetention();
        const stopped = webhookWorker.stop();
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => {
          void stopped.then(() => {
            database.close();
            resolve();
          });
        });
      }),
  };
}
