import { randomBytes, randomUUID } from 'node:crypto';
import { type AppOptions, createMerchantApp, signIdentityToken } from '@threadline/api';
import { createTestApi } from '../../api/test/harness';
import { createThreadline, type MiniProgramThreadline } from '../src/index';
import { answerWithApi } from './api-wx';
import { createFakeWx, type FakeWx } from './fake-wx';

export const API_URL = 'https://api.threadline.test';

/** The real API on a fresh libSQL file, and helpers to play the web side over plain HTTP. */
export async function startApi(options: Partial<AppOptions> = {}) {
  // The API's own test harness: a fresh, migrated libSQL file and the app over it.
  const api = await createTestApi(options);
  const { app } = api;

  async function call(method: string, path: string, token: string, body?: unknown): Promise<any> {
    const response = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async function createShop(wechat?: { appId: string; secret: string }) {
    const keys = await createMerchantApp(app.deps, { name: 'Mini shop', ...(wechat ? { wechat } : {}) });
    return {
      ...keys,
      identityToken: (sub: string, claims: Record<string, unknown> = {}) =>
        signIdentityToken({ sub, ...claims }, keys.identitySecret),
      /** A web tab: a plain HTTP session start, as sdk-web would make it. */
      webSession: (body: Record<string, unknown> = {}) =>
        call('POST', '/v1/sessions', keys.publishableKey, {
          channel: 'web',
          anonymousId: randomBytes(18).toString('base64url'),
          ...body,
        }),
      send: (sessionToken: string, text: string) =>
        call('POST', '/v1/messages', sessionToken, { clientMessageId: randomUUID(), text }),
      timeline: (sessionToken: string) => call('GET', '/v1/timeline?limit=50', sessionToken),
      handoff: (sessionToken: string, toChannel = 'miniprogram') =>
        call('POST', '/v1/handoffs', sessionToken, { toChannel }),
      /** A knowledge-base article the embedded AI engine answers from. */
      article: (article: { title: string; questions: string[]; answer: string }) =>
        call('POST', '/v1/kb/articles', keys.secretKey, article),
      intent: (intent: {
        id: string;
        name: string;
        policy: string;
        ticketType?: string;
        examples: string[];
      }) => call('POST', '/v1/kb/intents', keys.secretKey, intent),
      phoneMessage: (from: Record<string, unknown>, text: string) =>
        call('POST', '/v1/channels/phone/messages', keys.secretKey, { from, text }),
      /** A mini-program client whose wx.request reaches this API in-process. */
      miniProgram(): { wx: FakeWx; client: MiniProgramThreadline } {
        const wx = createFakeWx({ respond: answerWithApi(app) });
        const client = createThreadline({
          appKey: keys.publishableKey,
          apiUrl: API_URL,
          wx,
          logger: { warn() {}, error() {} },
        });
        clients.push(client);
        return { wx, client };
      },
    };
  }

  const clients: MiniProgramThreadline[] = [];
  return {
    app,
    call,
    createShop,
    async close() {
      for (const client of clients) client.close();
      await api.close();
    },
  };
}

export type StartedApi = Awaited<ReturnType<typeof startApi>>;
