import type { FetchLike, FetchResponseLike } from '../src/fetch-platform';

/**
 * A fetch into the real in-process API with a network switch: off, requests fail like a dropped
 * connection and open event streams break mid-way; on, everything goes through again.
 */
export function createSwitchableNetwork(target: (request: Request) => Response | Promise<Response>) {
  let online = true;
  const listeners = new Set<(online: boolean) => void>();
  const streams = new Set<{
    controller: ReadableStreamDefaultController<Uint8Array>;
    upstream: ReadableStreamDefaultReader<Uint8Array>;
  }>();
  const down = () => new TypeError('fetch failed: the test network is off');

  const fetch: FetchLike = async (url, init) => {
    if (!online) throw down();
    const response = await target(new Request(url, init as RequestInit));
    if (!online) throw down();
    if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
      return response as unknown as FetchResponseLike;
    }
    // Wrap the event stream so the switch can cut it like a lost connection.
    const upstream = response.body.getReader();
    let entry!: { controller: ReadableStreamDefaultController<Uint8Array>; upstream: typeof upstream };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        entry = { controller, upstream };
        streams.add(entry);
      },
      async pull(controller) {
        try {
          const { done, value } = await upstream.read();
          if (done) {
            streams.delete(entry);
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          streams.delete(entry);
          controller.error(error);
        }
      },
      cancel() {
        streams.delete(entry);
        return upstream.cancel();
      },
    });
    return new Response(body, {
      status: response.status,
      headers: response.headers,
    }) as unknown as FetchResponseLike;
  };

  return {
    fetch,
    get online() {
      return online;
    },
    setOnline(next: boolean) {
      if (next === online) return;
      online = next;
      if (!next) {
        for (const stream of streams) {
          stream.controller.error(down());
          void stream.upstream.cancel().catch(() => {});
        }
        streams.clear();
      }
      for (const listener of listeners) listener(next);
    },
    onNetworkChange(listener: (online: boolean) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
