import type { MiddlewareHandler } from 'hono';
import { type ApiEnv, clientAddress } from './auth';
import type { RateLimits, WindowRule } from './rate-limits';

/** Whose counter a hit goes to: the session, the client's address, or the whole app. */
export type LimitScope = 'session' | 'ip' | 'app';

/**
 * Route middleware (after the credential check): counts one hit of each rule against its scope and
 * answers 429 with Retry-After past the app's limit. Bodies are not read before the count.
 */
export function limitRoute(
  deps: { limits: RateLimits; trustedProxyHops: number },
  ...rules: [WindowRule, LimitScope][]
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const auth = c.get('auth');
    for (const [rule, scope] of rules) {
      const key =
        scope === 'app'
          ? '*'
          : scope === 'ip'
            ? clientAddress(c, deps.trustedProxyHops)
            : auth.kind === 'session'
              ? auth.session.id
              : undefined;
      if (key !== undefined) await deps.limits.consume(auth.app, rule, key);
    }
    await next();
  };
}
