import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { issueTokenFor } from '../src/agents';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Every route in /openapi.json — so routes added later are covered without touching this file —
 * gets bad input with the right credential, a wrong one and none, and must answer a 4xx in the
 * one error envelope.
 */

interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  $ref?: string;
}
interface Operation {
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: 'query' | 'path' | 'header'; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface Route {
  method: string;
  /** The path with its `{params}` still in it. */
  template: string;
  operation: Operation;
  body?: JsonSchema;
}
interface Attempt {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The error code this input must produce once the credential is accepted (true: any 4xx envelope). */
  code?: string | true;
}

const OVERSIZED = JSON.stringify({ text: 'x'.repeat(70 * 1024), name: 'x', from: { phone: '1' } });
const DEEP = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
const BOGUS_PATH_VALUES = ['NOT_A_SLUG', 'x'.repeat(300), '%E0%A4%A', '..%2F..%2Fetc', '%00', '1e999'];
const BOGUS_QUERY_VALUES = ['-1', 'abc', 'xyz', '1e999', '99999999999999999999', '%00', '', 'NaN', '[]'];
/** Dates that pass a YYYY-MM-DD shape but are no calendar date, or lie far outside any report. */
const BOGUS_DATES = ['9999-12-31', '2026-02-30', '0050-01-01'];

/** A value of the wrong type for a schema: strings get numbers, numbers get strings, and so on. */
function wrongTypeFor(schema: JsonSchema | undefined): unknown {
  switch (schema?.type) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'twelve';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return 'not an object';
    default:
      return [[['?']]];
  }
}

function bodyAttempts(route: Route, path: string): Attempt[] {
  const json = { 'content-type': 'application/json' };
  // A route without a declared body ignores one; then it must only not crash.
  const attempt = (
    what: string,
    body: string,
    headers: Record<string, string> = json,
    code?: string | true,
  ) => ({
    what,
    method: route.method,
    path,
    headers,
    body,
    code: route.body ? code : undefined,
  });
  const properties = route.body?.properties ?? {};
  const attempts: Attempt[] = [
    attempt('malformed JSON', '{"text": "unterminated', json, 'invalid_json'),
    attempt('truncated JSON', '{', json, 'invalid_json'),
    attempt('an unclosed deep array', '['.repeat(50_000), json, 'invalid_json'),
    attempt('JSON as text/plain', '{}', { 'content-type': 'text/plain' }, 'unsupported_media_type'),
    attempt(
      'a form body',
      'a=1&b=2',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'unsupported_media_type',
    ),
    attempt('a body without a content type', '{}', {}, 'unsupported_media_type'),
    // Import routes may take larger bodies; then this one still fails validation.
    attempt('an oversized body', OVERSIZED, json, true),
    attempt(
      'a deeply nested object',
      `{${Object.keys(properties)
        .map((k) => `"${k}":${DEEP}`)
        .join(',')}}`,
    ),
    attempt(
      'every field of the wrong type',
      JSON.stringify(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, wrongTypeFor(s)]))),
      json,
      Object.keys(properties).length ? 'validation_failed' : undefined,
    ),
    attempt('__proto__ keys', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
    attempt(
      'NUL and lone surrogates',
      JSON.stringify(Object.fromEntries(Object.keys(properties).map((k) => [k, '\u0000\ud800']))),
    ),
  ];
  for (const [what, body] of [
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
  ]) {
    attempts.push(attempt(`${what} instead of an object`, body!, json, 'validation_failed'));
  }
  const required = route.body?.required ?? [];
  attempts.push(attempt('no fields', '{}', json, required.length ? 'validation_failed' : undefined));
  for (const field of required) {
    const others = Object.fromEntries(
      Object.keys(properties)
        .filter((k) => k !== field)
        .map((k) => [k, wrongTypeFor(undefined)]),
    );
    attempts.push(attempt(`missing ${field}`, JSON.stringify(others), json, 'validation_failed'));
  }
  return attempts;
}

function queryAttempts(route: Route, path: string): Attempt[] {
  const params = route.operation.parameters?.filter((p) => p.in === 'query') ?? [];
  // A long-poll must not hold the test for its default wait while another parameter is probed.
  const others = (name: string) =>
    params.some((p) => p.name === 'wait') && name !== 'wait' ? '&wait=0' : '';
  const attempts: Attempt[] = [
    {
      what: 'unknown query parameters',
      method: route.method,
      path: `${path}?x=%00&limit=-1&__proto__=1${others('')}`,
    },
  ];
  for (const param of params) {
    for (const value of BOGUS_QUERY_VALUES) {
      // -1 and abc are never a count, a wait or a cursor; the rest must at least not crash.
      const numeric = param.schema?.type === 'number' || param.schema?.type === 'integer';
      const cursor = param.name === 'after' || param.name === 'before';
      const mustFail = (numeric || cursor) && (value === '-1' || value === 'abc');
      attempts.push({
        what: `query ${param.name}=${value}`,
        method: route.method,
        path: `${path}?${param.name}=${encodeURIComponent(value).replace('%25', '%')}${others(param.name)}`,
        code: mustFail ? 'validation_failed' : undefined,
      });
    }
    // A date or time parameter refuses impossible and far-off dates (year 9999 once gave 500).
    // A bare YYYY-MM-DD pattern counts as a date too: that is how the year-9999 500 slipped by.
    const format = param.schema?.pattern?.includes('\\d{4}-\\d{2}-\\d{2}') ? 'date' : param.schema?.format;
    if (format === 'date' || format === 'date-time') {
      for (const date of BOGUS_DATES) {
        const value = format === 'date' ? date : `${date}T00:00:00Z`;
        attempts.push({
          what: `query ${param.name}=${value}`,
          method: route.method,
          path: `${path}?${param.name}=${value}${others(param.name)}`,
          code: format === 'date' || date === '2026-02-30' ? 'validation_failed' : undefined,
        });
      }
    }
    attempts.push({
      what: `query ${param.name} given twice`,
      method: route.method,
      path: `${path}?${param.name}=0&${param.name}=1${others(param.name)}`,
    });
  }
  return attempts;
}

// The document is read before the tests are declared, so each route gets its own test. The sweep
// sends thousands of requests from one address: rate limits (tested on their own) are opened wide.
const api: TestApi = await createTestApi({ rateLimits: UNLIMITED });
const shop = await api.createShop();
const credentials: Record<string, string> = {
  publishableKey: shop.publishableKey,
  secretKey: shop.secretKey,
  sessionToken: '',
  agentToken: shop.agentToken,
  // A livestream host's key (for one room of this app).
  hostKey: (
    await api.call('POST', '/v1/channels/douyin_live/rooms/room-1/host-keys', {
      token: shop.secretKey,
      body: {},
    })
  ).body.key,
};
const [firstAgent] = await api.rows<{ id: string }>('select id from agents where app_id = ?', [shop.appId]);
/**
 * Each route gets a fresh agent token: some agent routes end the token they are called with
 * (sign-out), and the routes after them must still be probed with a valid one.
 */
const freshAgentToken = async () =>
  (
    await issueTokenFor(api.deps, shop.appId, firstAgent!.id, {
      ttlSec: 3600,
      createdBy: 'cli',
      actor: { type: 'system', id: null },
    })
  ).token;
const doc = (await api.call('GET', '/openapi.json')).body as {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};
const resolveRef = (schema?: JsonSchema): JsonSchema | undefined =>
  schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').at(-1)!] : schema;
const routes: Route[] = Object.entries(doc.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    method: method.toUpperCase(),
    template,
    operation,
    body: resolveRef(operation.requestBody?.content?.['application/json']?.schema),
  })),
);

/** Sends one request; a stream that opens is closed at once (it would be a 200, and fail below). */
async function send(attempt: Attempt, authorization?: string) {
  const response = await api.app.request(attempt.path, {
    method: attempt.method,
    headers: { ...attempt.headers, ...(authorization ? { authorization } : {}) },
    body: attempt.body,
  });
  if (response.headers.get('content-type')?.includes('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, text: '(event stream)' };
  }
  return { status: response.status, text: await response.text() };
}

/** What is wrong with an answer to bad input, or null when it is a 4xx envelope (with `code`, if given). */
function problemWith(res: { status: number; text: string }, code?: string | true): string | null {
  const said = `${res.status} ${res.text.slice(0, 160)}`;
  if (res.status < 400 || res.status >= 500) return said;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    parsed = res.text;
  }
  const envelope = errorEnvelope.safeParse(parsed);
  if (!envelope.success) return `not the envelope: ${said}`;
  if (typeof code === 'string' && envelope.data.error.code !== code) return `expected ${code}: ${said}`;
  return null;
}

const crashed = (res: { status: number; text: string }) =>
  res.status >= 500 ? `${res.status} ${res.text}` : null;

/** Every bad request for one route: bodies, queries and path params. */
function attemptsFor(route: Route): Attempt[] {
  const validPath = route.template.replace(/\{[^}]+\}/g, 'sms');
  const attempts: Attempt[] = [
    ...(route.method === 'GET' ? [] : bodyAttempts(route, validPath)),
    ...queryAttempts(route, validPath),
  ];
  if (!route.template.includes('{')) return attempts;
  for (const bogus of BOGUS_PATH_VALUES) {
    const path = route.template.replace(/\{[^}]+\}/g, bogus);
    attempts.push({
      what: `path ${path}`,
      method: route.method,
      path,
      headers: { 'content-type': 'application/json' },
      body: route.method === 'GET' ? undefined : '{}',
    });
  }
  return attempts;
}

describe('bad input never yields a 5xx, on every route of the OpenAPI document', () => {
  afterAll(() => api.close());

  it('lists the routes of §5', () => {
    const listed = routes.map((r) => `${r.method} ${r.template}`);
    for (const route of [
      'POST /v1/sessions',
      'POST /v1/identify',
      'GET /v1/timeline',
      'POST /v1/messages',
      'POST /v1/escalate',
      'POST /v1/track',
      'GET /v1/stream',
      'GET /v1/updates',
      'POST /v1/handoffs',
      'POST /v1/channels/{channel}/messages',
      'POST /v1/channels/phone/calls',
      'POST /v1/channels/{channel}/comments',
    ]) {
      expect(listed).toContain(route);
    }
  });

  for (const route of routes) {
    it(`${route.method} ${route.template}`, async () => {
      // Each route gets its own session and agent token: some routes (logout, sign-out, revocation)
      // end the one they are given.
      credentials.sessionToken = (await shop.startSession({ channel: 'web' })).sessionToken;
      credentials.agentToken = await freshAgentToken();
      const schemes = (route.operation.security ?? []).flatMap((s) => Object.keys(s));
      const wrongKind = Object.keys(credentials).find((k) => !schemes.includes(k))!;
      const problems: string[] = [];
      const note = (label: string, problem: string | null) => {
        if (problem) problems.push(`${label} → ${problem}`);
      };
      const attempts = attemptsFor(route);
      for (const attempt of attempts) {
        if (schemes.length === 0) {
          note(attempt.what, crashed(await send(attempt)));
          continue;
        }
        // With the right credential the input itself must be refused (or, where it may be fine, not crash).
        for (const scheme of schemes) {
          const res = await send(attempt, `Bearer ${credentials[scheme]}`);
          note(`${attempt.what} [${scheme}]`, attempt.code ? problemWith(res, attempt.code) : crashed(res));
        }
        // Without one, or with an unknown one or one of the wrong kind, it is refused before anything else.
        for (const authorization of [
          undefined,
          'Bearer not-a-real-token',
          `Bearer ${credentials[wrongKind]}`,
        ]) {
          note(
            `${attempt.what} [${authorization ?? 'no credential'}]`,
            problemWith(await send(attempt, authorization)),
          );
        }
      }
      if (schemes.length > 0) {
        for (const authorization of [
          'Bearer',
          'Basic dXNlcjpwYXNz',
          `Bearer ${'x'.repeat(5000)}`,
          'Bearer a b',
        ]) {
          const res = await send(
            { what: 'odd header', method: route.method, path: route.template },
            authorization,
          );
          note(`Authorization: ${authorization.slice(0, 20)}`, problemWith(res));
        }
      }
      expect(problems).toEqual([]);
      expect(attempts.length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('refuses the new kinds of bad input (issue 8) with their own 4xx codes', async () => {
    credentials.sessionToken = (await shop.startSession({ channel: 'web' })).sessionToken;
    const cases: [string, string, string, unknown, string][] = [
      [
        'POST',
        '/v1/channels/phone/messages',
        'secretKey',
        { from: { phone: '---' }, text: 'x' },
        'invalid_phone',
      ],
      [
        'POST',
        '/v1/channels/sms/messages',
        'secretKey',
        { from: { identity: { kind: 'phone', value: '((()))' } }, text: 'x' },
        'invalid_phone',
      ],
      ['POST', '/v1/channels/phone/calls', 'secretKey', { from: { phone: 'abc' } }, 'invalid_phone'],
      ['POST', '/v1/handoffs', 'secretKey', { customer: { phone: '+' } }, 'invalid_phone'],
      [
        'POST',
        '/v1/sessions',
        'publishableKey',
        { channel: 'web', handoffCode: '123456' },
        'handoff_check_required',
      ],
      [
        'POST',
        '/v1/sessions',
        'publishableKey',
        { channel: 'web', handoffCode: '123456', handoffCheck: '12a4' },
        'validation_failed',
      ],
      [
        'POST',
        '/v1/messages',
        'sessionToken',
        { clientMessageId: 'sweep-0001', text: 'a\u0000b' },
        'validation_failed',
      ],
      [
        'POST',
        '/v1/messages',
        'sessionToken',
        { clientMessageId: 'sweep-0002', text: '\u200b \t ' },
        'validation_failed',
      ],
      ['PATCH', '/v1/app', 'secretKey', { allowedOrigins: ['https://a.example/'] }, 'validation_failed'],
      ['PATCH', '/v1/app', 'secretKey', { handoffUrlBase: 'javascript:alert(1)' }, 'validation_failed'],
      ['PATCH', '/v1/app', 'secretKey', { phoneRegion: 'china' }, 'validation_failed'],
      [
        'PATCH',
        '/v1/app',
        'secretKey',
        { rateLimits: { messagesPerSessionPerMinute: -1 } },
        'validation_failed',
      ],
      [
        'PATCH',
        '/v1/app',
        'secretKey',
        { rateLimits: { __proto__: { x: 1 }, constructor: 5 } },
        'validation_failed',
      ],
      ['POST', '/v1/app/keys/rotate', 'secretKey', { kind: 'agent' }, 'validation_failed'],
      ['POST', '/v1/app/keys/rotate', 'secretKey', { kind: 'agent', agentId: 'agt_nope' }, 'not_found'],
      ['POST', '/v1/app/keys/rotate', 'secretKey', { kind: 'secret', overlapSec: 1e12 }, 'validation_failed'],
      ['DELETE', '/v1/sessions/ses_unknown', 'secretKey', undefined, 'not_found'],
      ['DELETE', '/v1/customers/cus_unknown/sessions', 'secretKey', undefined, 'not_found'],
      [
        'POST',
        '/v1/track',
        'sessionToken',
        { name: 'deep', properties: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) },
        'validation_failed',
      ],
    ];
    const problems: string[] = [];
    for (const [method, path, credential, body, code] of cases) {
      const res = await send(
        {
          what: path,
          method,
          path,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        `Bearer ${credentials[credential]}`,
      );
      const problem = problemWith(res, code);
      if (problem) problems.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 60)} → ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('answers unknown routes and methods with a 404 envelope', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['POST', '/v1/nope'],
      ['GET', '/nope'],
      ['DELETE', '/v1/messages'],
      ['PUT', '/v1/sessions'],
      ['GET', '/v1/channels/sms/messages'],
      ['GET', '/v1/%E0%A4%A'],
    ] as const) {
      const res = await send({ what: path, method, path });
      expect([path, res.status, problemWith(res, 'not_found')]).toEqual([path, 404, null]);
    }
  });
});
