import type { ConversationRouting } from '../conversations';
import type { Database } from '../db/database';
import type { FollowUpHooks } from '../followups/hooks';
import type { EventBus } from '../realtime';
import type { MessageEventResolver } from '../realtime/events';
import type { WebhookOutbox } from '../webhooks/outbox';
import type { Clock } from './clock';
import type { InFlightMarks } from './in-flight';
import type { Sealer } from './secrets';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (m, f) => console.log(JSON.stringify({ level: 'info', msg: m, ...f })),
  warn: (m, f) => console.warn(JSON.stringify({ level: 'warn', msg: m, ...f })),
  error: (m, f) => console.error(JSON.stringify({ level: 'error', msg: m, ...f })),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Settings that hold for the whole server, not per app. */
export interface ServerConfig {
  /** 32-byte key that signs session tokens. */
  sessionSigningKey: Uint8Array;
  sessionTtlSec: number;
  /** Where WeChat's jscode2session lives; tests point it at msw. */
  wechatApiBase: string;
  /** Public base URL of this API, used in handoff links when an app sets none. */
  publicUrl?: string;
  /**
   * Seal customer text (messages, events, tickets, unanswered questions) with per-customer keys.
   * On unless set to false — which exists to measure its cost in the benchmarks.
   */
  encryptAtRest?: boolean;
  /** Webhook delivery settings (defaults in `webhooks/`). */
  webhooks?: WebhookSettings;
  /**
   * Callback URLs a merchant gives (the livestream reply callback) may point at loopback and
   * private addresses: for the local demo and tests, whose connectors run on this machine. Off
   * by default: a deployed API calls only public addresses (THREADLINE_ALLOW_PRIVATE_CALLBACKS=1 lifts it).
   */
  allowPrivateCallbacks?: boolean;
  /** Insights rollups (defaults in `insights/rollup.ts`). */
  insights?: {
    /** Batches of each source a reader folds before answering; the background worker does the rest. */
    readerBatches?: number;
    /** A reader folds only while at most this many messages wait (else the worker alone folds them). */
    readerFoldsUpTo?: number;
  };
}

/** How webhooks are delivered. Every field has a production default. */
export interface WebhookSettings {
  /**
   * Allow http and private, loopback or link-local targets (development and tests only: in
   * production a webhook URL would otherwise reach the operator's internal services). Default false.
   */
  allowPrivateTargets?: boolean;
  /**
   * Allow http to this machine only (127.0.0.0/8, ::1, `localhost`): what tests and the local demo
   * need. Private networks, link-local and other reserved ranges stay refused. Default false.
   */
  allowLoopbackTargets?: boolean;
  /** How long a delivery is retried before it is given up (default 3 days). */
  retryWindowMs?: number;
  /** The first retry's delay; each later one doubles, with jitter (default 10 s). */
  retryBaseMs?: number;
  /** The longest delay between two attempts (default 1 hour). */
  retryMaxMs?: number;
  /** An attempt without a complete answer within this fails (default 10 s). */
  timeoutMs?: number;
}

/** What every service needs: the database, time, the realtime bus, the PII sealer. */
export interface ServiceDeps {
  database: Database;
  clock: Clock;
  bus: EventBus;
  sealer: Sealer;
  config: ServerConfig;
  logger: Logger;
  fetch: typeof fetch;
  /** Routes queued conversations to agents (the agents domain); without it they just wait. */
  routing?: ConversationRouting;
  /** Records webhook events in the caller's transaction (the webhooks domain); without it, none. */
  outbox?: WebhookOutbox;
  /** Schedules proactive follow-ups when conversations end and honours opt-outs (the followups domain). */
  followUps?: FollowUpHooks;
  /**
   * Builds `message.created` payloads from message rows (the conversations domain): with it, the
   * event log keeps a reference to the message instead of a second sealed copy (issue 18).
   */
  messageEvents?: MessageEventResolver;
  /** Work under way in other API processes (Redis); absent when one process serves alone. */
  inFlight?: InFlightMarks;
}
