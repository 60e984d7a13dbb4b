import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  errorEnvelope,
  type RealtimeEvent,
  updatesAnswer,
  updatesQuery,
} from '@threadline/sdk-core/protocol';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { requireAuth } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import { createCustomerFeed } from './customer-feed';

const toWire = (e: { id: number; type: string; data: unknown }): RealtimeEvent => ({
  id: String(e.id),
  type: e.type as RealtimeEvent['type'],
  data: e.data,
});

function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ApiError('validation_failed', 'The cursor must be an event id you received.');
  return Number(value);
}

/** Realtime for a session: SSE for browsers and apps, long-poll for hosts without streaming (mini-programs). */
export function realtimeRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stream',
      operationId: 'streamEvents',
      summary: 'Server-Sent Events of the customer, resumable from a cursor',
      description:
        'Each event’s `id:` is a cursor. Reconnect with `Last-Event-ID` (or `?after=`) and the stream replays everything after it: no gap, no duplicate. Comment lines are heartbeats.',
      tags: ['Realtime'],
      security: [{ sessionToken: [] }],
      middleware: [requireAuth(deps, 'session')] as const,
      request: { query: z.object({ after: z.string().max(32).optional() }) },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        401: { description: 'No valid session', content: { 'application/json': { schema: errorEnvelope } } },
      },
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'session') throw new Error('unreachable');
      const after = parseAfter(c.req.header('last-event-id') || c.req.valid('query').after);
      const feed = await createCustomerFeed(deps, { customerId: auth.session.customerId, after });
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => feed.close());
        await stream.write(': connected\n\n');
        while (!stream.aborted && !stream.closed) {
          const batch = await feed.next(deps.heartbeatMs);
          if (stream.aborted) break;
          if (batch.length === 0) {
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
      path: '/v1/updates',
      operationId: 'pollUpdates',
      summary: 'Long-poll for the customer’s events after a cursor',
      description:
        'Answers at once when events exist, otherwise after `wait` seconds (at most 30) with none.',
      tags: ['Realtime'],
      auth: ['session'],
      query: updatesQuery,
      status: 200,
      answer: updatesAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'session') throw new Error('unreachable');
      const query = c.req.valid('query');
      const feed = await createCustomerFeed(deps, {
        customerId: auth.session.customerId,
        after: parseAfter(query.after),
      });
      const abort = () => feed.close();
      c.req.raw.signal?.addEventListener('abort', abort);
      try {
        const events = await feed.next(query.wait * 1000);
        return c.json({ events: events.map(toWire), cursor: String(feed.cursor()) }, 200);
      } finally {
        c.req.raw.signal?.removeEventListener('abort', abort);
        feed.close();
      }
    },
  );
  return router;
}
