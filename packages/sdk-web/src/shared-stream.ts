import type { StreamHandle, StreamHandlers, StreamRequest } from '@threadline/sdk-core';

/** Opens one real SSE stream; used by the tab that leads. */
export type OpenRealStream = (request: StreamRequest, handlers: StreamHandlers) => StreamHandle;

interface RelayMessage {
  frames: string;
}

/**
 * One realtime stream per browser rather than per tab: tabs queue for a Web Lock; the holder streams
 * from the API and relays complete SSE frames over a BroadcastChannel, the others replay them.
 * When the holder goes (tab closed, stream ended), the next tab in the queue takes over from the last
 * event id it saw, so nothing is missed. Without Web Locks or BroadcastChannel every tab streams.
 */
export function createSharedStream(name: string, openReal: OpenRealStream): OpenRealStream {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav?.locks || typeof BroadcastChannel === 'undefined') return openReal;
  const locks = nav.locks;

  return (request, handlers) => {
    let channel: BroadcastChannel;
    try {
      channel = new BroadcastChannel(name);
    } catch {
      // Opaque origins (sandboxed frames) may refuse a channel: this tab streams on its own.
      return openReal(request, handlers);
    }
    const abort = new AbortController();
    let lastId: string | undefined;
    let real: StreamHandle | undefined;
    let closed = false;
    let pending = '';
    let releaseLock: (() => void) | undefined;

    const noteIds = (frames: string) => {
      for (const match of frames.matchAll(/^id: ?(.*)$/gm)) lastId = match[1];
    };

    const finish = (error?: unknown) => {
      if (closed) return;
      closed = true;
      channel.close();
      releaseLock?.();
      handlers.onClose(error);
    };

    // Until we lead, replay what the leading tab relays.
    handlers.onOpen({ status: 200 });
    channel.onmessage = (event: MessageEvent<RelayMessage>) => {
      if (real || closed || typeof event.data?.frames !== 'string') return;
      noteIds(event.data.frames);
      handlers.onText(event.data.frames);
    };

    const lead = () => {
      if (closed) return undefined;
      return new Promise<void>((release) => {
        releaseLock = release;
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(request.headers))
          if (!lastId || key.toLowerCase() !== 'last-event-id') headers[key] = value;
        if (lastId) headers['last-event-id'] = lastId;
        real = openReal(
          { url: request.url, headers },
          {
            onOpen(response) {
              if (response.status < 200 || response.status >= 300) handlers.onOpen(response);
            },
            onText(chunk) {
              handlers.onText(chunk);
              // Relay whole frames only, so a tab that joins mid-frame never parses half an event.
              pending += chunk.replace(/\r\n?/g, '\n');
              const end = pending.lastIndexOf('\n\n');
              if (end < 0) return;
              const frames = pending.slice(0, end + 2);
              pending = pending.slice(end + 2);
              if (!closed) channel.postMessage({ frames } satisfies RelayMessage);
            },
            onClose(error) {
              real = undefined;
              finish(error);
            },
          },
        );
      });
    };
    locks.request(name, { signal: abort.signal }, lead).catch(() => {
      // Aborted while queued (the core closed this stream): nothing to undo. Refused (a sandboxed
      // frame, a browser that denies Web Locks here): without a lock there is no leader to relay
      // to this tab, so it leads on its own rather than wait for events that never come.
      if (!abort.signal.aborted && !closed && !real) lead();
    });

    return {
      close() {
        if (closed) return;
        closed = true;
        abort.abort();
        real?.close();
        real = undefined;
        channel.close();
        releaseLock?.();
      },
    };
  };
}
