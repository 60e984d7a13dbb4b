import { OpenAPIHono } from '@hono/zod-openapi';
import {
  channelMessageAnswer,
  channelMessageBody,
  channelSlug,
  phoneCallAnswer,
  phoneCallBody,
} from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import { assertKnownChannel } from '../apps';
import { postCustomerMessage, toConversationRef, toWireMessage } from '../conversations';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { phoneCallContext, resolveChannelSender } from './channels';

/** Traffic from channels without an SDK (phone, livestream, SMS…), posted by the merchant backend. */
export function channelsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const secretApp = (auth: ApiEnv['Variables']['auth']) => {
    if (auth.kind !== 'secret') throw new Error('unreachable');
    return auth.app;
  };

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/channels/phone/calls',
      operationId: 'startPhoneCall',
      summary: 'An incoming call: find the caller and return their context (screen-pop / IVR)',
      tags: ['Server channels'],
      auth: ['secret'],
      body: phoneCallBody,
      status: 200,
      answer: phoneCallAnswer,
    }),
    async (c) =>
      c.json(await phoneCallContext(deps, secretApp(c.get('auth')), c.req.valid('json').from.phone), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/channels/{channel}/messages',
      operationId: 'postChannelMessage',
      summary: 'Post a customer message that arrived on a server channel',
      tags: ['Server channels'],
      auth: ['secret'],
      params: z.object({ channel: channelSlug }),
      body: channelMessageBody,
      status: 201,
      answer: channelMessageAnswer,
    }),
    async (c) => {
      const app = secretApp(c.get('auth'));
      const { channel } = c.req.valid('param');
      assertKnownChannel(app, channel);
      const body = c.req.valid('json');
      const customer = await resolveChannelSender(deps, app, body.from);
      const posted = await postCustomerMessage(deps, {
        appId: app.id,
        customerId: customer.id,
        channel,
        text: body.text,
        clientMessageId: body.clientMessageId,
        authorName: body.from.name,
      });
      return c.json(
        {
          message: toWireMessage(posted.message),
          replies: posted.replies.map(toWireMessage),
          conversation: toConversationRef(posted.conversation),
          customer: { id: customer.id, identified: customer.identified },
        },
        201,
      );
    },
  );
  return router;
}
