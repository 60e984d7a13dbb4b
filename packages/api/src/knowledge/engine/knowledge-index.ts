import MiniSearch from 'minisearch';
import { type TextTokens, tokenize } from './chinese-tokenizer';
import type { KnowledgeArticle, KnowledgeBase, KnowledgeIntent, KnowledgeProduct } from './knowledge-base';
import { createGlosser } from './lexical-gloss';
import { type LabelProbability, trainLinearClassifier } from './linear-classifier';
import { onceInMessage } from './message-scope';
import { OFF_TOPIC_EXAMPLES } from './off-topic-examples';
import { createProductMatcher, type ProductMention } from './product-matcher';
import { negativeSentiment } from './shopper-signals';
import { stableSort } from './stable-sort';
import { textFeatures } from './text-features';
import { normalizeText } from './text-normalizer';

/** The intent key of the built-in "not a shop question" class. */
export const OFF_TOPIC = '~off_topic';

/** A text as the engine reads it: products recognised, then masked out of the tokens. */
export interface ReadText {
  /** Normalised, with the shop's terms written beside English, pinyin and misspelt words. */
  normalized: string;
  /** Normalised only (what the shopper wrote). */
  plain: string;
  /** The glossed text with product names cut out: what intent classification reads. */
  masked: string;
  tokens: TextTokens;
  products: ProductMention[];
  /** True when the shopper wrote Chinese in pinyin (no Han characters, pinyin recognised, no English word). */
  pinyinOnly: boolean;
  /**
   * English words (3+ letters) no gloss took ("student", "dryer"): what the reading of a question
   * to a Chinese shop did not see. Empty for English knowledge, which reads them as they are.
   */
  unread: string[];
  /** How many English phrases the lexicon glossed. */
  glossedWords: number;
  /** Pinyin-only text as the Chinese it spells, in order, with its particle ("面霜保湿吗"). */
  spelled?: string;
  /** Every word of the pinyin was read: `spelled` is the whole question in Chinese. */
  spelledAll?: boolean;
}

// Article-only classes (articles without an intent) join the linear model while they are few;
// beyond that the weight table would grow with the article count, and retrieval ranks them alone.
const MAX_LINEAR_CLASSES = 300;
// Weak examples: article titles and questions teach their intent, a little less than its own examples.
const ARTICLE_EXAMPLE_WEIGHT = 0.7;

/** A question variant (article question, title or intent example) the query resembled. */
export interface QuestionHit {
  /** The intent the variant teaches; articles without one count as their own `~articleId`. */
  intentKey: string;
  articleId: string | null;
  score: number;
  /** Share of the query's information (IDF-weighted) this variant contains, 0…1. */
  coverage: number;
}

export interface ArticleHit {
  articleId: string;
  score: number;
  coverage: number;
}

interface QuestionDoc {
  id: number;
  terms: string;
  chars: string;
  intentKey: string;
  articleId: string | null;
}

interface ArticleDoc {
  id: string;
  title: string;
  questions: string;
  answer: string;
}

const FIELD_BOOST = { terms: 1, chars: 0.3 };
const MAX_QUERY_TERMS = 48;
const splitTokens = (text: string) => (text ? text.split(' ') : []);
// Regular expressions with Unicode property escapes are module constants: the bundler turns such a
// literal into `new RegExp(…)` where it stands, which would build a RegExp object on every call.
const HAN_CHAR = /\p{Script=Han}/u;

// Function words and vague nouns carry no meaning of their own: a message made only of them
// ("就是上次说的那个情况呢") must not look understood because its 的/那个 matched somewhere.
const FUNCTION_CHARS = new Set(
  '的了吗呢吧啊呀哦是就那这个我你您他她们在有和也都还说要会能可以想一下什么怎么么样些点儿得地着过把被给让对从到为与及或又再很太最更'.split(
    '',
  ),
);
const VAGUE_TERMS = new Set([
  '情况',
  '事情',
  '东西',
  '问题',
  '上次',
  '后来',
  '然后',
  '到底',
  '一个',
  '那个',
  '这个',
  '时候',
]);
export function isFunctionTerm(term: string): boolean {
  if (VAGUE_TERMS.has(term)) return true;
  // Every character (code point) a function character; no array per call, this runs per term.
  for (const ch of term) if (!FUNCTION_CHARS.has(ch)) return false;
  return true;
}

/**
 * One term's postings, scored once per index: parallel arrays of documents, their BM25 scores and
 * the factor the term's weight counts with toward coverage in that document (see `factorOf`).
 */
interface TermHits {
  docs: Int32Array;
  scores: Float64Array;
  factors: Float64Array;
}

/**
 * The best hits of one search, best first, in buffers the next search of the same index reuses
 * (read them before searching that index again).
 */
export interface TopHits {
  count: number;
  /** Each hit's document as its position in the list the index was built from. */
  positions: Int32Array;
  scores: Float64Array;
  /**
   * The weights of the distinct query terms the document matched, each times its factor, summed
   * in query-term order (what coverage divides by the query's weight).
   */
  covered: Float64Array;
}

/**
 * Small integer slots for what the classifier tallies (see intent-classifier.ts): every intent key
 * a question variant, an article or the sentiment table can vote for, and the articles by their
 * position in `kb.articles`. Built once per index, so a message tallies into typed arrays.
 */
export interface ClassifierSlots {
  /** Intent key of each slot. */
  intentKeys: string[];
  intentSlot: Map<string, number>;
  /** Per question variant (position in the question index): its intent's slot… */
  questionIntent: Int32Array;
  /** …and its article's position, or -1 when it teaches an intent (no article). */
  questionArticle: Int32Array;
  /** Per article position: the article and the slot of its intent key. */
  articleList: readonly KnowledgeArticle[];
  articleIntent: Int32Array;
  articlePosition: Map<string, number>;
  /** `negativeShare` in its order, as slots and shares. */
  negativeSlots: Int32Array;
  negativeShares: Float64Array;
}

/** What MiniSearch keeps inside and computes per term; used only when it is there as expected. */
interface MiniSearchInternals {
  executeQuery(query: string): Map<number, { score: number; match: Record<string, string[]> }>;
  _documentIds: Map<number, unknown>;
}

const MAX_CACHED_TERMS = 20_000;

/**
 * `index.search(terms.join(' '))` (OR of exact terms) with each term's postings scored once per
 * index instead of once per query. The index never changes after it is built (a knowledge change
 * builds a new one), so a term's BM25 contributions are fixed; they are summed per document in
 * query-term order, multiplied by the number of distinct query terms matched, and the best `limit`
 * kept in score order, ties in first-seen order — exactly what MiniSearch's stable sort gives.
 * Common characters (多, 久, 期 …) have long postings: the sums go into typed arrays indexed by
 * document and reused from query to query (an epoch marks the documents this query touched), so
 * a query allocates nothing per posting or per hit. Coverage (the matched terms' weights, each
 * with its field's factor) is summed in the same pass, at each document's first posting of each
 * distinct term — that is, in distinct-term order, the order a hit's `match` keys were summed in.
 *
 * `positionOf` turns MiniSearch's document id into the document's position in the caller's list;
 * `factorOf` gives a term's coverage factor from the fields it matched in.
 */
function cachedTermSearch(
  index: MiniSearch<never> | MiniSearch<QuestionDoc> | MiniSearch<ArticleDoc>,
  positionOf: (id: unknown) => number,
  factorOf: (fields: readonly string[]) => number,
) {
  const internals = index as unknown as Partial<MiniSearchInternals>;
  const usable = typeof internals.executeQuery === 'function' && internals._documentIds instanceof Map;
  const cache = new Map<string, TermHits | null>();
  const hitsOf = (term: string): TermHits | null => {
    let hits = cache.get(term);
    if (hits !== undefined) return hits;
    const results = (internals as MiniSearchInternals).executeQuery(term);
    hits = null;
    if (results.size > 0) {
      hits = {
        docs: new Int32Array(results.size),
        scores: new Float64Array(results.size),
        factors: new Float64Array(results.size),
      };
      let i = 0;
      for (const [doc, result] of results) {
        hits.docs[i] = doc;
        hits.scores[i] = result.score;
        hits.factors[i] = factorOf(result.match[term] ?? []);
        i++;
      }
    }
    if (cache.size >= MAX_CACHED_TERMS) cache.clear();
    cache.set(term, hits);
    return hits;
  };
  // Per document (MiniSearch's short ids, 0…n-1): the summed score, the distinct terms matched,
  // the last distinct term counted (a repeated query term adds its score again, not its count),
  // the coverage sum, and the epoch of the query that last touched it.
  let size = 0;
  for (const doc of internals._documentIds?.keys() ?? []) if (doc + 1 > size) size = doc + 1;
  let score = new Float64Array(size);
  let covered = new Float64Array(size);
  let count = new Int32Array(size);
  let lastTerm = new Int32Array(size);
  let stamp = new Int32Array(size);
  let touched = new Int32Array(size);
  let position = new Int32Array(size).fill(-1);
  for (const [doc, id] of internals._documentIds ?? []) position[doc] = positionOf(id);
  let epoch = 0;
  const grow = (doc: number) => {
    const next = Math.max(doc + 1, size * 2);
    const copy = <T extends Float64Array | Int32Array>(old: T, fresh: T) => {
      fresh.set(old);
      return fresh;
    };
    score = copy(score, new Float64Array(next));
    covered = copy(covered, new Float64Array(next));
    count = copy(count, new Int32Array(next));
    lastTerm = copy(lastTerm, new Int32Array(next));
    stamp = copy(stamp, new Int32Array(next));
    touched = copy(touched, new Int32Array(next));
    const moved = new Int32Array(next).fill(-1);
    moved.set(position);
    position = moved;
    size = next;
  };
  // The query's distinct terms and their weights (reused; a query has at most MAX_QUERY_TERMS).
  const distinct: string[] = [];
  let weights = new Float64Array(MAX_QUERY_TERMS);
  // The result, reused from query to query; one slot more than kept, for the insert's shift.
  const top: TopHits = {
    count: 0,
    positions: new Int32Array(0),
    scores: new Float64Array(0),
    covered: new Float64Array(0),
  };
  let bestDocs = new Int32Array(0);
  const room = (limit: number) => {
    if (top.scores.length >= limit + 1) return;
    top.positions = new Int32Array(limit + 1);
    top.scores = new Float64Array(limit + 1);
    top.covered = new Float64Array(limit + 1);
    bestDocs = new Int32Array(limit + 1);
  };
  /** The best `limit` hits for `terms`, best first (ties in first-seen order, as MiniSearch sorts). */
  return (terms: readonly string[], limit: number, weightOf: (term: string) => number): TopHits => {
    room(limit);
    top.count = 0;
    if (!usable) {
      for (const r of index.search(terms.join(' ')).slice(0, limit)) {
        let sum = 0;
        for (const [term, fields] of Object.entries(r.match)) sum += weightOf(term) * factorOf(fields);
        top.positions[top.count] = positionOf(r.id);
        top.scores[top.count] = r.score;
        top.covered[top.count] = sum;
        top.count++;
      }
      return top;
    }
    epoch++;
    if (epoch === 0x7fffffff) {
      stamp.fill(0);
      epoch = 1;
    }
    // Distinct terms in first-seen order: the keys of a hit's `match`, in MiniSearch's order.
    distinct.length = 0;
    let touchedCount = 0;
    for (const term of terms) {
      const hits = hitsOf(term);
      if (!hits) continue;
      let termAt = distinct.indexOf(term);
      if (termAt === -1) {
        termAt = distinct.push(term) - 1;
        if (termAt >= weights.length) {
          const more = new Float64Array(weights.length * 2);
          more.set(weights);
          weights = more;
        }
        weights[termAt] = weightOf(term);
      }
      const weight = weights[termAt]!;
      const { docs, scores, factors } = hits;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        if (doc >= size) grow(doc);
        if (stamp[doc] !== epoch) {
          stamp[doc] = epoch;
          score[doc] = scores[i]!;
          count[doc] = 1;
          lastTerm[doc] = termAt;
          covered[doc] = weight * factors[i]!;
          touched[touchedCount++] = doc;
        } else {
          score[doc] = score[doc]! + scores[i]!;
          // A new distinct term always has a higher index than the ones before it; a repeated
          // term was counted on its first occurrence (same postings).
          if (termAt > lastTerm[doc]!) {
            count[doc] = count[doc]! + 1;
            lastTerm[doc] = termAt;
            covered[doc] = covered[doc]! + weight * factors[i]!;
          }
        }
      }
    }
    // The best `limit` in one pass: a document enters only by beating the last kept one, so an
    // equal score keeps the earlier document ahead (a stable sort's order).
    const bestScores = top.scores;
    let kept = 0;
    for (let t = 0; t < touchedCount; t++) {
      const doc = touched[t]!;
      const final = score[doc]! * (count[doc]! || 1);
      if (kept === limit && !(final > bestScores[kept - 1]!)) continue;
      let at = kept;
      while (at > 0 && final > bestScores[at - 1]!) at--;
      // Insert at `at` by shifting the tail up one (the slot past the last is spare room).
      for (let j = kept; j > at; j--) {
        bestDocs[j] = bestDocs[j - 1]!;
        bestScores[j] = bestScores[j - 1]!;
      }
      bestDocs[at] = doc;
      bestScores[at] = final;
      if (kept < limit) kept++;
    }
    for (let h = 0; h < kept; h++) {
      const doc = bestDocs[h]!;
      top.positions[h] = doc < position.length ? position[doc]! : -1;
      top.covered[h] = covered[doc]!;
    }
    top.count = kept;
    return top;
  };
}

const NOTHING_UNREAD: string[] = [];

/** The linear model's reading of a text for ranking (see `intentProbabilities`). */
export interface IntentProbabilities {
  probability(intentKey: string): number;
  likely: readonly LabelProbability[];
}
const NO_PROBABILITIES: IntentProbabilities = { probability: () => 0, likely: [] };
const NO_TERMS: readonly string[] = [];

/** Articles without an intent form a class of their own, so they still answer. */
export const intentKeyOf = (article: KnowledgeArticle) => article.intent ?? `~${article.id}`;

/**
 * The per-app search structures, built in one pass from the knowledge base: a MiniSearch index
 * of every question variant (the intent classifier's training set), one of whole articles
 * (titles, questions and answer text, for article ranking) and the product matcher.
 */
export function createKnowledgeIndex(kb: KnowledgeBase) {
  const articles = new Map(kb.articles.map((a) => [a.id, a]));
  const products = new Map(kb.products.map((p) => [p.id, p]));
  const intents = new Map(kb.intents.map((i) => [i.id, i]));
  const articlesByProduct = new Map<string, string[]>();
  for (const article of kb.articles) {
    for (const productId of article.productIds) {
      articlesByProduct.set(productId, [...(articlesByProduct.get(productId) ?? []), article.id]);
    }
  }

  // Whether the knowledge is written in English (Banking77) or Chinese with the odd Latin word
  // (the demo store): English words the knowledge never uses mean nothing to a Chinese shop —
  // they are glossed instead — and must not make a question look unexplained or off-topic.
  const teaching = [...kb.intents.flatMap((i) => i.examples), ...kb.articles.flatMap((a) => a.questions)];
  const englishKnowledge =
    teaching.filter((t) => (t.match(/[a-z]{2,}/gi)?.length ?? 0) >= 2).length >
    0.3 * Math.max(1, teaching.length);
  const matcher = createProductMatcher(kb.products);
  const glosser = createGlosser(
    [
      ...kb.articles.flatMap((a) => [a.title, ...a.questions]),
      ...kb.intents.flatMap((i) => i.examples),
      ...kb.products.flatMap((p) => [p.name, ...p.aliases]),
    ].map((t) => normalizeText(t)),
    kb.lexicon ?? [],
    // Inflected forms ("cancelled" → cancel) only glossed for knowledge in another language: an
    // English knowledge base reads them as they are.
    { inflections: !englishKnowledge },
  );
  // Share of each intent's examples that sound upset: lets sentiment vote for complaint-like intents.
  const negativeShare = new Map<string, number>();
  for (const intent of kb.intents) {
    if (intent.examples.length === 0) continue;
    const upset = intent.examples.filter((e) => negativeSentiment(normalizeText(e)) > 0).length;
    if (upset / intent.examples.length >= 0.3) negativeShare.set(intent.id, upset / intent.examples.length);
  }
  // One message reads the same text more than once (the question, then its facts, a sub-question):
  // read once per message (see `onceInMessage`); nothing is kept once the message is answered.
  const readOwner = {};
  const read = (text: string): ReadText => onceInMessage(readOwner, text, () => readAnew(text));
  const readAnew = (text: string): ReadText => {
    const plain = normalizeText(text);
    const gloss = glosser.gloss(plain);
    const normalized = gloss.text;
    const { mentions, masked } = matcher.find(normalized);
    return {
      normalized,
      plain,
      masked,
      tokens: tokenize(masked, true),
      products: mentions,
      pinyinOnly: gloss.pinyin && !gloss.english && !HAN_CHAR.test(plain),
      unread: englishKnowledge ? NOTHING_UNREAD : gloss.unread,
      glossedWords: gloss.glossedWords,
      ...(gloss.pinyin && !gloss.english && !HAN_CHAR.test(plain) && gloss.spelled
        ? { spelled: gloss.spelled, ...(gloss.spelledAll ? { spelledAll: true } : {}) }
        : {}),
    };
  };

  const inKnowledgeScript = (text: string) => HAN_CHAR.test(text) !== englishKnowledge;

  const questionDocs: QuestionDoc[] = [];
  const addQuestion = (text: string, intentKey: string, articleId: string | null) => {
    const { tokens } = read(text);
    if (tokens.terms.length === 0 && tokens.chars.length === 0) return;
    questionDocs.push({
      id: questionDocs.length,
      terms: tokens.terms.join(' '),
      chars: tokens.chars.join(' '),
      intentKey,
      articleId,
    });
  };
  for (const article of kb.articles) {
    const key = intentKeyOf(article);
    addQuestion(article.title, key, article.id);
    for (const q of article.questions) addQuestion(q, key, article.id);
  }
  for (const intent of kb.intents)
    for (const example of intent.examples) addQuestion(example, intent.id, null);
  for (const example of OFF_TOPIC_EXAMPLES)
    if (inKnowledgeScript(example)) addQuestion(example, OFF_TOPIC, null);

  // The linear intent model: every intent example, article title and question, and the built-in
  // off-topic class, as n-gram features of the text the classifier reads (products masked).
  const articleClasses = new Set(kb.articles.filter((a) => !a.intent).map((a) => intentKeyOf(a)));
  const linearArticleClasses = kb.intents.length + articleClasses.size <= MAX_LINEAR_CLASSES;
  const training: { features: string[]; label: string; weight: number }[] = [];
  for (const intent of kb.intents) {
    for (const example of intent.examples)
      training.push({ features: textFeatures(read(example).masked), label: intent.id, weight: 1 });
  }
  for (const article of kb.articles) {
    const key = intentKeyOf(article);
    if (!article.intent && !linearArticleClasses) continue;
    for (const q of [article.title, ...article.questions]) {
      training.push({ features: textFeatures(read(q).masked), label: key, weight: ARTICLE_EXAMPLE_WEIGHT });
    }
  }
  if (training.length > 0) {
    for (const example of OFF_TOPIC_EXAMPLES) {
      if (inKnowledgeScript(example))
        training.push({ features: textFeatures(read(example).masked), label: OFF_TOPIC, weight: 1 });
    }
  }
  const linear = trainLinearClassifier(training);
  const linearLabel = new Map(linear.labels.map((label, i) => [label, i]));

  // Each article's question variants as IDF-weighted, normalised feature vectors, for ranking the
  // articles of one intent against each other (see `variantSimilarity`).
  const featureFrequency = new Map<string, number>();
  const variantFeatures = new Map<string, string[][]>();
  for (const article of kb.articles) {
    const variants = [article.title, ...article.questions].map((q) => textFeatures(read(q).masked));
    variantFeatures.set(article.id, variants);
    for (const features of variants)
      for (const f of features) featureFrequency.set(f, (featureFrequency.get(f) ?? 0) + 1);
  }
  const variantCount = [...variantFeatures.values()].reduce((n, v) => n + v.length, 0) || 1;
  const featureWeight = (f: string) =>
    Math.log((1 + variantCount) / (1 + (featureFrequency.get(f) ?? 0))) + 1;
  const unitVector = (features: string[]) => {
    const vector = new Map<string, number>();
    let norm = 0;
    for (const f of features) {
      if (!featureFrequency.has(f)) continue;
      const w = featureWeight(f);
      vector.set(f, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [f, w] of vector) vector.set(f, w / norm);
    return vector;
  };
  const variantVectors = new Map<string, Map<string, number>[]>();
  // Per read text (one message), computed once: its features and its unit vector.
  const queryFeatures = new WeakMap<ReadText, string[]>();
  const queryVectors = new WeakMap<ReadText, { features: string[]; weights: number[] }>();
  const featuresOf = (text: ReadText) => {
    let features = queryFeatures.get(text);
    if (!features) {
      features = textFeatures(text.masked);
      queryFeatures.set(text, features);
    }
    return features;
  };
  const vectorsOf = (articleId: string) => {
    let vectors = variantVectors.get(articleId);
    if (!vectors) {
      vectors = (variantFeatures.get(articleId) ?? []).map(unitVector);
      variantVectors.set(articleId, vectors);
    }
    return vectors;
  };

  const questionIndex = new MiniSearch<QuestionDoc>({
    fields: ['terms', 'chars'],
    storeFields: ['intentKey', 'articleId'],
    tokenize: splitTokens,
    processTerm: (term) => term,
    searchOptions: { boost: FIELD_BOOST },
  });
  questionIndex.addAll(questionDocs);
  // A question variant's id is its position in `questionDocs`; coverage counts a term matched only
  // among the single characters at their boost.
  const searchQuestionIndex = cachedTermSearch(
    questionIndex,
    (id) => id as number,
    (fields) => (fields.includes('terms') ? 1 : FIELD_BOOST.chars),
  );

  const articleIndex = new MiniSearch<ArticleDoc>({
    fields: ['title', 'questions', 'answer'],
    tokenize: splitTokens,
    processTerm: (term) => term,
    searchOptions: { boost: { title: 2, questions: 2, answer: 1 } },
  });
  articleIndex.addAll(
    kb.articles.map((a) => ({
      id: a.id,
      title: read(a.title).tokens.terms.join(' '),
      questions: [...new Set(a.questions.flatMap((q) => read(q).tokens.terms))].join(' '),
      answer: read(a.answer).tokens.terms.join(' '),
    })),
  );
  const articlePosition = new Map(kb.articles.map((a, i) => [a.id, i]));
  const searchArticleIndex = cachedTermSearch(
    articleIndex,
    (id) => articlePosition.get(id as string) ?? -1,
    () => 1,
  );

  // Inverse document frequencies over the question variants, for coverage.
  const docFrequency = new Map<string, number>();
  for (const doc of questionDocs) {
    for (const t of new Set([...splitTokens(doc.terms), ...splitTokens(doc.chars)])) {
      docFrequency.set(t, (docFrequency.get(t) ?? 0) + 1);
    }
  }
  const total = questionDocs.length || 1;
  const idfOf = (term: string) => {
    if (isFunctionTerm(term)) return 0;
    const df = docFrequency.get(term) ?? 0;
    if (df === 0 && !englishKnowledge && /^[a-z#]/.test(term)) return 0;
    return Math.log(1 + (total - df + 0.5) / (df + 0.5));
  };
  // Every term of the index's vocabulary weighed once, here; a term the knowledge never uses is
  // weighed when asked (its weight depends only on the term and this index, never on the message).
  const knownIdf = new Map<string, number>();
  for (const term of docFrequency.keys()) knownIdf.set(term, idfOf(term));
  const idf = (term: string) => knownIdf.get(term) ?? idfOf(term);
  // Function words only add work (their postings cover every document) and no meaning; a long
  // rambling message keeps its most telling terms.
  const informative = (terms: readonly string[], more: readonly string[] = NO_TERMS) => {
    const kept: string[] = [];
    for (const t of terms) if (!isFunctionTerm(t)) kept.push(t);
    for (const t of more) if (!isFunctionTerm(t)) kept.push(t);
    if (kept.length <= MAX_QUERY_TERMS) return kept;
    return kept
      .map((t) => ({ t, w: idf(t) }))
      .sort((a, b) => b.w - a.w)
      .slice(0, MAX_QUERY_TERMS)
      .map((x) => x.t);
  };
  const queryWeight = (tokens: TextTokens) => {
    let weight = 0;
    for (const t of tokens.terms) weight += idf(t);
    for (const t of tokens.chars) weight += idf(t) * FIELD_BOOST.chars;
    return weight;
  };
  /** The question variants' best hits, their sums turned into coverage; null for no query. */
  const questionHits = (tokens: TextTokens, limit: number): TopHits | null => {
    const query = informative(tokens.terms, tokens.chars);
    if (query.length === 0) return null;
    const weight = queryWeight(tokens);
    const top = searchQuestionIndex(query, limit, idf);
    for (let h = 0; h < top.count; h++)
      top.covered[h] = weight === 0 ? 0 : Math.min(1, top.covered[h]! / weight);
    return top;
  };
  /** Whole articles' best hits, their sums turned into coverage; null for no query. */
  const articleHits = (tokens: TextTokens, limit: number): TopHits | null => {
    if (tokens.terms.length === 0) return null;
    let weight = 0;
    for (const t of tokens.terms) weight += idf(t);
    const query = informative(tokens.terms);
    if (query.length === 0) return null;
    const top = searchArticleIndex(query, limit, idf);
    for (let h = 0; h < top.count; h++) top.covered[h] = weight ? Math.min(1, top.covered[h]! / weight) : 0;
    return top;
  };

  const intentKeys: string[] = [];
  const intentSlot = new Map<string, number>();
  const slotOf = (key: string) => {
    let at = intentSlot.get(key);
    if (at === undefined) {
      at = intentKeys.push(key) - 1;
      intentSlot.set(key, at);
    }
    return at;
  };
  const slots: ClassifierSlots = {
    intentKeys,
    intentSlot,
    questionIntent: Int32Array.from(questionDocs, (d) => slotOf(d.intentKey)),
    questionArticle: Int32Array.from(questionDocs, (d) =>
      d.articleId ? (articlePosition.get(d.articleId) ?? -1) : -1,
    ),
    articleList: kb.articles,
    articleIntent: Int32Array.from(kb.articles, (a) => slotOf(intentKeyOf(a))),
    articlePosition,
    negativeSlots: Int32Array.from(negativeShare.keys(), slotOf),
    negativeShares: Float64Array.from(negativeShare.values()),
  };
  for (const intent of kb.intents) slotOf(intent.id);

  return {
    kb,
    articles,
    products,
    intents,
    /** Question variants resembling the query, best first. */
    searchQuestions(tokens: TextTokens, limit = 40): QuestionHit[] {
      const top = questionHits(tokens, limit);
      const out: QuestionHit[] = [];
      for (let h = 0; h < (top?.count ?? 0); h++) {
        const doc = questionDocs[top!.positions[h]!]!;
        out.push({
          intentKey: doc.intentKey,
          articleId: doc.articleId ?? null,
          score: top!.scores[h]!,
          coverage: top!.covered[h]!,
        });
      }
      return out;
    },
    /** Whole articles (questions and answer text) resembling the query, best first. */
    searchArticles(tokens: TextTokens, limit = 10): ArticleHit[] {
      const top = articleHits(tokens, limit);
      const out: ArticleHit[] = [];
      for (let h = 0; h < (top?.count ?? 0); h++) {
        out.push({
          articleId: kb.articles[top!.positions[h]!]!.id,
          score: top!.scores[h]!,
          coverage: top!.covered[h]!,
        });
      }
      return out;
    },
    /**
     * `searchQuestions` and `searchArticles` for the classifier, without an object per hit: the
     * hits stay in the search's buffers (positions in the question list and in `kb.articles`),
     * valid until the next search of the same kind. Null when the text has no query.
     */
    questionHits,
    articleHits,
    slots,
    negativeShare,
    articlesByProduct,
    matcher,
    /** Best cosine between the text and one of an article's question variants (n-gram features), 0…1. */
    variantSimilarity(text: ReadText, articleId: string): number {
      // The query's unit vector as parallel arrays (in the Map's order, so the sums add up in the
      // same order): no entry array per feature per variant.
      let query = queryVectors.get(text);
      if (!query) {
        const vector = unitVector(featuresOf(text));
        query = { features: [...vector.keys()], weights: [...vector.values()] };
        queryVectors.set(text, query);
      }
      const { features, weights } = query;
      let best = 0;
      for (const vector of vectorsOf(articleId)) {
        let dot = 0;
        for (let i = 0; i < features.length; i++) dot += weights[i]! * (vector.get(features[i]!) ?? 0);
        if (dot > best) best = dot;
      }
      return best;
    },
    /** Intent probabilities from the linear model for a read text, best first. */
    predictIntents(text: ReadText): LabelProbability[] {
      return linear.predict(featuresOf(text));
    },
    /**
     * `predictIntents` for ranking, without an object per intent: each intent's probability (0 for
     * one the model does not know), and those of 0.05 or more (not below) best first, in the order
     * `predictIntents` lists them.
     */
    intentProbabilities(text: ReadText): IntentProbabilities {
      const scores = linear.probabilities(featuresOf(text));
      if (!scores) return NO_PROBABILITIES;
      const likely: LabelProbability[] = [];
      for (let c = 0; c < scores.length; c++) {
        if (!(scores[c]! < 0.05)) likely.push({ label: linear.labels[c]!, probability: scores[c]! });
      }
      stableSort(likely, (a, b) => b.probability - a.probability);
      return {
        probability: (intentKey) => {
          const at = linearLabel.get(intentKey);
          return at === undefined ? 0 : scores[at]!;
        },
        likely,
      };
    },
    /** Normalises, recognises products and tokenises with product names masked. */
    read,
    intent: (id: string | null | undefined): KnowledgeIntent | undefined =>
      id ? intents.get(id) : undefined,
    product: (id: string | null | undefined): KnowledgeProduct | undefined =>
      id ? products.get(id) : undefined,
  };
}

export type KnowledgeIndex = ReturnType<typeof createKnowledgeIndex>;
