#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { createApp } from './app';
import { createMerchantApp, getApp } from './apps';
import { createDatabase, migrateDatabase } from './db/database';
import { demoPaths, startDemo } from './demo';
import { signIdentityToken } from './identity';
import { importKnowledge, llmOptionsFromEnv } from './knowledge';
import { systemClock } from './platform/clock';
import { consoleLogger, silentLogger } from './platform/deps';
import { ApiError } from './platform/errors';
import { loadServerKeys } from './platform/server-keys';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, startServer } from './serve';
import { redactUrl } from './shared-state';
import { VERSION } from './version';

const ENVIRONMENT_HELP = `
Environment:
  PORT, HOST                   where to listen (default 8787, 127.0.0.1)
  DATABASE_URL                 file:… or libsql://… (default file:.threadline/threadline.db)
  DATABASE_AUTH_TOKEN          for a libSQL server
  REDIS_URL                    redis://… : several API processes share events, limits and in-flight sends (docs/deploy.md)
  THREADLINE_DIR               where keys and the demo file live (default .threadline)
  THREADLINE_MASTER_KEY        32 bytes, base64: encrypts secrets and PII at rest (generated when unset)
  THREADLINE_SESSION_KEY       32 bytes, base64: signs session tokens (generated when unset)
  THREADLINE_TRUSTED_PROXY_HOPS  reverse proxies of yours in front of the API (default 0); see --trusted-proxy-hops
  WECHAT_API_BASE              WeChat's API (tests point it elsewhere)
  LLM_BASE_URL, LLM_MODEL      answers written by any OpenAI-compatible model (+ LLM_API_KEY, LLM_TIMEOUT_MS)`;

const dataDir = () => resolve(process.env.THREADLINE_DIR ?? '.threadline');
const databaseUrl = (flag?: string) => flag ?? process.env.DATABASE_URL ?? demoPaths(dataDir()).database;
const listenPort = (flag?: string) => Number(flag ?? process.env.PORT ?? 8787);
const listenHost = (flag?: string) => flag ?? process.env.HOST ?? '127.0.0.1';

const PROXY_HOPS_HELP =
  'reverse proxies of yours in front of the API; the client address is read that many entries from the right of X-Forwarded-For (env THREADLINE_TRUSTED_PROXY_HOPS, default 0: the socket address)';

/** `--trusted-proxy-hops` or THREADLINE_TRUSTED_PROXY_HOPS: a whole number from 0 to 10. */
function trustedProxyHops(flag?: string): number {
  const raw = flag ?? process.env.THREADLINE_TRUSTED_PROXY_HOPS ?? '0';
  const hops = Number(raw);
  if (!/^\d{1,2}$/.test(raw.trim()) || hops > 10)
    throw new UsageError(`trusted proxy hops must be a whole number from 0 to 10, not "${raw}"`);
  return hops;
}

/** The command tree; `run` resolves when a one-off command is done (servers keep running). */
export function buildProgram(): Command {
  const program = new Command('threadline')
    .description('Threadline — one customer, one history, every channel')
    .version(VERSION, '-v, --version')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('serve')
    .description('migrate the database and serve the API')
    .option('--port <port>', 'port to listen on (env PORT, default 8787)')
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .option('--trusted-proxy-hops <n>', PROXY_HOPS_HELP)
    .option(
      '--workers <n>',
      'API processes sharing the port on this machine (node:cluster; above 1 needs REDIS_URL; default 1)',
    )
    .action(
      async (options: {
        port?: string;
        host?: string;
        db?: string;
        trustedProxyHops?: string;
        workers?: string;
      }) => {
        const hops = trustedProxyHops(options.trustedProxyHops);
        const workers = workerCount(options.workers);
        const redisUrl = process.env.REDIS_URL || undefined;
        if (workers > 1 && !redisUrl)
          throw new UsageError(
            '--workers above 1 needs REDIS_URL: a stream held by one process must hear a message sent to another, and limits must count across them',
          );
        const keys = loadServerKeys(process.env, demoPaths(dataDir()).keys);
        if (workers > 1 && cluster.isPrimary) return runCluster(workers, databaseUrl(options.db));
        const server = await startServer({
          ...keys,
          databaseUrl: databaseUrl(options.db),
          databaseAuthToken: process.env.DATABASE_AUTH_TOKEN,
          port: listenPort(options.port),
          host: listenHost(options.host),
          wechatApiBase: process.env.WECHAT_API_BASE,
          ai: { llm: llmOptionsFromEnv(process.env) },
          publicUrl: process.env.PUBLIC_URL,
          trustedProxyHops: hops,
          redisUrl,
          // The primary migrated before forking: workers starting together must not race at it.
          migrate: !cluster.isWorker,
        });
        onShutdown(() => server.close());
        if (cluster.isWorker) {
          process.send?.({ type: 'listening', url: server.url });
          return;
        }
        console.log(
          `Threadline API listening on ${server.url} (docs: ${server.url}/docs)${hops ? `, trusting ${hops} proxy hop(s)` : ''}${redisUrl ? `, sharing through ${redactUrl(redisUrl)}` : ''}`,
        );
      },
    );

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (options: { db?: string }) => {
      const database = createDatabase({
        url: databaseUrl(options.db),
        authToken: process.env.DATABASE_AUTH_TOKEN,
      });
      await migrateDatabase(database);
      database.close();
      console.log('migrated');
    });

  const appCommand = program.command('app').description('manage merchant apps');
  appCommand
    .command('create')
    .description('create an app; prints its keys once')
    .requiredOption('--name <name>', 'the shop name')
    .option('--origin <origin...>', 'origins allowed to start sessions (https://shop.example)')
    .option('--wechat-appid <appid>', 'WeChat mini-program appid (with --wechat-secret)')
    .option('--wechat-secret <secret>', 'WeChat mini-program secret (with --wechat-appid)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (options: {
        name: string;
        origin?: string[];
        wechatAppid?: string;
        wechatSecret?: string;
        db?: string;
      }) => {
        if (Boolean(options.wechatAppid) !== Boolean(options.wechatSecret)) {
          throw new UsageError('--wechat-appid and --wechat-secret go together');
        }
        const { app, database } = await openAdminApp(options.db);
        try {
          const keys = await createMerchantApp(app.deps, {
            name: options.name,
            allowedOrigins: options.origin ?? [],
            ...(options.wechatAppid && options.wechatSecret
              ? { wechat: { appId: options.wechatAppid, secret: options.wechatSecret } }
              : {}),
          });
          const { warnings = [], ...shown } = keys;
          console.log(
            'Keys are shown once. Keep the secret key, identity secret and agent token on your server.',
          );
          console.log(JSON.stringify(shown, null, 2));
          for (const warning of warnings) console.error(`warning: ${warning}`);
        } finally {
          database.close();
        }
      },
    );

  const tokenCommand = program.command('token').description('identity tokens (a development helper)');
  tokenCommand
    .command('sign')
    .description("sign an identity token with an app's identity secret (HS256)")
    .requiredOption('--sub <userId>', 'your user id (the token subject)')
    .option('--secret <identitySecret>', "the app's identity secret (default: the demo app's)")
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .option('--name <name>', 'display name claim')
    .option('--phone <phone>', 'phone claim')
    .option('--email <email>', 'email claim')
    .option('--unionid <unionid>', 'WeChat unionid claim')
    .action(
      async (options: {
        sub: string;
        secret?: string;
        ttl: string;
        name?: string;
        phone?: string;
        email?: string;
        unionid?: string;
      }) => {
        const secret = options.secret ?? readDemoIdentitySecret();
        console.log(
          await signIdentityToken(
            {
              sub: options.sub,
              expiresInSec: Number(options.ttl),
              ...(options.name ? { name: options.name } : {}),
              ...(options.phone ? { phone: options.phone } : {}),
              ...(options.email ? { email: options.email } : {}),
              ...(options.unionid ? { unionid: options.unionid } : {}),
            },
            secret,
            systemClock.now(),
          ),
        );
      },
    );

  const kbCommand = program.command('kb').description('knowledge base');
  kbCommand
    .command('import')
    .description('import knowledge: {articles, products?, intents?} (same ids update)')
    .argument('<file>', 'a JSON knowledge file')
    .requiredOption('--app <appId>', 'the app to import into')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (file: string, options: { app: string; db?: string }) => {
      const { app, database } = await openAdminApp(options.db);
      try {
        await getApp(app.deps, options.app);
        const answer = await importKnowledge(
          app.deps,
          options.app,
          JSON.parse(readFileSync(resolve(file), 'utf8')),
        );
        console.log(JSON.stringify(answer));
      } finally {
        database.close();
      }
    });

  program
    .command('demo')
    .description('what `npm start` runs: the API, the demo shop and the console on one embedded file')
    .option('--port <port>', 'port to listen on (env PORT, default 8787)')
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--trusted-proxy-hops <n>', PROXY_HOPS_HELP)
    .action(async (options: { port?: string; host?: string; trustedProxyHops?: string }) => {
      await runDemo(
        listenPort(options.port),
        listenHost(options.host),
        trustedProxyHops(options.trustedProxyHops),
      );
    });

  return program;
}

class UsageError extends Error {}

/** `--workers`: a whole number from 1 to 64. */
function workerCount(flag?: string): number {
  const raw = flag ?? '1';
  const count = Number(raw);
  if (!/^\d{1,2}$/.test(raw.trim()) || count < 1 || count > 64)
    throw new UsageError(`--workers must be a whole number from 1 to 64, not "${raw}"`);
  return count;
}

/**
 * `serve --workers N`: this process migrates the database once, then forks N workers that share
 * the listening port (node:cluster hands connections round-robin). A worker that dies is replaced;
 * SIGTERM is passed to every worker, each drains (see `RunningServer.close`), and the primary
 * exits when they have, or kills them after the shutdown deadline.
 */
async function runCluster(count: number, url: string) {
  const database = createDatabase({ url, authToken: process.env.DATABASE_AUTH_TOKEN });
  await migrateDatabase(database);
  database.close();
  let stopping = false;
  let listening = 0;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type !== 'listening') return;
      listening++;
      if (listening === count)
        console.log(
          `Threadline API listening on ${message.url} with ${count} workers (docs: ${message.url}/docs)`,
        );
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 1_000).unref();
  });
  for (let i = 0; i < count; i++) fork();
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    const exited = workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    for (const worker of workers) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, DEFAULT_SHUTDOWN_TIMEOUT_MS + 5_000);
    Promise.all(exited).then(() => {
      clearTimeout(deadline);
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The API's services without a listener, for one-off admin commands (app create, kb import). */
async function openAdminApp(dbFlag?: string) {
  const database = createDatabase({ url: databaseUrl(dbFlag), authToken: process.env.DATABASE_AUTH_TOKEN });
  await migrateDatabase(database);
  const app = createApp({
    database,
    ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
    logger: silentLogger,
  });
  return { app, database };
}

function readDemoIdentitySecret(): string {
  try {
    return (JSON.parse(readFileSync(demoPaths(dataDir()).info, 'utf8')) as { identitySecret: string })
      .identitySecret;
  } catch {
    throw new UsageError(
      'pass --secret (the app identity secret), or run `npm start` first to create the demo app',
    );
  }
}

async function runDemo(port: number, host: string, hops: number) {
  const { server, info, seeded, infoPath } = await startDemo({
    ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
    dataDir: dataDir(),
    repoRoot: resolve(import.meta.dirname ?? '.', '../../..'),
    databaseUrl: process.env.DATABASE_URL,
    port,
    host,
    trustedProxyHops: hops,
    logger: { ...consoleLogger, info() {} },
    wechatApiBase: process.env.WECHAT_API_BASE,
    ai: { llm: llmOptionsFromEnv(process.env) },
  });
  console.log(`
Threadline demo ${seeded ? '(seeded a new demo app)' : '(existing demo app)'}
  API        ${info.apiUrl}
  API docs   ${info.docsUrl}
  Shop       ${info.shopUrl}
  Console    ${info.consoleUrl}  (not built yet: it arrives with the agent inbox)

  publishableKey  ${info.publishableKey}
  secretKey       ${info.secretKey}
  identitySecret  ${info.identitySecret}
  agentToken      ${info.agentToken}
  appId           ${info.appId}

Written to ${infoPath}. Database: ${databaseUrl()}. Ctrl-C stops.`);
  onShutdown(() => server.close());
}

function onShutdown(close: () => Promise<unknown>) {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    // Bounded even if closing itself hangs: the server's own deadline plus a little.
    setTimeout(() => process.exit(1), DEFAULT_SHUTDOWN_TIMEOUT_MS + 2_000).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// `threadline --help | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = buildProgram();
// Plain `threadline` is a request for help, not a mistake.
if (process.argv.length <= 2) program.outputHelp();
else
  program.parseAsync(process.argv).catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Help (asked for, or shown for a bare group such as `threadline app`) and --version
      // exit 0; usage errors were already printed by commander and exit 2.
      const informational = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
      process.exitCode = informational.includes(error.code) ? 0 : 2;
      return;
    }
    // Bad input to a command (an origin that is not one, say) is the user's to fix: one line, exit 2.
    const refused = ApiError.isInstance(error) && error.status < 500;
    console.error(
      error instanceof UsageError
        ? `usage: ${error.message}`
        : refused
          ? `error: ${(error as ApiError).message}`
          : error,
    );
    process.exitCode = error instanceof UsageError || refused ? 2 : 1;
  });
