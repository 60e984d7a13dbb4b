import { asksForHuman, isActionRequest, isQuestion, negativeSentiment } from './shopper-signals';
import { normalizeText } from './text-normalizer';

/**
 * Long, rambling messages: what the engine reads of them. A shopper who writes three hundred
 * characters of story asks one or two things in it; reading all of it costs time that grows with
 * the text (a 4,000-character message took most of a second) and drowns the question in the
 * story's words. The focus keeps the clauses that ask, complain or request, the clause before each
 * (it often names what "这个" is), and the last clause that names a product — bounded in clauses
 * read and characters kept, whatever the message's length.
 */

/** Messages up to this many code points are read whole. */
export const FOCUS_FROM = 120;
/** At most this many code points are kept. */
const FOCUS_KEEP = 120;
// Clauses looked at: the first few (a question asked up front) and the last ones (asked at the end).
const HEAD_CLAUSES = 4;
const TAIL_CLAUSES = 16;
// Questions kept: rambles ask one or two things, at the end.
const MAX_QUESTIONS = 2;
// A clause longer than this is cut; no clause costs more than this to read.
const CLAUSE_MAX = 80;

const SENTENCE = /[^。！？!?；;\n]+[。！？!?；;\n]*/gu;
const CLAUSE_BREAK = /(?<=[，,、])|\s+(?=\S)/u;

interface Clause {
  text: string;
  at: number;
  asks: boolean;
  cue: boolean;
  product: boolean;
}

/**
 * The part of `raw` the engine should answer, or `raw` itself when it is short. `namesProduct`
 * tells whether a normalised clause names one of the shop's products.
 */
export function focusMessage(raw: string, namesProduct: (normalized: string) => boolean): string {
  const points = [...raw];
  if (points.length <= FOCUS_FROM) return raw;
  const pieces: string[] = [];
  for (const [sentence] of raw.matchAll(SENTENCE)) {
    if ([...sentence].length <= CLAUSE_MAX / 2) pieces.push(sentence);
    else pieces.push(...sentence.split(CLAUSE_BREAK).filter((p) => p.trim()));
  }
  const considered = new Set<number>();
  for (let i = 0; i < Math.min(HEAD_CLAUSES, pieces.length); i++) considered.add(i);
  for (let i = Math.max(0, pieces.length - TAIL_CLAUSES); i < pieces.length; i++) considered.add(i);
  const clauses: Clause[] = [...considered]
    .sort((a, b) => a - b)
    .map((at) => {
      const text = [...pieces[at]!].slice(0, CLAUSE_MAX).join('');
      const normalized = normalizeText(text);
      return {
        text,
        at,
        asks: isQuestion(normalized, text),
        cue:
          negativeSentiment(normalized) > 0 || asksForHuman(normalized) || isActionRequest(normalized, text),
        product: namesProduct(normalized),
      };
    })
    .filter((c) => c.text.trim());
  if (clauses.length === 0) return points.slice(-FOCUS_KEEP).join('');

  // What the message asks or wants, latest first (a story's "同事都问在哪买的" is not the question:
  // the last two questions are), every complaint or request; without any, its end.
  const wanted = [
    ...clauses.filter((c) => c.cue),
    ...clauses.filter((c) => c.asks && !c.cue).slice(-MAX_QUESTIONS),
  ].sort((a, b) => b.at - a.at);
  const keep = new Set<Clause>();
  let length = 0;
  const take = (clause: Clause | undefined, always = false) => {
    if (!clause || keep.has(clause)) return;
    const size = [...clause.text].length;
    if (!always && keep.size > 0 && length + size > FOCUS_KEEP) return;
    keep.add(clause);
    length += size;
  };
  if (wanted.length === 0) {
    for (const clause of [...clauses].reverse()) take(clause);
  } else {
    for (const clause of wanted) {
      take(clause);
      // The clause before says what the question is about ("买了一件开衫，…能机洗吗").
      take(clauses.find((c) => c.at === clause.at - 1));
    }
  }
  if (![...keep].some((c) => c.product)) {
    const first = Math.min(...[...keep].map((c) => c.at));
    take(
      [...clauses].reverse().find((c) => c.product && c.at < first) ?? clauses.find((c) => c.product),
      true,
    );
  }
  return [...keep]
    .sort((a, b) => a.at - b.at)
    .map((c) => c.text.trim())
    .join(' ');
}
