import { OpenAPIHono } from '@hono/zod-openapi';
import {
  ticketAnswer,
  ticketList,
  ticketListQuery,
  ticketUpdateBody,
  unansweredInsights,
  unansweredQuery,
} from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { clusterUnanswered } from '../insights';
import { getTicket, listTickets, updateTicket } from './tickets';

const ticketIdParam = z.object({ id: z.string().min(1).max(64) });

/** Tickets the bot opened (returns, exchanges…) and what it could not answer — for the merchant and agents. */
export function ticketsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/tickets',
      operationId: 'listTickets',
      summary: 'List tickets, newest activity first',
      tags: ['Tickets'],
      auth: ['secret', 'agent'],
      query: ticketListQuery,
      status: 200,
      answer: ticketList,
    }),
    async (c) =>
      c.json({ tickets: await listTickets(deps, c.get('auth').app.id, c.req.valid('query')) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/tickets/{id}',
      operationId: 'getTicket',
      summary: 'Read one ticket',
      tags: ['Tickets'],
      auth: ['secret', 'agent'],
      params: ticketIdParam,
      status: 200,
      answer: ticketAnswer,
    }),
    async (c) =>
      c.json({ ticket: await getTicket(deps, c.get('auth').app.id, c.req.valid('param').id) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/tickets/{id}',
      operationId: 'updateTicket',
      summary:
        'Change a ticket’s status or fields, or add a note (the customer’s sessions get ticket.updated)',
      description:
        'A ticket of an erased customer (`customerId` `erased_…`) is kept, without personal data, for past figures only: any change answers 409 `conflict`.',
      tags: ['Tickets'],
      auth: ['secret', 'agent'],
      params: ticketIdParam,
      body: ticketUpdateBody,
      status: 200,
      answer: ticketAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const by = auth.kind === 'agent' ? `agent:${auth.agent.id}` : 'merchant';
      const ticket = await updateTicket(deps, auth.app.id, c.req.valid('param').id, c.req.valid('json'), by);
      return c.json({ ticket }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/insights/unanswered',
      operationId: 'getUnansweredInsights',
      summary: 'Questions the bot could not answer confidently, clustered, with counts per channel',
      tags: ['Insights'],
      auth: ['secret', 'agent'],
      query: unansweredQuery,
      status: 200,
      answer: unansweredInsights,
    }),
    async (c) => c.json(await clusterUnanswered(deps, c.get('auth').app.id, c.req.valid('query')), 200),
  );
  return router;
}
