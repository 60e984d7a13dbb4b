import type { ErrorEnvelope } from './protocol/index';

const MARKER = 'threadline.error';
const marker = (name?: string) => Symbol.for(name ? `${MARKER}.${name}` : MARKER);

function hasMarker(value: unknown, symbol: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}

/** Client-side error codes (server codes travel on `HttpError.code`). */
export type ClientErrorCode =
  | 'network_error'
  | 'timeout'
  | 'invalid_input'
  | 'invalid_response'
  | 'aborted'
  | 'client_closed'
  | 'storage_error'
  | 'listener_error'
  | 'unexpected';

/**
 * The one error family of the SDK. Recognised through `Symbol.for` markers, so `isInstance()`
 * holds even when two copies of the package are installed.
 */
export class ThreadlineError extends Error {
  readonly code: string;
  override readonly cause?: unknown;

  constructor(code: string, message: string, cause?: unknown) {
    super(message);
    this.name = 'ThreadlineError';
    this.code = code;
    if (cause !== undefined) this.cause = cause;
    (this as unknown as Record<symbol, boolean>)[marker()] = true;
  }

  /** True for any error of the family, from any copy of the package. */
  static isInstance(value: unknown): value is ThreadlineError {
    return hasMarker(value, marker());
  }
}

function markClass(error: ThreadlineError, name: string): void {
  error.name = name;
  (error as unknown as Record<symbol, boolean>)[marker(name)] = true;
}

/** Nothing came back: offline, DNS, connection reset, CORS. */
export class NetworkError extends ThreadlineError {
  constructor(message = 'The network request failed.', cause?: unknown) {
    super('network_error', message, cause);
    markClass(this, 'NetworkError');
  }
  static override isInstance(value: unknown): value is NetworkError {
    return hasMarker(value, marker('NetworkError'));
  }
}

/** The request took longer than its timeout and was abandoned. */
export class TimeoutError extends ThreadlineError {
  constructor(readonly timeoutMs: number) {
    super('timeout', `The request timed out after ${timeoutMs} ms.`);
    markClass(this, 'TimeoutError');
  }
  static override isInstance(value: unknown): value is TimeoutError {
    return hasMarker(value, marker('TimeoutError'));
  }
}

/** The API answered with an error status; `code` is the envelope's machine-readable code. */
export class HttpError extends ThreadlineError {
  readonly status: number;
  readonly issues?: ErrorEnvelope['error']['issues'];
  /** From the Retry-After header, when the API sent one. */
  readonly retryAfterMs?: number;

  constructor(status: number, envelope: Partial<ErrorEnvelope['error']> | undefined, retryAfterMs?: number) {
    super(envelope?.code ?? `http_${status}`, envelope?.message ?? `The API answered ${status}.`);
    markClass(this, 'HttpError');
    this.status = status;
    if (envelope?.issues) this.issues = envelope.issues;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
  static override isInstance(value: unknown): value is HttpError {
    return hasMarker(value, marker('HttpError'));
  }
}

/** An error of the family with a client-side code (invalid input, closed client, …). */
export function clientError(code: ClientErrorCode, message: string, cause?: unknown): ThreadlineError {
  return new ThreadlineError(code, message, cause);
}

/** Wraps anything thrown into the family (as `code`), keeping family members as they are. */
export function toThreadlineError(error: unknown, code: ClientErrorCode): ThreadlineError {
  if (ThreadlineError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return code === 'network_error' ? new NetworkError(message, error) : clientError(code, message, error);
}
