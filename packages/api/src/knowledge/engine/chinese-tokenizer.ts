import { wordSegments } from './message-scope';
import { normalizeText } from './text-normalizer';

/** What the index and the classifier see of a text: word-ish terms and single characters. */
export interface TextTokens {
  /** Normalised text the tokens came from. */
  normalized: string;
  /** Segmenter words (2+ chars), Han character bigrams, Latin words (digits folded to `#`). */
  terms: string[];
  /** Single Han characters: a weaker signal that still links 发干 to 干皮. */
  chars: string[];
}

const RUNS = /(\p{Script=Han}+)|([a-z0-9]+)/gu;

/**
 * Chinese-aware tokenisation: Intl.Segmenter words plus overlapping character bigrams (which
 * catch the product names and slang the segmenter's dictionary does not know), Latin words as
 * they are. Digits become `#` so "6M" meets "12M" and order numbers do not swamp the index.
 */
export function tokenize(text: string, alreadyNormalized = false): TextTokens {
  const normalized = alreadyNormalized ? text : normalizeText(text);
  const terms = new Set<string>();
  const chars = new Set<string>();
  for (const match of normalized.matchAll(RUNS)) {
    const [, han, latin] = match;
    if (han) {
      for (const ch of han) chars.add(ch);
      for (let i = 0; i + 1 < han.length; i++) terms.add(han.slice(i, i + 2));
      if (han.length > 2) {
        for (const { segment, isWordLike } of wordSegments(han)) {
          if (isWordLike && segment.length > 2) terms.add(segment);
        }
      }
    } else if (latin) {
      const shape = latin.replace(/\d+/g, '#');
      if (shape !== '#') terms.add(shape);
    }
  }
  return { normalized, terms: [...terms], chars: [...chars] };
}
