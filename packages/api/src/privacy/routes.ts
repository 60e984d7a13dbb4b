import { OpenAPIHono } from '@hono/zod-openapi';
import {
  customerErased,
  customerExport,
  customerIdParams,
  eraseCustomerQuery,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { type ApiEnv, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { eraseCustomer } from './erase';
import { exportCustomer } from './export';

/** GDPR: export and erase a customer across every channel (secret key). */
export function privacyRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/customers/{id}/export',
      operationId: 'exportCustomer',
      summary: 'Everything about a customer on every channel, as one JSON document (GDPR access)',
      description:
        'Any of the person’s customer ids (merged-away ids included) gives the same document: identities (phone and email in full), contact details, sessions, conversations, every message on every channel, tickets, orders, tracked events, handoffs, agents’ notes, assignments and unanswered questions, decrypted. The export is recorded in the audit log.',
      tags: ['Privacy'],
      auth: ['secret'],
      params: customerIdParams,
      status: 200,
      answer: customerExport,
    }),
    async (c) =>
      c.json(
        await exportCustomer(deps, c.get('auth').app.id, c.req.valid('param').id, {
          address: clientAddress(c, deps.trustedProxyHops),
        }),
        200,
      ),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/customers/{id}',
      operationId: 'eraseCustomer',
      summary: 'Erase a customer everywhere (GDPR erasure); idempotent',
      description:
        'Destroys the person’s data keys and deletes identities, sessions, contact details, orders, tracked events, tickets, handoffs, notes and queued webhook events, for the customer and every customer merged into it. `messages=redact` (default) keeps messages as `[erased]` in closed conversations; `messages=delete` removes them with the conversations. A tombstone keeps counts only. Sends `customer.erased` to webhooks and records the erasure in the audit log. Erasing again answers the same.',
      tags: ['Privacy'],
      auth: ['secret'],
      params: customerIdParams,
      query: eraseCustomerQuery,
      status: 200,
      answer: customerErased,
    }),
    async (c) =>
      c.json(
        await eraseCustomer(deps, c.get('auth').app.id, c.req.valid('param').id, {
          messages: c.req.valid('query').messages,
          address: clientAddress(c, deps.trustedProxyHops),
        }),
        200,
      ),
  );
  return router;
}
