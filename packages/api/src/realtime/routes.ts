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
import { clientAddress, requireAuth } from '../http/auth';
import { defineRoute } from '../http/define-route';
import type { LimitedApp } from '../http/rate-limits';
import { ApiError } from '../platform/errors';
import { createCustomerFeed } from './customer-feed';

const toWire = (e: { id: number; type: string; data: unknown }): RealtimeEvent => ({
  id: String(e.id),
  type: e.type as RealtimeEvent['type'],
  data: e.data,
});

/**
 * A write that has not drained within this is a client that stopped reading: the stream is dropped
 * (it resumes from its cursor when it reads again) rather than held in memory.
 */
export const STREAM_WRITE_TIMEOUT_MS = 20_000;

function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ApiError('validation_failed', 'The cursor must be an event id you received.');
  return Number(value);
}

/** One stream (or waiting long-poll) counts against the session's and the address's concurrent limits. */
function holdStreamSlots(deps: RouterDeps, app: LimitedApp, sessionId: string, address: string): () => void {
  const releaseSession = deps.limits.acquire(app, 'streamsPerSession', sessionId);
  try {
    const releaseAddress = deps.limits.acquire(app, 'streamsPerIp', address);
    return () => {
      releaseSession();
      releaseAddress();
    };
  } catch (error) {
    releaseSession();
    throw error;
  }
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
      const release = holdStreamSlots(
        deps,
        auth.app,
        auth.session.id,
        clientAddress(c, deps.trustedProxyHops),
      );
      let feed: Awaited<ReturnType<typeof createCustomerFeed>>;
      try {
        feed = await createCustomerFeed(deps, {
          customerId: auth.session.customerId,
          sessionId: auth.session.id,
          after,
        });
      } catch (error) {
        release();
        throw error;
      }
      // The stream ends when its session does: revoked (the session's topic says so at once) or run
      // out — a copied token must not read on for as long as the connection is kept up.
      let expired = false;
      const expiry = setTimeout(
        () => {
          expired = true;
          feed.close();
        },
        Math.min(2 ** 31 - 1, Math.max(0, auth.session.expiresAt - deps.clock.now())),
      );
      expiry.unref?.();
      return streamSSE(c, async (stream) => {
        const end = () => {
          clearTimeout(expiry);
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
          while (!stream.aborted && !stream.closed && !expired) {
            const batch = await feed.next(deps.heartbeatMs);
            if (feed.ended() === 'overflow') return await drop();
            if (stream.aborted || feed.ended() || expired) break;
            if (batch.length === 0) {
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
      const release = holdStreamSlots(
        deps,
        auth.app,
        auth.session.id,
        clientAddress(c, deps.trustedProxyHops),
      );
      try {
        const feed = await createCustomerFeed(deps, {
          customerId: auth.session.customerId,
          sessionId: auth.session.id,
          after: parseAfter(query.after),
        });
        const abort = () => feed.close();
        c.req.raw.signal?.addEventListener('abort', abort);
        try {
          // A session that ends (revoked, or switched to someone else) ends the wait with what it had:
          // the next poll is refused if revoked, or reads as the session's new customer.
          // Never past the session's own end.
          const left = Math.max(0, auth.session.expiresAt - deps.clock.now());
          const events = await feed.next(Math.min(query.wait * 1000, left));
          return c.json({ events: events.map(toWire), cursor: String(feed.cursor()) }, 200);
        } finally {
          c.req.raw.signal?.removeEventListener('abort', abort);
          feed.close();
        }
      } finally {
        release();
      }
    },
  );
  return router;
}
