import type { AgentTokenAnswer } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { recordAudit } from '../audit';
import { agents } from '../db/schema';
import { type LimiterStore, memoryLimiterStore, rateLimited } from '../http/rate-limits';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { issueAgentToken } from './agents';
import { decoyHash, verifyPassword } from './passwords';

/** A console sign-in lasts a working day; then the agent signs in again. */
export const SIGN_IN_TTL_SEC = 12 * 3600;

export interface SignInGuards {
  /** Failed attempts per app + email: a password cannot be guessed from many addresses. */
  perAccount: RateLimiterAbstract;
  /** Failed attempts per client address: one address cannot walk many accounts. */
  perClient: RateLimiterAbstract;
}

/**
 * Counters of failed sign-ins (rate-limiter-flexible) in the store the other limits use — Redis
 * when several processes serve (`REDIS_URL`), so guesses spread over processes still hit the limit.
 */
export function createSignInGuards(store: LimiterStore = memoryLimiterStore): SignInGuards {
  return {
    perAccount: store({ keyPrefix: 'tl:signInFailuresPerAccount', points: 10, duration: 15 * 60 }),
    perClient: store({ keyPrefix: 'tl:signInFailuresPerIp', points: 30, duration: 15 * 60 }),
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
  // Every attempt is counted as a failure before the password is checked (atomically, in Redis
  // with several processes) and given back on success: a burst of guesses sent at once cannot all
  // pass a "blocked yet?" check while the slow password hash runs for each.
  const taken: (readonly [RateLimiterAbstract, string])[] = [];
  const giveBack = () =>
    Promise.all(taken.map(([limiter, key]) => limiter.reward(key).catch(() => undefined)));
  for (const pair of [
    [guards.perAccount, accountKey],
    [guards.perClient, input.clientKey],
  ] as const) {
    try {
      await pair[0].consume(pair[1]);
      taken.push(pair);
    } catch (error) {
      await giveBack();
      if (error instanceof RateLimiterRes) throw rateLimited('failed sign-ins', error.msBeforeNext);
      throw error;
    }
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
  if (!agent || !ok) throw new ApiError('sign_in_failed', 'The app, email or password is not right.');
  await giveBack();
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
