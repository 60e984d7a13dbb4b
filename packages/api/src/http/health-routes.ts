import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorEnvelope, healthAnswer } from '@threadline/sdk-core/protocol';
import { VERSION } from '../version';
import type { ApiEnv } from './auth';

export function healthRouter() {
  const router = new OpenAPIHono<ApiEnv>();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/v1/health',
      operationId: 'getHealth',
      summary: 'Liveness and version',
      description: 'For load balancers and uptime checks: no credential, no database round trip.',
      tags: ['Meta'],
      // No credential at all (an empty requirement), rather than an undefined one.
      security: [],
      responses: {
        200: { description: 'The server is up.', content: { 'application/json': { schema: healthAnswer } } },
        '4XX': {
          description: 'Only for other methods on this path; every error comes in the one envelope.',
          content: { 'application/json': { schema: errorEnvelope } },
        },
      },
    }),
    (c) => c.json({ ok: true as const, version: VERSION }, 200),
  );
  return router;
}
