import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../platform/errors';
import { readBodyBytes } from './request-body';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of `[`/`{` in JSON text, strings skipped; stops counting past `limit`.
 * Strings are jumped over with `indexOf` (native) rather than walked character by character, so a
 * body of long strings (a livestream batch) costs about its structure; and a too-deep body is
 * refused after about `limit` characters, before anything parses it (review-f: V8 parses a body of
 * nested `[` at ~13x the CPU per byte of a flat one, and this check runs before authentication).
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      // The closing quote: the next `"` not escaped by an odd run of backslashes.
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end === -1) return deepest; // an unterminated string: nothing after it counts
        let backslashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === 92; j--) backslashes++;
        if ((backslashes & 1) === 0) break;
      }
      i = end;
    } else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (ch === 125 || ch === 93) depth--;
  }
  return deepest;
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * Whether `text` is JSON that `JSON.parse` accepts, checked without building any value: one pass,
 * the open containers kept as one byte each. For a too-deep body only (which is answered
 * `invalid_json` when broken, `validation_failed` otherwise): V8 would build every nested array of
 * it to say the same.
 */
export function isJsonText(text: string): boolean {
  const n = text.length;
  const open = new Uint8Array(n + 1); // 1: array, 2: object
  let top = 0;
  let i = 0;
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): boolean => {
    if (text.charCodeAt(i) !== 34) return false;
    for (i++; i < n; ) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 32) return false;
      if (c !== 92) {
        i++;
        continue;
      }
      const e = text.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return false;
        i += 6;
      } else if (
        e === 34 ||
        e === 92 ||
        e === 47 ||
        e === 98 ||
        e === 102 ||
        e === 110 ||
        e === 114 ||
        e === 116
      )
        i += 2;
      else return false;
    }
    return false;
  };
  // After `{` or `,` in an object: a key and its colon.
  const key = (): boolean => {
    if (!string()) return false;
    ws();
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    ws();
    return true;
  };
  ws();
  for (;;) {
    // A value starts at i.
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      i++;
      ws();
      if (text.charCodeAt(i) === (c === 91 ? 93 : 125)) i++;
      else {
        open[++top] = c === 91 ? 1 : 2;
        if (c === 123 && !key()) return false;
        continue;
      }
    } else if (c === 34) {
      if (!string()) return false;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else {
      JSON_NUMBER.lastIndex = i;
      if (!JSON_NUMBER.test(text)) return false;
      i = JSON_NUMBER.lastIndex;
    }
    // After a value: close containers, or a comma and the next value.
    for (;;) {
      ws();
      if (top === 0) return i === n;
      const d = text.charCodeAt(i);
      if (d === 44) {
        i++;
        ws();
        if (open[top] === 2 && !key()) return false;
        break;
      }
      if (d !== (open[top] === 1 ? 93 : 125)) return false;
      i++;
      top--;
    }
  }
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
 * cache, and the route's validator's `c.req.json()` takes the parsed value instead of decoding
 * and parsing the bytes again (issue 18; speed-37: Hono's `json()` re-parsed the cached text).
 * Broken JSON is left unparsed there: the validator meets it and answers as it always did.
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
    // The depth is read from the text before anything parses it. V8's parser is not recursive, but
    // it builds every nested array of 1 MB of `[` (~0.85 s of this thread under load, against
    // ~0.06 s for 1 MB of a flat array), and this runs before authentication (review-f).
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      // Broken JSON is reported as such, whatever its depth; checked without building anything.
      if (!isJsonText(text)) throw new ApiError('invalid_json', 'The request body is not valid JSON.');
      throw new ApiError('validation_failed', `JSON may nest at most ${MAX_JSON_DEPTH} levels deep.`);
    }
    const cache = c.req.bodyCache as Record<string, Promise<unknown> | undefined>;
    cache.text = Promise.resolve(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      await next();
      return;
    }
    const parsed = Promise.resolve(value);
    cache.json = parsed;
    // Hono's `c.req.json()` parses the cached text again on every call (`JSON.parse` of
    // `bodyCache.text`; it never reads `bodyCache.json`), so the route's validator would parse the
    // body a second time — a thousand-comment batch's JSON twice. Its first call takes this value,
    // which nothing else holds; any later call parses afresh, as Hono's would.
    const req = c.req;
    const reparse = req.json.bind(req);
    let first: Promise<unknown> | null = parsed;
    req.json = (() => {
      const taken = first;
      first = null;
      return taken ?? reparse();
    }) as typeof req.json;
  }
  await next();
};
