import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../platform/errors';

/**
 * Bounds a request body at `maxSize` bytes (413 `payload_too_large`).
 *
 * A body with a Content-Length (and no Transfer-Encoding) is checked on that header alone: Node's
 * HTTP parser never hands a handler more bytes than it declares. Only other bodies (chunked) go
 * through Hono's `bodyLimit`, which counts the bytes as they stream. Why not `bodyLimit` always: it
 * reads `c.req.raw.body`, which makes @hono/node-server build a full WHATWG Request (headers, abort
 * signal, a ReadableStream over the socket) on every request — about 4 % of a send's CPU (issue 18).
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = () => {
    throw new ApiError('payload_too_large', `The body is larger than ${maxSize} bytes.`);
  };
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = declaredLength(c.req.header('content-length'), c.req.header('transfer-encoding'));
    if (length === null) return streamed(c, next);
    if (length > maxSize) tooLarge();
    return next();
  };
}

/** The Content-Length a body is bound by, or null when the header cannot be relied on alone. */
function declaredLength(
  contentLength: string | undefined,
  transferEncoding: string | undefined,
): number | null {
  if (contentLength === undefined || transferEncoding !== undefined) return null;
  if (!/^\d{1,15}$/.test(contentLength)) return null;
  return Number(contentLength);
}

/**
 * The request's body bytes, read once.
 *
 * On @hono/node-server with a Content-Length body nobody has started reading, the bytes come
 * straight off the socket's IncomingMessage (no WHATWG Request or stream in between). Anywhere else
 * (in-process `app.request`, chunked bodies, a body already being streamed) through Hono's
 * `c.req.arrayBuffer()`. Either way the bytes are cached by Hono, so a later `c.req.text()`,
 * `c.req.json()` or `c.req.arrayBuffer()` reads them again without touching the socket.
 */
export async function readBodyBytes(c: Parameters<MiddlewareHandler>[0]): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const length = declaredLength(c.req.header('content-length'), c.req.header('transfer-encoding'));
  const cache = c.req.bodyCache as Record<string, Promise<unknown> | undefined>;
  if (
    incoming &&
    length !== null &&
    typeof incoming.on === 'function' &&
    incoming.readableFlowing === null &&
    !incoming.readableEnded &&
    Object.keys(cache).length === 0
  ) {
    const bytes = await readIncoming(incoming, length);
    // Copied into an ArrayBuffer of its own only if a route asks for one (webhook signatures…).
    let buffer: Promise<ArrayBuffer> | undefined;
    Object.defineProperty(cache, 'arrayBuffer', {
      configurable: true,
      enumerable: true,
      get: () =>
        (buffer ??= Promise.resolve(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        )),
    });
    return bytes;
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

/** Reads a whole IncomingMessage of a known length; rejects if the client goes away first. */
function readIncoming(incoming: IncomingMessage, length: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
    };
    const finish = (error?: Error) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', finish);
      incoming.off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onEnd = () => finish();
    const onClose = () => {
      // A client that went away mid-body: a 400 as `respondWithError` gives an aborted body, not a 500.
      if (!incoming.readableEnded)
        finish(new ApiError('bad_request', 'The request body did not arrive in full.'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', finish);
    incoming.on('close', onClose);
    if (length === 0 && incoming.readableEnded) finish();
  });
}
