import { OpenAPIHono } from '@hono/zod-openapi';
import { appAnswer, updateAppBody } from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { toAppAnswer, updateMerchantApp } from './apps';

/** The merchant's own app settings: origins, channels, token lifetime, handoff links, WeChat. */
export function appSettingsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/app',
      operationId: 'getApp',
      summary: 'Read the app’s settings',
      tags: ['App'],
      auth: ['secret'],
      status: 200,
      answer: appAnswer,
    }),
    (c) => c.json(toAppAnswer(c.get('auth').app), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/app',
      operationId: 'updateApp',
      summary: 'Change the app’s settings',
      description: 'Omitted fields stay as they are; `null` clears handoffUrlBase or wechat.',
      tags: ['App'],
      auth: ['secret'],
      body: updateAppBody,
      status: 200,
      answer: appAnswer,
    }),
    async (c) =>
      c.json(toAppAnswer(await updateMerchantApp(deps, c.get('auth').app.id, c.req.valid('json'))), 200),
  );
  return router;
}
