// Checks the CLI makes before it loads the Redis client: a module of their own so a usage error and
// `threadline --help` start without ioredis.

/**
 * A `REDIS_URL` that can never work, said in words (null when it may): ioredis reads anything, and
 * `http://redis:6379` becomes a Unix socket path it retries for ever.
 */
export function redisUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `REDIS_URL must be a URL such as redis://127.0.0.1:6379, not "${url}"`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    return `REDIS_URL must start with redis:// (or rediss:// for TLS), not ${parsed.protocol}//`;
  if (!parsed.hostname) return 'REDIS_URL names no host';
  return null;
}

/** Redis answered, and refused: a wrong or missing password, an unknown user. Retrying will not help. */
export class RedisRefusedError extends Error {}
