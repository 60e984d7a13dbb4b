import { OpenAPIHono } from '@hono/zod-openapi';
import type { RateLimitSettings } from '@threadline/sdk-core/protocol';
import { cors } from 'hono/cors';
import type { ZodError } from 'zod';
import {
  agentAdminRouter,
  agentConsoleRouter,
  agentWorkspaceRouter,
  createConversationRouting,
} from './agents';
import { appSettingsRouter } from './apps';
import { auditRouter } from './audit';
import { channelsRouter } from './channels';
import { consoleRouter } from './console';
import { conversationRouter, messageEventResolver, type Responder, silentResponder } from './conversations';
import type { Database } from './db/database';
import { cardClickRouter, createFollowUpHooks, followUpsRouter } from './followups';
import { handoffsRouter } from './handoffs';
import type { ApiEnv } from './http/auth';
import { registerSecuritySchemes } from './http/define-route';
import { mountDocs } from './http/docs-routes';
import { healthRouter } from './http/health-routes';
import { assertJsonDepth } from './http/json-depth';
import { createLifecycle, type Lifecycle } from './http/lifecycle';
import { createRateLimits, type LimiterStore, type RateLimits, type SlotStore } from './http/rate-limits';
import { limitBody } from './http/request-body';
import { mountSiteAssets } from './http/site-assets';
import { forgetDestroyedKeys, sessionsRouter } from './identity';
import { followUpEffectRouter, insightsRouter } from './insights';
import {
  type AiResponderOptions,
  createAiResponder,
  createEngineRegistry,
  KB_IMPORT_MAX_BYTES,
  knowledgeRouter,
} from './knowledge';
import {
  createLiveRuntime,
  hostCardRouter,
  LIVE_BATCH_MAX_BYTES,
  type LiveRuntime,
  livestreamRouter,
} from './livestream';
import { type Clock, systemClock } from './platform/clock';
import type { WebhookSettings } from './platform/deps';
import { consoleLogger, type Logger, type ServiceDeps } from './platform/deps';
import { ApiError, describeError, errorBody, respondWithError } from './platform/errors';
import type { InFlightMarks } from './platform/in-flight';
import { createSealer } from './platform/secrets';
import { privacyRouter } from './privacy';
import { profileRouter } from './profile';
import { createMemoryEventBus, type EventBus, realtimeRouter, STREAM_WRITE_TIMEOUT_MS } from './realtime';
import { ticketsRouter } from './tickets';
import { createSpeechService, type SpeechServiceOptions, voiceRouter, withVoiceGuides } from './voice';
import { createWebhookOutbox, webhooksRouter } from './webhooks';

export interface AppOptions {
  database: Database;
  /** 32 bytes: encrypts identity secrets and PII at rest (AES-256-GCM). */
  masterKey: Uint8Array;
  /** 32 bytes: signs session tokens. */
  sessionSigningKey: Uint8Array;
  clock?: Clock;
  bus?: EventBus;
  logger?: Logger;
  /** Replaces the AI engine (e.g. `silentResponder`). */
  responder?: Responder;
  /** The AI engine's settings: LLM mode, out-of-scope handling. Ignored when `responder` is given. */
  ai?: AiResponderOptions;
  /** For calls to third parties (WeChat); tests hand in msw-backed fetch. */
  fetch?: typeof fetch;
  wechatApiBase?: string;
  sessionTtlSec?: number;
  heartbeatMs?: number;
  /** A stream write that has not drained within this drops the stalled reader (default 20 s). */
  streamWriteTimeoutMs?: number;
  bodyLimitBytes?: number;
  /**
   * How many reverse proxies of your own stand in front of the API. The client's address is then
   * read from X-Forwarded-For that many entries from the right (default 0: the socket's peer).
   */
  trustedProxyHops?: number;
  /** Same as `trustedProxyHops: 1`. */
  trustProxy?: boolean;
  /** Server-wide defaults under each app's own limits (tests and benchmarks tune these). */
  rateLimits?: Partial<RateLimitSettings>;
  /** Where rate-limit counters live: memory by default; Redis for several processes. */
  limiterStore?: LimiterStore;
  /** Where open-stream counts live: memory by default; Redis for several processes. */
  slots?: SlotStore;
  /** Sends under way in other processes (Redis); unset for one process. */
  inFlight?: InFlightMarks;
  /** Shutdown state (the server drains it on SIGTERM); a fresh one by default. */
  lifecycle?: Lifecycle;
  /** Seal customer text at rest (default true; false only to measure the cost). */
  encryptAtRest?: boolean;
  publicUrl?: string;
  /** Speech synthesis for `POST /v1/voice/speech`: the provider (default espeak-ng when installed) and cache size. */
  speech?: SpeechServiceOptions;
  /**
   * An agent not heard from (no request, no open stream) for this long is turned offline and their
   * conversations re-routed, by the sweep `startServer` runs. Default 120 s.
   */
  agentPresenceTimeoutSec?: number;
  /** Webhook delivery settings; `allowPrivateTargets` only for development and tests. */
  webhooks?: WebhookSettings;
  /** Callback URLs may point at loopback/private addresses (local demo, tests); off by default. */
  allowPrivateCallbacks?: boolean;
  /** Livestream rooms: how often (ms) rooms are re-judged without new comments; 0 turns it off (tests). */
  liveTickMs?: number;
  /** Livestream: how often (ms) queued questions are written to timelines (default 1000; 0: off, tests). */
  liveTimelineDrainMs?: number;
  /** Livestream: drain timelines on a worker thread (local database files only; default false, in-thread). */
  liveTimelineDrainWorker?: boolean;
}

/** What routers get: the services' deps plus HTTP-level settings. */
export interface RouterDeps extends ServiceDeps {
  responder: Responder;
  limits: RateLimits;
  lifecycle: Lifecycle;
  heartbeatMs: number;
  streamWriteTimeoutMs: number;
  trustedProxyHops: number;
  validationHook: (result: { success: boolean; error?: unknown; target?: string }) => void;
}

export type ThreadlineApp = OpenAPIHono<ApiEnv> & {
  deps: RouterDeps;
  /** Livestream rooms held by this process (windows, answer rounds, reply outbox); `close()` on shutdown. */
  livestream: LiveRuntime;
};

const validationHook: RouterDeps['validationHook'] = (result) => {
  if (!result.success)
    throw ApiError.fromZod(
      result.error as ZodError,
      result.target === 'json' ? 'body' : String(result.target),
    );
};

/** The Threadline API as a Hono app. Everything stateful is injected, so tests build one per case. */
export function createApp(options: AppOptions): ThreadlineApp {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const deps: RouterDeps = {
    database: options.database,
    clock,
    bus: options.bus ?? createMemoryEventBus(),
    sealer: createSealer(options.masterKey),
    logger,
    fetch: options.fetch ?? ((...args) => fetch(...args)),
    config: {
      sessionSigningKey: options.sessionSigningKey,
      sessionTtlSec: options.sessionTtlSec ?? 24 * 3600,
      wechatApiBase: options.wechatApiBase ?? 'https://api.weixin.qq.com',
      publicUrl: options.publicUrl,
      encryptAtRest: options.encryptAtRest ?? true,
      webhooks: options.webhooks,
      allowPrivateCallbacks: options.allowPrivateCallbacks ?? false,
    },
    ...(options.inFlight ? { inFlight: options.inFlight } : {}),
    responder: options.responder ?? silentResponder,
    limits: createRateLimits({
      defaults: options.rateLimits,
      store: options.limiterStore,
      slots: options.slots,
    }),
    lifecycle: options.lifecycle ?? createLifecycle(),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    streamWriteTimeoutMs: options.streamWriteTimeoutMs ?? STREAM_WRITE_TIMEOUT_MS,
    trustedProxyHops: options.trustedProxyHops ?? (options.trustProxy ? 1 : 0),
    validationHook,
  };

  // An erase in any process sharing the bus takes its customer's keys out of this process's cache.
  forgetDestroyedKeys(deps);
  // The event log keeps message events as references to their rows (see realtime/events.ts).
  deps.messageEvents = messageEventResolver(deps);
  // One engine per app, shared by the bot's replies and the livestream rooms' understanding.
  const engines = options.ai?.engines ?? createEngineRegistry(deps);
  // The embedded AI engine answers by default; apps without knowledge stay silent.
  // How-to answers become step-by-step guides on every channel (voice reads one step at a time).
  if (!options.responder)
    deps.responder = withVoiceGuides(createAiResponder(deps, { ...options.ai, engines }), engines);
  // Queued conversations go to agents by load and skill (see agents/routing.ts).
  deps.routing = createConversationRouting(deps);
  // Webhook events go into the outbox inside each change's transaction (see webhooks/outbox.ts).
  deps.outbox = createWebhookOutbox(deps);
  // Ended conversations schedule the merchant's follow-ups; opt-outs cancel them (see followups/).
  deps.followUps = createFollowUpHooks(deps);
  const livestream = createLiveRuntime(deps, {
    engines,
    tickMs: options.liveTickMs,
    timelineDrainMs: options.liveTimelineDrainMs,
    timelineDrainWorker: options.liveTimelineDrainWorker,
  });

  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook }) as ThreadlineApp;
  app.deps = deps;
  app.livestream = livestream;
  registerSecuritySchemes(app.openAPIRegistry);

  // Every answer, JSON and pages alike: browsers must take the declared type, never sniff one.
  app.use(async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    await next();
  });
  const preflight = cors({
    origin: '*',
    allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  });
  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    // The same headers Hono's cors() sets on other requests, but set before the response exists:
    // cors() writes them into an early empty Response, which the node adapter then has to turn
    // into a full WHATWG Response on every request just to copy them over.
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Expose-Headers', 'Retry-After');
    await next();
    if (!c.res.headers.has('Access-Control-Allow-Origin')) {
      c.res.headers.set('Access-Control-Allow-Origin', '*');
      c.res.headers.set('Access-Control-Expose-Headers', 'Retry-After');
    }
  });
  // Counts requests for a graceful shutdown, and refuses new ones (503, Retry-After) once draining.
  app.use('*', deps.lifecycle.middleware);
  const defaultBodyLimit = limitBody(options.bodyLimitBytes ?? 64 * 1024);
  // Knowledge files and livestream comment batches are the bodies that are legitimately large.
  const importBodyLimit = limitBody(KB_IMPORT_MAX_BYTES);
  const commentBatchLimit = limitBody(LIVE_BATCH_MAX_BYTES);
  app.use('/v1/*', (c, next) => {
    if (c.req.path === '/v1/kb/import') return importBodyLimit(c, next);
    if (c.req.method === 'POST' && /^\/v1\/channels\/[^/]+\/comments$/.test(c.req.path)) {
      return commentBatchLimit(c, next);
    }
    return defaultBodyLimit(c, next);
  });
  // Free-form objects (track properties, attributes) are bounded in depth before anything parses them.
  app.use('/v1/*', assertJsonDepth);

  app.route('/', healthRouter());
  app.route('/', sessionsRouter(deps));
  app.route('/', conversationRouter(deps));
  app.route('/', realtimeRouter(deps));
  app.route('/', handoffsRouter(deps));
  app.route('/', channelsRouter(deps));
  app.route('/', appSettingsRouter(deps));
  app.route('/', knowledgeRouter(deps));
  app.route('/', ticketsRouter(deps));
  app.route('/', agentAdminRouter(deps));
  app.route('/', agentConsoleRouter(deps));
  app.route('/', agentWorkspaceRouter(deps));
  app.route('/', profileRouter(deps));
  app.route('/', auditRouter(deps));
  app.route('/', insightsRouter(deps));
  app.route('/', followUpEffectRouter(deps));
  app.route('/', webhooksRouter(deps));
  app.route('/', followUpsRouter(deps));
  app.route('/', cardClickRouter(deps));
  app.route('/', privacyRouter(deps));
  app.route('/', livestreamRouter(deps, livestream));
  app.route('/', hostCardRouter());
  app.route('/', voiceRouter(deps, createSpeechService(options.speech)));
  app.route('/', consoleRouter());
  mountDocs(app, { publicUrl: options.publicUrl });
  mountSiteAssets(app);

  app.notFound((c) =>
    c.json(errorBody(new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}.`)), 404),
  );
  app.onError((error, c) =>
    respondWithError(c, error, (message, err) => logger.error(message, { error: describeError(err) })),
  );
  return app;
}
