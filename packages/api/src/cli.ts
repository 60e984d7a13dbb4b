#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createAgentBody,
  createWebhookBody,
  followUpRuleBody,
  followUpsQuery,
  updateAgentBody,
  updateAppBody,
  updateFollowUpRuleBody,
  updateFollowUpSettingsBody,
  updateWebhookBody,
  webhookDeliveriesQuery,
} from '@threadline/sdk-core/protocol';
import { Command, CommanderError } from 'commander';
import type { ZodType } from 'zod';
import type { createApp } from './app';
import type { getApp } from './apps';
import type { DemoInfo } from './demo';
import { demoPaths } from './demo-paths';
import { systemClock } from './platform/clock';
import { consoleLogger, silentLogger } from './platform/deps';
import { ApiError } from './platform/errors';
import { RedisRefusedError, redisUrlProblem } from './platform/redis-url';
import { loadServerKeys } from './platform/server-keys';
import { DEFAULT_PAGE_CACHE_MIB, DEFAULT_SHUTDOWN_TIMEOUT_MS, MAX_PAGE_CACHE_MIB } from './serve-limits';
import { VERSION } from './version';

// Only what `--help`, `--version` and a usage mistake need is imported above. Each command imports
// the services it uses (the database, the whole API, Redis, the knowledge engine…) when it runs:
// loading them all cost about a second a start, paid by every `threadline --help`.
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
  THREADLINE_WEBHOOKS_ALLOW_PRIVATE  1 allows http and private/loopback webhook URLs (development only;
                               \`demo\` on a loopback address allows them, \`serve\` does not)
  THREADLINE_WEBHOOK_TIMEOUT_MS, THREADLINE_WEBHOOK_RETRY_BASE_MS, THREADLINE_WEBHOOK_RETRY_MAX_MS,
  THREADLINE_WEBHOOK_RETRY_WINDOW_MS  attempt deadline (10 s) and retry schedule (10 s doubling to 1 h, for 3 days)
  WECHAT_API_BASE              WeChat's API (tests point it elsewhere)
  THREADLINE_ALLOW_PRIVATE_CALLBACKS  1: reply callbacks may go to loopback/private addresses (the demo allows them)
  THREADLINE_LIVE_TIMELINE_DRAIN_MS  how often livestream questions are copied to timelines (default 1000 ms;
                               timeline reads and answer rounds copy them first anyway)
  THREADLINE_LIVE_TIMELINE_DRAIN_WORKER  1: copy them on a worker thread with its own connection (local
                               database files; default: in the request thread)
  THREADLINE_SEAL_WORKER       0 (or false/off): seal bulk writes (livestream batches, room answers) in the
                               request thread (default: on a sealing worker thread)
  THREADLINE_INSIGHTS_FOLD_WORKER  0: fold messages into the insights rollups in the request thread
                               (default: on a worker thread with its own connection, for local files)
  THREADLINE_WAL_CHECKPOINTER  0 (or false/off): checkpoint the write-ahead log inside a request's COMMIT (default: on a
                               worker thread with its own connection, for local database files; it hands
                               them back while another process writes to the same file)
  THREADLINE_PAGE_CACHE_MIB    the request connection's SQLite page cache, MiB (default ${DEFAULT_PAGE_CACHE_MIB};
                               0: SQLite's own 2 MiB; a whole number up to ${MAX_PAGE_CACHE_MIB})
  LLM_BASE_URL, LLM_MODEL      answers written by any OpenAI-compatible model (+ LLM_API_KEY, LLM_TIMEOUT_MS)`;

/** THREADLINE_LIVE_TIMELINE_DRAIN_MS: whole ms from 1 to 3,600,000, else the default (1 s). */
function liveTimelineDrainMs(raw: string | undefined): number | undefined {
  if (!raw || !/^\d{1,7}$/.test(raw.trim())) return undefined;
  const ms = Number(raw);
  return ms >= 1 && ms <= 3_600_000 ? ms : undefined;
}

/** THREADLINE_PAGE_CACHE_MIB: whole MiB from 0 to 65,536; unset or empty: the default. */
function pageCacheMiB(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const mib = Number(raw);
  if (!/^\d{1,5}$/.test(raw.trim()) || mib > MAX_PAGE_CACHE_MIB)
    throw new UsageError(
      `THREADLINE_PAGE_CACHE_MIB must be a whole number of MiB from 0 to ${MAX_PAGE_CACHE_MIB}, not "${raw}"`,
    );
  return mib;
}

/** An on/off setting (THREADLINE_WAL_CHECKPOINTER, THREADLINE_SEAL_WORKER): 0/false/off/no or 1/true/on/yes; unset or empty: `fallback`. */
function switchOn(name: string, raw: string | undefined, fallback = true): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new UsageError(`${name} must be 0 or 1 (or false/true, off/on), not "${raw}"`);
}

const dataDir = () => resolve(process.env.THREADLINE_DIR ?? '.threadline');
const databaseUrl = (flag?: string) => flag ?? process.env.DATABASE_URL ?? demoPaths(dataDir()).database;
/** `--port` or PORT: a whole number from 0 to 65535 (0: any free port). */
function listenPort(flag?: string): number {
  const raw = flag ?? process.env.PORT ?? '8787';
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw.trim()) || port > 65_535)
    throw new UsageError(
      `${flag === undefined ? 'PORT' : '--port'} must be a whole number from 0 to 65535, not "${raw}"`,
    );
  return port;
}
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
        const redisProblem = redisUrl ? redisUrlProblem(redisUrl) : null;
        if (redisProblem) throw new UsageError(redisProblem);
        if (workers > 1 && !redisUrl)
          throw new UsageError(
            '--workers above 1 needs REDIS_URL: a stream held by one process must hear a message sent to another, and limits must count across them',
          );
        const keys = loadServerKeys(process.env, demoPaths(dataDir()).keys);
        if (workers > 1 && cluster.isPrimary) return runCluster(workers, databaseUrl(options.db));
        // Checked before the server's modules load, so a mistyped port is refused at once (in the
        // same order as before: the port, then the host, are the first options read).
        const port = listenPort(options.port);
        const host = listenHost(options.host);
        const [
          { startServer },
          { llmOptionsFromEnv },
          { speechProviderFromEnv },
          { webhookSettingsFromEnv },
        ] = await Promise.all([
          import('./serve'),
          import('./knowledge'),
          import('./voice'),
          import('./webhooks'),
        ]);
        const server = await startServer({
          ...keys,
          databaseUrl: databaseUrl(options.db),
          databaseAuthToken: process.env.DATABASE_AUTH_TOKEN,
          port,
          host,
          wechatApiBase: process.env.WECHAT_API_BASE,
          ai: { llm: llmOptionsFromEnv(process.env) },
          speech: { provider: speechProviderFromEnv(process.env) },
          publicUrl: process.env.PUBLIC_URL,
          trustedProxyHops: hops,
          webhooks: webhookSettingsFromEnv(process.env),
          allowPrivateCallbacks: process.env.THREADLINE_ALLOW_PRIVATE_CALLBACKS === '1',
          liveTimelineDrainMs: liveTimelineDrainMs(process.env.THREADLINE_LIVE_TIMELINE_DRAIN_MS),
          liveTimelineDrainWorker: process.env.THREADLINE_LIVE_TIMELINE_DRAIN_WORKER === '1',
          insightsFoldWorker: process.env.THREADLINE_INSIGHTS_FOLD_WORKER !== '0',
          walCheckpointer: switchOn('THREADLINE_WAL_CHECKPOINTER', process.env.THREADLINE_WAL_CHECKPOINTER),
          pageCacheMiB: pageCacheMiB(process.env.THREADLINE_PAGE_CACHE_MIB),
          sealWorker: switchOn('THREADLINE_SEAL_WORKER', process.env.THREADLINE_SEAL_WORKER, true),
          redisUrl,
          // The primary migrated before forking: workers starting together must not race at it.
          migrate: !cluster.isWorker,
        });
        onShutdown(() => server.close());
        if (cluster.isWorker) {
          process.send?.({ type: 'listening', url: server.url });
          return;
        }
        const { redactUrl } = await import('./shared-state');
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
      const { createDatabase, migrateDatabase } = await import('./db/database');
      const database = createDatabase({
        url: databaseUrl(options.db),
        authToken: process.env.DATABASE_AUTH_TOKEN,
      });
      await migrateDatabase(database);
      database.close();
      console.log('migrated');
    });

  const appCommand = helpGroup(program, 'app', 'manage merchant apps');
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
        const { createMerchantApp } = await import('./apps');
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
          // On stderr, so stdout stays the keys as JSON for scripts (`… | jq .secretKey`).
          console.error(`
The bot answers greetings from the start, and stays silent on everything else until you import
knowledge (articles, products, intents):
  threadline kb import knowledge.json --app ${keys.appId}
An example knowledge file: ${KNOWLEDGE_EXAMPLE_HINT}`);
        } finally {
          database.close();
        }
      },
    );

  appCommand
    .command('voice')
    .description('set up the phone line: Twilio auth token, where escalated calls go, brand voices')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option(
      '--twilio-auth-token <token>',
      'your Twilio auth token: webhook signatures are checked with it ("" clears)',
    )
    .option(
      '--transfer-to <target>',
      'escalated calls go to: +E.164 number (<Dial>), queue:<name> or sip:<address> ("" clears)',
    )
    .option('--voice <channel=name...>', 'brand voice per channel, e.g. phone=专业男声 web=温柔女声')
    .option('--greeting <text>', 'what the bot says when it picks up ("" restores the default)')
    .option('--sms-webhook-url <url>', 'your SMS gateway for "continue in the app" texts ("" clears)')
    .option('--sms-webhook-secret <secret>', 'signs the SMS webhook (Threadline-Signature)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .addHelpText(
      'after',
      '\nThen set https://<your API>/v1/voice/twilio/<appId> as the Twilio number\'s "A call comes in" webhook (HTTP POST).\nBehind a proxy, set PUBLIC_URL so signatures are checked over the URL Twilio called.',
    )
    .action(
      async (options: {
        app: string;
        twilioAuthToken?: string;
        transferTo?: string;
        voice?: string[];
        greeting?: string;
        smsWebhookUrl?: string;
        smsWebhookSecret?: string;
        db?: string;
      }) => {
        const orNull = (value: string | undefined) =>
          value === undefined ? undefined : value === '' ? null : value;
        const voices = options.voice?.map((pair) => {
          const at = pair.indexOf('=');
          if (at < 1) throw new UsageError(`--voice takes channel=name, e.g. phone=专业男声 (got "${pair}")`);
          return [pair.slice(0, at), pair.slice(at + 1)] as const;
        });
        const parsed = updateAppBody.safeParse({
          voice: {
            twilioAuthToken: orNull(options.twilioAuthToken),
            transferTo: orNull(options.transferTo),
            ...(voices ? { voices: Object.fromEntries(voices) } : {}),
            greeting: orNull(options.greeting),
            smsWebhookUrl: orNull(options.smsWebhookUrl),
            smsWebhookSecret: orNull(options.smsWebhookSecret),
          },
        });
        if (!parsed.success)
          throw new UsageError(
            parsed.error.issues
              .map((i) => `${i.path.slice(1).join('.') || 'voice'}: ${i.message}`)
              .join('; '),
          );
        const { updateMerchantApp, toAppAnswer } = await import('./apps');
        const { app, database } = await openAdminApp(options.db);
        try {
          const target = await findApp(app.deps, resolveAppId(options.app), options.db);
          const updated = await updateMerchantApp(app.deps, target.id, parsed.data);
          const { voice } = toAppAnswer(updated).app;
          console.log(JSON.stringify({ appId: updated.id, voice }, null, 2));
          if (voice.twilioConfigured)
            console.error(`Twilio webhook: https://<your API>/v1/voice/twilio/${updated.id} (HTTP POST)`);
        } finally {
          database.close();
        }
      },
    );

  const tokenCommand = helpGroup(program, 'token', 'identity tokens (a development helper)');
  tokenCommand
    .command('sign')
    .description("sign an identity token with an app's identity secret (HS256)")
    .requiredOption('--sub <userId>', 'your user id (the token subject)')
    .option(
      '--app <appId>',
      'sign for this app (its identity secret is read from the database); `demo` = the demo app',
    )
    .option('--secret <identitySecret>', 'sign with this identity secret instead (is_…)')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .option('--name <name>', 'display name claim')
    .option('--phone <phone>', 'phone claim')
    .option('--email <email>', 'email claim')
    .option('--unionid <unionid>', 'WeChat unionid claim')
    .option(
      '--handle <kind=handle>',
      'a linked platform handle, e.g. douyin=dy_8f3a (repeat for several)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--db <url>', 'database URL (env DATABASE_URL), with --app')
    .addHelpText(
      'after',
      '\nThe token goes to stdout; which app it is for goes to stderr. Examples:\n  threadline token sign --sub user-42 --app demo\n  threadline token sign --sub user-42 --app app_… --name 王小姐',
    )
    .action(
      async (options: {
        sub: string;
        app?: string;
        secret?: string;
        ttl: string;
        name?: string;
        phone?: string;
        email?: string;
        unionid?: string;
        handle?: string[];
        db?: string;
      }) => {
        const ttl = Number(options.ttl);
        if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError('--ttl takes a whole number of seconds');
        const handles: Record<string, string> = {};
        for (const pair of options.handle ?? []) {
          const at = pair.indexOf('=');
          if (at <= 0 || at === pair.length - 1)
            throw new UsageError(`--handle takes kind=handle, not "${pair}"`);
          handles[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const { secret, signedFor } = await identitySecretFor(options);
        const { signIdentityToken } = await import('./identity');
        const token = await signIdentityToken(
          {
            sub: options.sub,
            expiresInSec: ttl,
            ...(options.name ? { name: options.name } : {}),
            ...(options.phone ? { phone: options.phone } : {}),
            ...(options.email ? { email: options.email } : {}),
            ...(options.unionid ? { unionid: options.unionid } : {}),
            ...(options.handle?.length ? { handles } : {}),
          },
          secret,
          systemClock.now(),
        );
        console.error(`${signedFor}; sub ${options.sub}, valid ${ttl} s.`);
        console.log(token);
      },
    );

  const agentCommand = helpGroup(program, 'agent', 'service agents: skills, capacity, role, tokens');
  const OPERATOR = { type: 'system' as const, id: null };
  agentCommand
    .command('create')
    .description('create an agent and print a first token for the console (shown once)')
    .requiredOption('--name <name>', 'the name customers and colleagues see')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--skills <list>', 'comma-separated skills routing matches, e.g. returns,cosmetics')
    .option('--capacity <n>', 'conversations the agent may own at once (default 5)')
    .option('--role <role>', 'agent or supervisor (supervisors may unmask personal data)')
    .option('--email <email>', 'sign-in name for password sign-in')
    .option('--password-stdin', 'read a console password from stdin (kept out of your shell history)')
    .option('--ttl <seconds>', 'lifetime of the printed token (default 8 hours)', String(8 * 3600))
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (options: {
        name: string;
        app: string;
        skills?: string;
        capacity?: string;
        role?: string;
        email?: string;
        passwordStdin?: boolean;
        ttl: string;
        db?: string;
      }) => {
        const body = parseOrUsage(createAgentBody, {
          name: options.name,
          ...(options.skills !== undefined ? { skills: splitList(options.skills) } : {}),
          ...(options.capacity !== undefined ? { capacity: Number(options.capacity) } : {}),
          ...(options.role !== undefined ? { role: options.role } : {}),
          ...(options.email !== undefined ? { email: options.email } : {}),
          ...(options.passwordStdin ? { password: await readStdin() } : {}),
        });
        const ttlSec = parseTtl(options.ttl);
        const { createAgent, issueTokenFor } = await import('./agents');
        const { app, database } = await openAdminApp(options.db);
        try {
          const target = await findApp(app.deps, resolveAppId(options.app), options.db);
          const agent = await createAgent(app.deps, target.id, body, OPERATOR);
          const token = await issueTokenFor(app.deps, target.id, agent.id, {
            ttlSec,
            label: 'threadline agent create',
            createdBy: 'cli',
            actor: OPERATOR,
          });
          console.error(
            'The token is shown once: hand it to the agent’s console; revoke it with the secret key.',
          );
          console.log(
            JSON.stringify({ agent: token.agent, token: token.token, expiresAt: token.expiresAt }, null, 2),
          );
        } finally {
          database.close();
        }
      },
    );
  agentCommand
    .command('list')
    .description("list an app's agents with presence and load")
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--json', 'print JSON')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (options: { app: string; json?: boolean; db?: string }) => {
      const { listAgents } = await import('./agents');
      const { app, database } = await openAdminApp(options.db);
      try {
        const target = await findApp(app.deps, resolveAppId(options.app), options.db);
        const agents = await listAgents(app.deps, target.id);
        if (options.json) return console.log(JSON.stringify({ agents }, null, 2));
        console.table(
          agents.map((a) => ({
            id: a.id,
            name: a.name,
            role: a.role,
            skills: a.skills.join(','),
            load: `${a.load}/${a.capacity}`,
            presence: a.presence,
            active: a.active,
          })),
        );
      } finally {
        database.close();
      }
    });
  agentCommand
    .command('update')
    .description("change an agent's name, skills, capacity, role, email or password")
    .argument('<agentId>', 'agt_…')
    .option('--name <name>', 'new name')
    .option('--skills <list>', 'comma-separated skills (replaces the list)')
    .option('--capacity <n>', 'conversations the agent may own at once')
    .option('--role <role>', 'agent or supervisor')
    .option('--email <email>', 'sign-in name for password sign-in')
    .option('--password-stdin', 'read a new console password from stdin')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (
        agentId: string,
        options: {
          name?: string;
          skills?: string;
          capacity?: string;
          role?: string;
          email?: string;
          passwordStdin?: boolean;
          db?: string;
        },
      ) => {
        const body = parseOrUsage(updateAgentBody, {
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.skills !== undefined ? { skills: splitList(options.skills) } : {}),
          ...(options.capacity !== undefined ? { capacity: Number(options.capacity) } : {}),
          ...(options.role !== undefined ? { role: options.role } : {}),
          ...(options.email !== undefined ? { email: options.email } : {}),
          ...(options.passwordStdin ? { password: await readStdin() } : {}),
        });
        const { appOfAgent, updateAgent } = await import('./agents');
        const { app, database } = await openAdminApp(options.db);
        try {
          const appId = await appOfAgent(app.deps, agentId);
          const agent = await updateAgent(app.deps, appId, agentId, body, OPERATOR);
          console.log(JSON.stringify({ agent }, null, 2));
        } finally {
          database.close();
        }
      },
    );
  agentCommand
    .command('deactivate')
    .description('deactivate an agent: tokens revoked, their conversations re-routed')
    .argument('<agentId>', 'agt_…')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (agentId: string, options: { db?: string }) => {
      const { appOfAgent, setAgentActive } = await import('./agents');
      const { app, database } = await openAdminApp(options.db);
      try {
        const appId = await appOfAgent(app.deps, agentId);
        const agent = await setAgentActive(app.deps, appId, agentId, false, OPERATOR);
        console.log(JSON.stringify({ agent }, null, 2));
      } finally {
        database.close();
      }
    });
  agentCommand
    .command('token')
    .description('issue a new token for an agent (shown once)')
    .argument('<agentId>', 'agt_…')
    .option('--ttl <seconds>', 'lifetime (default 8 hours, at most 30 days)', String(8 * 3600))
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (agentId: string, options: { ttl: string; db?: string }) => {
      const ttlSec = parseTtl(options.ttl);
      const { appOfAgent, issueTokenFor } = await import('./agents');
      const { app, database } = await openAdminApp(options.db);
      try {
        const appId = await appOfAgent(app.deps, agentId);
        const token = await issueTokenFor(app.deps, appId, agentId, {
          ttlSec,
          label: 'threadline agent token',
          createdBy: 'cli',
          actor: OPERATOR,
        });
        console.log(
          JSON.stringify({ token: token.token, tokenId: token.tokenId, expiresAt: token.expiresAt }, null, 2),
        );
      } finally {
        database.close();
      }
    });

  const liveCommand = helpGroup(program, 'live', 'livestream rooms');
  liveCommand
    .command('simulate')
    .description(
      'play a simulated livestream room (filler, everyday questions, a coupon rush at minute 3, a sizing rush at minute 6) against a running API, as a connector would; prints the host card link',
    )
    .option('--api <url>', 'the API (default: the demo’s)')
    .option('--key <secretKey>', "the app's secret key (default: the demo app's)")
    .option('--room <roomId>', 'the platform room id', 'demo-room')
    .option('--speed <factor>', 'times faster than real time', '10')
    .option('--comments <n>', 'comments in the 10-minute room', '20000')
    .option('--viewers <n>', 'viewers in the room', '3000')
    .action(
      async (options: {
        api?: string;
        key?: string;
        room: string;
        speed: string;
        comments: string;
        viewers: string;
      }) => {
        const demo = options.api && options.key ? null : (readDemoInfo() as DemoInfo);
        const apiUrl = options.api ?? demo!.apiUrl;
        const secretKey = options.key ?? demo!.secretKey;
        const speed = Number(options.speed);
        const comments = Number(options.comments);
        const viewers = Number(options.viewers);
        if (!(speed > 0) || !(comments > 0) || !(viewers > 0) || viewers > comments) {
          throw new UsageError(
            '--speed, --comments and --viewers take positive numbers, viewers at most comments',
          );
        }
        const { playRoom, simulateRoom } = await import('./livestream');
        const room = simulateRoom({ roomId: options.room, comments, viewers });
        const key = await fetch(
          `${apiUrl}/v1/channels/douyin_live/rooms/${encodeURIComponent(options.room)}/host-keys`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
            body: '{}',
          },
        );
        if (key.status !== 201) throw new Error(`host key: HTTP ${key.status} ${await key.text()}`);
        console.log(`Host card: ${((await key.json()) as { cardUrl: string }).cardUrl}`);
        let last = -1;
        const { posted } = await playRoom({
          apiUrl,
          secretKey,
          room,
          speed,
          title: '澜悦直播间（模拟）',
          onProgress: ({ roomSec, posted, status }) => {
            if (status !== 200) console.error(`batch at ${roomSec} s: HTTP ${status}`);
            if (Math.floor(roomSec / 30) !== last) {
              last = Math.floor(roomSec / 30);
              console.log(
                `${String(Math.floor(roomSec / 60)).padStart(2, '0')}:${String(roomSec % 60).padStart(2, '0')}  ${posted} comments`,
              );
            }
          },
        });
        console.log(`Done: ${posted} comments.`);
      },
    );

  const kbCommand = helpGroup(program, 'kb', 'knowledge base');
  kbCommand
    .command('import')
    .description('import knowledge: {articles, products?, intents?} (same ids update)')
    .argument('<file>', 'a JSON knowledge file')
    .requiredOption('--app <appId>', 'the app to import into (`demo` = the demo app)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .addHelpText('after', `\nAn example knowledge file: ${KNOWLEDGE_EXAMPLE_HINT}`)
    .action(async (file: string, options: { app: string; db?: string }) => {
      const knowledge = readKnowledgeFile(file);
      const { importKnowledge } = await import('./knowledge');
      const { app, database } = await openAdminApp(options.db);
      try {
        const target = await findApp(app.deps, resolveAppId(options.app), options.db);
        const answer = await importKnowledge(app.deps, target.id, knowledge).catch((error: unknown) => {
          if (ApiError.isInstance(error) && error.code === 'validation_failed')
            throw new CliError(`${file} does not fit the knowledge format: ${describeIssues(error)}`);
          throw error;
        });
        const { articles, products, intents } = answer.imported;
        console.log(
          `Imported ${articles} articles, ${products} products and ${intents} intents into ${target.id} (${target.name}). The bot answers from them now.`,
        );
      } finally {
        database.close();
      }
    });

  const webhookCommand = helpGroup(
    program,
    'webhook',
    'webhooks: subscribe your CRM, read the delivery log, replay',
  );
  webhookCommand
    .command('create')
    .description('subscribe a URL to events; prints the signing secret once')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .requiredOption('--url <url>', 'https URL of your receiver')
    .option('--events <list>', 'comma-separated event types, or * for all', '*')
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'create it disabled')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (options: {
        app: string;
        url: string;
        events: string;
        description?: string;
        disabled?: boolean;
        db?: string;
      }) => {
        const body = parseOrUsage(createWebhookBody, {
          url: options.url,
          events: splitList(options.events),
          ...(options.description !== undefined ? { description: options.description } : {}),
          ...(options.disabled ? { enabled: false } : {}),
        });
        const { createWebhook } = await import('./webhooks');
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          const created = await createWebhook(deps, appId, body);
          console.error('The secret is shown once: verify deliveries with it (verifyWebhook).');
          console.log(JSON.stringify(created, null, 2));
        });
      },
    );
  webhookCommand
    .command('list')
    .description("list an app's webhooks with health and pending deliveries")
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--json', 'print JSON')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (options: { app: string; json?: boolean; db?: string }) => {
      const { listWebhooks } = await import('./webhooks');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        const { webhooks } = await listWebhooks(deps, appId);
        if (options.json) return console.log(JSON.stringify({ webhooks }, null, 2));
        if (webhooks.length === 0) return console.log('no webhooks');
        console.table(
          webhooks.map((w) => ({
            id: w.id,
            url: w.url,
            events: w.events.join(','),
            enabled: w.enabled ? 'yes' : `no (${w.disabledReason})`,
            health: w.health,
            pending: w.pendingDeliveries,
          })),
        );
      });
    });
  webhookCommand
    .command('update')
    .description('change the URL, events or description; --enable / --disable')
    .argument('<webhookId>', 'wh_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--url <url>', 'new URL')
    .option('--events <list>', 'comma-separated event types, or *')
    .option('--description <text>', 'what it is for')
    .option('--enable', 'enable (pending deliveries resume)')
    .option('--disable', 'disable (pending deliveries wait)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (
        webhookId: string,
        options: {
          app: string;
          url?: string;
          events?: string;
          description?: string;
          enable?: boolean;
          disable?: boolean;
          db?: string;
        },
      ) => {
        if (options.enable && options.disable) throw new UsageError('--enable or --disable, not both');
        const body = parseOrUsage(updateWebhookBody, {
          ...(options.url !== undefined ? { url: options.url } : {}),
          ...(options.events !== undefined ? { events: splitList(options.events) } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
          ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
        });
        const { updateWebhook } = await import('./webhooks');
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          console.log(JSON.stringify(await updateWebhook(deps, appId, webhookId, body), null, 2));
        });
      },
    );
  webhookCommand
    .command('delete')
    .description('remove a webhook with its queue and delivery log')
    .argument('<webhookId>', 'wh_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (webhookId: string, options: { app: string; db?: string }) => {
      const { deleteWebhook } = await import('./webhooks');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        await deleteWebhook(deps, appId, webhookId);
        console.log('deleted');
      });
    });
  webhookCommand
    .command('deliveries')
    .description('the delivery log, newest first: state, attempts, last status, latency, answer')
    .argument('<webhookId>', 'wh_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--state <state>', 'pending, delivered or failed')
    .option('--limit <n>', 'how many (1–100)', '20')
    .option('--json', 'print JSON (with every attempt)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (
        webhookId: string,
        options: { app: string; state?: string; limit: string; json?: boolean; db?: string },
      ) => {
        const query = parseOrUsage(webhookDeliveriesQuery, {
          limit: options.limit,
          ...(options.state !== undefined ? { state: options.state } : {}),
        });
        const { listDeliveries } = await import('./webhooks');
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          const log = await listDeliveries(deps, appId, webhookId, query);
          if (options.json) return console.log(JSON.stringify(log, null, 2));
          if (log.deliveries.length === 0) return console.log('no deliveries');
          console.table(
            log.deliveries.map((d) => ({
              delivery: d.id,
              event: `${d.event.type} ${d.event.id}`,
              state: d.state,
              attempts: d.attempts,
              last: d.log[0] ? (d.log[0].statusCode ?? d.log[0].error) : '',
              ms: d.log[0]?.latencyMs ?? '',
              next: d.nextAttemptAt ?? '',
            })),
          );
        });
      },
    );
  webhookCommand
    .command('redeliver')
    .description("send a delivery's event again (same event id); a running server sends it")
    .argument('<webhookId>', 'wh_…')
    .argument('<deliveryId>', 'dlv_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (webhookId: string, deliveryId: string, options: { app: string; db?: string }) => {
      const { redeliver } = await import('./webhooks');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        console.log(JSON.stringify(await redeliver(deps, appId, webhookId, deliveryId), null, 2));
      });
    });

  const followUpCommand = helpGroup(
    program,
    'followup',
    'proactive follow-ups: rules (when a conversation ends with an intent, send later on another channel), settings, the log',
  );
  followUpCommand
    .command('create')
    .description('add a rule; prints it as JSON')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .requiredOption('--name <text>', 'what it is for')
    .requiredOption('--intent <intent>', 'the intent the conversation ended with, e.g. care_instructions')
    .option('--from <channel>', 'only conversations on this channel (default any)')
    .option('--product <productId>', 'only when this product came up')
    .requiredOption('--delay <seconds>', 'seconds after the conversation ends (0 to 2592000)')
    .requiredOption('--to <channel>', 'the channel to send on (miniprogram, app, web, sms, wechat_oa…)')
    .option('--text <text>', 'send a text')
    .option('--article <articleId>', 'send a knowledge article')
    .option('--card-title <text>', 'send a link card with this title')
    .option('--card-url <url>', "the card's https link")
    .option('--card-image <url>', "the card's https image")
    .option('--card-description <text>', "the card's line under the title")
    .option('--disabled', 'create it turned off')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (options: Record<string, string | boolean | undefined> & { app: string; db?: string }) => {
      const body = parseOrUsage(followUpRuleBody, {
        name: options.name,
        when: {
          intent: options.intent,
          ...(options.from !== undefined ? { channel: options.from } : {}),
          ...(options.product !== undefined ? { productId: options.product } : {}),
        },
        delaySeconds: Number(options.delay),
        send: { channel: options.to, content: followUpContentFromFlags(options) },
        ...(options.disabled ? { enabled: false } : {}),
      });
      const { createFollowUpRule } = await import('./followups');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        console.log(JSON.stringify(await createFollowUpRule(deps, appId, body), null, 2));
      });
    });
  followUpCommand
    .command('list')
    .description("list an app's rules with their follow-ups counted by state")
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--json', 'print JSON')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (options: { app: string; json?: boolean; db?: string }) => {
      const { listFollowUpRules } = await import('./followups');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        const { rules } = await listFollowUpRules(deps, appId);
        if (options.json) return console.log(JSON.stringify({ rules }, null, 2));
        if (rules.length === 0) return console.log('no follow-up rules');
        console.table(
          rules.map((r) => ({
            id: r.id,
            name: r.name,
            when: `${r.when.channel ?? '*'} ${r.when.intent}${r.when.productId ? ` ${r.when.productId}` : ''}`,
            send: `${r.send.channel} ${r.send.content.kind} +${r.delaySeconds}s`,
            enabled: r.enabled ? 'yes' : 'no',
            sent: r.counts.sent,
            scheduled: r.counts.scheduled,
            skipped: r.counts.skipped,
            cancelled: r.counts.cancelled,
          })),
        );
      });
    });
  followUpCommand
    .command('update')
    .description('turn a rule on or off, or change its delay')
    .argument('<ruleId>', 'fur_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--enable', 'turn it on')
    .option('--disable', 'turn it off (scheduled follow-ups still go)')
    .option('--delay <seconds>', 'new delay in seconds')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (
        ruleId: string,
        options: { app: string; enable?: boolean; disable?: boolean; delay?: string; db?: string },
      ) => {
        if (options.enable && options.disable) throw new UsageError('--enable or --disable, not both');
        const body = parseOrUsage(updateFollowUpRuleBody, {
          ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
          ...(options.delay !== undefined ? { delaySeconds: Number(options.delay) } : {}),
        });
        const { updateFollowUpRule } = await import('./followups');
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          console.log(JSON.stringify(await updateFollowUpRule(deps, appId, ruleId, body), null, 2));
        });
      },
    );
  followUpCommand
    .command('delete')
    .description('remove a rule; its scheduled follow-ups are cancelled')
    .argument('<ruleId>', 'fur_…')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (ruleId: string, options: { app: string; db?: string }) => {
      const { deleteFollowUpRule } = await import('./followups');
      await withAdminApp(options.db, options.app, async (deps, appId) => {
        await deleteFollowUpRule(deps, appId, ruleId);
        console.log('deleted');
      });
    });
  followUpCommand
    .command('settings')
    .description('show or change the time zone, quiet hours, weekly cap, card hosts and idle end')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--time-zone <zone>', 'IANA time zone, e.g. Asia/Shanghai')
    .option('--quiet-hours <range>', 'HH:MM-HH:MM local time, or off')
    .option('--weekly-cap <n>', 'proactive messages per customer in any 7 days (0 turns them off)')
    .option(
      '--card-hosts <hosts>',
      "comma-separated hosts link cards may point to besides allowedOrigins' (*.cdn.example for subdomains), or none",
    )
    .option('--idle-end-minutes <n>', 'a bot-only conversation quiet this long counts as ended (0: off)')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (options: {
        app: string;
        timeZone?: string;
        quietHours?: string;
        weeklyCap?: string;
        cardHosts?: string;
        idleEndMinutes?: string;
        db?: string;
      }) => {
        const [start, end] = (options.quietHours ?? '').split('-');
        const change = parseOrUsage(updateFollowUpSettingsBody, {
          ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
          ...(options.quietHours !== undefined
            ? { quietHours: options.quietHours === 'off' ? null : { start, end } }
            : {}),
          ...(options.weeklyCap !== undefined ? { weeklyCap: Number(options.weeklyCap) } : {}),
          ...(options.cardHosts !== undefined
            ? {
                cardHosts:
                  options.cardHosts === 'none'
                    ? []
                    : options.cardHosts
                        .split(',')
                        .map((host) => host.trim())
                        .filter(Boolean),
              }
            : {}),
          ...(options.idleEndMinutes !== undefined ? { idleEndMinutes: Number(options.idleEndMinutes) } : {}),
        });
        const [{ followUpSettingsOf, updateFollowUpSettings }, { getApp }] = await Promise.all([
          import('./followups'),
          import('./apps'),
        ]);
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          const settings =
            Object.keys(change).length > 0
              ? await updateFollowUpSettings(deps, appId, change)
              : followUpSettingsOf(await getApp(deps, appId));
          console.log(JSON.stringify({ settings }, null, 2));
        });
      },
    );
  followUpCommand
    .command('log')
    .description('follow-ups, newest first: scheduled, sent, skipped (why) and cancelled')
    .requiredOption('--app <appId>', 'the app (`demo` = the demo app)')
    .option('--customer <customerId>', 'one customer')
    .option('--state <state>', 'scheduled, sent, skipped or cancelled')
    .option('--limit <n>', 'how many (1–100)', '20')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(
      async (options: { app: string; customer?: string; state?: string; limit: string; db?: string }) => {
        const query = parseOrUsage(followUpsQuery, {
          limit: options.limit,
          ...(options.customer !== undefined ? { customerId: options.customer } : {}),
          ...(options.state !== undefined ? { state: options.state } : {}),
        });
        const { listFollowUps } = await import('./followups');
        await withAdminApp(options.db, options.app, async (deps, appId) => {
          console.log(JSON.stringify(await listFollowUps(deps, appId, query), null, 2));
        });
      },
    );

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

/** A command group (`threadline app`): run bare, it prints its help to stdout and exits 0. */
function helpGroup(program: Command, name: string, description: string): Command {
  const group = program.command(name).description(description).allowExcessArguments(true);
  group.action(() => {
    if (group.args.length)
      group.error(`error: unknown command '${group.args[0]}' for 'threadline ${name}'`, {
        code: 'commander.unknownCommand',
        exitCode: 2,
      });
    group.outputHelp();
  });
  return group;
}

/**
 * What the machine refused rather than what went wrong in Threadline (a port in use, a host that
 * does not resolve, a database URL libSQL cannot open): one line for the operator, or undefined
 * for anything else, which keeps its stack trace because it is ours to fix.
 */
function environmentProblem(error: unknown): string | undefined {
  const failure = error as { code?: unknown; syscall?: unknown; name?: unknown; message?: unknown } | null;
  if (!failure || typeof failure.message !== 'string') return undefined;
  if (failure.name === 'LibsqlError') return `the database could not be opened: ${failure.message}`;
  if (typeof failure.syscall !== 'string' || typeof failure.code !== 'string') return undefined;
  const where = /(\S+:\d+)$/.exec(failure.message)?.[1];
  switch (failure.code) {
    case 'EADDRINUSE':
      return `${where ?? 'that address'} is already in use: stop what listens there, or choose another --port (env PORT)`;
    case 'EACCES':
      return `no permission to listen on ${where ?? 'that port'} (ports below 1024 need privileges): choose another --port`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on that host (${failure.message}): give --host (env HOST) an address of this machine`;
    default:
      return failure.message;
  }
}

/** A mistake in how the command was called: one line, exit 2. */
class UsageError extends Error {}
/** The command could not do its work (a missing file, an unknown app): one line, exit 1. */
class CliError extends Error {}

const KNOWLEDGE_EXAMPLE_HINT =
  'packages/api/seed/knowledge-example.json (every field: packages/api/README.md#knowledge-files)';

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Validates options with the same schema as the HTTP route; a mistake is a usage error. */
function parseOrUsage<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; '),
  );
}

/** `--ttl`: whole seconds from a minute to 30 days, as the token route takes. */
function parseTtl(raw: string): number {
  const ttlSec = Number(raw);
  if (!Number.isInteger(ttlSec) || ttlSec < 60 || ttlSec > 30 * 24 * 3600)
    throw new UsageError('--ttl is a whole number of seconds from 60 to 2592000');
  return ttlSec;
}

/** What `followup create` sends, from exactly one of --text, --article or --card-title/--card-url. */
function followUpContentFromFlags(options: Record<string, string | boolean | undefined>): unknown {
  const given = [options.text, options.article, options.cardTitle ?? options.cardUrl].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1)
    throw new UsageError('give one of --text, --article or --card-title with --card-url');
  if (options.text !== undefined) return { kind: 'text', text: options.text };
  if (options.article !== undefined) return { kind: 'article', articleId: options.article };
  return {
    kind: 'card',
    card: {
      title: options.cardTitle,
      targetUrl: options.cardUrl,
      ...(options.cardImage !== undefined ? { imageUrl: options.cardImage } : {}),
      ...(options.cardDescription !== undefined ? { description: options.cardDescription } : {}),
    },
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `demo` stands for the demo app of this data folder; anything else is an app id. */
function resolveAppId(app: string): string {
  return app === 'demo' ? readDemoInfo().appId : app;
}

async function findApp(deps: Parameters<typeof getApp>[0], appId: string, dbFlag?: string) {
  const { getApp } = await import('./apps');
  try {
    return await getApp(deps, appId);
  } catch (error) {
    if (ApiError.isInstance(error) && error.code === 'not_found')
      throw new CliError(
        `no app ${appId} in ${databaseUrl(dbFlag)} (\`threadline app create\` makes one; \`--app demo\` is the demo app)`,
      );
    throw error;
  }
}

/** The identity secret `token sign` uses, and a line saying whose it is. */
async function identitySecretFor(options: { app?: string; secret?: string; db?: string }) {
  if (options.app && options.secret) throw new UsageError('give --app or --secret, not both');
  if (options.secret) {
    if (!options.secret.startsWith('is_'))
      throw new UsageError('--secret takes an identity secret (is_…), not a publishable or secret key');
    return {
      secret: options.secret,
      signedFor: 'Signed with the identity secret you gave (valid for the app that owns it)',
    };
  }
  if (!options.app) {
    let hint = '';
    try {
      hint = ` The demo app here is ${readDemoInfo().appId}: --app demo.`;
    } catch {
      // No demo yet: the hint stays general.
    }
    throw new UsageError(`say which app the token is for: --app app_… or --secret is_….${hint}`);
  }
  const { identitySecretOf } = await import('./apps');
  const { app, database } = await openAdminApp(options.db);
  try {
    const row = await findApp(app.deps, resolveAppId(options.app), options.db);
    return { secret: identitySecretOf(app.deps, row), signedFor: `Signed for app ${row.id} (${row.name})` };
  } finally {
    database.close();
  }
}

/** Reads and parses a knowledge file, or says in one line why it cannot. */
function readKnowledgeFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `no such file: ${file}`
        : code === 'EISDIR'
          ? `${file} is a folder, not a knowledge file`
          : `cannot read ${file} (${code ?? String(error)})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `articles[2].questions: Too small… (and 3 more)` */
function describeIssues(error: ApiError): string {
  const issues = error.issues ?? [];
  if (issues.length === 0) return error.message;
  const [first] = issues;
  const path = first!.path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${path || 'the file'}: ${first!.message}${more}`;
}

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
  const { createDatabase, migrateDatabase } = await import('./db/database');
  const database = createDatabase({ url, authToken: process.env.DATABASE_AUTH_TOKEN });
  await migrateDatabase(database);
  database.close();
  let stopping = false;
  let listening = 0;
  /** Workers that have not said they listen yet. */
  const starting = new Set<number>();
  const fork = () => {
    if (stopping) return;
    const worker = cluster.fork();
    starting.add(worker.id);
    worker.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type !== 'listening') return;
      starting.delete(worker.id);
      listening++;
      if (listening === count)
        console.log(
          `Threadline API listening on ${message.url} with ${count} workers (docs: ${message.url}/docs)`,
        );
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (starting.has(worker.id)) {
      // It died before it listened (the port is taken, Redis refuses the password, the database
      // cannot be opened): a replacement would die the same way, for ever. Stop and say so.
      console.error(`worker ${worker.process.pid} exited (${signal ?? code}) before it listened; stopping`);
      stop(1);
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 1_000).unref();
  });
  for (let i = 0; i < count; i++) fork();
  function stop(exitCode = 0) {
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
      process.exit(exitCode);
    });
  }
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());
}

/** The API's services without a listener, for one-off admin commands (app create, kb import). */
async function openAdminApp(dbFlag?: string) {
  const [{ createDatabase, migrateDatabase }, { createApp }, { webhookSettingsFromEnv }] = await Promise.all([
    import('./db/database'),
    import('./app'),
    import('./webhooks'),
  ]);
  const database = createDatabase({ url: databaseUrl(dbFlag), authToken: process.env.DATABASE_AUTH_TOKEN });
  await migrateDatabase(database);
  const app = createApp({
    database,
    ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
    logger: silentLogger,
    webhooks: webhookSettingsFromEnv(process.env),
  });
  return { app, database };
}

/** Runs a one-off admin command against an app (`demo` = the demo app), closing the database after. */
async function withAdminApp(
  dbFlag: string | undefined,
  appFlag: string,
  work: (deps: ReturnType<typeof createApp>['deps'], appId: string) => Promise<void>,
) {
  const { app, database } = await openAdminApp(dbFlag);
  try {
    const target = await findApp(app.deps, resolveAppId(appFlag), dbFlag);
    await work(app.deps, target.id);
  } finally {
    database.close();
  }
}

function readDemoInfo(): { appId: string; identitySecret: string } {
  try {
    return JSON.parse(readFileSync(demoPaths(dataDir()).info, 'utf8')) as {
      appId: string;
      identitySecret: string;
    };
  } catch {
    throw new UsageError(`no demo app in ${dataDir()} yet: run \`npm start\` once, or name an app id`);
  }
}

async function runDemo(port: number, host: string, hops: number) {
  const [
    { startDemo },
    { llmOptionsFromEnv },
    { speechProviderFromEnv },
    { isLoopbackHost, webhookSettingsFromEnv },
  ] = await Promise.all([import('./demo'), import('./knowledge'), import('./voice'), import('./webhooks')]);
  const { server, info, seeded, infoPath } = await startDemo({
    ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
    dataDir: dataDir(),
    repoRoot: resolve(import.meta.dirname ?? '.', '../../..'),
    databaseUrl: process.env.DATABASE_URL,
    pastMonth: true,
    port,
    host,
    trustedProxyHops: hops,
    // Trying webhooks against a receiver on this machine is what a demo is for (loopback only: a
    // private network or cloud metadata stays out of reach); not when it listens wider.
    webhooks: webhookSettingsFromEnv(process.env, { allowLoopbackTargets: isLoopbackHost(host) }),
    logger: { ...consoleLogger, info() {} },
    wechatApiBase: process.env.WECHAT_API_BASE,
    ai: { llm: llmOptionsFromEnv(process.env) },
    speech: { provider: speechProviderFromEnv(process.env) },
  });
  console.log(demoBanner(info, { seeded, infoPath, database: databaseUrl() }));
  onShutdown(() => server.close());
}

/** What `npm start` prints last: where to click, and the keys (also in demo.json). */
export function demoBanner(
  info: DemoInfo,
  where: { seeded: boolean; infoPath: string; database: string },
): string {
  return `
Threadline demo ${where.seeded ? '(new demo app, seeded)' : '(demo app kept from the last start)'}
  Shop      ${info.shopUrl}   ← the chat is the button at the bottom right
  API docs  ${info.docsUrl}
  Console   ${info.consoleUrl}/?app=${info.appId}
  Livestream  npx threadline live simulate   (plays a room here; prints the host card link)

  publishableKey  ${info.publishableKey}
  secretKey       ${info.secretKey}
  identitySecret  ${info.identitySecret}
  agentToken      ${info.agentToken}
  appId           ${info.appId}

  Agents (sign in to the console, then switch to online; routing matches their skills):
${info.agents
  .map(
    (a) =>
      `    ${a.name} · ${a.role} · ${a.skills.join(', ')} · sign in with ${a.email ? `${a.email} / ${a.password}` : `${info.consoleUrl}/#token=${info.agentToken}`}`,
  )
  .join('\n')}
Keys and URLs: ${where.infoPath}. Database: ${where.database}. Ctrl-C stops.`;
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
    // A command that cannot do its work (a missing file, an unknown app): one line, exit 1.
    const refused = (ApiError.isInstance(error) && error.status < 500) || error instanceof RedisRefusedError;
    const environment = environmentProblem(error);
    console.error(
      error instanceof UsageError
        ? `usage: ${error.message}`
        : error instanceof CliError || refused
          ? `error: ${(error as Error).message}`
          : environment !== undefined
            ? `error: ${environment}`
            : error,
    );
    // Exit now: a command that failed half-way (a server whose port was taken after it had
    // connected to Redis and the database) must not be kept alive by what it had opened.
    process.exit(error instanceof UsageError || refused ? 2 : 1);
  });
