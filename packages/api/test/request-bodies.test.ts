import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchantApp } from '../src/apps/apps';
import type { Logger } from '../src/platform/deps';
import { type RunningServer, startServer } from '../src/serve';
import { anonymousId, createTestApi, type TestApi } from './harness';

/**
 * Review of issue 8 (items 7, 11, 16): what arrives as a request body. Bytes that are not UTF-8
 * must not be turned into other text, and a client that goes away mid-body is the client's
 * failure, not a 5xx with an error in the log.
 */
describe('a body that is not UTF-8 is refused, never repaired (text integrity)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('refuses malformed UTF-8 on every JSON route instead of storing U+FFFD in its place', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    const text = (value: string) => Buffer.from(value, 'utf8');
    // {"clientMessageId":"…","text":"hi <0xff 0xfe> <overlong slash>"}
    const broken = Buffer.concat([
      text(`{"clientMessageId":"${'m'.repeat(12)}","text":"hi `),
      Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
      text('"}'),
    ]);
    for (const [path, token] of [
      ['/v1/messages', session.sessionToken],
      ['/v1/track', session.sessionToken],
      ['/v1/escalate', session.sessionToken],
      ['/v1/sessions', shop.publishableKey],
      ['/v1/kb/articles', shop.secretKey],
    ] as const) {
      const res = await api.app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: broken,
      });
      expect([path, res.status]).toEqual([path, 400]);
      expect(errorEnvelope.parse(await res.json()).error.code).toBe('invalid_json');
    }
    const page = await api.call('GET', '/v1/timeline', { token: session.sessionToken });
    expect(page.body.messages).toEqual([]);
  });

  it('still takes well-formed UTF-8, a byte-order mark included', async () => {
    const shop = await api.createShop();
    const session = await shop.startSession();
    const res = await api.app.request('/v1/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${session.sessionToken}`, 'content-type': 'application/json' },
      body: Buffer.from(`\ufeff{"clientMessageId":"${'b'.repeat(12)}","text":"你好 😀"}`, 'utf8'),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: { text: string } }).message.text).toBe('你好 😀');
  });
});

describe('a client that leaves mid-body on a real server', () => {
  let server: RunningServer;
  let dir: string;
  const errors: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: () => {},
    error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`),
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-bodies-'));
    server = await startServer({
      databaseUrl: `file:${join(dir, 'db.sqlite')}`,
      port: 0,
      masterKey: new Uint8Array(32).fill(3),
      sessionSigningKey: new Uint8Array(32).fill(4),
      logger,
      bodyTimeoutMs: 1_000,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `head` and part of a body, then either hangs up or keeps the socket open until the server closes it. */
  const partial = (head: string, hangUpAfterMs?: number) =>
    new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
      socket.write(head);
      if (hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), hangUpAfterMs);
    });

  it('logs no error and answers no 5xx when the body never completes', async () => {
    const keys = await createMerchantApp(server.app.deps, { name: 'bodies' });
    const session = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'web', anonymousId: anonymousId() }),
    });
    const { sessionToken } = (await session.json()) as { sessionToken: string };
    const head = (length: number) =>
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sessionToken}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"name":`;
    // Hangs up after part of the body…
    await partial(head(100), 200);
    // …or stalls until the body deadline cuts it.
    const cut = await partial(head(100));
    expect(cut).not.toMatch(/HTTP\/1\.1 5\d\d/);
    // Give the server's handlers time to settle what they were reading.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors).toEqual([]);
  });
});
