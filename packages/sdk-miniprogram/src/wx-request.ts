import {
  NetworkError,
  type PlatformRequest,
  type PlatformResponse,
  ThreadlineError,
  TimeoutError,
} from '@threadline/sdk-core';
import type { RequestLimiter } from './request-limiter';
import type { WxCallbackResult, WxHost, WxRequestTask } from './wx-host';

/** Why a `wx.request` failed, read from its `errMsg` ("request:fail timeout", …). */
export type WxRequestFailure = 'timeout' | 'interrupted' | 'aborted' | 'domain' | 'network';

export function classifyErrMsg(errMsg: string | undefined): WxRequestFailure {
  const message = (errMsg ?? '').toLowerCase();
  if (message.includes('timeout') || message.includes('timed out')) return 'timeout';
  if (message.includes('interrupted')) return 'interrupted';
  if (message.includes('abort')) return 'aborted';
  if (message.includes('domain list') || message.includes('not in domain')) return 'domain';
  return 'network';
}

/** Maps a `fail` callback to the SDK's error family; the original result stays on `cause`. */
export function wxRequestError(result: WxCallbackResult | undefined, timeoutMs: number): ThreadlineError {
  const errMsg = result?.errMsg ?? 'request:fail';
  switch (classifyErrMsg(errMsg)) {
    case 'timeout':
      return new TimeoutError(timeoutMs);
    case 'interrupted':
      // The app went to the background with the request open; it is safe to try again later.
      return new NetworkError(`${errMsg} (the mini-program went to the background)`, result);
    case 'aborted':
      return new ThreadlineError('aborted', 'The request was cancelled.', result);
    case 'domain':
      return new NetworkError(
        `${errMsg}: add the API's origin to the mini-program's request 合法域名 (mp.weixin.qq.com → 开发管理 → 服务器域名).`,
        result,
      );
    default:
      return new NetworkError(errMsg, result);
  }
}

const aborted = () => new ThreadlineError('aborted', 'The request was cancelled.');

/**
 * `PlatformRequest` over `wx.request`: any HTTP status is a success for WeChat, so it is handed to
 * the core as is; the body is always text (no JSON parsing by WeChat); a timer of our own and the
 * core's abort signal both abort the task; whatever happens first settles the promise, and late
 * callbacks are ignored.
 */
export function createWxRequest(
  getWx: () => WxHost,
  limiter: RequestLimiter,
  timers: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void },
) {
  return function request(req: PlatformRequest): Promise<PlatformResponse> {
    return limiter.run(
      () =>
        new Promise<PlatformResponse>((resolve, reject) => {
          let settled = false;
          let task: WxRequestTask | undefined;
          const finish = (outcome: () => void, abortTask: boolean) => {
            if (settled) return;
            settled = true;
            timers.clearTimeout(timer);
            req.signal.removeEventListener('abort', onAbort);
            if (abortTask) {
              try {
                task?.abort();
              } catch {
                // An already finished task may refuse to abort; nothing is left to stop.
              }
            }
            outcome();
          };
          const onAbort = () => finish(() => reject(aborted()), true);
          const timer = timers.setTimeout(
            () => finish(() => reject(new TimeoutError(req.timeoutMs)), true),
            req.timeoutMs,
          );
          req.signal.addEventListener('abort', onAbort);
          try {
            task = getWx().request({
              url: req.url,
              method: req.method,
              header: req.headers,
              ...(req.body === undefined ? {} : { data: req.body }),
              // Anything but 'json' stops WeChat from parsing: the core wants the text.
              dataType: 'text',
              responseType: 'text',
              timeout: req.timeoutMs,
              success(result) {
                finish(() => {
                  const header = result.header ?? {};
                  const data = result.data;
                  const text =
                    typeof data === 'string'
                      ? data
                      : data === undefined || data === null
                        ? ''
                        : JSON.stringify(data);
                  resolve({
                    status: result.statusCode,
                    headers: { get: (name) => headerValue(header, name) },
                    text: () => Promise.resolve(text),
                  });
                }, false);
              },
              fail(result) {
                finish(() => reject(wxRequestError(result, req.timeoutMs)), false);
              },
            });
          } catch (error) {
            finish(
              () => reject(new NetworkError(error instanceof Error ? error.message : String(error), error)),
              false,
            );
          }
          // The signal may have fired while wx.request was being called.
          if (settled) return;
          if (req.signal.aborted) onAbort();
        }),
      req.signal,
      aborted,
    );
  };
}

/** WeChat hands headers over with the server's casing. */
function headerValue(header: Record<string, string>, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(header)) if (key.toLowerCase() === wanted) return String(header[key]);
  return null;
}
