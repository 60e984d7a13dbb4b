import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../platform/errors';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of `[`/`{` in JSON text, strings skipped; stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (ch === 125 || ch === 93) depth--;
  }
  return deepest;
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH with 400 `validation_failed`, before any
 * parser, validator or serializer recurses through them. The text is cached by Hono, so the
 * route's own JSON parse reads it again without touching the socket.
 */
export const assertJsonDepth: MiddlewareHandler = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /json/i.test(c.req.header('content-type') ?? '')) {
    const text = await c.req.text();
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      // Broken JSON is reported as such, whatever its depth (V8's parser itself is not recursive).
      try {
        JSON.parse(text);
      } catch {
        throw new ApiError('invalid_json', 'The request body is not valid JSON.');
      }
      throw new ApiError('validation_failed', `JSON may nest at most ${MAX_JSON_DEPTH} levels deep.`);
    }
  }
  await next();
};
