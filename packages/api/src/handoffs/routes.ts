import { OpenAPIHono } from '@hono/zod-openapi';
import { createHandoffBody, handoffAnswer } from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { resolveChannelSender } from '../channels';
import { type ApiEnv, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { resolveCustomer } from '../identity';
import { ApiError } from '../platform/errors';
import { createHandoff } from './handoffs';

export function handoffsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/handoffs',
      operationId: 'createHandoff',
      summary: 'Create a code that continues this conversation on another channel',
      description:
        'A session hands off its own customer (limited per session, address and app). The merchant backend (sk) and agents name the customer by id, externalId or phone — e.g. an IVR texting an app link to a caller.',
      tags: ['Handoff'],
      auth: ['session', 'secret', 'agent'],
      body: createHandoffBody,
      status: 201,
      answer: handoffAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const body = c.req.valid('json');
      let customerId: string;
      let fromChannel: string | undefined;
      let createdBy: string;
      if (auth.kind === 'session') {
        // Per session, per address (sessions are free to make) and per app (the short-code space is
        // the app's). Codes the merchant or an agent make are not counted: a flood never holds them up.
        await deps.limits.consume(auth.app, 'handoffsPerSessionPerHour', auth.session.id);
        await deps.limits.consume(auth.app, 'handoffsPerIpPerHour', clientAddress(c, deps.trustedProxyHops));
        await deps.limits.consume(auth.app, 'handoffsPerAppPerHour', '*');
        customerId = auth.session.customerId;
        fromChannel = auth.session.channel;
        createdBy = `session:${auth.session.id}`;
      } else {
        const target = body.customer;
        if (!target || !(target.id || target.externalId || target.phone)) {
          throw new ApiError(
            'validation_failed',
            'Name the customer: customer.id, customer.externalId or customer.phone.',
          );
        }
        if (target.id) {
          customerId = (await resolveCustomer(deps.database.db, auth.app.id, target.id)).id;
        } else {
          customerId = (
            await resolveChannelSender(deps, auth.app, { externalId: target.externalId, phone: target.phone })
          ).id;
        }
        createdBy = auth.kind === 'agent' ? `agent:${auth.agent.id}` : 'merchant';
      }
      const answer = await createHandoff(deps, {
        app: auth.app,
        customerId,
        fromChannel,
        toChannel: body.toChannel,
        createdBy,
      });
      return c.json(answer, 201);
    },
  );
  return router;
}
