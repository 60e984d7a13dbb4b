import { OpenAPIHono } from '@hono/zod-openapi';
import {
  createSessionBody,
  identifyAnswer,
  identifyBody,
  sessionAnswer,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { identifySession, startSession } from './sessions';

export function sessionsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/sessions',
      operationId: 'createSession',
      summary: 'Start a session',
      description:
        'Anonymous by default; an identityToken, wechatCode or handoffCode binds it to a verified customer, and the device’s anonymous history follows.',
      tags: ['Sessions'],
      auth: ['publishable'],
      body: createSessionBody,
      status: 201,
      answer: sessionAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'publishable') throw new Error('unreachable');
      const answer = await startSession(deps, deps.handoffGuards, {
        app: auth.app,
        body: c.req.valid('json'),
        clientKey: clientAddress(c, deps.trustProxy),
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
      tags: ['Sessions'],
      auth: ['session'],
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
  return router;
}
