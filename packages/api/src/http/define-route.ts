import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { errorEnvelope } from '@threadline/sdk-core/protocol';
import type { MiddlewareHandler } from 'hono';
import type { ZodObject, ZodType } from 'zod';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { type ApiEnv, type CredentialKind, requireAuth } from './auth';

const SECURITY_SCHEME: Record<CredentialKind, string> = {
  publishable: 'publishableKey',
  secret: 'secretKey',
  session: 'sessionToken',
  agent: 'agentToken',
  room: 'hostKey',
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorEnvelope } },
});

interface RouteSpec<
  Body extends ZodType | undefined,
  Query extends ZodObject | undefined,
  Params extends ZodObject | undefined,
  Answer extends ZodType,
  Status extends 200 | 201 | 202,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  /** The method name client generators use (`sendMessage`); unique across the API. */
  operationId?: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: CredentialKind[];
  body?: Body;
  query?: Query;
  params?: Params;
  status: Status;
  answer: Answer;
  middleware?: MiddlewareHandler<ApiEnv>[];
  /**
   * The agent roles an agent token needs (other agents get 403 `role_forbidden`). Routes tagged
   * `Insights` default to supervisors, so an insights route cannot forget the rule.
   */
  agentRoles?: AgentRole[];
  /** Media types of the answer when it is not JSON (e.g. audio); `answer` describes each. */
  answerMediaTypes?: string[];
  /** Further answers the route gives (e.g. a 422 that still carries a body of its own). */
  otherResponses?: Record<number, { description: string; schema: ZodType }>;
}

/**
 * One route of the HTTP contract: the same zod schemas validate the request, type the handler and
 * describe the route in /openapi.json. Credentials are checked before the body is looked at.
 */
export function defineRoute<
  Body extends ZodType | undefined,
  Query extends ZodObject | undefined,
  Params extends ZodObject | undefined,
  Answer extends ZodType,
  Status extends 200 | 201 | 202,
>(deps: ServiceDeps, spec: RouteSpec<Body, Query, Params, Answer, Status>) {
  return createRoute({
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId ?? deriveOperationId(spec.method, spec.path),
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: spec.auth.map((kind) => ({ [SECURITY_SCHEME[kind]]: [] })),
    middleware: [
      requireAuth(deps, ...spec.auth),
      ...roleGate(spec.agentRoles ?? (spec.tags.includes('Insights') ? SUPERVISORS : undefined)),
      ...(spec.middleware ?? []),
    ] as const,
    request: {
      ...(spec.body
        ? {
            body: {
              required: true,
              content: { 'application/json': { schema: spec.body as Exclude<Body, undefined> } },
            },
          }
        : {}),
      ...(spec.query ? { query: spec.query as Exclude<Query, undefined> } : {}),
      ...(spec.params ? { params: spec.params as Exclude<Params, undefined> } : {}),
    } as unknown as {
      body: Body extends ZodType
        ? { required: true; content: { 'application/json': { schema: Body } } }
        : never;
      query: Query extends ZodObject ? Query : never;
      params: Params extends ZodObject ? Params : never;
    },
    responses: {
      [spec.status]: {
        description: 'OK',
        content: Object.fromEntries(
          (spec.answerMediaTypes ?? ['application/json']).map((type) => [type, { schema: spec.answer }]),
        ),
      },
      400: errorResponse('The request is malformed or fails validation.'),
      401: errorResponse('The credential is missing, invalid or expired.'),
      403: errorResponse('The credential may not use this route.'),
      404: errorResponse('Not found.'),
      429: errorResponse('Rate limited; see Retry-After.'),
      ...Object.fromEntries(
        Object.entries(spec.otherResponses ?? {}).map(([status, r]) => [
          status,
          { description: r.description, content: { 'application/json': { schema: r.schema } } },
        ]),
      ),
    } as unknown as {
      [K in Status]: { description: string; content: { 'application/json': { schema: Answer } } };
    },
  });
}

type AgentRole = Extract<ApiEnv['Variables']['auth'], { kind: 'agent' }>['agent']['role'];
const SUPERVISORS: AgentRole[] = ['supervisor'];

/** Refuses agent tokens whose role is not listed; other credentials pass (their kind was checked). */
function roleGate(roles: AgentRole[] | undefined): MiddlewareHandler<ApiEnv>[] {
  if (!roles) return [];
  return [
    async (c, next) => {
      const auth = c.get('auth');
      if (auth.kind === 'agent' && !roles.includes(auth.agent.role))
        throw new ApiError(
          'role_forbidden',
          `Only ${roles.join(' or ')}s (or the secret key) may use this route.`,
        );
      await next();
    },
  ];
}

/**
 * A stable method name for a route that does not name one: `GET /v1/kb/articles/{id}` →
 * `getKbArticlesById`. Routes of the §5 contract name theirs; this keeps later routes valid.
 */
export function deriveOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part && part !== 'v1')
    .map((part) => (part.startsWith('{') ? `by_${part.slice(1, -1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

export function registerSecuritySchemes(registry: OpenAPIHono['openAPIRegistry']) {
  const bearer = (description: string) => ({ type: 'http' as const, scheme: 'bearer', description });
  registry.registerComponent(
    'securitySchemes',
    'publishableKey',
    bearer('pk_… — safe to embed; starts sessions.'),
  );
  registry.registerComponent('securitySchemes', 'secretKey', bearer('sk_… — merchant backend only.'));
  registry.registerComponent(
    'securitySchemes',
    'sessionToken',
    bearer('Session token from POST /v1/sessions.'),
  );
  registry.registerComponent('securitySchemes', 'agentToken', bearer('at_… — a service agent.'));
  registry.registerComponent(
    'securitySchemes',
    'hostKey',
    bearer('rk_… — a livestream host: one room’s hot questions and pins, short-lived.'),
  );
}
