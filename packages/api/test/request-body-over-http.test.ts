import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchantApp } from '../src/apps/apps';
import { silentLogger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';
import { anonymousId } from './harness';

/**
 * Issue 18: on a real server, JSON bodies with a Content-Length are read straight off the socket
 * and bounded by that header; chunked bodies still stream through Hono's body limit. Both paths must
 * give the same answers: parsed values, 413 past the limit, 400 for bad UTF-8 or broken JSON.
 */
describe('request bodies on a real server', () => {
  let server: RunningServer;
  let dir: string;
  let sessionToken: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-bodies-'));
    server = await startServer({
      databaseUrl: `file:${join(dir, 'db.sqlite')}`,
      port: 0,
      masterKey: new Uint8Array(32).fill(3),
      sessionSigningKey: new Uint8Array(32).fill(4),
      logger: silentLogger,
      bodyLimitBytes: 4_096,
    });
    const keys = await createMerchantApp(server.app.deps, { name: 'bodies', allowedOrigins: [] });
    const started = await send(
      'POST',
      '/v1/sessions',
      JSON.stringify({ channel: 'web', anonymousId: anonymousId() }),
      {
        authorization: `Bearer ${keys.publishableKey}`,
      },
    );
    expect(started.status).toBe(201);
    sessionToken = (JSON.parse(started.text) as { sessionToken: string }).sessionToken;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One request; `chunked` sends the body in pieces without a Content-Length. */
  function send(
    method: string,
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
    chunked = false,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const req = request(
        `${server.url}${path}`,
        {
          method,
          headers: {
            'content-type': 'application/json',
            ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes.length) }),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      if (chunked) {
        const half = Math.floor(bytes.length / 2);
        req.write(bytes.subarray(0, half));
        setTimeout(() => req.end(bytes.subarray(half)), 20);
      } else req.end(bytes);
    });
  }
  const codeOf = (text: string) => errorEnvelope.parse(JSON.parse(text)).error.code;
  const auth = () => ({ authorization: `Bearer ${sessionToken}` });

  for (const chunked of [false, true]) {
    const how = chunked ? 'chunked' : 'with a Content-Length';
    it(`sends a message ${how}, and answers a retry with the same message`, async () => {
      const body = JSON.stringify({ text: `几号发货？ ${how}`, clientMessageId: `body-${chunked}` });
      const first = await send('POST', '/v1/messages', body, auth(), chunked);
      expect(first.status).toBe(201);
      const sent = JSON.parse(first.text) as { message: { id: string; text: string } };
      expect(sent.message.text).toBe(`几号发货？ ${how}`);
      const again = await send('POST', '/v1/messages', body, auth(), chunked);
      expect(again.status).toBe(201);
      expect((JSON.parse(again.text) as { message: { id: string } }).message.id).toBe(sent.message.id);
    });

    it(`refuses a body past the limit ${how} with 413`, async () => {
      const body = JSON.stringify({ text: 'x'.repeat(5_000), clientMessageId: `big-${chunked}` });
      const res = await send('POST', '/v1/messages', body, auth(), chunked);
      expect([res.status, codeOf(res.text)]).toEqual([413, 'payload_too_large']);
    });

    it(`refuses bytes that are not UTF-8 ${how} with 400 invalid_json`, async () => {
      const body = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const res = await send('POST', '/v1/messages', body, auth(), chunked);
      expect([res.status, codeOf(res.text)]).toEqual([400, 'invalid_json']);
    });

    it(`refuses broken or too deep JSON ${how} with a 400`, async () => {
      const broken = await send('POST', '/v1/messages', '{"text": "hi",', auth(), chunked);
      expect(broken.status).toBe(400);
      expect(codeOf(broken.text)).toBe('invalid_json');
      const deep = await send('POST', '/v1/messages', `${'['.repeat(40)}${']'.repeat(40)}`, auth(), chunked);
      expect([deep.status, codeOf(deep.text)]).toEqual([400, 'validation_failed']);
      const empty = await send('POST', '/v1/messages', '', auth(), chunked);
      expect(empty.status).toBe(400);
    });
  }
});
