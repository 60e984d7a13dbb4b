import { isIPv4, isIPv6 } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { type AgentRow, findAgentByToken } from '../agents';
import { type AppRow, findAppByKey } from '../apps';
import { rawRows, tableRowReader } from '../db/hot-queries';
import { apps, sessions } from '../db/schema';
import type { SessionRow } from '../identity';
import { verifySessionToken } from '../identity';
import { findHostKey, type LiveRoomRow } from '../livestream';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';

export type Auth =
  | { kind: 'publishable'; app: AppRow }
  | { kind: 'secret'; app: AppRow }
  | { kind: 'session'; app: AppRow; session: SessionRow }
  | { kind: 'agent'; app: AppRow; agent: AgentRow; tokenId: string }
  /** A host key: one livestream room's hot questions and pins, nothing else. */
  | { kind: 'room'; app: AppRow; room: LiveRoomRow };

export type CredentialKind = Auth['kind'];

export interface ApiEnv {
  Variables: { auth: Auth };
}

const KIND_NAMES: Record<CredentialKind, string> = {
  publishable: 'a publishable key (pk_…)',
  secret: 'a secret key (sk_…)',
  session: 'a session token',
  agent: 'an agent token',
  room: 'a host key (rk_…)',
};

const sessionRow = tableRowReader(sessions, 's_');
const appRow = tableRowReader(apps, 'a_');
let sessionWithAppSql: string | undefined;

/** Works out which credential the bearer is, and the app it belongs to. */
async function authenticate(deps: ServiceDeps, credential: string): Promise<Auth> {
  if (credential.startsWith('pk_') || credential.startsWith('sk_')) {
    const found = await findAppByKey(deps, credential, deps.clock.now());
    if (!found) throw new ApiError('invalid_credential', 'This API key is not valid.');
    return { kind: found.kind, app: found.app };
  }
  if (credential.startsWith('at_')) {
    const found = await findAgentByToken(deps, credential);
    if (!found) throw new ApiError('invalid_credential', 'This agent token is not valid.');
    return { kind: 'agent', app: found.app, agent: found.agent, tokenId: found.token.id };
  }
  if (credential.startsWith('rk_')) {
    const found = await findHostKey(deps, credential);
    if (!found) throw new ApiError('invalid_credential', 'This host key is not valid or has expired.');
    return { kind: 'room', app: found.app, room: found.room };
  }
  const claims = await verifySessionToken(deps, credential);
  const found = await sessionWithApp(deps, claims.sessionId);
  if (!found || found.session.appId !== claims.appId)
    throw new ApiError('invalid_credential', 'This session no longer exists.');
  if (found.session.revokedAt !== null)
    throw new ApiError('invalid_credential', 'This session was revoked; start a new one.');
  return { kind: 'session', app: found.app, session: found.session };
}

interface VerifiedSession {
  session: SessionRow;
  app: AppRow;
  at: number;
}

/** One database's verified sessions, all read at `version`; the app rows they share, by app id. */
interface VerifiedSessions {
  version: number;
  sessions: Map<string, VerifiedSession>;
  apps: Map<string, AppRow>;
}

/**
 * Sessions (with their apps) read since the last change to either table, per database: every SDK
 * request reads them, and the rows change rarely (sign-in, merge, sign-out, revoke, erase, app
 * settings). The cache holds only rows read at the database's current `credentialRowsVersion()`:
 * any statement of this process that may change a sessions or apps row, and any commit of another
 * process to the file, moves that version on, and the next request then starts an empty cache —
 * so a revocation takes effect on the next request, as without the cache, and no row of an
 * erased or signed-out session stays in memory past it. The sessions of one app share one frozen
 * app row (read at the same version, so the same row). `SESSION_CACHE_MS` bounds an entry's life
 * besides (a late backstop, not the revocation bound). Remote databases have no version: nothing
 * is cached. The rows are frozen: they are shared by the requests that hit.
 */
const verifiedSessions = new WeakMap<ServiceDeps['database'], VerifiedSessions>();
const SESSION_CACHE_MS = 30_000;
const SESSION_CACHE_MAX = 10_000;

async function sessionWithApp(
  deps: ServiceDeps,
  sessionId: string,
): Promise<{ session: SessionRow; app: AppRow } | undefined> {
  const version = deps.database.credentialRowsVersion?.();
  let cache: VerifiedSessions | undefined;
  if (version !== undefined) {
    cache = verifiedSessions.get(deps.database);
    // Every entry of an older version is dead: drop them all, not one by one as they are asked for.
    if (!cache || cache.version !== version) {
      cache = { version, sessions: new Map(), apps: new Map() };
      verifiedSessions.set(deps.database, cache);
    }
    const hit = cache.sessions.get(sessionId);
    if (hit) {
      if (Date.now() - hit.at < SESSION_CACHE_MS) return hit;
      cache.sessions.delete(sessionId);
    }
  }
  // The session and its app in one round trip. Run raw and read by `tableRowReader`: drizzle's
  // mapping of the two rows cost more than the statement (issue 18).
  sessionWithAppSql ??= `select ${sessionRow.selectList('s')}, ${appRow.selectList('a')} from "sessions" "s" inner join "apps" "a" on "a"."id" = "s"."app_id" where "s"."id" = ? limit 1`;
  const [row] = await rawRows(deps.database.db, sessionWithAppSql, [sessionId]);
  if (!row) return undefined;
  const found = { session: sessionRow.read(row), app: appRow.read(row) };
  // Only live sessions are kept, and only while the cache they were read for is still the current
  // one (a version that moved while the row was read started another, or will at the next request).
  if (cache && found.session.revokedAt === null && verifiedSessions.get(deps.database) === cache) {
    if (cache.sessions.size >= SESSION_CACHE_MAX) {
      cache.sessions.clear();
      cache.apps.clear();
    }
    deepFreeze(found.session);
    let app = cache.apps.get(found.app.id);
    if (!app) {
      deepFreeze(found.app);
      app = found.app;
      cache.apps.set(app.id, app);
    }
    found.app = app;
    cache.sessions.set(sessionId, { ...found, at: Date.now() });
  }
  return found;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

/** Route middleware: the request must carry one of `kinds`; otherwise 401 (none/invalid) or 403 (wrong kind). */
export function requireAuth(deps: ServiceDeps, ...kinds: CredentialKind[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S{8,4096})$/i.exec(header);
    if (!match) {
      throw new ApiError(
        'unauthorized',
        `This route needs ${kinds.map((k) => KIND_NAMES[k]).join(' or ')} as a Bearer credential.`,
      );
    }
    const auth = await authenticate(deps, match[1]!);
    if (!kinds.includes(auth.kind)) {
      throw new ApiError(
        'wrong_credential_kind',
        `This route takes ${kinds.map((k) => KIND_NAMES[k]).join(' or ')}, not ${KIND_NAMES[auth.kind]}.`,
      );
    }
    if (auth.kind === 'publishable') assertOriginAllowed(auth.app, c.req.header('origin'));
    c.set('auth', auth);
    await next();
  };
}

/** Publishable keys are public; the allowed-origin list keeps other sites from using one in a browser. */
function assertOriginAllowed(app: AppRow, origin: string | undefined): void {
  if (!origin || app.allowedOrigins.length === 0) return;
  if (!app.allowedOrigins.includes(origin)) {
    throw new ApiError('origin_not_allowed', `Origin ${origin} may not use this publishable key.`);
  }
}

/**
 * The client's key for per-address limits. With no trusted proxy it is the socket's peer. Behind
 * `trustedProxyHops` proxies of your own, each appends the address it received from to
 * X-Forwarded-For, so the client is the entry that many places from the right; everything left of
 * it was written by the client and is ignored. See `clientKeyOf` for how an address becomes a key.
 */
export function clientAddress(c: Context, trustedProxyHops: number): string {
  if (trustedProxyHops > 0) {
    const entries = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // A shorter chain than configured came past part of the proxy chain: its leftmost entry is the
    // nearest to a client we can tell.
    const forwarded = entries[Math.max(0, entries.length - trustedProxyHops)];
    if (forwarded) return clientKeyOf(forwarded);
  }
  try {
    return clientKeyOf(getConnInfo(c).remote.address ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/**
 * One key per client, whatever spelling of its address arrives: IPv4 as is (a port or the IPv6
 * mapped form `::ffff:a.b.c.d` dropped), IPv6 by its /64 — one host or home network is handed a
 * whole /64, so counting single IPv6 addresses would give every client billions of fresh counters.
 * Anything else (a proxy that writes names) is kept, bounded to 64 characters.
 */
export function clientKeyOf(address: string): string {
  let text = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  text = text.replace(/%[\w.-]*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped) text = mapped[1]!;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  if (withPort) text = withPort[1]!;
  if (isIPv4(text)) return text;
  if (isIPv6(text)) return `${ipv6Groups(text).slice(0, 4).join(':')}::/64`;
  return text.slice(0, 64);
}

/** The eight 16-bit groups of a valid IPv6 address, lowercase without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const parse = (part: string) =>
    part
      .split(':')
      .filter(Boolean)
      .flatMap((group) => {
        if (!group.includes('.')) return [Number.parseInt(group, 16).toString(16)];
        // An embedded IPv4 tail is two groups.
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
      });
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
}

/** For tests: the sessions the verified-session cache holds for `database`, and how many app rows (objects) they keep. */
export function heldVerifiedSessions(database: ServiceDeps['database']): {
  sessionIds: string[];
  appRows: number;
} {
  const cache = verifiedSessions.get(database);
  if (!cache) return { sessionIds: [], appRows: 0 };
  return {
    sessionIds: [...cache.sessions.keys()],
    appRows: new Set([...cache.sessions.values()].map((entry) => entry.app)).size,
  };
}
