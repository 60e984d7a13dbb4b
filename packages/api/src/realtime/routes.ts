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

/**
 * A write that has not drained within this is a client that stopped reading: the stream is dropped
 * (it resumes from its cursor when it reads again) rather than held in memory.
 */
export const STREAM_WRITE_TIMEOUT_MS = 20_000;

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
 * One stream (or waiting long-poll) counts against its holder's and its address's concurrent
 * limits: `holder` is the session id, or the agent token for agent streams.
 */
function holdStreamSlots(deps: RouterDeps, app: LimitedApp, holder: string, address: string): () => void {
  const releaseHolder = deps.limits.acquire(app, 'streamsPerSession', holder);
  try {
    const releaseAddress = deps.limits.acquire(app, 'streamsPerIp', address);
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
      const release = hold(context);
      let feed: EventFeed;
      try {
        feed = await spec.open(context, after);
      } catch (error) {
        release();
        throw error;
      }
      return streamSSE(c, async (stream) => {
        const end = () => {
          feed.close();
          release();
        };
        // A reader we give up on is cut off at the socket: ending the response politely would leave
        // its unread bytes queued behind a client that never reads them.
        const drop = async () => {
          end();
          await stream.abort();
          (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing?.destroy();
        };
        stream.onAbort(end);
        // A reader that stopped reading blocks the write: drop it rather than buffer for it.
        const write = async (text: string) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<'stalled'>((resolve) => {
            timer = setTimeout(() => resolve('stalled'), deps.streamWriteTimeoutMs);
          });
          const outcome = await Promise.race([stream.write(text).then(() => 'written' as const), stalled]);
          clearTimeout(timer);
          if (outcome === 'stalled') await drop();
          return outcome === 'written';
        };
        try {
          if (!(await write(': connected\n\n'))) return;
          while (!stream.aborted && !stream.closed) {
            const batch = await feed.next(deps.heartbeatMs);
            if (feed.ended() === 'overflow') return await drop();
            if (stream.aborted || feed.ended()) break;
            if (batch.length === 0) {
              if (spec.stillAllowed && !(await spec.stillAllowed(context))) break;
              if (!(await write(': ping\n\n'))) return;
              continue;
            }
            let frames = '';
            for (const event of batch)
              frames += `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\nid: ${event.id}\n\n`;
            if (!(await write(frames))) return;
          }
        } finally {
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
      const release = hold(context);
      try {
        const feed = await spec.open(context, parseAfter(query.after));
        const abort = () => feed.close();
        c.req.raw.signal?.addEventListener('abort', abort);
        try {
          // A session that ends (revoked, or switched to someone else) ends the wait with what it had:
          // the next poll is refused if revoked, or reads as the session's new customer.
          const events = await feed.next(query.wait * 1000);
          return c.json(
            {
              events: events.map((e) => ({ id: String(e.id), type: e.type, data: e.data })),
              cursor: String(feed.cursor()),
            },
            200,
          );
        } finally {
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
  });
  return router;
}
