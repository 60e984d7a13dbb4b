import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { respondWithError } from '../platform/errors';
import { assertJsonDepth, isJsonText, jsonDepth, MAX_JSON_DEPTH, valueDepth } from './json-depth';

describe('JSON depth', () => {
  const nested = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
  const texts = [
    '1',
    '"[[[{"',
    '{}',
    '[]',
    '{"a":{"b":[1,{"c":"}]]"}]}}',
    '[[],[[[]]],{"x":[{"y":{}}]}]',
    '{"__proto__":{"a":[[]]}}',
    JSON.stringify({
      roomId: 'r',
      items: Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, text: '[{"' })),
    }),
    nested(MAX_JSON_DEPTH),
    nested(MAX_JSON_DEPTH + 1),
    `{"a":${nested(MAX_JSON_DEPTH + 5)}}`,
    nested(5000),
  ];

  it('reads the same depth from the parsed value as from the text, up to just past the limit', () => {
    for (const text of texts) {
      const fromText = jsonDepth(text);
      const fromValue = valueDepth(JSON.parse(text));
      expect(fromValue, text.slice(0, 60)).toBe(fromText);
    }
    expect(valueDepth(JSON.parse(nested(MAX_JSON_DEPTH)))).toBe(MAX_JSON_DEPTH);
    expect(valueDepth(JSON.parse(nested(5000)))).toBe(MAX_JSON_DEPTH + 1);
  });

  it('skips strings with escaped quotes and backslash runs like a character walk would', () => {
    const cases: [string, number][] = [
      ['"\\"[["', 0],
      ['["\\\\"]', 1],
      ['["\\\\\\"]"]', 1],
      ['[["a\\\\\\\\"],["\\"{"]]', 2],
      ['["unterminated [[[', 1],
    ];
    for (const [text, depth] of cases) expect(jsonDepth(text), text).toBe(depth);
  });

  it('tells valid JSON from broken without parsing it, as JSON.parse would', () => {
    const fixed = [
      ...texts,
      '',
      ' ',
      '\uFEFF[]',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '[01]',
      '[-0.5e+3]',
      '[1.]',
      '["\\u12G4"]',
      '["\\x"]',
      '["a\nb"]',
      '[true,false,null]',
      '[tru]',
      '{"a":[1,{"b":[]}],"c":{}} ',
      '[] []',
      '{"a":1,"a":[[[]]]}',
      `${'['.repeat(50_000)}`,
      `${'['.repeat(50_000)}${']'.repeat(49_999)}`,
      `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
    ];
    // A small differential fuzz over JSON's own alphabet (seeded, so a failure replays).
    let seed = 16;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const alphabet = [
      '[',
      ']',
      '{',
      '}',
      ',',
      ':',
      '"',
      '\\',
      '1',
      '0',
      '-',
      '.',
      'e',
      ' ',
      'a',
      'true',
      'null',
      'u',
    ];
    const fuzz = Array.from({ length: 4_000 }, () =>
      Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(''),
    );
    let valid = 0;
    for (const text of [...fixed, ...fuzz]) {
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      if (parses) valid++;
      expect(isJsonText(text), JSON.stringify(text.slice(0, 60))).toBe(parses);
    }
    expect(valid).toBeGreaterThan(20);
  });
});

describe('assertJsonDepth on a too-deep body', () => {
  const app = new Hono();
  app.use('*', assertJsonDepth);
  app.post('/echo', async (c) => c.json({ got: await c.req.json() }));
  app.onError((error, c) => respondWithError(c, error, () => {}));
  const post = (body: string) =>
    app.request('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  afterEach(() => vi.restoreAllMocks());

  // review-f: V8 builds every nested array of such a body (~0.85 s of the request thread for 1 MB
  // of `[` against ~0.06 s for 1 MB of a flat array), and the check runs before authentication.
  it('refuses it without JSON.parse ever seeing it, broken or not, with the same codes', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const unclosed = await post('['.repeat(1_000_000));
    expect(unclosed.status).toBe(400);
    expect(((await unclosed.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const closed = await post(`${'['.repeat(500_000)}${']'.repeat(500_000)}`);
    expect(closed.status).toBe(400);
    expect(((await closed.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    const objects = await post(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`);
    expect(((await objects.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    const bodies = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 1_000);
    expect(bodies).toEqual([]);
  });

  it('still takes bodies at the limit, and nesting inside strings does not count', async () => {
    const atLimit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    const ok = await post(atLimit);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ got: JSON.parse(atLimit) });
    const inString = JSON.stringify({ text: `${'['.repeat(10_000)}\\"{{{` });
    const ok2 = await post(inString);
    expect(ok2.status).toBe(200);
    expect(await ok2.json()).toEqual({ got: JSON.parse(inString) });
  });
});

describe('assertJsonDepth on a body that passes', () => {
  const app = new Hono();
  app.use('*', assertJsonDepth);
  app.post(
    '/batch',
    validator('json', (value) => value as { items: { id: string }[] }),
    async (c) => {
      const valid = c.req.valid('json');
      // A later read gets its own copy, as Hono's `json()` always gave.
      const again = (await c.req.json()) as { items: { id: string }[] };
      valid.items.push({ id: 'added' });
      return c.json({ n: valid.items.length, again: again.items.length });
    },
  );

  afterEach(() => vi.restoreAllMocks());

  it('is parsed once: the route validator takes the value the depth check parsed', async () => {
    const body = JSON.stringify({
      items: Array.from({ length: 300 }, (_, i) => ({ id: `c${i}`, text: '优惠券怎么用' })),
    });
    const parse = vi.spyOn(JSON, 'parse');
    const res = await app.request('/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ n: 301, again: 300 });
    // Once by the depth check; once more only by the handler's own second `c.req.json()`.
    expect(parse.mock.calls.filter(([text]) => text === body)).toHaveLength(2);
  });
});
