import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { healthAnswer } from '@threadline/sdk-core/protocol';
import { VERSION } from '../version';
import type { ApiEnv } from './auth';

export function healthRouter() {
  const router = new OpenAPIHono<ApiEnv>();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/v1/health',
      summary: 'Liveness',
      tags: ['Meta'],
      responses: { 200: { description: 'OK', content: { 'application/json': { schema: healthAnswer } } } },
    }),
    (c) => c.json({ ok: true as const, version: VERSION }, 200),
  );
  return router;
}
