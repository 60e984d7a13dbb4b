import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const redoclyBin = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');

type Operation = {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { $ref?: string; example?: unknown } }> };
};
type Doc = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, unknown> };
};

/** The §5 routes that take a body: each must show an example in the reference. */
const CONTRACT_BODIES = [
  'post /v1/sessions',
  'post /v1/identify',
  'post /v1/messages',
  'post /v1/escalate',
  'post /v1/track',
  'post /v1/handoffs',
  'post /v1/channels/{channel}/messages',
  'post /v1/channels/phone/calls',
  'post /v1/kb/articles',
  'post /v1/kb/import',
];

describe('/openapi.json is a document tools accept', () => {
  let api: TestApi;
  let doc: Doc;
  let dir: string;
  beforeAll(async () => {
    api = await createTestApi();
    dir = mkdtempSync(join(tmpdir(), 'threadline-openapi-'));
    const answer = await api.app.request('http://api.shop.test/openapi.json');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    doc = (await answer.json()) as Doc;
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
    );

  it('names its server, and every operation has a unique operationId, a summary and its credentials', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.servers).toEqual([{ url: 'http://api.shop.test', description: expect.any(String) }]);
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, operation } of operations()) {
      expect(operation.summary, key).toBeTruthy();
      expect(Array.isArray(operation.security), `${key} declares its security`).toBe(true);
    }
    expect(ids).toEqual(
      expect.arrayContaining(['createSession', 'sendMessage', 'getTimeline', 'createHandoff']),
    );
  });

  it('every body of the §5 contract carries an example, and channel slugs are described', () => {
    const byKey = new Map(operations().map(({ key, operation }) => [key, operation]));
    for (const key of CONTRACT_BODIES) {
      const schema = byKey.get(key)?.requestBody?.content['application/json']?.schema;
      expect(schema, key).toBeDefined();
      const resolved = schema?.$ref
        ? (doc.components.schemas?.[schema.$ref.split('/').pop()!] as { example?: unknown })
        : schema;
      expect(
        resolved?.example ?? (resolved as { examples?: unknown[] })?.examples,
        `${key} has an example`,
      ).toBeTruthy();
    }
    const text = JSON.stringify(doc);
    expect(text).toContain(
      'web, app, miniprogram, phone, douyin_live, taobao_live, wechat_oa, wecom, weibo, sms, email, video',
    );
    expect(text).not.toMatch(/"nullable"/);
  });

  it('passes `redocly lint` with the recommended rules: no errors, no warnings', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const result = await run(
      process.execPath,
      [redoclyBin, 'lint', file, '--extends=recommended', '--format=json'],
      {
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('generates a typed client (openapi-typescript) that compiles, refuses a wrong body and talks to the API', async () => {
    const types = astToString(await openapiTS(JSON.stringify(doc) as never));
    writeFileSync(join(dir, 'threadline-api.ts'), types);
    // A tiny typed client over the generated `paths`, used the way a merchant's backend would.
    const client = `import type { paths } from './threadline-api';
type Body<P extends keyof paths, M extends 'post'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Answer<P extends keyof paths, M extends 'post'> = paths[P][M] extends { responses: { 201: { content: { 'application/json': infer A } } } } ? A : never;
export async function post<P extends keyof paths>(base: string, path: P, token: string, body: Body<P, 'post'>): Promise<Answer<P, 'post'>> {
  const response = await fetch(base + String(path), { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Answer<P, 'post'>;
}
export async function demo(base: string, pk: string) {
  const session = await post(base, '/v1/sessions', pk, { channel: 'web' });
  const sent = await post(base, '/v1/messages', session.sessionToken, { clientMessageId: 'typed-client-0001', text: '你好' });
  const status: 'bot' | 'queued' | 'assigned' | 'resolved' = sent.conversation.status;
  return { id: sent.message.id, status };
}`;
    writeFileSync(join(dir, 'client.ts'), client);
    writeFileSync(
      join(dir, 'wrong.ts'),
      `import { post } from './client';\nexport const wrong = () => post('', '/v1/messages', 't', { clientMessageId: 'x', txt: 'typo' });\n`,
    );
    const compile = (files: string[]) =>
      ts
        .getPreEmitDiagnostics(
          ts.createProgram(
            files.map((f) => join(dir, f)),
            {
              strict: true,
              noEmit: true,
              target: ts.ScriptTarget.ES2022,
              module: ts.ModuleKind.ESNext,
              moduleResolution: ts.ModuleResolutionKind.Bundler,
              lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
              skipLibCheck: true,
            },
          ),
        )
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(compile(['client.ts'])).toEqual([]);
    expect(compile(['wrong.ts']).join('\n')).toMatch(/txt/);

    // The generated shapes match what the API really answers.
    const shop = await api.createShop();
    const session = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'web' },
    });
    const sent = await api.call('POST', '/v1/messages', {
      token: session.body.sessionToken,
      body: { clientMessageId: 'typed-client-0001', text: '你好' },
    });
    expect(sent.status).toBe(201);
    expect(types).toContain('sendMessage');
    expect(Object.keys(sent.body).sort()).toEqual(['conversation', 'message', 'replies']);
  }, 60_000);
});
