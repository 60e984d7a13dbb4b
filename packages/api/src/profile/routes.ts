import { OpenAPIHono } from '@hono/zod-openapi';
import {
  customerAnswer,
  customerEventsAnswer,
  customerEventsBody,
  upsertCustomerBody,
  upsertOrdersAnswer,
  upsertOrdersBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { upsertCustomerProfile } from './customers';
import { upsertOrders } from './orders';
import { recordCustomerEvents } from './track';

/** The merchant backend keeps profiles in sync: attributes and contact, orders, events (secret key). */
export function profileRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/customers',
      summary: 'Create or update a customer’s profile: name, attributes, phone, address, payment',
      description:
        'Names the customer by Threadline id, your user id (externalId), phone or another identity — found or created, verified. Attributes merge (`null` removes one; `vip: true` puts their conversations first). Phone, address and payment are encrypted at rest and masked for agents; `null` removes them.',
      tags: ['Profiles'],
      auth: ['secret'],
      body: upsertCustomerBody,
      status: 200,
      answer: customerAnswer,
    }),
    async (c) => {
      const customer = await upsertCustomerProfile(deps, c.get('auth').app, c.req.valid('json'));
      return c.json(
        {
          customer: {
            id: customer.id,
            identified: customer.identified,
            name: customer.name,
            attributes: customer.attributes,
          },
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/orders',
      summary: 'Create or update a customer’s orders (up to 100; the same order id updates)',
      description:
        'Status, items, amount and tracking number as your shop has them; shipping address and payment method are encrypted at rest and masked for agents.',
      tags: ['Profiles'],
      auth: ['secret'],
      body: upsertOrdersBody,
      status: 200,
      answer: upsertOrdersAnswer,
    }),
    async (c) => c.json(await upsertOrders(deps, c.get('auth').app, c.req.valid('json')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/customer-events',
      summary: 'Record what a customer did, from your backend (add_to_cart, order_placed, product_view…)',
      description:
        'The same events as `POST /v1/track` from a session; `at` back-dates one. They feed the profile’s cart, recent views and events.',
      tags: ['Profiles'],
      auth: ['secret'],
      body: customerEventsBody,
      status: 202,
      answer: customerEventsAnswer,
    }),
    async (c) => c.json(await recordCustomerEvents(deps, c.get('auth').app, c.req.valid('json')), 202),
  );
  return router;
}
