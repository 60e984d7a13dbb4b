import { OpenAPIHono } from '@hono/zod-openapi';
import { appAnswer, rotateKeyAnswer, rotateKeyBody, updateAppBody } from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { rotateCredential, toAppAnswer, updateMerchantApp } from './apps';

/** The merchant's own app settings: origins, channels, token lifetime, handoff links, WeChat, limits, keys. */
export function appSettingsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/app',
      operationId: 'getApp',
      summary: 'Read the app’s settings',
      description: 'Rate limits are the ones in force: the app’s own over the defaults.',
      tags: ['App'],
      auth: ['secret'],
      status: 200,
      answer: appAnswer,
    }),
    (c) => {
      const app = c.get('auth').app;
      return c.json(toAppAnswer(app, deps.limits.of(app)), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/app',
      operationId: 'updateApp',
      summary: 'Change the app’s settings',
      description:
        'Omitted fields stay as they are; `null` clears handoffUrlBase or wechat, and restores every default rate limit. allowedOrigins are exact origins (scheme://host[:port]); handoffUrlBase is an http(s) URL.',
      tags: ['App'],
      auth: ['secret'],
      body: updateAppBody.meta({
        example: {
          allowedOrigins: ['https://shop.example'],
          phoneRegion: 'CN',
          rateLimits: { messagesPerSessionPerMinute: 20 },
        },
      }),
      status: 200,
      answer: appAnswer,
    }),
    async (c) => {
      const updated = await updateMerchantApp(deps, c.get('auth').app.id, c.req.valid('json'));
      return c.json(toAppAnswer(updated, deps.limits.of(updated)), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/app/keys/rotate',
      summary: 'Rotate the publishable key, the secret key or an agent’s token',
      description:
        'Returns the new credential once. The credential it replaces keeps working for `overlapSec` (default 86,400; 0 ends it now), so you can roll the new one out first.',
      tags: ['App'],
      auth: ['secret'],
      body: rotateKeyBody.meta({ example: { kind: 'secret', overlapSec: 3600 } }),
      status: 201,
      answer: rotateKeyAnswer,
    }),
    async (c) => c.json(await rotateCredential(deps, c.get('auth').app.id, c.req.valid('json')), 201),
  );
  return router;
}
