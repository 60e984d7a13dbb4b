import { OpenAPIHono } from '@hono/zod-openapi';
import {
  cannedRepliesAnswer,
  cannedRepliesQuery,
  consoleSearchQuery,
  conversationIdParam,
  conversationStateAnswer,
  csatAnswer,
  csatBody,
  csatInsightsAnswer,
  csatInsightsQuery,
  escalateAnswer,
  inboxRow,
  intentNamesAnswer,
  labelsAnswer,
  labelsBody,
  snoozeAnswer,
  snoozeBody,
} from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { listIntents } from '../knowledge';
import { createCannedReplies } from './canned-replies';
import { csatInsights, rateConversation, type Shopper } from './csat';
import { setLabels, snoozeConversation } from './labels-and-snooze';
import { searchConversations } from './search';
import { backToBot, conversationState } from './shopper-wait';

type Auth = ApiEnv['Variables']['auth'];
const agentOf = (auth: Auth) => {
  if (auth.kind !== 'agent') throw new Error('unreachable');
  return auth;
};
const shopperOf = (auth: Auth): Shopper => {
  if (auth.kind !== 'session') throw new Error('unreachable');
  return { appId: auth.app.id, customerId: auth.session.customerId, channel: auth.session.channel };
};
const CONSOLE = { tags: ['Agent console'], auth: ['agent' as const] };

/**
 * What agents rely on daily beyond the inbox (search, canned replies, labels, snooze), CSAT, and
 * the shopper's side of a handoff (the honest wait state, back to the bot, rating the service).
 */
export function agentWorkspaceRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const canned = createCannedReplies(deps);

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/search',
      summary:
        'Search conversations by message text, customer name or user id, full phone number or order id',
      description:
        'Phones are stored encrypted with a keyed hash for look-ups, so a whole number matches and partial digits do not; results show them masked.',
      query: consoleSearchQuery,
      status: 200,
      answer: z.object({ conversations: z.array(inboxRow) }),
    }),
    async (c) => {
      const { app } = agentOf(c.get('auth'));
      return c.json(
        {
          conversations: await searchConversations(
            deps,
            app.id,
            c.req.valid('query'),
            app.settings.phoneRegion,
          ),
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/replies',
      summary: 'Canned replies: the knowledge base’s articles that match, to insert into a reply',
      query: cannedRepliesQuery,
      status: 200,
      answer: cannedRepliesAnswer,
    }),
    async (c) => {
      const { app } = agentOf(c.get('auth'));
      const { q, limit } = c.req.valid('query');
      return c.json({ replies: await canned.search(app.id, q, limit) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/intents',
      summary:
        'The app’s intents by id and display name (from the knowledge base), to label rows and summaries',
      status: 200,
      answer: intentNamesAnswer,
    }),
    async (c) => {
      const { app } = agentOf(c.get('auth'));
      const intents = await listIntents(deps, app.id);
      return c.json({ intents: intents.map(({ id, name }) => ({ id, name })) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'put',
      path: '/v1/agent/conversations/{id}/labels',
      summary: 'Replace the conversation’s labels (every console sees the row change live)',
      params: conversationIdParam,
      body: labelsBody,
      status: 200,
      answer: labelsAnswer,
    }),
    async (c) => {
      const { agent } = agentOf(c.get('auth'));
      return c.json(await setLabels(deps, agent, c.req.valid('param').id, c.req.valid('json').labels), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/snooze',
      summary: 'Snooze until a time (or the customer’s next message); `until: null` wakes it',
      params: conversationIdParam,
      body: snoozeBody,
      status: 200,
      answer: snoozeAnswer,
    }),
    async (c) => {
      const { agent } = agentOf(c.get('auth'));
      return c.json(
        await snoozeConversation(deps, agent, c.req.valid('param').id, c.req.valid('json').until),
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/insights/csat',
      summary: 'Customer satisfaction per channel and per agent: responses, mean, CSAT score, distribution',
      tags: ['Insights'],
      auth: ['secret', 'agent'],
      query: csatInsightsQuery,
      status: 200,
      answer: csatInsightsAnswer,
    }),
    async (c) => {
      const { since, until } = c.req.valid('query');
      // `until` is inclusive on this route: [since, until + 1 ms).
      const range = {
        ...(since ? { from: Date.parse(since) } : {}),
        ...(until ? { to: Date.parse(until) + 1 } : {}),
      };
      return c.json(await csatInsights(deps, c.get('auth').app.id, range), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/conversation',
      summary: 'The open conversation, and while it waits for a person: place in the queue and agents online',
      description:
        '`wait.agentsOnline: 0` means nobody who could answer is online: say so, and that the reply will come here. `rateable` names a resolved conversation still to be rated (CSAT). `language` is the shop’s language (PATCH /v1/app), which the web widget speaks unless the page sets its own.',
      tags: ['Conversation'],
      auth: ['session'],
      status: 200,
      answer: conversationStateAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const state = await conversationState(deps, shopperOf(auth));
      return c.json({ ...state, language: auth.app.settings.language ?? null }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/conversation/bot',
      summary: 'Stop waiting for a person and go back to the bot (only while queued)',
      tags: ['Conversation'],
      auth: ['session'],
      status: 200,
      answer: escalateAnswer,
    }),
    async (c) => c.json(await backToBot(deps, shopperOf(c.get('auth'))), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/csat',
      summary: 'Rate a resolved conversation 1–5 with an optional comment (again changes the rating)',
      tags: ['Conversation'],
      auth: ['session'],
      body: csatBody,
      status: 201,
      answer: csatAnswer,
    }),
    async (c) => c.json(await rateConversation(deps, shopperOf(c.get('auth')), c.req.valid('json')), 201),
  );
  return router;
}
