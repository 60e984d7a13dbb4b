import { createParser } from 'eventsource-parser';
import type { ApiTransport } from './api-transport';
import { HttpError, NetworkError, type ThreadlineError, TimeoutError, toThreadlineError } from './errors';
import type { Platform, StreamHandle } from './platform';
import type { RealtimeEvent, UpdatesAnswer } from './protocol/index';
import { type BackoffOptions, backoffDelay, needsNewSession, parseRetryAfter } from './retry-policy';
import { type AbortSource, createAbortSource, type Runtime } from './runtime';
import type { SessionManager } from './session';

export type ConnectionStatus = 'online' | 'offline' | 'reconnecting';

/**
 * Streams in a row that opened and then said nothing, or failed while the API itself answered,
 * before realtime settles for long-polling: streaming is broken on this page, not the network
 * (a fetch polyfill without streaming bodies, a proxy that buffers, an extension that blocks it).
 */
const BROKEN_STREAMS_BEFORE_POLLING = 2;

export interface RealtimeOptions {
  platform: Platform;
  runtime: Runtime;
  transport: ApiTransport;
  session: SessionManager;
  backoff?: BackoffOptions;
  /** A stream silent for this long (the API pings every 15 s) is presumed dead. */
  heartbeatTimeoutMs?: number;
  /** How long one long-poll may wait on the server. */
  pollWaitSeconds?: number;
  onEvent(event: RealtimeEvent): void;
  onStatus(status: ConnectionStatus): void;
  /** A failure other than the network being away (those show as `offline`). */
  onError(error: ThreadlineError): void;
}

export interface Realtime {
  start(): void;
  stop(): void;
  /** Reconnects with the current session (after identify, resume or reset). */
  restart(options?: { forgetCursor?: boolean }): void;
  /** Cuts a reconnect wait short, e.g. when the network comes back. */
  wake(): void;
  cursor(): string | undefined;
}

/**
 * Keeps one live connection for the customer's events — SSE when the platform can stream, long-poll
 * otherwise — and resumes from the last cursor after every disconnect, so nothing is missed or
 * delivered twice.
 */
export function createRealtime(options: RealtimeOptions): Realtime {
  const { platform, runtime, transport, session } = options;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 45_000;
  const pollWait = options.pollWaitSeconds ?? 25;
  let cursor: string | undefined;
  let generation = 0;
  let running = false;
  let connection: AbortSource | null = null;
  let backoffWait: AbortSource | null = null;
  let brokenStreams = 0;

  const dispatch = (event: RealtimeEvent) => {
    // Event ids are increasing cursors: anything at or below the last one was seen already.
    if (cursor !== undefined && Number(event.id) <= Number(cursor)) return;
    cursor = event.id;
    options.onEvent(event);
  };

  async function poll(waitSeconds: number, stop: AbortSource): Promise<void> {
    const answer = await session.authed<UpdatesAnswer>({
      method: 'GET',
      path: '/v1/updates',
      query: { after: cursor, wait: waitSeconds },
      timeoutMs: waitSeconds * 1000 + 15_000,
      signal: stop.signal,
    });
    for (const event of answer.events) dispatch(event);
    if (answer.cursor !== null && (cursor === undefined || Number(answer.cursor) > Number(cursor)))
      cursor = answer.cursor;
  }

  /** One SSE connection: resolves when it ends, rejects when it fails. */
  async function stream(
    openStream: NonNullable<Platform['openStream']>,
    stop: AbortSource,
    onOpen: () => void,
    onHeard: () => void,
  ): Promise<void> {
    const { token, customer } = await session.ensure();
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
    if (cursor !== undefined) headers['last-event-id'] = cursor;
    const parser = createParser({
      onEvent(message) {
        if (!message.id || !message.event) return;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        dispatch({ id: message.id, type: message.event as RealtimeEvent['type'], data });
      },
    });
    return new Promise<void>((resolve, reject) => {
      let handle: StreamHandle | undefined;
      let settled = false;
      let watchdog: unknown;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        runtime.clearTimeout(watchdog);
        stop.signal.removeEventListener('abort', onStop);
        handle?.close();
        if (error === undefined) resolve();
        else reject(error);
      };
      const onStop = () => finish();
      const arm = () => {
        runtime.clearTimeout(watchdog);
        watchdog = runtime.setTimeout(
          () => finish(new NetworkError('The event stream went silent.')),
          heartbeatTimeoutMs,
        );
      };
      stop.signal.addEventListener('abort', onStop);
      try {
        handle = openStream(
          { url: transport.url('/v1/stream', { after: cursor }), headers, scope: customer.id },
          {
            onOpen(response) {
              if (settled) return;
              if (response.status >= 200 && response.status < 300) {
                arm();
                onOpen();
              } else {
                // Any 401 on the stream means the token went stale; the body is not needed.
                finish(
                  new HttpError(
                    response.status,
                    response.status === 401 ? { code: 'session_expired' } : undefined,
                    // A 429 (too many streams) says when to come back; the backoff waits at least that.
                    parseRetryAfter(response.headers?.get('retry-after'), runtime.now()),
                  ),
                );
              }
            },
            onText(chunk) {
              if (settled) return;
              arm();
              onHeard();
              parser.feed(chunk);
            },
            onClose(error) {
              finish(error === undefined ? undefined : toThreadlineError(error, 'network_error'));
            },
          },
        );
      } catch (error) {
        finish(toThreadlineError(error, 'network_error'));
      }
      if (settled) handle?.close();
    });
  }

  async function run(mine: number) {
    let attempt = 0;
    const current = () => running && mine === generation;
    while (current()) {
      const stop = createAbortSource();
      connection = stop;
      let failure: ThreadlineError | undefined;
      const streaming = Boolean(platform.openStream) && brokenStreams < BROKEN_STREAMS_BEFORE_POLLING;
      let opened = false;
      let heard = false;
      try {
        // A first cursor before streaming, so even a drop before the first event leaves no gap.
        if (cursor === undefined || !streaming) {
          await poll(cursor === undefined ? 0 : pollWait, stop);
          if (!current()) break;
          attempt = 0;
          options.onStatus('online');
          if (!streaming) continue;
        }
        await stream(
          platform.openStream!,
          stop,
          () => {
            opened = true;
            attempt = 0;
            options.onStatus('online');
          },
          () => {
            heard = true;
          },
        );
      } catch (thrown) {
        failure = toThreadlineError(thrown, 'unexpected');
      } finally {
        if (connection === stop) connection = null;
      }
      if (!current()) break;
      if (heard) brokenStreams = 0;
      else if (opened) brokenStreams++;
      else if (NetworkError.isInstance(failure) && (await answersWithoutStream(stop))) {
        // The API answers, only the stream fails: events keep coming by long-poll meanwhile.
        brokenStreams++;
        attempt = 0;
        options.onStatus('online');
        continue;
      }
      if (!current()) break;
      if (failure && needsNewSession(failure)) {
        // The stream carries no error body; renew once, then reconnect through the usual backoff.
        const stale = session.current()?.token;
        if (stale) await session.renew(stale).catch(() => {});
      }
      if (HttpError.isInstance(failure) && failure.code === 'validation_failed') cursor = undefined;
      const away = NetworkError.isInstance(failure) || TimeoutError.isInstance(failure);
      options.onStatus(away ? 'offline' : 'reconnecting');
      if (failure && !away) options.onError(failure);
      const delay = backoffDelay(
        attempt++,
        runtime.random,
        options.backoff,
        HttpError.isInstance(failure) ? failure.retryAfterMs : undefined,
      );
      backoffWait = createAbortSource();
      await runtime.sleep(delay, backoffWait.signal);
      backoffWait = null;
    }
  }

  /** One immediate poll after a failed stream: true when the API answered it (events included). */
  async function answersWithoutStream(stop: AbortSource): Promise<boolean> {
    try {
      await poll(0, stop);
      return true;
    } catch {
      return false;
    }
  }

  const launch = () => {
    const mine = ++generation;
    run(mine).catch((error) => options.onError(toThreadlineError(error, 'unexpected')));
  };

  return {
    start() {
      if (running) return;
      running = true;
      launch();
    },
    stop() {
      running = false;
      generation++;
      connection?.abort();
      backoffWait?.abort();
    },
    restart(restartOptions) {
      if (restartOptions?.forgetCursor) cursor = undefined;
      if (!running) return;
      connection?.abort();
      backoffWait?.abort();
      launch();
    },
    wake() {
      backoffWait?.abort();
    },
    cursor: () => cursor,
  };
}
