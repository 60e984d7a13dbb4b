import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { ApiError } from '../platform/errors';
import { openCardLink } from './clicks';

const clickParams = z.object({
  token: z.string().max(128).meta({ example: 'msg_0mh4t2b1kQ7pX2vR9sLd.Yk3v9Qm1XcT8a2Lr5Wn0pB' }),
});

/**
 * The card click-through redirect. Not a Bearer route: the link is opened by a shopper's browser
 * (or a mini-program web-view, or a phone after an SMS); the token itself is the proof.
 */
export function cardClickRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  router.openapi(
    createRoute({
      method: 'get',
      path: '/r/{token}',
      operationId: 'openCardLink',
      summary: 'A link card’s click-through: records the open, then redirects to the card’s target',
      description:
        'Every link card a follow-up or an agent sends carries `meta.card.clickUrl` (this route with a signed token for that message; a path when the server has no `publicUrl`, which clients resolve against their API URL) beside the real `targetUrl`. Opening it records the card as opened (the first open’s time once; repeats are counted) and answers 302 to the `targetUrl` stored with the message — never to anything the request names. A malformed or forged token, a message that is gone (erased), or a target whose host is no longer one of the app’s card hosts (allowedOrigins and cardHosts, read when the link is opened) is 404. HEAD requests (link previews) redirect without being counted. With `Accept: application/json` (an app or a mini-program opening the target in its own web-view) the answer is 200 `{targetUrl}` instead of the redirect, the open recorded the same way.',
      tags: ['Follow-ups'],
      // No Bearer credential: the signed token is the proof.
      security: [],
      request: { params: clickParams },
      responses: {
        200: {
          description:
            'With `Accept: application/json` (an app or mini-program that opens the page in its own web-view): the open is recorded and the target given, not redirected to.',
          content: {
            'application/json': {
              schema: z.object({
                targetUrl: z.string().meta({ example: 'https://shop.example/care/leather-tote' }),
              }),
            },
          },
        },
        302: { description: 'To the card’s target (`Location`).' },
        400: { description: 'Bad input', content: { 'application/json': { schema: errorEnvelope } } },
        404: {
          description: 'Unknown or forged token, or the card is gone.',
          content: { 'application/json': { schema: errorEnvelope } },
        },
      },
    }),
    async (c) => {
      const target = await openCardLink(deps, c.req.valid('param').token, {
        record: c.req.method !== 'HEAD',
      });
      if (!target) throw new ApiError('not_found', 'No such link.');
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      const accept = c.req.header('accept') ?? '';
      if (accept.includes('application/json') && !accept.includes('text/html'))
        return c.json({ targetUrl: target }, 200);
      return c.redirect(target, 302) as never;
    },
  );
  return router;
}
