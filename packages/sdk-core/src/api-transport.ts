import { clientError, HttpError, NetworkError, ThreadlineError, TimeoutError } from './errors';
import { toJson } from './json';
import type { AbortSignalLike, Platform } from './platform';
import type { ErrorEnvelope } from './protocol/index';
import { parseRetryAfter } from './retry-policy';
import { createAbortSource, type Runtime } from './runtime';

/** One call of the HTTP contract (§5). */
export interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Bearer credential: the publishable key or a session token. */
  token: string;
  timeoutMs?: number;
  signal?: AbortSignalLike;
}

export interface ApiTransport {
  call<T>(call: ApiCall): Promise<T>;
  /** The absolute URL of a path and query, as requests use it. */
  url(path: string, query?: ApiCall['query']): string;
}

export interface ApiTransportOptions {
  platform: Platform;
  runtime: Runtime;
  apiUrl: string;
  timeoutMs: number;
  /** Every answer (`true`: a 2xx came back) and every network failure or timeout (`false`). */
  onReachable?(reachable: boolean): void;
}

/**
 * Turns calls into platform requests and answers into values or typed errors: a timeout becomes
 * `TimeoutError`, nothing back becomes `NetworkError`, an error status becomes `HttpError`.
 */
export function createApiTransport(options: ApiTransportOptions): ApiTransport {
  const { platform, runtime } = options;
  const base = options.apiUrl.replace(/\/+$/, '');

  const url = (path: string, query?: ApiCall['query']) => {
    const pairs = Object.entries(query ?? {})
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    return base + path + (pairs.length ? `?${pairs.join('&')}` : '');
  };

  async function call<T>(request: ApiCall): Promise<T> {
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    const source = createAbortSource();
    let timedOut = false;
    const timer = runtime.setTimeout(() => {
      timedOut = true;
      source.abort();
    }, timeoutMs);
    const forwardAbort = () => source.abort();
    request.signal?.addEventListener('abort', forwardAbort);
    if (request.signal?.aborted) source.abort();
    // Settles every call even when a platform ignores the signal.
    const abandoned = new Promise<never>((_, reject) =>
      source.signal.addEventListener('abort', () =>
        reject(timedOut ? new TimeoutError(timeoutMs) : clientError('aborted', 'The request was cancelled.')),
      ),
    );
    abandoned.catch(() => {});

    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${request.token}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    try {
      let status: number;
      let text: string;
      let retryAfter: string | null | undefined;
      try {
        const response = await Promise.race([
          platform.request({
            method: request.method,
            url: url(request.path, request.query),
            headers,
            body: request.body === undefined ? undefined : toJson(request.body),
            timeoutMs,
            signal: source.signal,
          }),
          abandoned,
        ]);
        status = response.status;
        retryAfter = response.headers?.get('retry-after');
        text = await Promise.race([response.text(), abandoned]);
      } catch (error) {
        const failure = ThreadlineError.isInstance(error)
          ? error
          : source.signal.aborted
            ? timedOut
              ? new TimeoutError(timeoutMs)
              : clientError('aborted', 'The request was cancelled.')
            : new NetworkError(error instanceof Error ? error.message : undefined, error);
        if (NetworkError.isInstance(failure) || TimeoutError.isInstance(failure))
          options.onReachable?.(false);
        throw failure;
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch (error) {
        if (status >= 200 && status < 300)
          throw clientError(
            'invalid_response',
            `The API answered ${status} with a body that is not JSON.`,
            error,
          );
      }
      if (status >= 200 && status < 300) {
        options.onReachable?.(true);
        return json as T;
      }
      const envelope = (json as Partial<ErrorEnvelope> | undefined)?.error;
      // The header where the host exposes it; the envelope's copy where it does not (CORS, wx.request).
      const envelopeRetry =
        typeof envelope?.retryAfterSec === 'number' ? envelope.retryAfterSec * 1000 : undefined;
      throw new HttpError(status, envelope, parseRetryAfter(retryAfter, runtime.now()) ?? envelopeRetry);
    } finally {
      runtime.clearTimeout(timer);
      request.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  return { call, url };
}
