import type { AgentTokenAnswer } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit';
import { agents } from '../db/schema';
import { createRateLimiter, type RateLimiter } from '../http/rate-limiter';
import type { Clock } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { issueAgentToken } from './agents';
import { decoyHash, verifyPassword } from './passwords';

/** A console sign-in lasts a working day; then the agent signs in again. */
export const SIGN_IN_TTL_SEC = 12 * 3600;

export interface SignInGuards {
  /** Failed attempts per app + email: a password cannot be guessed from many addresses. */
  perAccount: RateLimiter;
  /** Failed attempts per client address: one address cannot walk many accounts. */
  perClient: RateLimiter;
}

export function createSignInGuards(clock: Clock): SignInGuards {
  return {
    perAccount: createRateLimiter({ limit: 10, windowMs: 15 * 60_000, clock }),
    perClient: createRateLimiter({ limit: 30, windowMs: 15 * 60_000, clock }),
  };
}

/**
 * Password sign-in for the console: a 12-hour agent token. Every failure looks the same (unknown
 * app, unknown email, no password set, wrong password, deactivated) and takes as long, and failures
 * are rate-limited per account and per client address.
 */
export async function signInWithPassword(
  deps: ServiceDeps,
  guards: SignInGuards,
  input: { appId: string; email: string; password: string; clientKey: string },
): Promise<AgentTokenAnswer> {
  const email = input.email.trim().toLowerCase();
  const accountKey = `${input.appId}\n${email}`;
  for (const verdict of [guards.perAccount.check(accountKey), guards.perClient.check(input.clientKey)]) {
    if (!verdict.allowed)
      throw new ApiError('rate_limited', 'Too many failed sign-ins; wait and try again.', undefined, {
        'Retry-After': String(verdict.retryAfterSec),
      });
  }
  const [agent] = await deps.database.db
    .select()
    .from(agents)
    .where(and(eq(agents.appId, input.appId), eq(agents.email, email)))
    .limit(1);
  const ok =
    (await verifyPassword(input.password, agent?.passwordHash ?? (await decoyHash()))) &&
    !!agent?.passwordHash &&
    agent.active;
  if (!agent || !ok) {
    guards.perAccount.hit(accountKey);
    guards.perClient.hit(input.clientKey);
    throw new ApiError('sign_in_failed', 'The app, email or password is not right.');
  }
  return deps.database.write(async (db) => {
    const answer = await issueAgentToken(deps, db, {
      appId: agent.appId,
      agent,
      ttlSec: SIGN_IN_TTL_SEC,
      label: 'password sign-in',
      createdBy: 'sign_in',
      actor: { type: 'agent', id: agent.id },
    });
    await recordAudit(deps, db, {
      appId: agent.appId,
      actor: { type: 'agent', id: agent.id },
      action: 'agent.signed_in',
      subject: { type: 'agent', id: agent.id },
      details: { tokenId: answer.tokenId },
    });
    return answer;
  });
}
