import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorEnvelope, updatesAnswer, updatesQuery } from '@threadline/sdk-core/protocol';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv, CredentialKind } from '../http/auth';
import { requireAuth } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import { createCustomerFeed, type EventFeed } from './event-feed';

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

export interface FeedRoutesSpec {
  /** e.g. `/v1/stream` and `/v1/updates`. */
  streamPath: string;
  pollPath: string;
  auth: CredentialKind;
  tags: string[];
  /** Whose events: opened per request from the authenticated credential. */
  open(c: Context<ApiEnv>, after: number | undefined): Promise<EventFeed>;
  /** The long-poll answer's schema (the event types differ between customers and agents). */
  pollAnswer: z.ZodType;
  what: string;
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
  router.openapi(
    createRoute({
      method: 'get',
      path: spec.streamPath,
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
      const after = parseAfter(c.req.header('last-event-id') || c.req.valid('query').after);
      const feed = await spec.open(c as unknown as Context<ApiEnv>, after);
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => feed.close());
        await stream.write(': connected\n\n');
        while (!stream.aborted && !stream.closed) {
          const batch = await feed.next(deps.heartbeatMs);
          if (stream.aborted) break;
          if (batch.length === 0) {
            if (spec.stillAllowed && !(await spec.stillAllowed(c as unknown as Context<ApiEnv>))) break;
            await stream.write(': ping\n\n');
            continue;
          }
          for (const event of batch) {
            await stream.writeSSE({
              id: String(event.id),
              event: event.type,
              data: JSON.stringify(event.data),
            });
          }
        }
        feed.close();
      });
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: spec.pollPath,
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
      const query = c.req.valid('query');
      const feed = await spec.open(c as unknown as Context<ApiEnv>, parseAfter(query.after));
      const abort = () => feed.close();
      c.req.raw.signal?.addEventListener('abort', abort);
      try {
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
    },
  );
}

/** Realtime for a session: the customer's events on every channel. */
export function realtimeRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  mountFeedRoutes(router, deps, {
    streamPath: '/v1/stream',
    pollPath: '/v1/updates',
    auth: 'session',
    tags: ['Realtime'],
    what: 'the customer',
    pollAnswer: updatesAnswer,
    open: (c, after) => {
      const auth = c.get('auth');
      if (auth.kind !== 'session') throw new Error('unreachable');
      return createCustomerFeed(deps, { customerId: auth.session.customerId, after });
    },
  });
  return router;
}
