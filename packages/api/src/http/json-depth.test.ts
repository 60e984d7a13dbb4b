import { describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from './json-depth';

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
});
