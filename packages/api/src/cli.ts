#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from './app';
import { createMerchantApp, getApp } from './apps';
import { createDatabase, migrateDatabase } from './db/database';
import { demoPaths, startDemo } from './demo';
import { signIdentityToken } from './identity';
import { importKnowledge, llmOptionsFromEnv, seedDemoStore } from './knowledge';
import { systemClock } from './platform/clock';
import { consoleLogger, silentLogger } from './platform/deps';
import { loadServerKeys } from './platform/server-keys';
import { startServer } from './serve';
import { VERSION } from './version';

const HELP = `threadline ${VERSION} — one customer, one history, every channel

Usage:
  threadline serve [--port 8787] [--host 127.0.0.1] [--db file:.threadline/threadline.db]
  threadline migrate [--db URL]
  threadline app create --name "My shop" [--origin https://shop.example ...] [--wechat-appid wx… --wechat-secret …] [--db URL]
  threadline token sign --sub USER_ID [--secret is_…] [--ttl 3600] [--name N] [--phone P] [--email E] [--unionid U]
  threadline kb import <file.json> --app app_… [--db URL]   ({articles, products?, intents?}; same ids update)
  threadline demo [--port 8787]         (what \`npm start\` runs)

Environment: PORT, HOST, DATABASE_URL (file:… or libsql://…), DATABASE_AUTH_TOKEN, THREADLINE_DIR (default .threadline),
THREADLINE_MASTER_KEY and THREADLINE_SESSION_KEY (32 bytes, base64; generated into THREADLINE_DIR when unset),
WECHAT_API_BASE, LLM_BASE_URL + LLM_MODEL (+ LLM_API_KEY, LLM_TIMEOUT_MS) for answers written by any OpenAI-compatible model.`;

const dataDir = () => resolve(process.env.THREADLINE_DIR ?? '.threadline');
const databaseUrl = (flag?: string) => flag ?? process.env.DATABASE_URL ?? demoPaths(dataDir()).database;

async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  const { values, positionals } = parseArgs({
    args: argv.slice(command === 'app' || command === 'token' || command === 'kb' ? 2 : 1),
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      sub: { type: 'string' },
      secret: { type: 'string' },
      ttl: { type: 'string' },
      phone: { type: 'string' },
      email: { type: 'string' },
      unionid: { type: 'string' },
      app: { type: 'string' },
      'wechat-appid': { type: 'string' },
      'wechat-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help') {
    console.log(HELP);
    return command ? 0 : 1;
  }
  const port = Number(values.port ?? process.env.PORT ?? 8787);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';

  switch (command) {
    case 'migrate': {
      const database = createDatabase({
        url: databaseUrl(values.db),
        authToken: process.env.DATABASE_AUTH_TOKEN,
      });
      await migrateDatabase(database);
      database.close();
      console.log('migrated');
      return 0;
    }
    case 'serve': {
      const server = await startServer({
        ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
        databaseUrl: databaseUrl(values.db),
        databaseAuthToken: process.env.DATABASE_AUTH_TOKEN,
        port,
        host,
        wechatApiBase: process.env.WECHAT_API_BASE,
        ai: { llm: llmOptionsFromEnv(process.env) },
        publicUrl: process.env.PUBLIC_URL,
      });
      console.log(`Threadline API listening on ${server.url} (docs: ${server.url}/docs)`);
      onShutdown(() => server.close());
      return -1;
    }
    case 'app': {
      if (sub !== 'create' || !values.name) throw new UsageError('threadline app create --name "My shop"');
      const { app, database } = await openAdminApp(values.db);
      const wechatAppId = values['wechat-appid'];
      const wechatSecret = values['wechat-secret'];
      if (Boolean(wechatAppId) !== Boolean(wechatSecret)) {
        throw new UsageError('--wechat-appid and --wechat-secret go together');
      }
      const keys = await createMerchantApp(app.deps, {
        name: values.name,
        allowedOrigins: values.origin ?? [],
        ...(wechatAppId && wechatSecret ? { wechat: { appId: wechatAppId, secret: wechatSecret } } : {}),
      });
      database.close();
      console.log(
        'Keys are shown once. Keep the secret key, identity secret and agent token on your server.',
      );
      console.log(JSON.stringify(keys, null, 2));
      return 0;
    }
    case 'token': {
      if (sub !== 'sign' || !values.sub)
        throw new UsageError('threadline token sign --sub USER_ID [--secret is_…]');
      const secret = values.secret ?? readDemoIdentitySecret();
      console.log(
        await signIdentityToken(
          {
            sub: values.sub,
            expiresInSec: Number(values.ttl ?? 3600),
            ...(values.name ? { name: values.name } : {}),
            ...(values.phone ? { phone: values.phone } : {}),
            ...(values.email ? { email: values.email } : {}),
            ...(values.unionid ? { unionid: values.unionid } : {}),
          },
          secret,
          systemClock.now(),
        ),
      );
      return 0;
    }
    case 'kb': {
      const [file] = positionals;
      const appId = values.app;
      if (sub !== 'import' || !file || !appId)
        throw new UsageError('threadline kb import <file.json> --app app_…');
      const { app, database } = await openAdminApp(values.db);
      try {
        await getApp(app.deps, appId);
        const answer = await importKnowledge(
          app.deps,
          appId,
          JSON.parse(readFileSync(resolve(file), 'utf8')),
        );
        console.log(JSON.stringify(answer));
      } finally {
        database.close();
      }
      return 0;
    }
    case 'demo':
      await runDemo(port, host);
      return -1;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

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

async function runDemo(port: number, host: string) {
  const { server, info, seeded, infoPath } = await startDemo({
    ...loadServerKeys(process.env, demoPaths(dataDir()).keys),
    dataDir: dataDir(),
    repoRoot: resolve(import.meta.dirname ?? '.', '../../..'),
    databaseUrl: process.env.DATABASE_URL,
    port,
    host,
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

function onShutdown(close: () => Promise<void>) {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof UsageError ? `usage: ${error.message}` : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
