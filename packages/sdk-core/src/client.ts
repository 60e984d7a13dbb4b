import { createApiTransport } from './api-transport';
import { createEmitter } from './emitter';
import { clientError, type ThreadlineError, toThreadlineError } from './errors';
import { toJson } from './json';
import { MESSAGE_MAX_LENGTH, messageLength } from './message-length';
import type { Platform } from './platform';
import type {
  Channel,
  ConversationRef,
  ConversationStateAnswer,
  ConversationUpdate,
  CsatAnswer,
  CustomerRef,
  EscalateAnswer,
  HandoffAnswer,
  Message,
  MessageDelta,
  SendMessageAnswer,
  SessionAnswer,
  TimelinePage,
  TypingEvent,
} from './protocol/index';
import { type ConnectionStatus, createRealtime } from './realtime';
import type { BackoffOptions } from './retry-policy';
import { createRuntime, hostGlobals } from './runtime';
import { createSafeStorage } from './safe-storage';
import { createSendQueue, type PendingMessage, withRealmLock } from './send-queue';
import { createSessionManager } from './session';
import { STORAGE_KEYS } from './storage-keys';

export type { ConnectionStatus } from './realtime';
export type { PendingMessage } from './send-queue';

/** Where the client writes what it has to say; `debug` is optional and off by default. */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ClientOptions {
  /** The app's publishable key (`pk_…`). */
  appKey: string;
  apiUrl: string;
  channel: Channel;
  platform: Platform;
  logger?: Logger;
  /** Prefix of every storage key; change it to run two apps on one device storage. */
  storagePrefix?: string;
  /** Per request, long-polls excepted. Default 15 s. */
  requestTimeoutMs?: number;
  /** Retry and reconnect pacing. Default: 500 ms doubling to 30 s, with jitter. */
  backoff?: BackoffOptions;
  /** `false` for no live events; otherwise tuning for the stream / long-poll. */
  realtime?: false | { heartbeatTimeoutMs?: number; pollWaitSeconds?: number };
}

/** A ticket pushed to the customer's sessions. */
export interface TicketEvent {
  change: 'created' | 'updated';
  ticket: Record<string, unknown>;
}

/** The person behind the client changed: reload what you show of their history. */
export interface SessionEvent {
  /**
   * `identified` (identify()), `resumed` (resume()), `wechat` (loginWithWechat), `reset` (reset()),
   * or `renewed`: a silent session renewal landed on another customer.
   */
  reason: 'identified' | 'resumed' | 'wechat' | 'reset' | 'renewed';
  /** Who the client speaks for now; null after reset() until a new session starts. */
  customer: CustomerRef | null;
  previous: CustomerRef | null;
}

/** Every event `on()` accepts, with what its listeners receive. */
export interface ClientEvents {
  /** Every new message of this customer, from any channel (each once). */
  message: Message;
  /** A piece of streamed AI text for a reply that is still being written. */
  delta: MessageDelta;
  conversation: ConversationUpdate;
  typing: TypingEvent;
  ticket: TicketEvent;
  /**
   * `online` once any request succeeds (or the stream opens), `offline` when the network fails,
   * `reconnecting` while realtime retries another failure; each emitted once per change.
   */
  connection: ConnectionStatus;
  /** After identify(), resume(), loginWithWechat(), reset(), or a renewal onto another customer. */
  session: SessionEvent;
  /** Background failures (never thrown at the host). */
  error: ThreadlineError;
}

export interface StartResult {
  anonymousId: string;
  customer: CustomerRef;
  conversation: ConversationRef | null;
}

export interface ResumeResult extends StartResult {
  handoff?: SessionAnswer['handoff'];
}

export interface ClientState {
  started: boolean;
  closed: boolean;
  connection: ConnectionStatus;
  anonymousId: string | null;
  customer: CustomerRef | null;
  conversation: ConversationRef | null;
}

/** The §5a surface, the same on every platform. */
export interface ThreadlineClient {
  /** Starts (or returns) the session; realtime and the send queue run from here on. */
  start(): Promise<StartResult>;
  /** Binds this device to the merchant's user; anonymous history merges in. */
  identify(identityToken: string): Promise<{ customer: CustomerRef; merged: boolean }>;
  /** Queues the message durably; resolves once the API acknowledged it. */
  send(text: string): Promise<SendMessageAnswer>;
  on<E extends keyof ClientEvents>(event: E, listener: (payload: ClientEvents[E]) => void): () => void;
  timeline(options?: { before?: string; limit?: number }): Promise<TimelinePage>;
  handoff(options?: { toChannel?: Channel }): Promise<HandoffAnswer>;
  /** Continues a conversation handed off from another channel. */
  resume(code: string): Promise<ResumeResult>;
  /** A new session verified by a WeChat login code (sdk-miniprogram's loginWithWechat gets it from wx.login). */
  loginWithWechatCode(wechatCode: string): Promise<StartResult>;
  track(name: string, properties?: Record<string, unknown>): Promise<void>;
  escalate(reason?: string): Promise<EscalateAnswer>;
  /**
   * The API base and the live session token (the session is started if needed), for routes whose
   * answer is not JSON — e.g. the audio of `POST /v1/voice/speech`, fetched by the platform.
   */
  credentials(): Promise<{ apiUrl: string; sessionToken: string }>;
  /** The API base the client was created with (cards resolve their click-through links on it). */
  readonly apiUrl: string;
  /**
   * The open conversation as the shopper should see it: while it waits for a person, the place in
   * the queue and how many agents are online (0: say so honestly); a resolved one still to rate.
   */
  conversationState(): Promise<ConversationStateAnswer>;
  /** Stop waiting for a person: the bot answers again (only while queued). */
  backToBot(): Promise<EscalateAnswer>;
  /** Rate the latest resolved conversation (or the one named) 1–5, with an optional comment (CSAT). */
  rate(rating: number, comment?: string, conversationId?: string): Promise<CsatAnswer>;
  /** Log out: forgets identity, anonymous id and unsent messages; never rejects. */
  reset(): Promise<void>;
  /** Stops realtime and sending; unsent messages stay stored for the next client. */
  close(): void;
  /** Messages waiting for the API, oldest first. */
  pending(): PendingMessage[];
  getState(): ClientState;
}

const SEEN_LIMIT = 1000;

const consoleLogger: Logger = {
  warn: (message, fields) => hostGlobals<{ console: Logger }>().console?.warn(message, fields),
  error: (message, fields) => hostGlobals<{ console: Logger }>().console?.error(message, fields),
};

/** Creates the platform-agnostic Threadline client. */
export function createClient(options: ClientOptions): ThreadlineClient {
  const { platform } = options;
  if (!options.appKey || !options.apiUrl || !options.channel || !platform?.request || !platform.storage)
    throw clientError('invalid_input', 'createClient needs appKey, apiUrl, channel and a platform.');
  const logger = options.logger ?? consoleLogger;
  const runtime = createRuntime(platform);
  let started = false;
  let closed = false;
  let connection: ConnectionStatus = 'offline';
  let customer: CustomerRef | null = null;
  let lastConversation = '';
  let storageFailed = false;
  let unsubscribeNetwork: (() => void) | undefined;
  let unsubscribeAppState: (() => void) | undefined;
  let unsubscribeStorage: (() => void) | undefined;
  const seen = new Set<string>();

  const emitter = createEmitter<ClientEvents>((error, event) => {
    logger.error(`threadline: a "${String(event)}" listener threw`, { error });
    if (event !== 'error')
      emitter.emit('error', clientError('listener_error', `A "${String(event)}" listener threw.`, error));
  });

  const report = (error: unknown, context: string) => {
    const failure = toThreadlineError(error, 'unexpected');
    logger.warn(`threadline: ${context}`, { code: failure.code, message: failure.message });
    emitter.emit('error', failure);
  };

  /** The one place the connection state changes; a closed client stays offline. */
  const setConnection = (status: ConnectionStatus) => {
    if (status === connection || (closed && status === 'online')) return;
    connection = status;
    emitter.emit('connection', status);
  };

  const emitMessage = (message: Message) => {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    // Sets iterate in insertion order: dropping the first entry forgets the oldest id.
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
    emitter.emit('message', message);
  };

  const emitConversation = (update: ConversationUpdate) => {
    session.updateConversation({ id: update.id, status: update.status });
    const key = toJson(update);
    if (key === lastConversation) return;
    lastConversation = key;
    emitter.emit('conversation', update);
  };

  const absorb = (answer: SendMessageAnswer) => {
    emitMessage(answer.message);
    for (const reply of answer.replies) emitMessage(reply);
    emitConversation(answer.conversation);
  };

  const storage = createSafeStorage({
    storage: platform.storage,
    prefix: options.storagePrefix ?? 'threadline.',
    onError(error, key) {
      logger.warn(`threadline: storage failed for "${key}"; continuing in memory`, { error });
      if (storageFailed) return;
      storageFailed = true;
      emitter.emit('error', clientError('storage_error', `Storage failed for "${key}".`, error));
    },
  });

  const transport = createApiTransport({
    platform,
    runtime,
    apiUrl: options.apiUrl,
    timeoutMs: options.requestTimeoutMs ?? 15_000,
    onReachable: (reachable) => setConnection(reachable ? 'online' : 'offline'),
  });

  const personChanged = (reason: SessionEvent['reason'], previous: CustomerRef | null) => {
    emitter.emit('session', { reason, customer, previous });
  };

  const session = createSessionManager({
    transport,
    storage,
    runtime,
    appKey: options.appKey,
    channel: options.channel,
    device: platform.device,
    onChange(change, state) {
      if (state?.conversation) emitConversation(state.conversation);
      if (change === 'identified' || change === 'resumed' || change === 'wechat') realtime?.restart();
      if (change === 'reset') realtime?.restart({ forgetCursor: true });
      const previous = customer;
      customer = state?.customer ?? null;
      // reset() tells once the next session is there; a first start is nobody changing.
      if (change === 'identified' || change === 'resumed' || change === 'wechat')
        personChanged(change, previous);
      else if (change === 'renewed' && previous && customer && previous.id !== customer.id)
        personChanged(change, previous);
    },
    onWarning: (error, context) => report(error, context),
  });

  const realtime =
    options.realtime === false
      ? undefined
      : createRealtime({
          platform,
          runtime,
          transport,
          session,
          backoff: options.backoff,
          heartbeatTimeoutMs: options.realtime?.heartbeatTimeoutMs,
          pollWaitSeconds: options.realtime?.pollWaitSeconds,
          onStatus: setConnection,
          onError: (error) => report(error, 'realtime connection failed'),
          onEvent(event) {
            const data = event.data as never;
            if (event.type === 'message.created') emitMessage(data);
            else if (event.type === 'message.delta') emitter.emit('delta', data);
            else if (event.type === 'conversation.updated') emitConversation(data);
            else if (event.type === 'typing') emitter.emit('typing', data);
            else if (event.type === 'ticket.created' || event.type === 'ticket.updated')
              emitter.emit('ticket', {
                change: event.type === 'ticket.created' ? 'created' : 'updated',
                ticket: data,
              });
          },
        });

  const prefix = options.storagePrefix ?? 'threadline.';
  /** The send queue's locks, shared by every client on this storage (see SendQueueOptions.lock). */
  const queueLock = <T>(name: 'write' | 'flush', fn: () => Promise<T>): Promise<T> => {
    const lockName = `${prefix}${STORAGE_KEYS.sendQueue}.${name}`;
    return platform.lock ? platform.lock(lockName, fn) : withRealmLock(lockName, fn);
  };
  const queue = createSendQueue({
    storage,
    runtime,
    lock: queueLock,
    backoff: options.backoff,
    deliver: (message) =>
      session.authed<SendMessageAnswer>({
        method: 'POST',
        path: '/v1/messages',
        body: { clientMessageId: message.clientMessageId, text: message.text },
      }),
    onDelivered: (_message, answer) => absorb(answer),
    onRejected(message, error, awaited) {
      // An awaited send() rejects for its caller; one from before a reload has no caller to tell.
      if (!awaited) report(error, `the API refused queued message ${message.clientMessageId}`);
    },
    onRetry(message, error, delayMs) {
      logger.debug?.('threadline: send will be retried', {
        clientMessageId: message.clientMessageId,
        code: error.code,
        delayMs,
      });
    },
    onError: (error) => report(error, 'the send queue stopped unexpectedly'),
  });

  /** Resets this client when the storage now belongs to another (anonymous) person than its session. */
  const followLogoutElsewhere = async () => {
    const mine = session.current()?.anonymousId;
    const stored = await storage.get(STORAGE_KEYS.anonymousId);
    if (closed || !mine || !stored || stored === mine) return;
    if (await storage.get(STORAGE_KEYS.identityToken)) return;
    await client.reset();
  };

  const assertOpen = () => {
    if (closed) throw clientError('client_closed', 'This client is closed.');
  };

  /** The background half of start(): realtime, the stored queue, network hints. Never throws. */
  const begin = () => {
    if (started || closed) return;
    started = true;
    try {
      unsubscribeNetwork = platform.onNetworkChange?.((online) => {
        if (!online) return setConnection('offline');
        // Back online: a fresh connection (from the cursor, so nothing is missed) rather than
        // trust a stream that may have survived the drop, or died in it without a word: either
        // way the status is known again at once instead of staying "offline".
        realtime?.restart();
        queue.flush();
      });
      // Another tab logged out (its reset gave the device a new anonymous id and dropped the
      // identity): this client ends the person too, rather than keep showing and sending as them.
      unsubscribeStorage = platform.onStorageChange?.((key) => {
        if (key === prefix + STORAGE_KEYS.anonymousId || key === prefix + STORAGE_KEYS.identityToken)
          followLogoutElsewhere().catch((error) => report(error, 'could not follow a logout in another tab'));
      });
      // In the background realtime pauses (mini-programs fail requests left open there); it resumes from its cursor.
      unsubscribeAppState = platform.onAppStateChange?.((active) => {
        if (!active) return realtime?.stop();
        realtime?.start();
        queue.flush();
      });
    } catch (error) {
      report(error, 'could not watch the network');
    }
    realtime?.start();
    queue
      .load()
      .then(() => queue.flush())
      .catch((error) => report(error, 'could not load the send queue'));
  };

  const summary = (state: {
    anonymousId: string;
    customer: CustomerRef;
    conversation: ConversationRef | null;
  }) => ({
    anonymousId: state.anonymousId,
    customer: state.customer,
    conversation: state.conversation,
  });

  const client: ThreadlineClient = {
    apiUrl: options.apiUrl,
    async start() {
      assertOpen();
      begin();
      return summary(await session.ensure());
    },
    async identify(identityToken) {
      assertOpen();
      begin();
      // Held across the call, the queue's flush lock lets a message already on its way land as the
      // person who wrote it, and lets none leave while the person may be changing. When one
      // identified person gives way to another (an account switch without logout), what the first
      // left unsent is dropped as reset() drops it: it must not be posted as the second.
      const answer = await queueLock('flush', async () => {
        const before = session.current()?.customer ?? null;
        const identified = await session.identify(identityToken);
        if (before?.identified && before.id !== identified.customer.id)
          await queue.clear(
            clientError(
              'aborted',
              'identify() switched to another person; this message was the previous one’s.',
            ),
          );
        return identified;
      });
      return { customer: answer.customer, merged: answer.merged };
    },
    async send(text) {
      assertOpen();
      const trimmed = typeof text === 'string' ? text.trim() : '';
      // Code points, as the API counts them: 4,000 emoji fit, as they do on the server.
      if (!trimmed || messageLength(trimmed) > MESSAGE_MAX_LENGTH)
        throw clientError('invalid_input', `A message needs 1 to ${MESSAGE_MAX_LENGTH} characters.`);
      begin();
      return queue.enqueue(trimmed);
    },
    on: (event, listener) => emitter.on(event, listener),
    async timeline(page = {}) {
      assertOpen();
      return session.authed<TimelinePage>({
        method: 'GET',
        path: '/v1/timeline',
        query: { before: page.before, limit: page.limit },
      });
    },
    async handoff(handoffOptions = {}) {
      assertOpen();
      return session.authed<HandoffAnswer>({ method: 'POST', path: '/v1/handoffs', body: handoffOptions });
    },
    async resume(code) {
      assertOpen();
      const answer = await session.resume(code);
      // Only now, so realtime and the queue start with the resumed session rather than a throwaway one.
      begin();
      return { ...summary(answer), ...(answer.handoff ? { handoff: answer.handoff } : {}) };
    },
    async loginWithWechatCode(wechatCode) {
      assertOpen();
      const answer = await session.loginWithWechatCode(wechatCode);
      begin();
      return summary(answer);
    },
    async track(name, properties) {
      assertOpen();
      await session.authed({
        method: 'POST',
        path: '/v1/track',
        body: properties ? { name, properties } : { name },
      });
    },
    async escalate(reason) {
      assertOpen();
      const answer = await session.authed<EscalateAnswer>({
        method: 'POST',
        path: '/v1/escalate',
        body: reason ? { reason } : {},
      });
      emitConversation(answer.conversation);
      return answer;
    },
    async credentials() {
      assertOpen();
      return { apiUrl: options.apiUrl, sessionToken: (await session.ensure()).token };
    },
    async conversationState() {
      assertOpen();
      return session.authed<ConversationStateAnswer>({ method: 'GET', path: '/v1/conversation' });
    },
    async backToBot() {
      assertOpen();
      const answer = await session.authed<EscalateAnswer>({ method: 'POST', path: '/v1/conversation/bot' });
      emitConversation(answer.conversation);
      return answer;
    },
    async rate(rating, comment, conversationId) {
      assertOpen();
      return session.authed<CsatAnswer>({
        method: 'POST',
        path: '/v1/csat',
        body: { rating, ...(comment ? { comment } : {}), ...(conversationId ? { conversationId } : {}) },
      });
    },
    async reset() {
      if (closed) return;
      const previous = customer ?? session.current()?.customer ?? null;
      try {
        seen.clear();
        lastConversation = '';
        // The queue empties before anything awaits, so no unsent message can leave as the next person.
        const cleared = queue.clear(
          clientError('aborted', 'reset() dropped this message: it belonged to the person who left.'),
        );
        await session.reset();
        await cleared;
        if (started) await session.ensure();
      } catch (error) {
        report(error, 'reset could not start a new session');
      }
      if (!closed) personChanged('reset', previous);
    },
    close() {
      if (closed) return;
      closed = true;
      realtime?.stop();
      queue.stop(clientError('client_closed', 'The client was closed before the message was acknowledged.'));
      try {
        unsubscribeNetwork?.();
        unsubscribeAppState?.();
        unsubscribeStorage?.();
      } catch (error) {
        logger.warn('threadline: could not stop watching the network', { error });
      }
      setConnection('offline');
      emitter.clear();
    },
    pending: () => queue.pending(),
    getState() {
      const state = session.current();
      return {
        started,
        closed,
        connection,
        anonymousId: state?.anonymousId ?? null,
        customer: state?.customer ?? null,
        conversation: state?.conversation ?? null,
      };
    },
  };
  return client;
}
