import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  agentAnswer,
  agentIdParam,
  agentList,
  agentTokenAnswer,
  agentTokenList,
  agentTokenParams,
  createAgentBody,
  errorEnvelope,
  issueAgentTokenBody,
  routingAnswer,
  routingSettings,
  signInAnswer,
  signInBody,
  tokenRevokedAnswer,
  updateAgentBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { MERCHANT_ACTOR } from '../audit/audit-log';
import { type ApiEnv, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import {
  createAgent,
  getAgent,
  issueTokenFor,
  listAgents,
  listAgentTokens,
  revokeAgentToken,
  setAgentActive,
  updateAgent,
} from './agents';
import { getRoutingSettings, putRoutingSettings } from './routing-settings';
import { createSignInGuards, signInWithPassword } from './sign-in';

/**
 * Managing agents with the secret key (create, change, deactivate, issue and revoke tokens), the
 * routing rules, and password sign-in for the console.
 */
export function agentAdminRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const signInGuards = createSignInGuards(deps.limits.store);

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/agents',
      summary: 'Create an agent: skills, capacity, role, optional password for console sign-in',
      tags: ['Agents'],
      auth: ['secret'],
      body: createAgentBody,
      status: 201,
      answer: agentAnswer,
    }),
    async (c) =>
      c.json(
        { agent: await createAgent(deps, c.get('auth').app.id, c.req.valid('json'), MERCHANT_ACTOR) },
        201,
      ),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/agents',
      summary: 'List the app’s agents with presence and load',
      tags: ['Agents'],
      auth: ['secret', 'agent'],
      status: 200,
      answer: agentList,
    }),
    async (c) => c.json({ agents: await listAgents(deps, c.get('auth').app.id) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/agents/{id}',
      summary: 'Read one agent',
      tags: ['Agents'],
      auth: ['secret', 'agent'],
      params: agentIdParam,
      status: 200,
      answer: agentAnswer,
    }),
    async (c) => c.json({ agent: await getAgent(deps, c.get('auth').app.id, c.req.valid('param').id) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/agents/{id}',
      summary: 'Change an agent’s name, email, skills, capacity, role or password',
      description:
        'More capacity or new skills route waiting conversations to the agent at once; less capacity only stops new ones.',
      tags: ['Agents'],
      auth: ['secret'],
      params: agentIdParam,
      body: updateAgentBody,
      status: 200,
      answer: agentAnswer,
    }),
    async (c) =>
      c.json(
        {
          agent: await updateAgent(
            deps,
            c.get('auth').app.id,
            c.req.valid('param').id,
            c.req.valid('json'),
            MERCHANT_ACTOR,
          ),
        },
        200,
      ),
  );

  for (const [verb, active] of [
    ['deactivate', false],
    ['reactivate', true],
  ] as const) {
    router.openapi(
      defineRoute(deps, {
        method: 'post',
        path: `/v1/agents/{id}/${verb}`,
        summary: active
          ? 'Reactivate an agent (sign-in works again; presence stays offline)'
          : 'Deactivate an agent: tokens revoked, presence offline, owned conversations re-routed',
        tags: ['Agents'],
        auth: ['secret'],
        params: agentIdParam,
        status: 200,
        answer: agentAnswer,
      }),
      async (c) =>
        c.json(
          {
            agent: await setAgentActive(
              deps,
              c.get('auth').app.id,
              c.req.valid('param').id,
              active,
              MERCHANT_ACTOR,
            ),
          },
          200,
        ),
    );
  }

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/agents/{id}/tokens',
      summary: 'Issue an agent token (your staff sign-in hands it to the console)',
      description:
        'Your backend signs the employee in its own way (SSO, 2FA), then asks for a short-lived token: 8 hours by default, 30 days at most. Shown once; revoke it with DELETE.',
      tags: ['Agents'],
      auth: ['secret'],
      params: agentIdParam,
      body: issueAgentTokenBody,
      status: 201,
      answer: agentTokenAnswer,
    }),
    async (c) => {
      const body = c.req.valid('json');
      const answer = await issueTokenFor(deps, c.get('auth').app.id, c.req.valid('param').id, {
        ttlSec: body.ttlSec,
        label: body.label,
        createdBy: 'merchant',
        actor: MERCHANT_ACTOR,
      });
      return c.json(answer, 201);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/agents/{id}/tokens',
      summary: 'List an agent’s tokens (never the tokens themselves)',
      tags: ['Agents'],
      auth: ['secret'],
      params: agentIdParam,
      status: 200,
      answer: agentTokenList,
    }),
    async (c) =>
      c.json({ tokens: await listAgentTokens(deps, c.get('auth').app.id, c.req.valid('param').id) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'delete',
      path: '/v1/agents/{id}/tokens/{tokenId}',
      summary: 'Revoke an agent token: refused from the next request, open streams end',
      tags: ['Agents'],
      auth: ['secret'],
      params: agentTokenParams,
      status: 200,
      answer: tokenRevokedAnswer,
    }),
    async (c) => {
      const { id, tokenId } = c.req.valid('param');
      await revokeAgentToken(deps, c.get('auth').app.id, id, tokenId, MERCHANT_ACTOR);
      return c.json({ revoked: true as const }, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/routing',
      summary: 'The routing rules: which skill a queued conversation needs',
      tags: ['Agents'],
      auth: ['secret', 'agent'],
      status: 200,
      answer: routingAnswer,
    }),
    async (c) => c.json({ routing: await getRoutingSettings(deps, c.get('auth').app.id) }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'put',
      path: '/v1/routing',
      summary: 'Replace the routing rules',
      description:
        'Rules are tried in order; the first that matches the conversation’s intents (latest first), the channel the customer spoke on last, or the category of the product talked about last gives the skill. No match: any agent.',
      tags: ['Agents'],
      auth: ['secret'],
      body: routingSettings,
      status: 200,
      answer: routingAnswer,
    }),
    async (c) =>
      c.json({ routing: await putRoutingSettings(deps, c.get('auth').app.id, c.req.valid('json')) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/v1/agent/sign-in',
      operationId: 'signInAgent',
      // No credential: the password is the credential.
      security: [],
      summary: 'Password sign-in for the console: a 12-hour agent token',
      description:
        'For shops without their own staff sign-in. Failures are rate-limited per account and per address and all look alike.',
      tags: ['Agents'],
      request: { body: { required: true, content: { 'application/json': { schema: signInBody } } } },
      responses: {
        201: { description: 'Signed in', content: { 'application/json': { schema: signInAnswer } } },
        400: { description: 'Bad input', content: { 'application/json': { schema: errorEnvelope } } },
        401: { description: 'Sign-in failed', content: { 'application/json': { schema: errorEnvelope } } },
        429: { description: 'Too many failures', content: { 'application/json': { schema: errorEnvelope } } },
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const answer = await signInWithPassword(deps, signInGuards, {
        appId: body.app,
        email: body.email,
        password: body.password,
        clientKey: clientAddress(c, deps.trustedProxyHops),
      });
      return c.json(answer, 201);
    },
  );
  return router;
}
