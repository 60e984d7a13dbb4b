import { OpenAPIHono } from '@hono/zod-openapi';
import {
  createSessionBody,
  identifyAnswer,
  identifyBody,
  revokedAnswer,
  sessionAnswer,
} from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { limitRoute } from '../http/limit-route';
import { endSession, identifySession, revokeCustomerSessions, startSession } from './sessions';

const idParam = z.object({ id: z.string().min(1).max(128) });

export function sessionsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/sessions',
      operationId: 'createSession',
      summary: 'Start a session',
      description:
        'Anonymous by default; an identityToken or wechatCode binds it to a verified customer (the device’s anonymous history follows), a handoffCode continues that code’s conversation in this one session. A 6-digit short code needs handoffCheck. Rate-limited per address and per app.',
      tags: ['Sessions'],
      auth: ['publishable'],
      middleware: [limitRoute(deps, ['sessionsPerIpPerMinute', 'ip'], ['sessionsPerAppPerMinute', 'app'])],
      body: createSessionBody,
      status: 201,
      answer: sessionAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'publishable') throw new Error('unreachable');
      const answer = await startSession(deps, deps.limits, {
        app: auth.app,
        body: c.req.valid('json'),
        clientKey: clientAddress(c, deps.trustedProxyHops),
      });
      return c.json(answer, 201);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/identify',
      operationId: 'identifySession',
      summary: 'Identify the session’s customer with a merchant-signed identity token',
      description:
        'Only this session (and its device’s anonymous history) moves to the verified customer; other sessions never follow, and the device id is unlinked. Counted per address with session starts.',
      tags: ['Sessions'],
      auth: ['session'],
      middleware: [limitRoute(deps, ['sessionsPerIpPerMinute', 'ip'])],
      body: identifyBody,
      status: 200,
      answer: identifyAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'session') throw new Error('unreachable');
      const answer = await identifySession(deps, {
        app: auth.app,
        session: auth.session,
        identityToken: c.req.valid('json').identityToken,
      });
      return c.json(answer, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/session',
      summary: 'Log out: end this session and forget its device id',
      description: 'The SDK’s reset() calls this. Open streams of the session end.',
      tags: ['Sessions'],
      auth: ['session'],
      status: 200,
      answer: revokedAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'session') throw new Error('unreachable');
      const revoked = await endSession(deps, { app: auth.app, session: auth.session });
      return c.json({ revoked: revoked.length }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/sessions/{id}',
      summary: 'Revoke one session',
      description:
        'Its token stops working at once and its open streams end. The device may start a new session with what it can still prove.',
      tags: ['Sessions'],
      auth: ['secret'],
      params: idParam,
      status: 200,
      answer: revokedAnswer,
    }),
    async (c) => {
      const revoked = await revokeCustomerSessions(deps, {
        app: c.get('auth').app,
        sessionId: c.req.valid('param').id,
      });
      return c.json({ revoked }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/customers/{id}/sessions',
      summary: 'Revoke every session of a customer (sign out everywhere)',
      description:
        'Every session of the customer (and of customers merged into it) ends; identity tokens issued before now no longer start or identify sessions for it.',
      tags: ['Sessions'],
      auth: ['secret'],
      params: idParam,
      status: 200,
      answer: revokedAnswer,
    }),
    async (c) => {
      const revoked = await revokeCustomerSessions(deps, {
        app: c.get('auth').app,
        customerId: c.req.valid('param').id,
      });
      return c.json({ revoked }, 200);
    },
  );
  return router;
}
