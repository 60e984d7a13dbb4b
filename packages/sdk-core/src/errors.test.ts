import { describe, expect, it } from 'vitest';
import { HttpError, NetworkError, ThreadlineError, TimeoutError } from './errors';
import { backoffDelay, isRetryable, parseRetryAfter } from './retry-policy';

describe('the ThreadlineError family', () => {
  it('is recognised through Symbol.for markers, even from another copy of the package', () => {
    const fromAnotherCopy = Object.assign(new Error('boom'), {
      [Symbol.for('threadline.error')]: true,
      [Symbol.for('threadline.error.HttpError')]: true,
      status: 503,
      code: 'internal_error',
    });
    expect(ThreadlineError.isInstance(fromAnotherCopy)).toBe(true);
    expect(HttpError.isInstance(fromAnotherCopy)).toBe(true);
    expect(NetworkError.isInstance(fromAnotherCopy)).toBe(false);
    expect(isRetryable(fromAnotherCopy)).toBe(true);
    expect(ThreadlineError.isInstance(new Error('plain'))).toBe(false);
    expect(ThreadlineError.isInstance(null)).toBe(false);
  });

  it('carries the API envelope on HttpError', () => {
    const error = new HttpError(
      400,
      { code: 'validation_failed', message: 'bad', issues: [{ path: ['text'], message: 'empty' }] },
      undefined,
    );
    expect(error).toBeInstanceOf(ThreadlineError);
    expect(error).toMatchObject({
      name: 'HttpError',
      status: 400,
      code: 'validation_failed',
      message: 'bad',
    });
    expect(error.issues).toEqual([{ path: ['text'], message: 'empty' }]);
    expect(new HttpError(502, undefined).code).toBe('http_502');
  });

  it.each([
    ['a network error', new NetworkError(), true],
    ['a timeout', new TimeoutError(1000), true],
    ['408', new HttpError(408, undefined), true],
    ['429', new HttpError(429, { code: 'rate_limited', message: '' }), true],
    ['500', new HttpError(500, undefined), true],
    ['503', new HttpError(503, undefined), true],
    ['400', new HttpError(400, { code: 'validation_failed', message: '' }), false],
    ['401', new HttpError(401, { code: 'session_expired', message: '' }), false],
    ['403', new HttpError(403, { code: 'origin_not_allowed', message: '' }), false],
    ['404', new HttpError(404, undefined), false],
    ['409', new HttpError(409, { code: 'identity_conflict', message: '' }), false],
    ['a plain Error', new Error('bug'), false],
  ])('decides in one place whether %s is retried', (_name, error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap, half of it random', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect(backoffDelay(0, low)).toBe(250);
    expect(backoffDelay(0, high)).toBe(500);
    expect(backoffDelay(3, low)).toBe(2000);
    expect(backoffDelay(50, high)).toBe(30_000);
    expect(backoffDelay(1, low, { baseMs: 100, maxMs: 150 })).toBe(75);
  });

  it('never retries sooner than Retry-After asks', () => {
    expect(backoffDelay(0, () => 0.5, {}, 10_000)).toBe(10_000);
    expect(backoffDelay(10, () => 0.5, {}, 1_000)).toBe(22_500);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
