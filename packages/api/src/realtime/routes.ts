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

const toWire = (e: { id: number; type: string; data?: unknown }): RealtimeEvent => ({
  id: String(e.id),
  type: e.type as RealtimeEvent['type'],
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

function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ApiError('validation_failed', 'The cursor must be an event id you received.');
  return Number(value);
}

/**
 * An event as an SSE frame, encoded. Feeds that read the log together share the event objects (a
 * broadcast to many streams of one customer), so each frame is serialised and encoded once, not
 * once per stream.
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
 * How long a client waits before reconnecting to a stream this process closed because it is
 * shutting down (the SSE `retry:` field); the load balancer sends it to another process.
 */
export const SHUTDOWN_RETRY_MS = 1_000;

/** One stream (or waiting long-poll) counts against the session's and the address's concurrent limits. */
async function holdStreamSlots(
  deps: RouterDeps,
  app: LimitedApp,
  sessionId: string,
  address: string,
): Promise<() => void> {
  const releaseSession = await deps.limits.acquire(app, 'streamsPerSession', sessionId);
  try {
    const releaseAddress = await deps.limits.acquire(app, 'streamsPerIp', address);
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
      const release = await holdStreamSlots(
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
      // Counted until it ends, so a shutdown waits for its goodbye frame to be written.
      const leave = deps.lifecycle.enter();
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
      const release = await holdStreamSlots(
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
        // Shutting down: answer now with what there is; the next poll reaches another process.
        const stopDrain = deps.lifecycle.onDrain(abort);
        try {
          // A session that ends (revoked, or switched to someone else) ends the wait with what it had:
          // the next poll is refused if revoked, or reads as the session's new customer.
          // Never past the session's own end.
          const left = Math.max(0, auth.session.expiresAt - deps.clock.now());
          const events = await feed.next(Math.min(query.wait * 1000, left));
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
  return router;
}
