import { OpenAPIHono } from '@hono/zod-openapi';
import { auditList, auditQuery } from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import { listAudit } from './audit-log';

/** The audit log, for the merchant's backend and supervisors. */
export function auditRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/audit-log',
      summary: 'Who unmasked which personal data, and agent and token changes, newest first',
      description:
        'The secret key or a supervisor’s agent token. Entries name fields and reasons, never values.',
      tags: ['Agents'],
      auth: ['secret', 'agent'],
      query: auditQuery,
      status: 200,
      answer: auditList,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind === 'agent' && auth.agent.role !== 'supervisor')
        throw new ApiError('role_forbidden', 'Only supervisors read the audit log.');
      return c.json(await listAudit(deps, auth.app.id, c.req.valid('query')), 200);
    },
  );
  return router;
}
