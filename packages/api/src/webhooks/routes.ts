import { OpenAPIHono } from '@hono/zod-openapi';
import {
  createWebhookBody,
  updateWebhookBody,
  webhookAnswer,
  webhookCreated,
  webhookDeleted,
  webhookDeliveriesQuery,
  webhookDeliveryAnswer,
  webhookDeliveryList,
  webhookDeliveryParams,
  webhookIdParams,
  webhookList,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { auditActorOf } from '../audit/audit-log';
import { type ApiEnv, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  updateWebhook,
} from './subscriptions';

const SIGNING =
  'Deliveries are `POST url` with `{id, type, createdAt, data}` and the headers `Threadline-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and `Threadline-Event-Id` (the same on every retry: deduplicate by it). Verify with `verifyWebhook` from `@threadline/api/webhooks`.';

/**
 * Who manages an app's webhooks: the merchant's backend (secret key) or a supervisor in the
 * console (agent token). A webhook sends every customer message to a URL of the manager's
 * choosing, so a plain agent may not, and every change is audited with who made it.
 */
function managerOf(c: { get(key: 'auth'): ApiEnv['Variables']['auth'] }) {
  const auth = c.get('auth');
  if (auth.kind === 'agent' && auth.agent.role !== 'supervisor')
    throw new ApiError('role_forbidden', 'Only supervisors manage webhooks.');
  return { appId: auth.app.id, actor: auditActorOf(auth) };
}

const MANAGERS =
  ' The secret key, or a supervisor’s agent token (the console’s webhook settings); other agents get 403 `role_forbidden`.';

/** Webhook subscriptions and their delivery log (secret key or a supervisor's agent token). */
export function webhooksRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const appId = (c: { get(key: 'auth'): ApiEnv['Variables']['auth'] }) => managerOf(c).appId;

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/webhooks',
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to events; the signing secret is shown once',
      description: `Event types: \`message.created\` (customer, bot and agent messages), \`conversation.updated\` (status, assignment), \`ticket.created\`, \`ticket.updated\`, \`handoff.claimed\`, \`customer.merged\`, \`customer.updated\`, \`customer.erased\`, or \`*\`. Events are written in the same transaction as the change, delivered in order per conversation, retried with backoff for 3 days; a 410 answer disables the webhook. The URL must be https on a public host (no credentials, no fragment); servers started for development may allow http and private hosts. ${SIGNING}${MANAGERS}`,
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      body: createWebhookBody,
      status: 201,
      answer: webhookCreated,
    }),
    async (c) => {
      const { appId, actor } = managerOf(c);
      const by = { actor, from: clientAddress(c, deps.trustedProxyHops) };
      return c.json(await createWebhook(deps, appId, c.req.valid('json'), by), 201);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/webhooks',
      operationId: 'listWebhooks',
      summary: 'The app’s webhooks with their health and pending deliveries',
      description: MANAGERS.trim(),
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      status: 200,
      answer: webhookList,
    }),
    async (c) => c.json(await listWebhooks(deps, appId(c)), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/webhooks/{id}',
      operationId: 'getWebhook',
      summary: 'One webhook',
      description: MANAGERS.trim(),
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      params: webhookIdParams,
      status: 200,
      answer: webhookAnswer,
    }),
    async (c) => c.json(await getWebhook(deps, appId(c), c.req.valid('param').id), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/webhooks/{id}',
      operationId: 'updateWebhook',
      summary: 'Change a webhook’s URL, events or description; enable or disable it',
      description: `Disabling keeps pending deliveries; enabling (also after a 410 disabled it) resumes them in order. New events are not queued for a disabled webhook.${MANAGERS}`,
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      params: webhookIdParams,
      body: updateWebhookBody,
      status: 200,
      answer: webhookAnswer,
    }),
    async (c) => {
      const { appId, actor } = managerOf(c);
      const by = { actor, from: clientAddress(c, deps.trustedProxyHops) };
      return c.json(await updateWebhook(deps, appId, c.req.valid('param').id, c.req.valid('json'), by), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Remove a webhook, its queue and its delivery log',
      description: MANAGERS.trim(),
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      params: webhookIdParams,
      status: 200,
      answer: webhookDeleted,
    }),
    async (c) => {
      const { appId, actor } = managerOf(c);
      const by = { actor, from: clientAddress(c, deps.trustedProxyHops) };
      return c.json(await deleteWebhook(deps, appId, c.req.valid('param').id, by), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log: every event sent, with each attempt’s status, latency and answer',
      description:
        'Newest first. `pending` deliveries are waiting (behind an earlier event of their conversation) or retrying (`nextAttemptAt`); `failed` ones gave up after the retry window. Each carries its latest attempts: status code (null when no answer came), latency in ms, the first 512 characters of the answer, or the error.' +
        MANAGERS,
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      params: webhookIdParams,
      query: webhookDeliveriesQuery,
      status: 200,
      answer: webhookDeliveryList,
    }),
    async (c) =>
      c.json(await listDeliveries(deps, appId(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      operationId: 'redeliverWebhookEvent',
      summary: 'Send a delivery’s event again (same event id), now',
      description:
        'Queues a new delivery of the same event outside its conversation’s order, due at once. 410 `event_expired` when the event is no longer kept (its customer was erased).' +
        MANAGERS,
      tags: ['Webhooks'],
      auth: ['secret', 'agent'],
      params: webhookDeliveryParams,
      status: 202,
      answer: webhookDeliveryAnswer,
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      const { appId, actor } = managerOf(c);
      const by = { actor, from: clientAddress(c, deps.trustedProxyHops) };
      return c.json(await redeliver(deps, appId, id, deliveryId, by), 202);
    },
  );

  return router;
}
