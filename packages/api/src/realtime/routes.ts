import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorEnvelope, updatesAnswer, updatesQuery } from '@threadline/sdk-core/protocol';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv, CredentialKind } from '../http/auth';
import { clientAddress, requireAuth } from '../http/auth';
import { defineRoute } from '../http/define-route';
import type { LimitedApp } from '../http/rate-limits';
import { ApiError } from '../platform/errors';
import { createCustomerFeed, type EventFeed } from './event-feed';

const toWire = (e: { id: number; type: string; data?: unknown }) => ({
  id: String(e.id),
  type: e.type,
  data: e.data,
});

/**
 * A write that has not drained within this is a client that stopped reading: the stream is dropped
 * (it resumes from its cursor when it reads again) rather than held in memory.
 */
export const STREAM_WRITE_TIMEOUT_MS = 20_000;

/**
 * Bytes a stream may have queued in this process for a reader that is not taking them. The feed
 * itself holds nothing (it reads the log from its cursor), but the response does once the socket
 * is full; past this the reader is dropped and resumes from its cursor when it reads again.
 */
export const MAX_STREAM_QUEUED_BYTES = 1024 * 1024;

/**
 * How long a client waits before reconnecting to a stream this process closed because it is
 * shutting down (the SSE `retry:` field); the load balancer sends it to another process.
 */
export const SHUTDOWN_RETRY_MS = 1_000;

/** Timers cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const SECURITY_SCHEME: Partial<Record<CredentialKind, string>> = {
  session: 'sessionToken',
  agent: 'agentToken',
};

function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ApiError('validation_failed', 'The cursor must be an event id you received.');
  return Number(value);
}

/**
 * An event as an SSE frame, encoded. Feeds that read the log together share the event objects (a
 * broadcast to many streams of one customer, every agent of an app), so each frame is serialised
 * and encoded once, not once per stream.
 */
const frameCache = new WeakMap<object, Uint8Array>();
const encoder = new TextEncoder();
function frameOf(event: { id: number; type: string; data?: unknown }): Uint8Array {
  let frame = frameCache.get(event);
  if (frame === undefined) {
    frame = encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\nid: ${event.id}\n\n`);
    frameCache.set(event, frame);
  }
  return frame;
}

/**
 * One stream (or waiting long-poll) counts against its holder's and its address's concurrent
 * limits: `holder` is the session id, or the agent token for agent streams.
 */
async function holdStreamSlots(
  deps: RouterDeps,
  app: LimitedApp,
  holder: string,
  address: string,
): Promise<() => void> {
  const releaseHolder = await deps.limits.acquire(app, 'streamsPerSession', holder);
  try {
    const releaseAddress = await deps.limits.acquire(app, 'streamsPerIp', address);
    return () => {
      releaseHolder();
      releaseAddress();
    };
  } catch (error) {
    releaseHolder();
    throw error;
  }
}

export interface FeedRoutesSpec {
  /** e.g. `/v1/stream` and `/v1/updates`. */
  streamPath: string;
  pollPath: string;
  /** The stream's and the long-poll's method names for client generators. */
  operationIds: [string, string];
  auth: CredentialKind;
  tags: string[];
  /** What the stream carries, for the route summaries. */
  what: string;
  /** The long-poll answer's schema (the event types differ between customers and agents). */
  pollAnswer: z.ZodType;
  /** The app and the holder (session or token id) whose stream slots a stream takes. */
  holder(c: Context<ApiEnv>): { app: LimitedApp; id: string };
  /** Whose events: opened per request from the authenticated credential. */
  open(c: Context<ApiEnv>, after: number | undefined): Promise<EventFeed>;
  /**
   * When the credential runs out (ms since the epoch; null: never). A stream ends then and a
   * long-poll waits no longer — a copied token must not read on for as long as the connection is
   * kept up.
   */
  expiresAt(c: Context<ApiEnv>): Promise<number | null> | number | null;
  /**
   * Called at every heartbeat of an open stream; false ends it (a revoked credential). Each
   * long-poll is a new request, so its credential is checked anyway.
   */
  stillAllowed?(c: Context<ApiEnv>): Promise<boolean>;
}

/**
 * SSE for browsers and apps and long-poll for hosts without streaming (mini-programs), over one
 * feed: the same cursor resumes either, with no gap and no duplicate.
 */
export function mountFeedRoutes(router: OpenAPIHono<ApiEnv>, deps: RouterDeps, spec: FeedRoutesSpec) {
  const hold = (c: Context<ApiEnv>) => {
    const holder = spec.holder(c);
    return holdStreamSlots(deps, holder.app, holder.id, clientAddress(c, deps.trustedProxyHops));
  };
  /** How long the credential still lives, in ms (capped to what a timer can wait). */
  const lifeLeft = async (c: Context<ApiEnv>) => {
    const expiresAt = await spec.expiresAt(c);
    return expiresAt === null
      ? MAX_TIMER_MS
      : Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - deps.clock.now()));
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: spec.streamPath,
      operationId: spec.operationIds[0],
      summary: `Server-Sent Events of ${spec.what}, resumable from a cursor`,
      description:
        'Each event’s `id:` is a cursor. Reconnect with `Last-Event-ID` (or `?after=`) and the stream replays everything after it: no gap, no duplicate. Comment lines are heartbeats.',
      tags: spec.tags,
      security: [{ [SECURITY_SCHEME[spec.auth]!]: [] }],
      middleware: [requireAuth(deps, spec.auth)] as const,
      request: { query: z.object({ after: z.string().max(32).optional() }) },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        401: {
          description: 'No valid credential',
          content: { 'application/json': { schema: errorEnvelope } },
        },
      },
    }),
    async (c) => {
      const context = c as unknown as Context<ApiEnv>;
      const after = parseAfter(c.req.header('last-event-id') || c.req.valid('query').after);
      const life = await lifeLeft(context);
      const release = await hold(context);
      let feed: EventFeed;
      try {
        feed = await spec.open(context, after);
      } catch (error) {
        release();
        throw error;
      }
      // Counted until it ends, so a shutdown waits for its goodbye frame to be written.
      const leave = deps.lifecycle.enter();
      // The stream ends when its credential does: revoked (the session's topic, or the agent
      // token's check at each heartbeat) or run out.
      let expired = false;
      const expiry = setTimeout(() => {
        expired = true;
        feed.close();
      }, life);
      expiry.unref?.();
      return streamSSE(c, async (stream) => {
        const end = () => {
          clearTimeout(expiry);
          feed.close();
          release();
          leave();
        };
        // A reader we give up on is cut off at the socket: ending the response politely would leave
        // its unread bytes queued behind a client that never reads them.
        const drop = async () => {
          end();
          await stream.abort();
          (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing?.destroy();
        };
        stream.onAbort(end);
        // Shutting down: the feed stops, and the client is told when to come back (to another process).
        let draining = false;
        const stopDrain = deps.lifecycle.onDrain(() => {
          draining = true;
          feed.close();
        });
        // A reader that stopped reading blocks the write: drop it rather than buffer for it.
        const write = async (text: string | Uint8Array) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<'stalled'>((resolve) => {
            timer = setTimeout(() => resolve('stalled'), deps.streamWriteTimeoutMs);
          });
          const outcome = await Promise.race([stream.write(text).then(() => 'written' as const), stalled]);
          clearTimeout(timer);
          const queued =
            (c.env as { outgoing?: { writableLength?: number } } | undefined)?.outgoing?.writableLength ?? 0;
          if (outcome === 'stalled' || queued > MAX_STREAM_QUEUED_BYTES) {
            await drop();
            return false;
          }
          return true;
        };
        try {
          if (!(await write(': connected\n\n'))) return;
          while (!stream.aborted && !stream.closed && !expired) {
            const batch = await feed.next(deps.heartbeatMs);
            if (draining) {
              await write(`retry: ${SHUTDOWN_RETRY_MS}\n: server restarting, reconnect\n\n`);
              break;
            }
            if (stream.aborted || feed.ended() || expired) break;
            if (batch.length === 0) {
              if (spec.stillAllowed && !(await spec.stillAllowed(context))) break;
              if (!(await write(': ping\n\n'))) return;
              continue;
            }
            const frames = batch.length === 1 ? frameOf(batch[0]!) : Buffer.concat(batch.map(frameOf));
            if (!(await write(frames))) return;
          }
        } finally {
          stopDrain();
          end();
        }
      });
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: spec.pollPath,
      operationId: spec.operationIds[1],
      summary: `Long-poll for ${spec.what} after a cursor`,
      description:
        'Answers at once when events exist, otherwise after `wait` seconds (at most 30) with none.',
      tags: spec.tags,
      auth: [spec.auth],
      query: updatesQuery,
      status: 200,
      answer: spec.pollAnswer,
    }),
    async (c) => {
      const context = c as unknown as Context<ApiEnv>;
      const query = c.req.valid('query');
      const life = await lifeLeft(context);
      const release = await hold(context);
      try {
        const feed = await spec.open(context, parseAfter(query.after));
        const abort = () => feed.close();
        c.req.raw.signal?.addEventListener('abort', abort);
        // Shutting down: answer now with what there is; the next poll reaches another process.
        const stopDrain = deps.lifecycle.onDrain(abort);
        try {
          // A session that ends (revoked, or switched to someone else) ends the wait with what it had:
          // the next poll is refused if revoked, or reads as the session's new customer. Never past
          // the credential's own end.
          const events = await feed.next(Math.min(query.wait * 1000, life));
          return c.json({ events: events.map(toWire), cursor: String(feed.cursor()) }, 200);
        } finally {
          stopDrain();
          c.req.raw.signal?.removeEventListener('abort', abort);
          feed.close();
        }
      } finally {
        release();
      }
    },
  );
}

/** Realtime for a session: the customer's events on every channel. */
export function realtimeRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const sessionAuth = (c: Context<ApiEnv>) => {
    const auth = c.get('auth');
    if (auth.kind !== 'session') throw new Error('unreachable');
    return auth;
  };
  mountFeedRoutes(router, deps, {
    streamPath: '/v1/stream',
    pollPath: '/v1/updates',
    operationIds: ['streamEvents', 'pollUpdates'],
    auth: 'session',
    tags: ['Realtime'],
    what: 'the customer',
    pollAnswer: updatesAnswer,
    holder: (c) => {
      const auth = sessionAuth(c);
      return { app: auth.app, id: auth.session.id };
    },
    open: (c, after) => {
      const { session } = sessionAuth(c);
      return createCustomerFeed(deps, { customerId: session.customerId, sessionId: session.id, after });
    },
    expiresAt: (c) => sessionAuth(c).session.expiresAt,
  });
  return router;
}
