import { OpenAPIHono } from '@hono/zod-openapi';
import {
  customerTicket,
  escalateAnswer,
  escalateBody,
  sendMessageAnswer,
  sendMessageBody,
  timelinePage,
  timelineQuery,
  trackAnswer,
  trackBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { limitRoute } from '../http/limit-route';
import { trackEvent } from '../profile';
import { shopperMessage } from '../realtime';
import { listTickets } from '../tickets';
import { escalateConversation, toConversationRef } from './conversations';
import { postCustomerMessage, timelinePage as readTimelinePage, toWireMessage } from './messages';

/** The session's own conversation: send, read the timeline, ask for a human, track events. */
export function conversationRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const sessionOf = (auth: ApiEnv['Variables']['auth']) => {
    if (auth.kind !== 'session') throw new Error('unreachable');
    return auth;
  };

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/timeline',
      operationId: 'getTimeline',
      summary: 'A page of the customer’s timeline across every channel',
      description:
        'Messages of every conversation and channel, oldest first; `before` walks back. The first page also carries the customer’s tickets.',
      tags: ['Conversation'],
      auth: ['session'],
      query: timelineQuery,
      status: 200,
      answer: timelinePage,
    }),
    async (c) => {
      const { app, session } = sessionOf(c.get('auth'));
      const query = c.req.valid('query');
      const read = await readTimelinePage(deps, deps.database.db, session.customerId, query);
      const page = { ...read, messages: read.messages.map(shopperMessage) };
      if (query.before) return c.json(page, 200);
      // The first page carries the customer's tickets (their customer-facing fields only), so a
      // reloaded client shows its cards again.
      const tickets = await listTickets(deps, app.id, { customerId: session.customerId, limit: 20 });
      return c.json({ ...page, tickets: tickets.map((ticket) => customerTicket.parse(ticket)) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/messages',
      operationId: 'sendMessage',
      summary: 'Send a customer message (idempotent by clientMessageId)',
      tags: ['Conversation'],
      auth: ['session'],
      middleware: [
        limitRoute(
          deps,
          ['messagesPerSessionPerMinute', 'session'],
          ['messagesPerIpPerMinute', 'ip'],
          ['messagesPerAppPerMinute', 'app'],
        ),
      ],
      body: sendMessageBody,
      status: 201,
      answer: sendMessageAnswer,
    }),
    async (c) => {
      const { app, session } = sessionOf(c.get('auth'));
      const body = c.req.valid('json');
      const posted = await postCustomerMessage(deps, {
        appId: app.id,
        customerId: session.customerId,
        channel: session.channel,
        text: body.text,
        clientMessageId: body.clientMessageId,
      });
      return c.json(
        {
          message: shopperMessage(toWireMessage(posted.message)),
          replies: posted.replies.map(toWireMessage),
          conversation: toConversationRef(posted.conversation),
        },
        201,
      );
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/escalate',
      operationId: 'escalateConversation',
      summary: 'Ask for a human agent',
      tags: ['Conversation'],
      auth: ['session'],
      body: escalateBody,
      status: 200,
      answer: escalateAnswer,
    }),
    async (c) => {
      const { app, session } = sessionOf(c.get('auth'));
      const conversation = await escalateConversation(deps, {
        appId: app.id,
        customerId: session.customerId,
        channel: session.channel,
        reason: c.req.valid('json').reason,
      });
      return c.json({ conversation: toConversationRef(conversation) }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/track',
      operationId: 'trackEvent',
      summary: 'Record what the customer does (product_view, add_to_cart, …) for the profile',
      tags: ['Conversation'],
      auth: ['session'],
      middleware: [limitRoute(deps, ['trackPerSessionPerMinute', 'session'], ['trackPerIpPerMinute', 'ip'])],
      body: trackBody,
      status: 202,
      answer: trackAnswer,
    }),
    async (c) => {
      const { app, session } = sessionOf(c.get('auth'));
      await trackEvent(deps, {
        appId: app.id,
        customerId: session.customerId,
        session,
        ...c.req.valid('json'),
      });
      return c.json({ accepted: true as const }, 202);
    },
  );
  return router;
}
