import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InArgs } from '@libsql/client';
import type { RateLimitSettings } from '@threadline/sdk-core/protocol';
import { type AppOptions, createApp } from '../src/app';
import { type CreateMerchantAppOptions, createMerchantApp } from '../src/apps/apps';
import { createDatabase, migrateDatabase } from '../src/db/database';
import { DEFAULT_RATE_LIMITS } from '../src/http/rate-limits';
import { openAllForCustomers } from '../src/identity/customer-keys';
import { signIdentityToken } from '../src/identity/identity-tokens';
import { silentLogger } from '../src/platform/deps';

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A real API on a fresh, migrated libSQL file — one per test file or case. */
export async function createTestApi(options: Partial<AppOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-test-'));
  const databasePath = join(dir, 'test.db');
  const database = createDatabase({ url: `file:${databasePath}` });
  await migrateDatabase(database);
  const keys = { masterKey: randomBytes(32), sessionSigningKey: randomBytes(32) };
  const app = createApp({
    database,
    ...keys,
    logger: silentLogger,
    // Test connectors listen on loopback; the SSRF tests turn this off.
    allowPrivateCallbacks: true,
    ...options,
  });

  async function call<T = any>(method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: json as T, text, headers: response.headers };
  }

  /** Raw SQL against the test database, e.g. to count the rows a flow must not duplicate. */
  async function rows<T = Record<string, unknown>>(sql: string, args: InArgs = []): Promise<T[]> {
    return (await database.client.execute({ sql, args })).rows as unknown as T[];
  }

  /** Rows with their sealed `text` opened with the customers' data keys, as the API reads them. */
  async function opened<T extends { text: string }>(list: T[]): Promise<T[]> {
    const texts = await openAllForCustomers(
      app.deps,
      list.map((row) => row.text),
    );
    return list.map((row, i) => ({ ...row, text: texts[i] ?? '' }));
  }

  async function createShop(options: Partial<CreateMerchantAppOptions> = {}) {
    const keys = await createMerchantApp(app.deps, { name: 'Test shop', ...options });
    const startSession = async (body: Record<string, unknown> = {}) => {
      const res = await call('POST', '/v1/sessions', {
        token: keys.publishableKey,
        body: { channel: 'web', anonymousId: anonymousId(), ...body },
      });
      if (res.status !== 201) throw new Error(`session failed: ${res.status} ${res.text}`);
      return res.body as import('@threadline/sdk-core/protocol').SessionAnswer;
    };
    return {
      ...keys,
      startSession,
      identityToken: (sub: string, claims: Record<string, unknown> = {}) =>
        signIdentityToken({ sub, ...claims }, keys.identitySecret, app.deps.clock.now()),
      identify: (sessionToken: string, identityToken: string) =>
        call('POST', '/v1/identify', { token: sessionToken, body: { identityToken } }),
      send: (sessionToken: string, text: string, clientMessageId: string = randomUUID()) =>
        call('POST', '/v1/messages', { token: sessionToken, body: { clientMessageId, text } }),
      /** An agent created with the secret key, with a fresh token (8 h). */
      addAgent: async (body: Record<string, unknown>) => {
        const created = await call('POST', '/v1/agents', { token: keys.secretKey, body });
        if (created.status !== 201) throw new Error(`agent failed: ${created.status} ${created.text}`);
        const issued = await call('POST', `/v1/agents/${created.body.agent.id}/tokens`, {
          token: keys.secretKey,
          body: {},
        });
        if (issued.status !== 201) throw new Error(`token failed: ${issued.status} ${issued.text}`);
        const token = issued.body.token as string;
        return {
          id: created.body.agent.id as string,
          token,
          call: <T = any>(method: string, path: string, body?: unknown) =>
            call<T>(method, path, { token, ...(body === undefined ? {} : { body }) }),
          presence: (presence: 'online' | 'away' | 'offline') =>
            call('POST', '/v1/agent/presence', { token, body: { presence } }),
        };
      },
      channelMessage: (
        channel: string,
        from: Record<string, unknown>,
        text: string,
        clientMessageId?: string,
      ) =>
        call('POST', `/v1/channels/${channel}/messages`, {
          token: keys.secretKey,
          body: { from, text, ...(clientMessageId ? { clientMessageId } : {}) },
        }),
    };
  }

  return {
    app,
    deps: app.deps,
    database,
    databasePath,
    /** Another API over the same database and keys: what a restart (or a second process) sees. */
    reopen: (more: Partial<AppOptions> = {}) =>
      createApp({
        database,
        ...keys,
        logger: silentLogger,
        allowPrivateCallbacks: true,
        ...options,
        ...more,
      }),
    call,
    rows,
    opened,
    createShop,
    async close() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const anonymousId = () => randomBytes(18).toString('base64url');

/** Rate limits opened wide, for tests that send many requests from one address on purpose. */
export const UNLIMITED = Object.fromEntries(
  Object.keys(DEFAULT_RATE_LIMITS).map((rule) => [rule, 1_000_000]),
) as unknown as RateLimitSettings;

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;
