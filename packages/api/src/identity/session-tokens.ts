import { jwtVerify, SignJWT } from 'jose';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';

export interface SessionClaims {
  sessionId: string;
  appId: string;
  channel: string;
}

const ISSUER = 'threadline';

/** Session tokens are our own short-lived JWTs; the customer is read from the session row. */
export async function signSessionToken(
  deps: Pick<ServiceDeps, 'clock' | 'config'>,
  claims: SessionClaims,
  expiresAt: number,
): Promise<string> {
  return new SignJWT({ app: claims.appId, ch: claims.channel, typ: 'session' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setSubject(claims.sessionId)
    .setIssuedAt(Math.floor(deps.clock.now() / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(deps.config.sessionSigningKey);
}

/**
 * Tokens whose signature already checked out, per signing key: the HMAC runs once per token, not
 * once per request. Expiry is still checked on every use; the map is bounded and simply starts over.
 */
const verified = new WeakMap<Uint8Array, Map<string, { claims: SessionClaims; exp: number }>>();
const VERIFIED_MAX = 10_000;

export async function verifySessionToken(
  deps: Pick<ServiceDeps, 'clock' | 'config'>,
  token: string,
): Promise<SessionClaims> {
  const cache = verified.get(deps.config.sessionSigningKey) ?? new Map();
  verified.set(deps.config.sessionSigningKey, cache);
  const hit = cache.get(token);
  if (hit) {
    if (hit.exp * 1000 > deps.clock.now()) return hit.claims;
    cache.delete(token);
  }
  const claims = await verifySignedSessionToken(deps, token);
  if (cache.size >= VERIFIED_MAX) cache.clear();
  cache.set(token, claims);
  return claims.claims;
}

async function verifySignedSessionToken(
  deps: Pick<ServiceDeps, 'clock' | 'config'>,
  token: string,
): Promise<{ claims: SessionClaims; exp: number }> {
  try {
    const { payload } = await jwtVerify(token, deps.config.sessionSigningKey, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(deps.clock.now()),
    });
    if (payload.typ !== 'session' || typeof payload.app !== 'string' || typeof payload.ch !== 'string') {
      throw new ApiError('invalid_credential', 'Not a session token.');
    }
    return {
      claims: { sessionId: payload.sub!, appId: payload.app, channel: payload.ch },
      exp: payload.exp!,
    };
  } catch (error) {
    if (ApiError.isInstance(error)) throw error;
    if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') {
      throw new ApiError('session_expired', 'The session has expired; start a new one.');
    }
    throw new ApiError('invalid_credential', 'The credential is not valid.');
  }
}
