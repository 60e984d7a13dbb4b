import {
  type ClientOptions,
  createClient,
  type ResumeResult,
  type StartResult,
  type ThreadlineClient,
  ThreadlineError,
} from '@threadline/sdk-core';
import { type HandoffQuery, parseHandoffCode } from './handoff-code';
import { createMiniProgramPlatform, type MiniProgramPlatform } from './miniprogram-platform';
import { resolveWx, type WxHost } from './wx-host';

export interface ThreadlineOptions {
  /** The app's publishable key (`pk_…`). */
  appKey: string;
  /** The API's origin; add it to the mini-program's request 合法域名. */
  apiUrl: string;
  /** The host object; default: the global `wx`, looked up at each call. */
  wx?: WxHost | (() => WxHost | undefined);
  /** Default `miniprogram`. */
  channel?: string;
  logger?: ClientOptions['logger'];
  storagePrefix?: string;
  requestTimeoutMs?: number;
  realtime?: ClientOptions['realtime'];
  backoff?: ClientOptions['backoff'];
  /** See `MiniProgramPlatformOptions.maxConcurrentRequests`. Default 4. */
  maxConcurrentRequests?: number;
  appVersion?: string;
}

/** The §5a client plus what only a mini-program can do. */
export interface MiniProgramThreadline extends Omit<ThreadlineClient, 'resume' | 'loginWithWechatCode'> {
  /**
   * Logs in with the shopper's WeChat account: `wx.login` gives a one-time code, the API exchanges
   * it (jscode2session) for the openid and, when the mini-program is bound to an Open Platform
   * account, the unionid that is the same person on the app, the web and the official account.
   */
  loginWithWechat(): Promise<StartResult>;
  /**
   * Continues a conversation handed off from another channel. Takes the code itself, or what the
   * page was opened with: `onLoad(query)` from a link (`?handoff=`) or a mini-program code (`scene`).
   */
  resume(codeOrQuery: string | HandoffQuery): Promise<ResumeResult>;
  readonly platform: MiniProgramPlatform;
}

let defaultClient: MiniProgramThreadline | null = null;

/** The client made last by `createThreadline` (the chat component uses it unless given one). */
export function getThreadline(): MiniProgramThreadline | null {
  return defaultClient;
}

/** Creates the Threadline client for a WeChat mini-program. Call it once, e.g. in app.js. */
export function createThreadline(options: ThreadlineOptions): MiniProgramThreadline {
  const platform = createMiniProgramPlatform({
    wx: options.wx,
    maxConcurrentRequests: options.maxConcurrentRequests,
    appVersion: options.appVersion,
  });
  const core = createClient({
    appKey: options.appKey,
    apiUrl: options.apiUrl,
    channel: options.channel ?? 'miniprogram',
    platform,
    logger: options.logger,
    storagePrefix: options.storagePrefix,
    requestTimeoutMs: options.requestTimeoutMs,
    realtime: options.realtime,
    backoff: options.backoff,
  });
  // The first anonymous id is drawn from WeChat's strong random pool, which fills asynchronously.
  const ready = platform.ready;

  const wechatCode = () =>
    new Promise<string>((resolve, reject) => {
      const wx = resolveWx(options.wx);
      if (!wx.login)
        return reject(new ThreadlineError('wechat_login_failed', 'wx.login is not available here.'));
      wx.login({
        timeout: 10_000,
        success: (result) =>
          result?.code
            ? resolve(result.code)
            : reject(new ThreadlineError('wechat_login_failed', 'wx.login returned no code.')),
        fail: (error) =>
          reject(
            new ThreadlineError(
              'wechat_login_failed',
              `wx.login failed: ${error?.errMsg ?? 'unknown'}`,
              error,
            ),
          ),
      });
    });

  const client: MiniProgramThreadline = {
    platform,
    apiUrl: core.apiUrl,
    start: () => ready.then(() => core.start()),
    identify: (token) => ready.then(() => core.identify(token)),
    send: (text) => ready.then(() => core.send(text)),
    on: (event, listener) => core.on(event, listener),
    timeline: (page) => ready.then(() => core.timeline(page)),
    handoff: (handoffOptions) => ready.then(() => core.handoff(handoffOptions)),
    async resume(codeOrQuery) {
      const code = parseHandoffCode(codeOrQuery);
      if (!code)
        throw new ThreadlineError(
          'invalid_input',
          'No handoff code was found in what the page was opened with.',
        );
      await ready;
      return core.resume(code);
    },
    async loginWithWechat() {
      const code = await wechatCode();
      await ready;
      return core.loginWithWechatCode(code);
    },
    track: (name, properties) => ready.then(() => core.track(name, properties)),
    escalate: (reason) => ready.then(() => core.escalate(reason)),
    credentials: () => ready.then(() => core.credentials()),
    conversationState: () => ready.then(() => core.conversationState()),
    backToBot: () => ready.then(() => core.backToBot()),
    rate: (rating, comment, conversationId) => ready.then(() => core.rate(rating, comment, conversationId)),
    reset: () => core.reset(),
    close() {
      core.close();
      if (defaultClient === client) defaultClient = null;
    },
    pending: () => core.pending(),
    getState: () => core.getState(),
  };
  defaultClient = client;
  return client;
}
