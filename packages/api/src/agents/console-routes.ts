import { OpenAPIHono } from '@hono/zod-openapi';
import {
  acceptedAnswer,
  agentAnswer,
  agentCardBody,
  agentConsentAnswer,
  agentConsentBody,
  agentConversationAnswer,
  agentHandoffAnswer,
  agentHandoffBody,
  agentMeAnswer,
  agentMessageAnswer,
  agentMessageBody,
  agentTimelinePage,
  agentTimelineQuery,
  agentUpdatesAnswer,
  conversationDetail as conversationDetailAnswer,
  conversationIdParam,
  customerProfile,
  inboxAnswer,
  inboxQuery,
  noteAnswer,
  noteBody,
  presenceBody,
  queueAnswer,
  revealAnswer,
  revealBody,
  tokenRevokedAnswer,
  transferBody,
  typingBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { channelsUsedBy, timelinePage } from '../conversations';
import { type ApiEnv, type CredentialKind, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { resolveCustomer } from '../identity';
import { iso } from '../platform/clock';
import { buildCustomerProfile, revealPii } from '../profile';
import { createAppFeed, mountFeedRoutes } from '../realtime';
import {
  agentTimeline,
  agentTyping,
  conversationDetail,
  handoffForCustomer,
  noteOnConversation,
  replyAsAgent,
} from './agent-work';
import { getAgentRow, keepAgentStreamAlive, revokeAgentToken, tokenExpiry, toWireAgent } from './agents';
import { setConsentByAgent } from './customer-consent';
import { agentLoad, getConversationRow, queueFigures, readInbox } from './inbox';
import {
  claimConversation,
  releaseConversation,
  resolveConversation,
  transferConversation,
} from './ownership';
import { setPresence } from './presence';

type Auth = ApiEnv['Variables']['auth'];
const CONSOLE = { tags: ['Agent console'], auth: ['agent'] as CredentialKind[] };
const agentAuth = (auth: Auth) => {
  if (auth.kind !== 'agent') throw new Error('unreachable');
  return auth;
};

/** The console's API: the signed-in agent's inbox, conversations, customers and live events. */
export function agentConsoleRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/me',
      summary: 'Who is signed in',
      status: 200,
      answer: agentMeAnswer,
    }),
    async (c) => {
      const { agent, app, tokenId } = agentAuth(c.get('auth'));
      const db = deps.database.db;
      const [current, expiresAt] = await Promise.all([
        getAgentRow(db, app.id, agent.id),
        tokenExpiry(db, tokenId),
      ]);
      return c.json(
        {
          agent: toWireAgent(current, await agentLoad(db, agent.id)),
          app: { id: app.id, name: app.name },
          token: { id: tokenId, expiresAt: expiresAt === null ? null : iso(expiresAt) },
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/sign-out',
      summary: 'Revoke the token this request carries',
      status: 200,
      answer: tokenRevokedAnswer,
    }),
    async (c) => {
      const { agent, app, tokenId } = agentAuth(c.get('auth'));
      await revokeAgentToken(deps, app.id, agent.id, tokenId, { type: 'agent', id: agent.id });
      return c.json({ revoked: true as const }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/presence',
      summary:
        'Go online (take conversations), away (keep yours, no new ones) or offline (yours go back to the queue)',
      body: presenceBody,
      status: 200,
      answer: agentAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      const presence = c.req.valid('json').presence;
      return c.json(
        { agent: await setPresence(deps, app.id, agent.id, presence, { type: 'agent', id: agent.id }) },
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/inbox',
      operationId: 'getAgentInbox',
      summary: 'The inbox across every channel: open, mine, queued…, by channel or skill',
      description:
        'Each row carries the customer (masked handle, VIP), the owner, the wait, the handoff summary and the last message, so one request draws the list. `open` and `queued` come in serving order (VIP first, then the longest wait).',
      query: inboxQuery,
      status: 200,
      answer: inboxAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      return c.json(await readInbox(deps, app.id, agent.id, c.req.valid('query')), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/queue',
      summary: 'Queue figures per channel and per skill: waiting, longest wait, agents online, free capacity',
      status: 200,
      answer: queueAnswer,
    }),
    async (c) => {
      const { app } = agentAuth(c.get('auth'));
      return c.json(await queueFigures(deps.database.db, app.id, deps.clock.now()), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/conversations/{id}',
      summary:
        'A conversation: its row and handoff summary, the profile, the cross-channel timeline with notes, the assignment history',
      params: conversationIdParam,
      status: 200,
      answer: conversationDetailAnswer,
    }),
    async (c) => {
      const { app } = agentAuth(c.get('auth'));
      return c.json(await conversationDetail(deps, app.id, c.req.valid('param').id), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/conversations/{id}/timeline',
      summary: 'Older pages of the customer’s timeline across every channel, with internal notes',
      params: conversationIdParam,
      query: agentTimelineQuery,
      status: 200,
      answer: agentTimelinePage,
    }),
    async (c) => {
      const { app } = agentAuth(c.get('auth'));
      const conversation = await getConversationRow(deps.database.db, app.id, c.req.valid('param').id);
      return c.json(
        await agentTimeline(deps, deps.database.db, conversation.customerId, c.req.valid('query')),
        200,
      );
    },
  );

  const actions = [
    ['claim', 'Take the conversation (the bot goes silent on every channel)', claimConversation],
    ['release', 'Hand the conversation back to the bot', releaseConversation],
    ['resolve', 'Resolve: the customer’s next message opens a new conversation', resolveConversation],
  ] as const;
  for (const [verb, summary, act] of actions) {
    const operationId = `${verb}Conversation`;
    router.openapi(
      defineRoute(deps, {
        ...CONSOLE,
        method: 'post',
        path: `/v1/agent/conversations/{id}/${verb}`,
        operationId,
        summary,
        params: conversationIdParam,
        status: 200,
        answer: agentConversationAnswer,
      }),
      async (c) => {
        const { agent } = agentAuth(c.get('auth'));
        return c.json({ conversation: await act(deps, agent, c.req.valid('param').id) }, 200);
      },
    );
  }

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/transfer',
      summary: 'Transfer to another agent, or back to the queue for a skill',
      params: conversationIdParam,
      body: transferBody,
      status: 200,
      answer: agentConversationAnswer,
    }),
    async (c) => {
      const { agent } = agentAuth(c.get('auth'));
      return c.json(
        {
          conversation: await transferConversation(deps, agent, c.req.valid('param').id, c.req.valid('json')),
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/messages',
      operationId: 'sendAgentMessage',
      summary: 'Reply: delivered live to every session of the customer (idempotent by clientMessageId)',
      description:
        'Replying to a queued or bot conversation takes it first. `channel` defaults to the one the customer used last.',
      params: conversationIdParam,
      body: agentMessageBody,
      status: 201,
      answer: agentMessageAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      const { message } = await replyAsAgent(deps, app, agent, c.req.valid('param').id, c.req.valid('json'));
      return c.json({ message }, 201);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/cards',
      operationId: 'sendAgentCard',
      summary: 'Send a link card (a suggested product, a guide): a reply with `meta.card`',
      description:
        'The profile’s `suggestions` name products to send. The card’s links must be https on the app’s card hosts (the hosts of allowedOrigins and the follow-up setting cardHosts; else 400 card_host_not_allowed); `text` defaults to the card title. `channel` defaults to the conversation’s last channel, or, on a phone call, to the customer’s newest mini-program/app/web session (409 no_card_channel when there is none, or when the customer has no session on the SDK channel asked for: a card there would reach nobody). Like a reply, it takes a queued or bot conversation and is delivered live to every session of the customer, where the widget and the mini-program render it as a card.',
      params: conversationIdParam,
      body: agentCardBody,
      status: 201,
      answer: agentMessageAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      const body = c.req.valid('json');
      const { message } = await replyAsAgent(deps, app, agent, c.req.valid('param').id, {
        text: body.text ?? body.card.title,
        card: body.card,
        ...(body.channel ? { channel: body.channel } : {}),
        ...(body.clientMessageId ? { clientMessageId: body.clientMessageId } : {}),
      });
      return c.json({ message }, 201);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/typing',
      summary: 'Show (or stop showing) that the agent is typing, on every session of the customer',
      params: conversationIdParam,
      body: typingBody,
      status: 202,
      answer: acceptedAnswer,
    }),
    async (c) => {
      const { agent } = agentAuth(c.get('auth'));
      await agentTyping(deps, agent, c.req.valid('param').id, c.req.valid('json').typing);
      return c.json({ accepted: true as const }, 202);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/notes',
      summary: 'An internal note: agents only, never on the customer’s timeline or stream',
      params: conversationIdParam,
      body: noteBody,
      status: 201,
      answer: noteAnswer,
    }),
    async (c) => {
      const { agent } = agentAuth(c.get('auth'));
      return c.json(
        { note: await noteOnConversation(deps, agent, c.req.valid('param').id, c.req.valid('json')) },
        201,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/conversations/{id}/handoff',
      summary: 'A handoff code for the customer, optionally texted to the phone on file (phone → app)',
      description:
        'With `sendSms` the text (link and 6-digit code) is posted on the conversation’s `sms` channel for your SMS gateway to deliver; 409 no_phone_on_file when there is no number.',
      params: conversationIdParam,
      body: agentHandoffBody,
      status: 201,
      answer: agentHandoffAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      return c.json(
        await handoffForCustomer(deps, app, agent, c.req.valid('param').id, c.req.valid('json')),
        201,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'get',
      path: '/v1/agent/customers/{id}',
      operationId: 'getCustomerProfile',
      summary:
        'The 360° profile: identities (masked), contact (masked), attributes, cart, views, orders, tickets, channels, timeline',
      params: conversationIdParam,
      status: 200,
      answer: customerProfile,
    }),
    async (c) => {
      const { app } = agentAuth(c.get('auth'));
      const db = deps.database.db;
      const base = await buildCustomerProfile(deps, app.id, c.req.valid('param').id);
      const [channels, timeline] = await Promise.all([
        channelsUsedBy(db, base.customer.id),
        timelinePage(deps, db, base.customer.id, { limit: 20 }),
      ]);
      return c.json({ ...base, channels, timeline }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/customers/{id}/reveal',
      summary: 'Unmask phone, address, payment or identities (supervisors; every reveal is audited)',
      params: conversationIdParam,
      body: revealBody,
      status: 200,
      answer: revealAnswer,
    }),
    async (c) => {
      const { agent, app } = agentAuth(c.get('auth'));
      const customer = await resolveCustomer(deps.database.db, app.id, c.req.valid('param').id);
      return c.json(
        await revealPii(deps, {
          appId: app.id,
          agent,
          customerId: customer.id,
          body: c.req.valid('json'),
          from: clientAddress(c, deps.trustedProxyHops),
        }),
        200,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...CONSOLE,
      method: 'post',
      path: '/v1/agent/customers/{id}/consent',
      operationId: 'setCustomerConsent',
      summary: 'Record the customer’s marketing consent (an opt-out cancels scheduled follow-ups; audited)',
      description:
        'What the shopper told the agent: `marketingOptOut: true` sets the profile attribute `marketingOptOut` (no more proactive messages) and cancels their scheduled follow-ups; `false` opts them back in (nothing cancelled comes back). Every change is in the audit log as `customer.marketing_opted_out` / `customer.marketing_opted_in` with the agent’s id.',
      params: conversationIdParam,
      body: agentConsentBody,
      status: 200,
      answer: agentConsentAnswer,
    }),
    async (c) => {
      const { agent } = agentAuth(c.get('auth'));
      const body = c.req.valid('json');
      return c.json(await setConsentByAgent(deps, agent, c.req.valid('param').id, body.marketingOptOut), 200);
    },
  );

  mountFeedRoutes(router, deps, {
    streamPath: '/v1/agent/stream',
    pollPath: '/v1/agent/updates',
    operationIds: ['streamAgentEvents', 'pollAgentUpdates'],
    auth: 'agent',
    tags: ['Agent console'],
    what: 'the app for agents (customers’ events, inbox changes, notes, presence, queue figures)',
    holder: (c) => {
      const auth = agentAuth(c.get('auth'));
      return { app: auth.app, id: `agent-token:${auth.tokenId}` };
    },
    pollAnswer: agentUpdatesAnswer,
    open: (c, after) => createAppFeed(deps, { appId: agentAuth(c.get('auth')).app.id, after }),
    expiresAt: (c) => tokenExpiry(deps.database.db, agentAuth(c.get('auth')).tokenId),
    stillAllowed: (c) => keepAgentStreamAlive(deps, agentAuth(c.get('auth')).tokenId),
  });
  return router;
}
