import type { ApiCall, ApiTransport } from './api-transport';
import { clientError, HttpError } from './errors';
import type { Platform } from './platform';
import type {
  Channel,
  ConversationRef,
  CreateSessionBody,
  CustomerRef,
  IdentifyAnswer,
  SessionAnswer,
} from './protocol/index';
import { needsNewSession } from './retry-policy';
import type { Runtime } from './runtime';
import type { SafeStorage } from './safe-storage';
import { STORAGE_KEYS } from './storage-keys';

/** The session the client currently speaks with. */
export interface SessionState {
  token: string;
  expiresAt: string;
  sessionId: string;
  anonymousId: string;
  customer: CustomerRef;
  conversation: ConversationRef | null;
}

export type SessionChange = 'started' | 'renewed' | 'identified' | 'resumed' | 'wechat' | 'reset';

export interface SessionManagerOptions {
  transport: ApiTransport;
  storage: SafeStorage;
  runtime: Runtime;
  appKey: string;
  channel: Channel;
  device?: Platform['device'];
  /** A session was created or replaced; realtime reconnects, the client updates its state. */
  onChange(change: SessionChange, state: SessionState | null, answer?: SessionAnswer): void;
  /** Something went wrong that the caller cannot see (e.g. a stored identity token expired). */
  onWarning(error: unknown, context: string): void;
}

export interface SessionManager {
  current(): SessionState | null;
  /** The current session, starting one when there is none (one request however many callers). */
  ensure(): Promise<SessionState>;
  /** A new session because `staleToken` was refused; callers holding an older token share it. */
  renew(staleToken: string): Promise<SessionState>;
  /** A call with the session token; a refused session is renewed once and the call retried. */
  authed<T>(call: Omit<ApiCall, 'token'>): Promise<T>;
  identify(identityToken: string): Promise<IdentifyAnswer>;
  resume(handoffCode: string): Promise<SessionAnswer>;
  /** A new session carrying a WeChat login code, which the API exchanges (jscode2session). */
  loginWithWechatCode(wechatCode: string): Promise<SessionAnswer>;
  /** Forgets the session, the identity token and the anonymous id. */
  reset(): Promise<void>;
  updateConversation(conversation: ConversationRef | null): void;
  /** Bumped by reset(): work begun for another person must not land on the new one. */
  epoch(): number;
}

/** Session start, renewal and identity, with the anonymous id and identity token kept in storage. */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { transport, storage, runtime } = options;
  let state: SessionState | null = null;
  let starting: Promise<SessionState> | null = null;
  let epoch = 0;
  let remembered: Promise<{ anonymousId: string; identityToken: string | null }> | null = null;

  const identity = () => {
    remembered ??= (async () => {
      let anonymousId = await storage.get(STORAGE_KEYS.anonymousId);
      if (!anonymousId) {
        anonymousId = runtime.randomId(22);
        await storage.set(STORAGE_KEYS.anonymousId, anonymousId);
      }
      return { anonymousId, identityToken: await storage.get(STORAGE_KEYS.identityToken) };
    })();
    return remembered;
  };

  async function createSession(
    change: SessionChange,
    handoffCode?: string,
    wechatCode?: string,
  ): Promise<{ state: SessionState; answer: SessionAnswer }> {
    const startedIn = epoch;
    // A renewal reads the device's identity again: another tab may have signed in since (and its
    // identify ended this tab's anonymous session), and the renewal must land on that person.
    if (change === 'renewed') remembered = null;
    const known = await identity();
    const body: CreateSessionBody = {
      channel: options.channel,
      anonymousId: known.anonymousId,
      ...(known.identityToken ? { identityToken: known.identityToken } : {}),
      ...(handoffCode ? { handoffCode } : {}),
      ...(wechatCode ? { wechatCode } : {}),
      ...(options.device ? { device: options.device } : {}),
    };
    const post = (sent: CreateSessionBody) =>
      transport.call<SessionAnswer>({
        method: 'POST',
        path: '/v1/sessions',
        token: options.appKey,
        body: sent,
      });
    let answer: SessionAnswer;
    try {
      answer = await post(body);
    } catch (error) {
      // A remembered identity token expires; the device's anonymous id still leads to the same customer.
      if (!(known.identityToken && HttpError.isInstance(error) && error.code === 'invalid_identity_token'))
        throw error;
      options.onWarning(error, 'the remembered identity token was refused; continuing without it');
      known.identityToken = null;
      await storage.remove(STORAGE_KEYS.identityToken);
      const { identityToken: _dropped, ...anonymous } = body;
      answer = await post(anonymous);
    }
    if (startedIn !== epoch)
      throw clientError('aborted', 'The client was reset while a session was starting.');
    if (answer.anonymousId !== known.anonymousId) {
      known.anonymousId = answer.anonymousId;
      await storage.set(STORAGE_KEYS.anonymousId, answer.anonymousId);
    }
    state = {
      token: answer.sessionToken,
      expiresAt: answer.expiresAt,
      sessionId: answer.session.id,
      anonymousId: answer.anonymousId,
      customer: answer.customer,
      conversation: answer.conversation,
    };
    options.onChange(change, state, answer);
    return { state, answer };
  }

  const singleFlight = (change: SessionChange): Promise<SessionState> => {
    if (!starting) {
      const flight: Promise<SessionState> = createSession(change)
        .then((created) => created.state)
        .finally(() => {
          if (starting === flight) starting = null;
        });
      starting = flight;
    }
    return starting;
  };

  const manager: SessionManager = {
    current: () => state,
    epoch: () => epoch,
    ensure: () => (state ? Promise.resolve(state) : singleFlight('started')),
    renew(staleToken) {
      if (state && state.token !== staleToken) return Promise.resolve(state);
      state = null;
      return singleFlight('renewed');
    },
    async authed<T>(call: Omit<ApiCall, 'token'>) {
      const startedIn = epoch;
      // A call begun for the person before reset() must not go out as the new one.
      const unchanged = (session: SessionState) => {
        if (startedIn !== epoch) throw clientError('aborted', 'The client was reset; the call was dropped.');
        return session;
      };
      const session = unchanged(await manager.ensure());
      try {
        return await transport.call<T>({ ...call, token: session.token });
      } catch (error) {
        if (!needsNewSession(error)) throw error;
        const renewed = unchanged(await manager.renew(session.token));
        return transport.call<T>({ ...call, token: renewed.token });
      }
    },
    async identify(identityToken) {
      const startedIn = epoch;
      const answer = await manager.authed<IdentifyAnswer>({
        method: 'POST',
        path: '/v1/identify',
        body: { identityToken },
      });
      if (startedIn !== epoch || !state)
        throw clientError('aborted', 'The client was reset while identifying.');
      (await identity()).identityToken = identityToken;
      await storage.set(STORAGE_KEYS.identityToken, identityToken);
      state = {
        ...state,
        token: answer.sessionToken,
        expiresAt: answer.expiresAt,
        customer: answer.customer,
      };
      options.onChange('identified', state);
      return answer;
    },
    async resume(handoffCode) {
      // A session already starting must not land after (and over) the resumed one.
      await starting?.catch(() => {});
      return (await createSession('resumed', handoffCode)).answer;
    },
    async loginWithWechatCode(wechatCode) {
      await starting?.catch(() => {});
      return (await createSession('wechat', undefined, wechatCode)).answer;
    },
    async reset() {
      epoch++;
      const leaving = state;
      state = null;
      starting = null;
      // Tell the API the device logged out: the session ends and its device id is forgotten there
      // too. Best effort — offline, the session simply expires.
      if (leaving)
        transport
          .call({ method: 'DELETE', path: '/v1/session', token: leaving.token, timeoutMs: 5_000 })
          .catch(() => {});
      // The next person's id is fixed right away, so no session can start with the old one meanwhile.
      // When another client on this storage (a tab) already logged out, its new id is adopted, so
      // the tabs stay one device and none overwrites the other's.
      const before = remembered;
      remembered = (async () => {
        const previous = leaving?.anonymousId ?? (await before?.catch(() => null))?.anonymousId;
        const stored = await storage.get(STORAGE_KEYS.anonymousId);
        const next = {
          anonymousId: stored && previous && stored !== previous ? stored : runtime.randomId(22),
          identityToken: null,
        };
        await Promise.all([
          storage.remove(STORAGE_KEYS.identityToken),
          storage.set(STORAGE_KEYS.anonymousId, next.anonymousId),
        ]);
        return next;
      })();
      await remembered;
      options.onChange('reset', null);
    },
    updateConversation(conversation) {
      if (state) state = { ...state, conversation };
    },
  };
  return manager;
}
