import type { AppRow } from '../apps';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';

export interface WechatIdentity {
  openid: string;
  unionid?: string;
}

/**
 * Exchanges a `wx.login` code at WeChat's jscode2session. The session_key WeChat returns stays
 * here and is dropped: the mini-program never sees it and we need none of what it decrypts.
 */
export async function exchangeWechatCode(
  deps: ServiceDeps,
  app: AppRow,
  code: string,
): Promise<WechatIdentity> {
  const wechat = app.settings.wechat;
  if (!wechat) throw new ApiError('wechat_not_configured', 'This app has no WeChat appid/secret configured.');
  const url = new URL('/sns/jscode2session', deps.config.wechatApiBase);
  url.searchParams.set('appid', wechat.appId);
  url.searchParams.set('secret', deps.sealer.open(wechat.secretEnc));
  url.searchParams.set('js_code', code);
  url.searchParams.set('grant_type', 'authorization_code');
  let body: { openid?: string; unionid?: string; errcode?: number; errmsg?: string };
  try {
    const response = await deps.fetch(url, { signal: AbortSignal.timeout(5000) });
    body = (await response.json()) as typeof body;
  } catch (error) {
    deps.logger.warn('jscode2session unreachable', { error: String(error) });
    throw new ApiError('wechat_exchange_failed', 'WeChat could not be reached to verify the login code.');
  }
  if (body.errcode || !body.openid) {
    // 40029 invalid code, 40163 code already used, 45011 rate limited: all mean "log in again".
    throw new ApiError(
      'invalid_credential',
      `WeChat refused the login code (${body.errcode ?? 'no openid'}${body.errmsg ? `: ${body.errmsg}` : ''}).`,
    );
  }
  return { openid: body.openid, ...(body.unionid ? { unionid: body.unionid } : {}) };
}
