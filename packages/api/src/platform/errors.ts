import { ERROR_STATUS, type ErrorCode, type ErrorEnvelope } from '@threadline/sdk-core/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

const API_ERROR = Symbol.for('threadline.ApiError');

/** The one error the API throws on purpose; `onError` turns it into the envelope. */
export class ApiError extends Error {
  readonly [API_ERROR] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: (string | number)[]; message: string }[],
    readonly headers?: Record<string, string>,
    /** For `rate_limited`: also written into the envelope, for hosts that cannot read headers. */
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code] as ContentfulStatusCode;
  }
  static isInstance(value: unknown): value is ApiError {
    return typeof value === 'object' && value !== null && API_ERROR in value;
  }
  static fromZod(error: ZodError, where = 'body'): ApiError {
    return new ApiError(
      'validation_failed',
      `The request ${where} is not valid.`,
      error.issues.map((issue) => ({
        path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: issue.message,
      })),
    );
  }
}

/** Hono's own HTTPExceptions (validators, middleware), in our codes and words. */
function fromHttpException(status: number, message: string): ApiError {
  if (status === 400 && /json/i.test(message))
    return new ApiError('invalid_json', 'The request body is not valid JSON.');
  if (status === 415) return new ApiError('unsupported_media_type', 'Send the body as application/json.');
  if (status === 413) return new ApiError('payload_too_large', 'The request body is too large.');
  return new ApiError(status === 401 ? 'unauthorized' : 'bad_request', message || 'Bad request.');
}

export function errorBody(error: ApiError): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
      ...(error.retryAfterSec !== undefined ? { retryAfterSec: error.retryAfterSec } : {}),
    },
  };
}

/** Writes any failure as the envelope. Unknown errors are logged and become a 500 with no detail. */
export function respondWithError(c: Context, error: unknown, log: (message: string, error: unknown) => void) {
  if (ApiError.isInstance(error)) {
    if (error.headers) for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
    return c.json(errorBody(error), error.status);
  }
  const status = (error as { status?: number })?.status;
  // Hono's own HTTPExceptions carry a status; keep those 4xx.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return c.json(
      errorBody(fromHttpException(status, (error as Error).message ?? '')),
      status as ContentfulStatusCode,
    );
  }
  log('unhandled error', error);
  return c.json(errorBody(new ApiError('internal_error', 'Something went wrong on our side.')), 500);
}
