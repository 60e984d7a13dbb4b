import type { FakeWxRequest } from './fake-wx';

/** Anything that answers a Request like Hono's `app.request` (the real API, in-process). */
export interface InProcessApi {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

/**
 * A `respond` for the fake `wx` that sends each wx.request to the real API in-process, the way
 * WeChat would over the network: any status comes back through `success`, the body as text.
 */
export function answerWithApi(api: InProcessApi) {
  return (request: FakeWxRequest) => {
    const controller = new AbortController();
    request.onAbort = () => controller.abort();
    const url = new URL(request.options.url);
    void (async () => {
      try {
        const response = await api.request(url.pathname + url.search, {
          method: request.method,
          headers: request.options.header,
          ...(request.options.data === undefined ? {} : { body: String(request.options.data) }),
          signal: controller.signal,
        });
        const text = await response.text();
        if (request.aborted) return;
        request.succeed(response.status, text, Object.fromEntries(response.headers));
      } catch (error) {
        if (!request.aborted) request.fail(`request:fail ${(error as Error).message}`);
      }
    })();
  };
}
