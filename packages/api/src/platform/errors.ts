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

/** Seconds a client waits before trying again after a full disk (an operator has to act first). */
const STORAGE_FULL_RETRY_AFTER_SEC = 30;

type ErrorChain = { code?: unknown; rawCode?: unknown; message?: unknown; cause?: unknown } | undefined;
const causes = function* (error: unknown) {
  let e = error as ErrorChain;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++, e = e.cause as ErrorChain) yield e;
};

/** True when `code` is the driver code of the error or of one of its causes (drizzle wraps them). */
export function hasErrorCode(error: unknown, code: string): boolean {
  for (const e of causes(error)) if (e.code === code) return true;
  return false;
}

/**
 * An error as logged: its stack, then each cause's code and message. A driver's error reaches the
 * handler wrapped (drizzle's "Failed query: …"), and the wrapper alone does not say what failed.
 */
export function describeError(error: unknown): string {
  const [first, ...rest] = [...causes(error)];
  if (!first) return String(error);
  const head = String((first as { stack?: unknown }).stack ?? first.message ?? error);
  return [
    head,
    ...rest.map((e) => `cause: ${e.code ? `[${String(e.code)}] ` : ''}${String(e.message ?? e)}`),
  ].join('\n');
}

/**
 * SQLite's "the database is locked/busy" (another process holds the lock), from the local engine or
 * a libSQL server, anywhere in the cause chain: nothing was written, and trying again is safe.
 */
export function isDatabaseBusy(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = String(e.code ?? '');
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    // A libSQL server rolled back a transaction that held the write lock past its limit (sqld: 5 s)
    // while another waited — on a loaded machine, a slow writer. Nothing of it was stored (the remote
    // guard refuses what follows the loss), so it is run again as a whole, as after a busy answer;
    // it answered 500 in remote-libsql's 120 concurrent sends (misc-36).
    if (code === 'TRANSACTION_TIMEOUT') return true;
    if (typeof e.rawCode === 'number' && ((e.rawCode & 0xff) === 5 || (e.rawCode & 0xff) === 6)) return true;
    if (/database is locked|database table is locked|SQLITE_BUSY/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/**
 * The disk (or the file's `max_page_count`) is full: SQLite rolled the transaction back, so nothing
 * of the request was stored and the same request may be sent again once space is freed.
 */
function isStorageFull(error: unknown): boolean {
  for (const e of causes(error)) {
    if (String(e.code ?? '').startsWith('SQLITE_FULL')) return true;
    if (typeof e.rawCode === 'number' && (e.rawCode & 0xff) === 13) return true;
    if (/database or disk is full/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/** A libSQL server that could not be reached or answered 5xx: the request may be tried again. */
function isDatabaseUnreachable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = String(e.code ?? '');
    if (
      [
        'SERVER_ERROR',
        'HRANA_WEBSOCKET_ERROR',
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'UND_ERR_SOCKET',
      ].includes(code)
    )
      return true;
  }
  return false;
}

/**
 * True for a request body that stopped arriving: the client hung up, or the server's body deadline
 * cut it (Node destroys the request with ECONNRESET "aborted"). The client's failure, not ours.
 */
function isClientAbort(error: unknown): boolean {
  // Exactly Node's error for an incoming request cut short (an outbound call's reset is ours).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted';
}

/** A 503 `unavailable` the client is to send again after `seconds` (header and envelope agree). */
function retryLater(c: Context, message: string, seconds: number) {
  c.header('Retry-After', String(seconds));
  return c.json(errorBody(new ApiError('unavailable', message, undefined, undefined, seconds)), 503);
}

/**
 * Writes any failure as the envelope. A body the client never finished is a 400 (nobody may be
 * there to read it; it is not logged as our error). Unknown errors are logged and become a 500
 * with no detail.
 */
export function respondWithError(c: Context, error: unknown, log: (message: string, error: unknown) => void) {
  if (isClientAbort(error))
    return c.json(errorBody(new ApiError('bad_request', 'The request body did not arrive in full.')), 400);
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
  // A database that is busy or out of reach is a moment's trouble: the client is told to come back.
  if (isDatabaseBusy(error) || isDatabaseUnreachable(error)) {
    log('database unavailable', error);
    return retryLater(c, 'The database is busy; try again shortly.', 1);
  }
  // A full disk is the operator's to fix, not the client's fault, and nothing was stored: a 503
  // with a longer pause, so SDK outboxes keep the message and send it again later.
  if (isStorageFull(error)) {
    log('database storage full', error);
    return retryLater(
      c,
      'The server is out of storage; nothing was saved. Try again later.',
      STORAGE_FULL_RETRY_AFTER_SEC,
    );
  }
  log('unhandled error', error);
  return c.json(errorBody(new ApiError('internal_error', 'Something went wrong on our side.')), 500);
}
