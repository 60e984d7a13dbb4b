import type { ConversationRouting } from '../conversations';
import type { Database } from '../db/database';
import type { EventBus } from '../realtime';
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
  /** Work under way in other API processes (Redis); absent when one process serves alone. */
  inFlight?: InFlightMarks;
}
