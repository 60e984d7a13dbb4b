import { wordSegments } from './message-scope';

/**
 * Sparse features of a normalised text for the intent classifier: Han character 1–3-grams and
 * segmenter words (Chinese has no spaces, and shoppers' slang and typos keep most of their
 * characters), Latin word stems, word pairs (adjacent and skip-one) and character 3–5-grams of
 * each Latin word (so
 * "refnd" still shares most of its features with "refund"). Digits fold to `#`.
 */

const RUNS = /(\p{Script=Han}+)|([a-z0-9']+)/gu;
// English words so common that they only add noise to short questions.
const ENGLISH_STOP = new Set([
  'a',
  'an',
  'the',
  'to',
  'of',
  'is',
  'am',
  'are',
  'be',
  'it',
  'and',
  'or',
  'i',
  'my',
  'me',
]);

/** A light English stem ("charged" → "charg", "cards" → "card"): enough to meet inflected forms. */
export function stemEnglish(word: string): string {
  if (word.length <= 3) return word;
  return (
    word
      .replace(/(?:ies|ied)$/, 'y')
      .replace(/(?:ing|ed|es|s|ly)$/, '')
      .replace(/(.)\1$/, '$1') || word
  );
}

/** Feature strings of a normalised text, each once (binary presence; the model weighs them). */
export function textFeatures(normalized: string): string[] {
  const out = new Set<string>();
  const latin: string[] = [];
  for (const match of normalized.matchAll(RUNS)) {
    const [, han, word] = match;
    if (han) {
      for (let i = 0; i < han.length; i++) {
        out.add(`c:${han[i]}`);
        if (i + 1 < han.length) out.add(`b:${han.slice(i, i + 2)}`);
        if (i + 2 < han.length) out.add(`t:${han.slice(i, i + 3)}`);
      }
      if (han.length > 2) {
        for (const { segment, isWordLike } of wordSegments(han)) {
          if (isWordLike && segment.length > 1) out.add(`w:${segment}`);
        }
      }
    } else if (word) {
      const shape = word.replace(/\d+/g, '#').replace(/'/g, '');
      if (!shape) continue;
      const stem = stemEnglish(shape);
      latin.push(stem);
      if (!ENGLISH_STOP.has(shape)) out.add(`w:${stem}`);
      if (shape !== '#') {
        const padded = `<${shape}>`;
        for (const n of [3, 4, 5]) {
          for (let i = 0; i + n <= padded.length; i++) out.add(`g:${padded.slice(i, i + n)}`);
        }
      }
    }
  }
  // Word pairs, adjacent and one apart ("card … arrived"): word order carries intent in English.
  for (let i = 0; i + 1 < latin.length; i++) {
    out.add(`w2:${latin[i]} ${latin[i + 1]}`);
    if (i + 2 < latin.length) out.add(`s2:${latin[i]} ${latin[i + 2]}`);
  }
  return [...out];
}
