import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { and, asc, eq } from 'drizzle-orm';
import { createAgent, putRoutingSettings, updateAgent } from './agents';
import type { ThreadlineApp } from './app';
import { type CreatedApp, createMerchantApp } from './apps';
import { agents, serverSettings } from './db/schema';
import { demoPaths } from './demo-paths';
import { type CspDirectives, PAGE_POLICIES, type PagePolicy, securePage } from './http/page-security';
import { signIdentityToken } from './identity';
import { DEFAULT_TIME_ZONE, localDate, localMidnight, simulateTraffic } from './insights';
import { seedDemoStore } from './knowledge';
import type { Clock } from './platform/clock';
import type { ServiceDeps } from './platform/deps';
import { type RunningServer, type ServerOptions, startServer } from './serve';

export interface DemoInfo {
  apiUrl: string;
  shopUrl: string;
  consoleUrl: string;
  docsUrl: string;
  publishableKey: string;
  secretKey: string;
  identitySecret: string;
  agentToken: string;
  appId: string;
  /** The demo's agents; `agentToken` above signs in as the first, the others sign in with a password. */
  agents: DemoAgent[];
}

export interface DemoAgent {
  id: string;
  name: string;
  role: 'agent' | 'supervisor';
  skills: string[];
  capacity: number;
  email?: string;
  password?: string;
}

const DEMO_SETTING = 'demo_app';
const DEMO_TEAM_SETTING = 'demo_team';

/** Which skill a queued demo conversation needs: after-sales matters by intent, else by product. */
const DEMO_ROUTING = {
  rules: [
    {
      skill: 'aftersales',
      intents: [
        'return_request',
        'exchange_size',
        'order_cancel',
        'address_change',
        'price_protection',
        'payment_issue',
        'complaint',
      ],
    },
    { skill: 'beauty', productCategories: ['skincare', 'makeup', 'baby'] },
    { skill: 'fashion', productCategories: ['apparel', 'bags'] },
  ],
};

/**
 * The demo's two agents with different skills, once per database (also for a demo app seeded
 * before agents had skills): 小周, the first agent (the printed agentToken), looks after beauty and
 * after-sales; 王敏 after fashion and after-sales, and signs in with a password.
 */
export async function ensureDemoTeam(deps: ServiceDeps, appId: string): Promise<DemoAgent[]> {
  const [stored] = await deps.database.db
    .select()
    .from(serverSettings)
    .where(eq(serverSettings.key, DEMO_TEAM_SETTING));
  if (stored) return JSON.parse(deps.sealer.open(stored.value)) as DemoAgent[];
  const operator = { type: 'system' as const, id: null };
  const [first] = await deps.database.db
    .select()
    .from(agents)
    .where(eq(agents.appId, appId))
    .orderBy(asc(agents.createdAt))
    .limit(1);
  const team: DemoAgent[] = [];
  if (first) {
    const xiaozhou = await updateAgent(
      deps,
      appId,
      first.id,
      { name: '小周', skills: ['beauty', 'aftersales'], capacity: 5, role: 'supervisor' },
      operator,
    );
    team.push({
      id: xiaozhou.id,
      name: xiaozhou.name,
      role: 'supervisor',
      skills: xiaozhou.skills,
      capacity: 5,
    });
  }
  const email = 'wangmin@demo.threadline.dev';
  const password = randomBytes(12).toString('base64url');
  const [existing] = await deps.database.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.appId, appId), eq(agents.email, email)));
  const wangmin = existing
    ? await updateAgent(deps, appId, existing.id, { password }, operator)
    : await createAgent(
        deps,
        appId,
        { name: '王敏', email, password, skills: ['fashion', 'aftersales'], capacity: 4, role: 'agent' },
        operator,
      );
  team.push({
    id: wangmin.id,
    name: wangmin.name,
    role: 'agent',
    skills: wangmin.skills,
    capacity: 4,
    email,
    password,
  });
  await putRoutingSettings(deps, appId, DEMO_ROUTING);
  await deps.database.write(async (db) => {
    await db
      .insert(serverSettings)
      .values({ key: DEMO_TEAM_SETTING, value: deps.sealer.seal(JSON.stringify(team)) })
      .onConflictDoNothing();
  });
  return team;
}

/** Where the demo catalog's product pages and pictures live (a placeholder shop; relations.json). */
export const DEMO_CARD_HOSTS = ['shop.example'] as const;

/**
 * Creates the demo shop's app once per database and remembers its keys sealed with the master key,
 * so a restart prints the same keys and never seeds twice. Returns the keys and whether it seeded.
 */
export async function ensureDemoApp(
  deps: ServiceDeps,
  seed: (deps: ServiceDeps, keys: CreatedApp) => Promise<void>,
  options: { allowedOrigins?: string[] } = {},
): Promise<{ keys: CreatedApp; seeded: boolean }> {
  const [stored] = await deps.database.db
    .select()
    .from(serverSettings)
    .where(eq(serverSettings.key, DEMO_SETTING));
  if (stored) return { keys: JSON.parse(deps.sealer.open(stored.value)) as CreatedApp, seeded: false };
  const keys = await createMerchantApp(deps, {
    name: '澜悦生活 Lanyue Life (demo)',
    allowedOrigins: options.allowedOrigins ?? [],
    agentName: '小周',
    // The demo catalog's product pages (relations.json `url`) are on this host: agents can send them as cards.
    settings: { followUps: { cardHosts: [...DEMO_CARD_HOSTS] } },
  });
  await seed(deps, keys);
  await deps.database.write(async (db) => {
    await db
      .insert(serverSettings)
      .values({ key: DEMO_SETTING, value: deps.sealer.seal(JSON.stringify(keys)) });
  });
  return { keys, seeded: true };
}

export function writeDemoInfo(path: string, info: DemoInfo): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves a folder's files under a URL prefix (demo pages only; the API itself serves no files),
 * with the page's Content-Security-Policy. `/shop` redirects to `/shop/` (query kept, so a
 * `?handoff=` link survives): relative URLs in the page resolve against the folder only then.
 */
export function mountStaticFolder(
  app: ThreadlineApp,
  prefix: string,
  folder: string,
  policy: PagePolicy | CspDirectives = 'shop',
): boolean {
  const root = resolve(folder);
  if (!existsSync(root)) return false;
  // Registered first: Hono's `${prefix}/*` also matches the bare prefix.
  app.get(prefix, (c) => {
    const { search } = new URL(c.req.url);
    return c.redirect(`${prefix}/${search}`, 301);
  });
  app.get(`${prefix}/*`, securePage(policy), (c) => {
    let relative: string;
    try {
      relative = decodeURIComponent(c.req.path.slice(prefix.length)).replace(/^\/+/, '') || 'index.html';
    } catch {
      // A malformed percent-escape names no file.
      return c.notFound();
    }
    const file = resolve(root, relative);
    // Inside the folder means under "root/": a sibling such as "root-private" only shares a prefix.
    if (relative.includes('\0') || !file.startsWith(root + sep)) return c.notFound();
    if (!existsSync(file) || !statSync(file).isFile()) return c.notFound();
    return c.body(readFileSync(file), 200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      // Demo pages change while you edit them; the widget bundle has its own caching.
      'cache-control': 'no-cache',
    });
  });
  return true;
}

type MerchantHandler = (request: Request, demo: DemoInfo) => Promise<Response | undefined>;

/**
 * The demo shop as `npm start` serves it: the page (examples/web-shop) at /shop (the widget bundle
 * at /sdk/widget.js is served by every API, see http/site-assets.ts), and the example merchant backend (examples/merchant-backend:
 * /merchant/login signs identity tokens, /shop/config.json gives the page its keys), which reads
 * `.threadline/demo.json` on every request so it always has the current keys.
 */
export function mountDemoShop(app: ThreadlineApp, options: { repoRoot: string; infoPath: string }): void {
  const backendFile = resolve(options.repoRoot, 'examples/merchant-backend/merchant-backend.mjs');
  let backend: Promise<MerchantHandler> | undefined;
  const viaBackend = async (c: { req: { raw: Request }; notFound(): Response | Promise<Response> }) => {
    if (!existsSync(backendFile) || !existsSync(options.infoPath)) return c.notFound();
    backend ??= import(pathToFileURL(backendFile).href).then(
      (m) => m.handleMerchantRequest as MerchantHandler,
    );
    const demo = JSON.parse(readFileSync(options.infoPath, 'utf8')) as DemoInfo;
    return (await (await backend)(c.req.raw, demo)) ?? c.notFound();
  };
  app.get('/shop/config.json', viaBackend);
  app.post('/merchant/login', viaBackend);
  // Card pictures from the demo's card hosts only (F11 of review 19: any https image is a beacon).
  mountStaticFolder(app, '/shop', resolve(options.repoRoot, 'examples/web-shop'), {
    ...PAGE_POLICIES.shop,
    imgSrc: [...(PAGE_POLICIES.shop.imgSrc ?? []), ...DEMO_CARD_HOSTS.map((host) => `https://${host}`)],
  });
}

export { demoPaths };

export interface StartDemoOptions extends Omit<ServerOptions, 'databaseUrl' | 'mount'> {
  /** Where the database, keys and demo.json live (THREADLINE_DIR, `.threadline` by default). */
  dataDir: string;
  /** The repository, for the demo shop page and the widget bundle. */
  repoRoot: string;
  /** Overrides the data dir's database (DATABASE_URL). */
  databaseUrl?: string;
  /**
   * Replays a past month of traffic into the new demo app (`npm start` does), so the insights page
   * has something to show; off by default, so tests that start a demo find only what they put in.
   */
  pastMonth?: boolean;
}

/**
 * What `npm start` runs: the API on the data dir's libSQL file with the demo shop and widget
 * mounted, the demo app seeded once with the demo store's knowledge, and demo.json written.
 */
export async function startDemo(
  options: StartDemoOptions,
): Promise<{ server: RunningServer; info: DemoInfo; seeded: boolean; infoPath: string }> {
  const { dataDir, repoRoot, databaseUrl, pastMonth, ...serverOptions } = options;
  const paths = demoPaths(dataDir);
  const clock = pastMonth && !options.clock ? createReplayClock() : null;
  let demo: { keys: CreatedApp; seeded: boolean; team: DemoInfo['agents'] } | undefined;
  const server = await startServer({
    ...(clock ? { clock } : {}),
    // The demo runs on this machine, and so does a connector one tries it with.
    allowPrivateCallbacks: true,
    ...serverOptions,
    databaseUrl: databaseUrl ?? paths.database,
    mount: (app) => {
      mountDemoShop(app, { repoRoot, infoPath: paths.info });
      app.get('/', (c) => c.redirect('/docs'));
    },
    // Seeded before the port opens: while the past month is replayed the shared clock reads a
    // month ago, and nothing a developer does (a token, a message, a rate-limit window, a
    // follow-up's schedule) may be stamped with it. Workers and timers start after it too.
    beforeListen: async (app) => {
      const { keys, seeded } = await ensureDemoApp(app.deps, async (deps, created) => {
        await seedDemoStore(deps, created.appId);
        await seedDemoHistory(app, created);
        if (clock) await seedDemoMonth(app, created, clock);
      });
      demo = { keys, seeded, team: await ensureDemoTeam(app.deps, keys.appId) };
    },
  });
  const { keys, seeded, team } = demo!;
  const info: DemoInfo = {
    apiUrl: server.url,
    shopUrl: `${server.url}/shop/`,
    consoleUrl: `${server.url}/console`,
    docsUrl: `${server.url}/docs`,
    ...keys,
    agents: team,
  };
  writeDemoInfo(paths.info, info);
  return { server, info, seeded, infoPath: paths.info };
}

/** The demo shop's one account (examples/merchant-backend signs its identity token). */
export const DEMO_USER = { id: 'demo-user-1', name: '林小姐 (demo)', phone: '+8613800138000' };

/**
 * What the demo user said before visiting the shop, so "log in as demo user" shows one history
 * across channels: a hotline call (posted by the merchant's telephony backend with the secret
 * key) and a question in the app (a session identified by the shared identity token). Both go
 * through the real routes, and the bot answers them as it would live.
 */
export async function seedDemoHistory(app: ThreadlineApp, keys: CreatedApp): Promise<void> {
  const post = async (path: string, credential: string, body: unknown) => {
    const response = await app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`seeding the demo history: ${path} answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };
  await post('/v1/channels/phone/messages', keys.secretKey, {
    from: { externalId: DEMO_USER.id, name: DEMO_USER.name },
    text: DEMO_HISTORY.phone,
    clientMessageId: 'demo-seed-phone-1',
  });
  const identityToken = await signIdentityToken(
    { sub: DEMO_USER.id, name: DEMO_USER.name },
    keys.identitySecret,
    app.deps.clock.now(),
  );
  const session = await post('/v1/sessions', keys.publishableKey, { channel: 'app', identityToken });
  await post('/v1/messages', String(session.sessionToken), {
    clientMessageId: 'demo-seed-app-1',
    text: DEMO_HISTORY.app,
  });
}

/**
 * Server time, except while the demo's past month is replayed at first start: then it is the
 * replayed instant, so that month's conversations carry their own dates.
 */
function createReplayClock(): Clock & { set(ms: number): void; release(): void } {
  let replaying: number | null = null;
  return {
    now: () => replaying ?? Date.now(),
    set: (ms) => {
      replaying = ms;
    },
    release: () => {
      replaying = null;
    },
  };
}

/**
 * A small month of traffic up to today (the insights generator, 20 shoppers), so the insights
 * page shows volume, repeat contacts and the near-expiry surge on first start.
 */
export async function seedDemoMonth(
  app: ThreadlineApp,
  keys: CreatedApp,
  clock: { set(ms: number): void; release(): void },
): Promise<void> {
  const zone = DEFAULT_TIME_ZONE;
  const [y, m, d] = localDate(Date.now() - 30 * 24 * 3600_000, zone)
    .split('-')
    .map(Number) as [number, number, number];
  try {
    await simulateTraffic(
      {
        clock,
        request: async (method, path, token, body) => {
          const response = await app.request(path, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: response.status, body: await response.json().catch(() => null) };
        },
      },
      keys,
      { start: localMidnight(y, m, d, zone), days: 30, customers: 20, seed: 14 },
    );
  } finally {
    clock.release();
  }
}

/** The demo user's earlier questions (the README quotes them). */
export const DEMO_HISTORY = {
  phone: '玻尿酸面霜干皮能用吗',
  app: '面霜保质期多久',
};
