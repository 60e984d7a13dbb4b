import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startPresenceSweeper } from './agents';
import { type AppOptions, createApp, type ThreadlineApp } from './app';
import { createDatabase, type Database, migrateDatabase } from './db/database';

export interface ServerOptions extends Omit<AppOptions, 'database'> {
  databaseUrl: string;
  databaseAuthToken?: string;
  port: number;
  host?: string;
  /** Extra routes (demo shop, console assets) mounted beside the API. */
  mount?: (app: ThreadlineApp) => void;
}

export interface RunningServer {
  app: ThreadlineApp;
  database: Database;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Migrates the database, then listens. Only this file knows about sockets. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const database = createDatabase({ url: options.databaseUrl, authToken: options.databaseAuthToken });
  await migrateDatabase(database);
  const app = createApp({ ...options, database });
  options.mount?.(app);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  // SSE streams stay open for hours; Node's default request timeouts would cut them.
  (server as unknown as { requestTimeout: number }).requestTimeout = 0;
  (server as unknown as { headersTimeout: number }).headersTimeout = 60_000;
  const port = (server.address() as AddressInfo).port;
  const timeoutMs = (options.agentPresenceTimeoutSec ?? 120) * 1000;
  const stopSweeper = startPresenceSweeper(app.deps, { timeoutMs, everyMs: Math.min(30_000, timeoutMs / 2) });
  return {
    app,
    database,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopSweeper();
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => {
          database.close();
          resolve();
        });
      }),
  };
}
