import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  channelSlug,
  errorEnvelope,
  liveCommentBatch,
  liveCommentBatchAnswer,
  liveCommentBatchRefusedAnswer,
  liveCommentItem,
  liveFiguresQuery,
  liveHostKeyAnswer,
  liveHostKeyBody,
  liveHotQuestions,
  livePinAnswer,
  livePinBody,
  liveRoomAnswer,
  liveRoomBody,
  liveRoomFigures,
  liveRoomListAnswer,
  liveRoomParams,
  liveSettingsAnswer,
  liveSettingsBody,
  liveShelfBody,
} from '@threadline/sdk-core/protocol';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { clientAddress, requireAuth } from '../http/auth';
import { defineRoute, deriveOperationId } from '../http/define-route';
import { iso } from '../platform/clock';
import { ApiError } from '../platform/errors';
import { assertCallableUrl } from '../platform/outbound';
import { ingestCommentBatch } from './comment-batches';
import { roomFigures } from './figures';
import type { LiveRuntime, RoomEvent } from './live-runtime';
import { pinAnswer, unpin } from './room-answers';
import { createHostKey, DEFAULT_HOST_KEY_TTL_SEC } from './room-keys';
import {
  ensureRoom,
  type LiveRoomRow,
  listRooms,
  liveSettingsOf,
  requireRoom,
  toWireRoom,
  updateLiveSettings,
  updateRoom,
  updateShelf,
  viewerKindOf,
} from './rooms';

const TAGS = ['Livestream rooms'];
/** SSE: undelivered answer-round notices kept per slow stream (hot-question views coalesce to the latest). */
const MAX_QUEUED = 100;

/**
 * Livestream rooms: the connector's comment batches, the room's settings and shelf, its hot
 * questions (JSON and SSE), pins, figures and the host's keys.
 */
export function livestreamRouter(deps: RouterDeps, runtime: LiveRuntime) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  // The batch body names items by reference only (they are validated one by one, so one bad item
  // does not refuse the batch); the referenced shape must be in the document's components.
  // The registry names a component by calling `.openapi()` on it, which a zod schema only has when
  // it was made after @hono/zod-openapi extended zod — the protocol's may be made before (import
  // order: a test importing the protocol first made every createApp throw). A copy made here, with
  // the protocol's own shape and metadata, always has it.
  router.openAPIRegistry.register(
    'LiveCommentItem',
    z.object(liveCommentItem.shape).meta(liveCommentItem.meta() ?? {}),
  );
  const appOf = (c: Context<ApiEnv>) => c.get('auth').app;
  // A reply URL is called by this server: only public http(s) addresses unless the server allows private ones.
  const callbackPolicy = { allowPrivate: deps.config.allowPrivateCallbacks === true };

  /** The room named in the path, if this credential may see it: 404 otherwise (never "forbidden"). */
  async function roomOf(
    c: Context<ApiEnv>,
    params: { channel: string; roomId: string },
  ): Promise<LiveRoomRow> {
    const auth = c.get('auth');
    viewerKindOf(auth.app, params.channel);
    if (auth.kind === 'room') {
      if (auth.room.channel !== params.channel || auth.room.platformRoomId !== params.roomId) {
        throw new ApiError('not_found', `No room ${params.roomId} on ${params.channel}.`);
      }
    }
    return requireRoom(deps.database.db, auth.app.id, params.channel, params.roomId);
  }

  const wireRoom = async (room: LiveRoomRow) =>
    toWireRoom(deps.database.db, room, await runtime.lastCommentAt(room));

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/channels/{channel}/comments',
      summary: 'A batch of livestream comments from the merchant’s connector',
      description: [
        'Up to 1,000 comments of one room (`douyin_live`, `taobao_live` or any `<platform>_live` channel of the app). ',
        'Each item is checked on its own: a malformed item, or one past the 1,000th, is refused with its id and a code, ',
        'and the rest of the batch is stored — the answer is then a 422 (`items_refused`) or 413 (`batch_too_large`) ',
        'that still lists `accepted` and `refused`, so retry only the refused items. The same item id again is taken ',
        'once (idempotent). Viewers are found or created by their platform identity (`douyin`/`taobao` + `viewerId`). ',
        'Filler (扣1, 666, emoji, 来了…) is counted, not answered; questions go to the room’s hot questions and to the ',
        'viewer’s timeline; complaints and order problems become conversations queued for agents. Body ≤ 2 MiB.',
      ].join(''),
      tags: TAGS,
      auth: ['secret'],
      params: z.object({ channel: channelSlug }),
      body: liveCommentBatch,
      status: 200,
      answer: liveCommentBatchAnswer,
      otherResponses: {
        413: {
          description: 'More than 1,000 items: the first 1,000 were taken, the rest refused.',
          schema: liveCommentBatchRefusedAnswer,
        },
        422: {
          description: 'Some items were malformed and refused; the others were taken.',
          schema: liveCommentBatchRefusedAnswer,
        },
      },
    }),
    async (c) => {
      const outcome = await ingestCommentBatch(deps, runtime, {
        app: appOf(c),
        channel: c.req.valid('param').channel,
        batch: c.req.valid('json'),
      });
      const { refusedBecause, ...answer } = outcome;
      if (!refusedBecause) return c.json(answer, 200);
      const error = new ApiError(
        refusedBecause,
        `${answer.refused.length} item(s) refused, ${answer.accepted} taken; send only the refused ones again once fixed.`,
      );
      return c.json(
        { error: { code: error.code, message: error.message }, ...answer },
        error.status as 413 | 422 as never,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/live/settings',
      summary: 'The app’s livestream settings: reply callback, answer rounds, what makes a question hot',
      tags: TAGS,
      auth: ['secret'],
      status: 200,
      answer: liveSettingsAnswer,
    }),
    async (c) => {
      const { replySecret: _secret, ...settings } = await liveSettingsOf(deps, appOf(c).id);
      return c.json({ settings }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'put',
      path: '/v1/live/settings',
      summary: 'Change the app’s livestream settings (the reply secret is shown once)',
      description:
        'Room answers and pins are POSTed to `replyUrl`, signed with the reply secret like webhooks (`Threadline-Signature: t=…,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, `Threadline-Event-Id`). The secret is issued with the first `replyUrl` and on `rotateReplySecret`.',
      tags: TAGS,
      auth: ['secret'],
      body: liveSettingsBody,
      status: 200,
      answer: liveSettingsAnswer,
    }),
    async (c) => {
      const app = appOf(c);
      const body = c.req.valid('json');
      assertCallableUrl('replyUrl', body.replyUrl, callbackPolicy);
      const answer = await updateLiveSettings(deps, app.id, body);
      runtime.settingsChanged(app.id);
      return c.json(answer, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/channels/{channel}/rooms',
      summary: 'The channel’s livestream rooms, most recently changed last',
      tags: TAGS,
      auth: ['secret', 'agent'],
      params: z.object({ channel: channelSlug }),
      status: 200,
      answer: liveRoomListAnswer,
    }),
    async (c) => {
      const app = appOf(c);
      const { channel } = c.req.valid('param');
      viewerKindOf(app, channel);
      const rooms = await listRooms(deps.database.db, app.id, channel);
      return c.json({ rooms: await Promise.all(rooms.map(wireRoom)) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'put',
      path: '/v1/channels/{channel}/rooms/{roomId}',
      summary: 'Create or change a room: title, its own reply callback',
      tags: TAGS,
      auth: ['secret'],
      params: liveRoomParams,
      body: liveRoomBody,
      status: 200,
      answer: liveRoomAnswer,
    }),
    async (c) => {
      const { channel, roomId } = c.req.valid('param');
      const body = c.req.valid('json');
      assertCallableUrl('replyUrl', body.replyUrl, callbackPolicy);
      const room = await updateRoom(deps, await ensureRoom(deps, appOf(c), channel, roomId), body);
      runtime.roomChanged(room);
      return c.json({ room: await wireRoom(room) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/channels/{channel}/rooms/{roomId}',
      summary: 'A room: title, shelf, pinned answer',
      tags: TAGS,
      auth: ['secret', 'agent', 'room'],
      params: liveRoomParams,
      status: 200,
      answer: liveRoomAnswer,
    }),
    async (c) => c.json({ room: await wireRoom(await roomOf(c, c.req.valid('param'))) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'put',
      path: '/v1/channels/{channel}/rooms/{roomId}/shelf',
      summary: 'The products on the shelf in the current segment (the first is what “这个” means)',
      tags: TAGS,
      auth: ['secret'],
      params: liveRoomParams,
      body: liveShelfBody,
      status: 200,
      answer: liveRoomAnswer,
    }),
    async (c) => {
      const { channel, roomId } = c.req.valid('param');
      const room = await updateShelf(
        deps,
        await ensureRoom(deps, appOf(c), channel, roomId),
        c.req.valid('json'),
      );
      runtime.roomChanged(room);
      return c.json({ room: await wireRoom(room) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/channels/{channel}/rooms/{roomId}/hot-questions',
      summary: 'The room’s hot questions now: counts over the last 1, 5 and 15 minutes, askers, examples',
      tags: TAGS,
      auth: ['secret', 'agent', 'room'],
      params: liveRoomParams,
      status: 200,
      answer: liveHotQuestions,
    }),
    async (c) => c.json(await runtime.snapshot(await roomOf(c, c.req.valid('param'))), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{channel}/rooms/{roomId}/hot-questions/stream',
      operationId: deriveOperationId('get', '/v1/channels/{channel}/rooms/{roomId}/hot-questions/stream'),
      summary: 'Server-Sent Events of the room’s hot questions',
      description:
        'Every (re)connection starts with a full `live.hot_questions` view, then one after every batch and as windows slide; `live.answer` when an answer round went out. Views are whole, so a reconnect (with or without `Last-Event-ID`) loses nothing: the first event is the current state. Event ids rise across reconnects of one client. Comment lines are heartbeats.',
      tags: TAGS,
      security: [{ secretKey: [] }, { agentToken: [] }, { hostKey: [] }],
      middleware: [requireAuth(deps, 'secret', 'agent', 'room')] as const,
      request: { params: liveRoomParams },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        400: {
          description: 'Bad room or channel',
          content: { 'application/json': { schema: errorEnvelope } },
        },
        401: {
          description: 'No valid credential',
          content: { 'application/json': { schema: errorEnvelope } },
        },
        404: { description: 'No such room', content: { 'application/json': { schema: errorEnvelope } } },
      },
    }),
    async (c) => {
      // Validated by the route's params schema already; parsed again for its type.
      const room = await roomOf(c, liveRoomParams.parse(c.req.param()));
      const last = Number(c.req.header('last-event-id'));
      let nextId = Number.isSafeInteger(last) && last >= 0 ? last + 1 : 1;
      const queue: RoomEvent[] = [];
      let wake: (() => void) | null = null;
      // Each open card counts against the address's concurrent streams, like a shopper's stream.
      const release = await deps.limits.acquire(
        c.get('auth').app,
        'streamsPerIp',
        clientAddress(c, deps.trustedProxyHops),
      );
      let stop: () => void;
      try {
        stop = await runtime.listen(room, (event) => {
          // A newer view replaces an undelivered one: a slow reader gets the latest state, not a backlog.
          if (event.type === 'live.hot_questions') {
            const stale = queue.findIndex((e) => e.type === 'live.hot_questions');
            if (stale >= 0) queue.splice(stale, 1);
          } else if (queue.length >= MAX_QUEUED) {
            queue.shift();
          }
          queue.push(event);
          wake?.();
        });
      } catch (error) {
        release();
        throw error;
      }
      return streamSSE(c, async (stream) => {
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          stop();
          release();
          wake?.();
        };
        stream.onAbort(end);
        // A reader that stopped reading blocks the write: it is cut off at the socket rather than
        // buffered for (it gets the whole view again when it reconnects).
        const write = async (text: string) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<'stalled'>((resolve) => {
            timer = setTimeout(() => resolve('stalled'), deps.streamWriteTimeoutMs);
          });
          const outcome = await Promise.race([stream.write(text).then(() => 'written' as const), stalled]);
          clearTimeout(timer);
          if (outcome === 'written') return true;
          end();
          await stream.abort();
          (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing?.destroy();
          return false;
        };
        try {
          if (!(await write(': connected\n\n'))) return;
          while (!stream.aborted && !stream.closed && !ended) {
            if (queue.length === 0) {
              const woke = await new Promise<boolean>((resolve) => {
                const timer = setTimeout(() => resolve(false), deps.heartbeatMs);
                wake = () => {
                  clearTimeout(timer);
                  resolve(true);
                };
              });
              wake = null;
              if (!woke && !stream.aborted && !(await write(': ping\n\n'))) return;
              continue;
            }
            const event = queue.shift()!;
            const frame = `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\nid: ${nextId++}\n\n`;
            if (!(await write(frame))) return;
          }
        } finally {
          end();
        }
      });
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/channels/{channel}/rooms/{roomId}/pins',
      summary: 'Pin a question’s answer in the room (the suggested one, or the host’s own words)',
      description:
        'The room keeps the pin (the host’s card shows it) and the reply callback receives a `room.pin` to post and pin it.',
      tags: TAGS,
      auth: ['secret', 'agent', 'room'],
      params: liveRoomParams,
      body: livePinBody,
      status: 200,
      answer: livePinAnswer,
    }),
    async (c) => {
      const room = await roomOf(c, c.req.valid('param'));
      const settings = await liveSettingsOf(deps, room.appId);
      const body = c.req.valid('json');
      const pinned = await pinAnswer(deps, {
        room,
        questionKey: body.questionKey,
        text: body.text,
        replyUrl: room.replyUrl ?? settings.replyUrl,
      });
      runtime.roomChanged(pinned.room);
      return c.json({ room: await wireRoom(pinned.room), delivery: pinned.delivery }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/channels/{channel}/rooms/{roomId}/pins',
      summary: 'Take the pinned answer down (on the card; the connector unpins on its side)',
      tags: TAGS,
      auth: ['secret', 'agent', 'room'],
      params: liveRoomParams,
      status: 200,
      answer: liveRoomAnswer,
    }),
    async (c) => {
      const room = await unpin(deps, await roomOf(c, c.req.valid('param')));
      runtime.roomChanged(room);
      return c.json({ room: await wireRoom(room) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/channels/{channel}/rooms/{roomId}/figures',
      summary: 'Room figures: comments per minute, question share, top questions, answered share',
      description: 'Read from the comment log. `from`/`to` (ISO 8601) bound the comments’ times.',
      tags: TAGS,
      auth: ['secret', 'agent'],
      params: liveRoomParams,
      query: liveFiguresQuery,
      status: 200,
      answer: liveRoomFigures,
    }),
    async (c) => {
      const room = await roomOf(c, c.req.valid('param'));
      const query = c.req.valid('query');
      const range = {
        from: query.from ? Date.parse(query.from) : undefined,
        to: query.to ? Date.parse(query.to) : undefined,
      };
      return c.json(await roomFigures(deps.database.db, room, range), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/channels/{channel}/rooms/{roomId}/host-keys',
      summary: 'A short-lived key and link for the host’s card',
      description:
        'The key (`rk_…`, shown once) reads this room’s hot questions and pins answers, nothing else; it expires after `ttlSec` (default 12 h, at most 24 h). `cardUrl` carries it in the fragment, which browsers never send to a server.',
      tags: TAGS,
      auth: ['secret', 'agent'],
      params: liveRoomParams,
      body: liveHostKeyBody,
      status: 201,
      answer: liveHostKeyAnswer,
    }),
    async (c) => {
      const { channel, roomId } = c.req.valid('param');
      const room = await ensureRoom(deps, appOf(c), channel, roomId);
      const { key, expiresAt } = await createHostKey(
        deps,
        room,
        c.req.valid('json').ttlSec ?? DEFAULT_HOST_KEY_TTL_SEC,
      );
      const base = deps.config.publicUrl ?? new URL(c.req.url).origin;
      const cardUrl = `${base}/live/${encodeURIComponent(channel)}/${encodeURIComponent(roomId)}#key=${key}`;
      return c.json({ key, expiresAt: iso(expiresAt), cardUrl }, 201);
    },
  );

  return router;
}
