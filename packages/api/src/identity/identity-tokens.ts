import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../platform/clock';
import { ApiError } from '../platform/errors';

/** Clock difference tolerated between the merchant backend and us. */
export const IDENTITY_TOKEN_SKEW_SEC = 60;

export interface IdentityClaims {
  sub: string;
  exp: number;
  iat?: number;
  phone?: string;
  email?: string;
  unionid?: string;
  name?: string;
  /**
   * Platform handles the merchant has linked to this user, by identity kind: `{ douyin: 'dy_8f3a' }`.
   * Livestream viewers are found by these, so a viewer's room comments join the user's timeline.
   */
  handles?: Record<string, string>;
}

/** Identity kinds a `handles` claim may not name: they have claims (or devices) of their own. */
const RESERVED_HANDLE_KINDS = new Set([
  'anonymous',
  'external',
  'phone',
  'email',
  'wechat_unionid',
  'wechat_openid',
]);
const HANDLE_KIND = /^[a-z][a-z0-9_]{1,31}$/;
const MAX_HANDLES = 8;

const encoder = new TextEncoder();

/**
 * Verifies a merchant-signed identity token: HS256 only (no `none`, no RS/HS confusion),
 * `exp` and `sub` required, 60 s of skew, and a lifetime no longer than the app allows.
 */
export async function verifyIdentityToken(
  token: string,
  secret: string,
  options: { clock: Clock; maxLifetimeSec: number },
): Promise<IdentityClaims> {
  const nowSec = Math.floor(options.clock.now() / 1000);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: IDENTITY_TOKEN_SKEW_SEC,
      currentDate: new Date(options.clock.now()),
    }));
  } catch (error) {
    throw new ApiError('invalid_identity_token', describeJoseFailure(error));
  }
  const exp = payload.exp as number;
  const iat = typeof payload.iat === 'number' ? payload.iat : undefined;
  if (iat !== undefined && iat > nowSec + IDENTITY_TOKEN_SKEW_SEC) {
    throw new ApiError('invalid_identity_token', 'The identity token was issued in the future (iat).');
  }
  // Bound the lifetime whether or not iat is present: a far-off exp is a long-lived bearer secret.
  const lifetime = exp - (iat ?? nowSec);
  if (
    lifetime > options.maxLifetimeSec + IDENTITY_TOKEN_SKEW_SEC ||
    exp - nowSec > options.maxLifetimeSec + IDENTITY_TOKEN_SKEW_SEC
  ) {
    throw new ApiError(
      'invalid_identity_token',
      `The identity token lives longer than this app allows (${options.maxLifetimeSec} s).`,
    );
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) {
    throw new ApiError('invalid_identity_token', 'The identity token needs a sub of 1–256 characters.');
  }
  const optionalString = (key: string) => {
    const value = payload[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > 256) {
      throw new ApiError(
        'invalid_identity_token',
        `Claim "${key}" must be a string of at most 256 characters.`,
      );
    }
    return value;
  };
  return {
    sub,
    exp,
    iat,
    phone: optionalString('phone'),
    email: optionalString('email'),
    unionid: optionalString('unionid'),
    name: optionalString('name'),
    handles: readHandles(payload.handles),
  };
}

/** The optional `handles` claim: a small object of platform kind → handle, refused loudly when malformed. */
function readHandles(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const refuse = (why: string): never => {
    throw new ApiError('invalid_identity_token', `Claim "handles" ${why}.`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse('must be an object');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_HANDLES) refuse(`may name at most ${MAX_HANDLES} platforms`);
  const handles: Record<string, string> = {};
  for (const [kind, handle] of entries) {
    if (!HANDLE_KIND.test(kind) || RESERVED_HANDLE_KINDS.has(kind)) {
      refuse(`names "${kind.slice(0, 40)}", which is not a platform handle kind (e.g. douyin, taobao)`);
    }
    if (typeof handle !== 'string' || handle.length === 0 || handle.length > 256) {
      refuse(`needs a string of 1–256 characters for "${kind}"`);
    }
    handles[kind] = handle as string;
  }
  return handles;
}

function describeJoseFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The identity token has expired.';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Identity tokens must be signed with HS256.';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'The identity token signature does not match.';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `The identity token is missing or has a bad "${error.claim}" claim.`;
  if (error instanceof errors.JOSEError) return 'The identity token is not a valid HS256 JWT.';
  return 'The identity token could not be verified.';
}

/** Signs an identity token the way a merchant backend does (CLI helper, tests, demo backend). */
export async function signIdentityToken(
  claims: Omit<IdentityClaims, 'exp' | 'iat'> & { expiresInSec?: number },
  secret: string,
  now = Date.now(),
): Promise<string> {
  const { sub, expiresInSec = 3600, ...rest } = claims;
  const iat = Math.floor(now / 1000);
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresInSec)
    .sign(encoder.encode(secret));
}
