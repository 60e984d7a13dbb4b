import { OpenAPIHono } from '@hono/zod-openapi';
import {
  endConversationAnswer,
  endConversationParams,
  followUpList,
  followUpRuleAnswer,
  followUpRuleBody,
  followUpRuleDeleted,
  followUpRuleList,
  followUpRuleParams,
  followUpSettingsAnswer,
  followUpsQuery,
  updateFollowUpRuleBody,
  updateFollowUpSettingsBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { getApp } from '../apps';
import type { ApiEnv, CredentialKind } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { endConversation } from './ending';
import { listFollowUps } from './listing';
import {
  createFollowUpRule,
  deleteFollowUpRule,
  followUpSettingsOf,
  getFollowUpRule,
  listFollowUpRules,
  updateFollowUpRule,
  updateFollowUpSettings,
} from './rules';

const CONSENT =
  'Nothing is sent to a customer who opted out (`POST /v1/track` `marketing_opt_out`, the profile attribute `marketingOptOut: true`, or a “stop” / “退订” / “TD” reply, which gets a fixed confirmation and no bot answer; an opt-out also cancels what was scheduled, recalls pending `follow_up.sent` webhook deliveries and sends `customer.updated`), during the app’s quiet hours (moved to their end), while an agent is helping the customer (moved by 15 minutes), or past the weekly cap (skipped). An erased customer’s follow-ups are cancelled and stripped of who they were for. A send that fails with an error is retried with backoff and skipped `failed` after 6 attempts.';

/**
 * Who manages follow-ups: the merchant's backend (secret key) or a supervisor in the console's
 * follow-up rules page; other agents get 403 role_forbidden.
 */
const WHO = { auth: ['secret', 'agent'] as CredentialKind[], agentRoles: ['supervisor' as const] };

/** Proactive follow-ups: rules, settings and the follow-ups they scheduled (secret key or a supervisor). */
export function followUpsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const appId = (c: { get(key: 'auth'): ApiEnv['Variables']['auth'] }) => c.get('auth').app.id;

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/follow-up-rules',
      operationId: 'createFollowUpRule',
      summary:
        'Add a follow-up rule: when a conversation ends with an intent, send a message on another channel later',
      description: `When a conversation on \`when.channel\` (any when left out) ends — an agent resolves it, its phone call hangs up, only the bot handled it and it was idle for the app's \`idleEndMinutes\`, or your backend calls POST /v1/conversations/{id}/end — with \`when.intent\` recognised (and \`when.productId\` mentioned, when given), a follow-up is scheduled \`delaySeconds\` later on \`send.channel\`: a text, a knowledge article, or a link card \`{title, description?, imageUrl?, targetUrl}\` (https URLs only). SDK channels (web, app, miniprogram) get a message with \`author.type = 'system'\` and \`meta.card\`, live; server channels (sms, wechat_oa, …) get the webhook event \`follow_up.sent\` for your backend to deliver, and the message on the timeline. ${CONSENT}`,
      tags: ['Follow-ups'],
      ...WHO,
      body: followUpRuleBody,
      status: 201,
      answer: followUpRuleAnswer,
    }),
    async (c) => c.json(await createFollowUpRule(deps, appId(c), c.req.valid('json')), 201),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/conversations/{id}/end',
      operationId: 'endConversation',
      summary: 'End a conversation on a channel your backend runs, so follow-up rules can match it',
      description:
        'For server channels (SMS, WeChat official account, your own chat): Threadline cannot see when such a conversation is over. This resolves it (the customer’s next message opens a new one) and schedules the follow-up rules it matches, as an agent’s resolve or a phone hang-up does, and sends `conversation.updated` (resolved) to the customer’s clients, the console and your webhook. Conversations only the bot handled also end by themselves after the app’s `idleEndMinutes` without a message (see PATCH /v1/follow-up-settings). Ending an ended conversation answers 200 with `followUpsScheduled: 0`. 404 `not_found` for an unknown id (or another app’s); 409 `conflict` while the conversation waits for or is with an agent.',
      tags: ['Follow-ups'],
      auth: ['secret'],
      params: endConversationParams,
      status: 200,
      answer: endConversationAnswer,
    }),
    async (c) => c.json(await endConversation(deps, appId(c), c.req.valid('param').id), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/follow-up-rules',
      operationId: 'listFollowUpRules',
      summary: 'The app’s follow-up rules, with their follow-ups counted by state',
      tags: ['Follow-ups'],
      ...WHO,
      status: 200,
      answer: followUpRuleList,
    }),
    async (c) => c.json(await listFollowUpRules(deps, appId(c)), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/follow-up-rules/{id}',
      operationId: 'getFollowUpRule',
      summary: 'One follow-up rule',
      tags: ['Follow-ups'],
      ...WHO,
      params: followUpRuleParams,
      status: 200,
      answer: followUpRuleAnswer,
    }),
    async (c) => c.json(await getFollowUpRule(deps, appId(c), c.req.valid('param').id), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/follow-up-rules/{id}',
      operationId: 'updateFollowUpRule',
      summary: 'Change a follow-up rule or turn it off',
      description:
        'Follow-ups it already scheduled follow the rule as it is when they fall due: turned off, they are cancelled with reason rule_disabled (turning it on again does not revive them); moved to another send channel, cancelled with rule_changed; otherwise they send its current content.',
      tags: ['Follow-ups'],
      ...WHO,
      params: followUpRuleParams,
      body: updateFollowUpRuleBody,
      status: 200,
      answer: followUpRuleAnswer,
    }),
    async (c) =>
      c.json(await updateFollowUpRule(deps, appId(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/follow-up-rules/{id}',
      operationId: 'deleteFollowUpRule',
      summary: 'Remove a follow-up rule; its scheduled follow-ups are cancelled',
      tags: ['Follow-ups'],
      ...WHO,
      params: followUpRuleParams,
      status: 200,
      answer: followUpRuleDeleted,
    }),
    async (c) => c.json(await deleteFollowUpRule(deps, appId(c), c.req.valid('param').id), 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/follow-up-settings',
      operationId: 'getFollowUpSettings',
      summary: 'Time zone, quiet hours and weekly cap for proactive messages',
      tags: ['Follow-ups'],
      ...WHO,
      status: 200,
      answer: followUpSettingsAnswer,
    }),
    async (c) => c.json({ settings: followUpSettingsOf(await getApp(deps, appId(c))) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/follow-up-settings',
      operationId: 'updateFollowUpSettings',
      summary: 'Change the time zone, quiet hours (null: none) or weekly cap',
      description: CONSENT,
      tags: ['Follow-ups'],
      ...WHO,
      body: updateFollowUpSettingsBody,
      status: 200,
      answer: followUpSettingsAnswer,
    }),
    async (c) => c.json({ settings: await updateFollowUpSettings(deps, appId(c), c.req.valid('json')) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/follow-ups',
      operationId: 'listFollowUps',
      summary: 'Scheduled, sent, skipped and cancelled follow-ups, newest first (by customer, by state)',
      description:
        '`reason` says why one was skipped or cancelled: opted_out, weekly_cap, expired, erased, rule_deleted, article_missing. `deferrals` counts the times quiet hours or an agent helping moved it.',
      tags: ['Follow-ups'],
      ...WHO,
      query: followUpsQuery,
      status: 200,
      answer: followUpList,
    }),
    async (c) => c.json(await listFollowUps(deps, appId(c), c.req.valid('query')), 200),
  );

  return router;
}
