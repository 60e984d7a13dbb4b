import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../platform/errors';
import { readBodyBytes } from './request-body';

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
 * The nesting depth of a parsed JSON value (what `jsonDepth` counts in its text), stopping past
 * `limit`: a walk over its arrays and objects only, so a body of long strings (a livestream batch of
 * a thousand comments) costs its structure, not its characters. Recursion is bounded by `limit`.
 */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH, depth = 0): number {
  if (typeof value !== 'object' || value === null) return depth;
  const here = depth + 1;
  if (here > limit) return here;
  let deepest = here;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'object' && item !== null) {
        const d = valueDepth(item, limit, here);
        if (d > deepest) {
          deepest = d;
          if (d > limit) return d;
        }
      }
    }
  } else {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) {
        const d = valueDepth(item, limit, here);
        if (d > deepest) {
          deepest = d;
          if (d > limit) return d;
        }
      }
    }
  }
  return deepest;
}

// Fatal: malformed bytes are an error, not U+FFFD. JSON is UTF-8 whatever charset a client names.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON body once, before any route: it must be well-formed UTF-8 (otherwise 400
 * `invalid_json` — replacing bad bytes would store text the client never sent) and nest at most
 * MAX_JSON_DEPTH deep (otherwise 400 `validation_failed`, before any parser, validator or
 * serializer recurses through it). The text and, when it parses, the value are left in Hono's body
 * cache, so the route's validator (`c.req.json()`) takes the parsed value instead of decoding and
 * parsing the bytes a second time through a WHATWG Response (issue 18). Broken JSON is left
 * unparsed there: the validator meets it and answers as it always did.
 */
export const assertJsonDepth: MiddlewareHandler = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /json/i.test(c.req.header('content-type') ?? '')) {
    let text: string;
    try {
      text = utf8.decode(await readBodyBytes(c));
    } catch (error) {
      if (error instanceof TypeError)
        throw new ApiError('invalid_json', 'The request body is not valid JSON: it is not UTF-8.');
      throw error;
    }
    // V8's JSON parser is not recursive, so parsing first is safe; the depth of what parsed is then
    // read from its structure (cheaper than scanning every character of the text).
    let value: unknown;
    let parsed = true;
    try {
      value = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (parsed ? valueDepth(value) > MAX_JSON_DEPTH : jsonDepth(text) > MAX_JSON_DEPTH) {
      // Broken JSON is reported as such, whatever its depth.
      if (!parsed) throw new ApiError('invalid_json', 'The request body is not valid JSON.');
      throw new ApiError('validation_failed', `JSON may nest at most ${MAX_JSON_DEPTH} levels deep.`);
    }
    const cache = c.req.bodyCache as Record<string, Promise<unknown> | undefined>;
    cache.text = Promise.resolve(text);
    if (!parsed) {
      await next();
      return;
    }
    cache.json = Promise.resolve(value);
  }
  await next();
};
