import { OpenAPIHono } from '@hono/zod-openapi';
import { followUpEffectAnswer, insightsQuery } from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { followUpEffect } from './follow-up-effect';

/** The measured effect of follow-ups (issue 19): sent, opened, orders within 30 days. */
export function followUpEffectRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  router.openapi(
    defineRoute(deps, {
      // Tagged Insights: the secret key or a supervisor (defineRoute's gate).
      tags: ['Insights'],
      auth: ['secret', 'agent'],
      method: 'get',
      path: '/v1/insights/follow-ups',
      summary: 'What follow-ups did, per period, channel and rule: sent, opened, orders within 30 days',
      description:
        'The secret key or a supervisor’s agent token. Periods by send time in the app’s time zone (or `timeZone`). *Opened*: the card’s click-through link (`meta.card.clickUrl`, `GET /r/{token}`) was followed at least once, at any time since; `opens` counts every open. *Ordered*: the customer (over every id merged into them) placed an order (`POST /v1/orders`, by `placedAt`) after the send and within 30 days; an order counts once, for the latest follow-up sent before it. Rows: `scope: all` (always there), one per send channel, one per rule (`ruleId: null` for rules since deleted). Also as CSV: `GET /v1/insights/export/follow-ups`.',
      query: insightsQuery,
      status: 200,
      answer: followUpEffectAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const app = { id: auth.app.id, timeZone: auth.app.settings.timeZone };
      return c.json(await followUpEffect(deps, app, c.req.valid('query')), 200);
    },
  );
  return router;
}
