import { ownValue } from '../../platform/own-property';
import type { TextTokens } from './chinese-tokenizer';
import type { ClassifierSlots, KnowledgeIndex } from './knowledge-index';
import { stableSort } from './stable-sort';

export interface IntentCandidate {
  intentKey: string;
  score: number;
  /** Best coverage of the query by one of this intent's question variants or articles, 0…1. */
  coverage: number;
  /** Best coverage by the intent's own examples (not its articles' questions). */
  exampleCoverage: number;
}

export interface ArticleCandidate {
  articleId: string;
  intentKey: string;
  score: number;
  coverage: number;
}

export interface Classification {
  intents: IntentCandidate[];
  articles: ArticleCandidate[];
}

// How much the k-th nearest question variant of an intent adds to its vote.
const NEIGHBOUR_WEIGHTS = [1, 0.3, 0.1];
const ARTICLE_SHARE = 0.45;

/**
 * Nearest-neighbour intent classification over every question variant (intent examples, article
 * questions and titles), blended with a ranking of whole articles (which also reads their answer
 * text). Scores are relative to the best candidate, so they compare across queries.
 */
export interface ClassifyOptions {
  channel?: string;
  /** Products named in the message: articles about them rank higher. */
  productIds?: string[];
  /** Products known from earlier turns: a smaller nudge. */
  contextProductIds?: string[];
  /** Strength of negative sentiment (see `negativeSentiment`). */
  negative?: number;
}

// Nudges, in units of the best candidate's score.
const NAMED_PRODUCT_BONUS = 0.4;
const CONTEXT_PRODUCT_BONUS = 0.12;
const CHANNEL_PHRASING_BONUS = 0.12;
const SENTIMENT_BONUS = 0.35;
const ATTRIBUTE_PRIOR = 0.08;
const NUDGE_SHARE = 0.25;

/**
 * Per index, the classifier's tallies as typed arrays by slot (see `ClassifierSlots`), reused
 * from message to message: an epoch marks what this call touched, an order list keeps the order
 * in which each was first touched (the order the Maps this replaces iterated in).
 */
interface Scratch {
  epoch: number;
  // Votes per intent slot.
  voteStamp: Int32Array;
  voteScore: Float64Array;
  voteSeen: Int32Array;
  voteCoverage: Float64Array;
  voteExample: Float64Array;
  voteOrder: Int32Array;
  // Best question variant per article position.
  fromStamp: Int32Array;
  fromScore: Float64Array;
  fromCoverage: Float64Array;
  fromOrder: Int32Array;
  // Article candidates per article position.
  articleStamp: Int32Array;
  articleScore: Float64Array;
  articleCoverage: Float64Array;
  articleWords: Float64Array;
  articleOrder: Int32Array;
  // Best article per intent slot.
  bestStamp: Int32Array;
  bestArticle: Int32Array;
  bestOrder: Int32Array;
  // Intent candidates per intent slot.
  intentStamp: Int32Array;
  intentScore: Float64Array;
  intentCoverage: Float64Array;
  intentExample: Float64Array;
  intentOrder: Int32Array;
}

const scratchOf = new WeakMap<ClassifierSlots, Scratch>();
function scratchFor(slots: ClassifierSlots): Scratch {
  let scratch = scratchOf.get(slots);
  if (!scratch) {
    const intents = slots.intentKeys.length;
    const articles = slots.articleList.length;
    scratch = {
      epoch: 0,
      voteStamp: new Int32Array(intents),
      voteScore: new Float64Array(intents),
      voteSeen: new Int32Array(intents),
      voteCoverage: new Float64Array(intents),
      voteExample: new Float64Array(intents),
      voteOrder: new Int32Array(intents),
      fromStamp: new Int32Array(articles),
      fromScore: new Float64Array(articles),
      fromCoverage: new Float64Array(articles),
      fromOrder: new Int32Array(articles),
      articleStamp: new Int32Array(articles),
      articleScore: new Float64Array(articles),
      articleCoverage: new Float64Array(articles),
      articleWords: new Float64Array(articles),
      articleOrder: new Int32Array(articles),
      bestStamp: new Int32Array(intents),
      bestArticle: new Int32Array(intents),
      bestOrder: new Int32Array(intents),
      intentStamp: new Int32Array(intents),
      intentScore: new Float64Array(intents),
      intentCoverage: new Float64Array(intents),
      intentExample: new Float64Array(intents),
      intentOrder: new Int32Array(intents),
    };
    scratchOf.set(slots, scratch);
  }
  scratch.epoch++;
  if (scratch.epoch === 0x7fffffff) {
    for (const stamps of [
      scratch.voteStamp,
      scratch.fromStamp,
      scratch.articleStamp,
      scratch.bestStamp,
      scratch.intentStamp,
    ])
      stamps.fill(0);
    scratch.epoch = 1;
  }
  return scratch;
}

/**
 * The tallies are kept by slot instead of in Maps of objects, in the same order and with the same
 * arithmetic in the same order, so every score is what the Map version computed; only the two
 * results (intents and articles, sorted the same way) are objects.
 */
export function classify(
  index: KnowledgeIndex,
  tokens: TextTokens,
  options: ClassifyOptions = {},
): Classification {
  const slots = index.slots;
  const s = scratchFor(slots);
  const epoch = s.epoch;
  const { questionIntent, questionArticle, articleList, articleIntent } = slots;

  // Question variants: votes per intent, and each article's best variant.
  let votes = 0;
  let froms = 0;
  const questions = index.questionHits(tokens, 40);
  for (let h = 0; h < (questions?.count ?? 0); h++) {
    const position = questions!.positions[h]!;
    const score = questions!.scores[h]!;
    const coverage = questions!.covered[h]!;
    const slot = questionIntent[position]!;
    const article = questionArticle[position]!;
    if (s.voteStamp[slot] !== epoch) {
      s.voteStamp[slot] = epoch;
      s.voteScore[slot] = 0;
      s.voteSeen[slot] = 0;
      s.voteCoverage[slot] = 0;
      s.voteExample[slot] = 0;
      s.voteOrder[votes++] = slot;
    }
    if (article < 0) s.voteExample[slot] = Math.max(s.voteExample[slot]!, coverage);
    const seen = s.voteSeen[slot]!;
    if (seen < NEIGHBOUR_WEIGHTS.length)
      s.voteScore[slot] = s.voteScore[slot]! + score * NEIGHBOUR_WEIGHTS[seen]!;
    s.voteSeen[slot] = seen + 1;
    s.voteCoverage[slot] = Math.max(s.voteCoverage[slot]!, coverage);
    if (article >= 0) {
      if (s.fromStamp[article] !== epoch) {
        s.fromStamp[article] = epoch;
        s.fromOrder[froms++] = article;
        s.fromScore[article] = score;
        s.fromCoverage[article] = coverage;
      } else if (s.fromScore[article]! < score) {
        s.fromScore[article] = score;
        s.fromCoverage[article] = coverage;
      }
    }
  }
  // Math.max(0, …scores) folded one value at a time (the same result, NaN included): no arrays.
  let topVote = 0;
  for (let i = 0; i < votes; i++) topVote = Math.max(topVote, s.voteScore[s.voteOrder[i]!]!);
  topVote ||= 1;
  let topQuestion = 0;
  for (let i = 0; i < froms; i++) topQuestion = Math.max(topQuestion, s.fromScore[s.fromOrder[i]!]!);
  topQuestion ||= 1;

  // Whole articles (read after the question hits: each search reuses its own buffers).
  let candidates = 0;
  const touch = (article: number) => {
    if (s.articleStamp[article] !== epoch) {
      s.articleStamp[article] = epoch;
      s.articleScore[article] = 0;
      s.articleCoverage[article] = 0;
      s.articleOrder[candidates++] = article;
    }
  };
  for (let i = 0; i < froms; i++) {
    const article = s.fromOrder[i]!;
    touch(article);
    s.articleScore[article] =
      s.articleScore[article]! + (1 - ARTICLE_SHARE) * (s.fromScore[article]! / topQuestion);
    s.articleCoverage[article] = Math.max(s.articleCoverage[article]!, s.fromCoverage[article]!);
  }
  const articleHits = index.articleHits(tokens, 10);
  const topArticle = (articleHits && articleHits.count > 0 ? articleHits.scores[0] : 0) || 1;
  for (let h = 0; h < (articleHits?.count ?? 0); h++) {
    const article = articleHits!.positions[h]!;
    if (article < 0) continue;
    touch(article);
    s.articleScore[article] =
      s.articleScore[article]! + ARTICLE_SHARE * (articleHits!.scores[h]! / topArticle);
    s.articleCoverage[article] = Math.max(s.articleCoverage[article]!, articleHits!.covered[h]! * 0.8);
  }

  // Articles about a named product compete even when their words did not match.
  for (const productId of options.productIds ?? []) {
    for (const articleId of index.articlesByProduct.get(productId) ?? []) {
      const article = slots.articlePosition.get(articleId);
      if (article !== undefined) touch(article);
    }
  }
  for (let i = 0; i < candidates; i++) {
    const at = s.articleOrder[i]!;
    s.articleWords[at] = s.articleScore[at]!;
    const article = articleList[at]!;
    if (options.productIds?.some((id) => article.productIds.includes(id)))
      s.articleScore[at] = s.articleScore[at]! + NAMED_PRODUCT_BONUS;
    else if (options.contextProductIds?.some((id) => article.productIds.includes(id)))
      s.articleScore[at] = s.articleScore[at]! + CONTEXT_PRODUCT_BONUS;
    // A merchant who wrote a livestream phrasing expects the article to be asked there.
    if (options.channel && article.channelAnswers[options.channel])
      s.articleScore[at] = s.articleScore[at]! + CHANNEL_PHRASING_BONUS;
  }

  let intents = 0;
  const touchIntent = (slot: number) => {
    if (s.intentStamp[slot] !== epoch) {
      s.intentStamp[slot] = epoch;
      s.intentScore[slot] = 0;
      s.intentCoverage[slot] = 0;
      s.intentExample[slot] = 0;
      s.intentOrder[intents++] = slot;
    }
  };
  for (let i = 0; i < votes; i++) {
    const slot = s.voteOrder[i]!;
    touchIntent(slot);
    s.intentScore[slot] = (1 - ARTICLE_SHARE) * (s.voteScore[slot]! / topVote);
    s.intentCoverage[slot] = s.voteCoverage[slot]!;
    s.intentExample[slot] = s.voteExample[slot]!;
  }
  let bests = 0;
  for (let i = 0; i < candidates; i++) {
    const at = s.articleOrder[i]!;
    const slot = articleIntent[at]!;
    if (s.bestStamp[slot] !== epoch) {
      s.bestStamp[slot] = epoch;
      s.bestArticle[slot] = at;
      s.bestOrder[bests++] = slot;
    } else if (s.articleScore[s.bestArticle[slot]!]! < s.articleScore[at]!) s.bestArticle[slot] = at;
  }
  // Each intent also gets its best article's standing (retrieval score plus product/channel nudges).
  for (let i = 0; i < bests; i++) {
    const slot = s.bestOrder[i]!;
    const at = s.bestArticle[slot]!;
    touchIntent(slot);
    // Mostly the words; product and channel nudges pick articles more than they pick intents.
    const words = s.articleWords[at]!;
    s.intentScore[slot] =
      s.intentScore[slot]! + ARTICLE_SHARE * (words + NUDGE_SHARE * (s.articleScore[at]! - words));
    s.intentCoverage[slot] = Math.max(s.intentCoverage[slot]!, s.articleCoverage[at]!);
  }

  // Intents that answer from an attribute the named product has are plausible readings.
  for (const productId of options.productIds ?? []) {
    const product = index.product(productId);
    if (!product) continue;
    for (const intent of index.kb.intents) {
      const attribute = intent.answerFrom?.productAttribute;
      if (!attribute || ownValue(product.attributes, attribute) === undefined) continue;
      const slot = slots.intentSlot.get(intent.id);
      if (slot !== undefined && s.intentStamp[slot] === epoch)
        s.intentScore[slot] = s.intentScore[slot]! + ATTRIBUTE_PRIOR;
    }
  }
  if (options.negative) {
    // Intents taught with angry examples (complaints) take angry messages.
    for (let i = 0; i < slots.negativeSlots.length; i++) {
      const slot = slots.negativeSlots[i]!;
      const share = slots.negativeShares[i]!;
      touchIntent(slot);
      s.intentScore[slot] = s.intentScore[slot]! + SENTIMENT_BONUS * share * Math.min(2, options.negative);
      s.intentCoverage[slot] = Math.max(s.intentCoverage[slot]!, 0.5 * share);
    }
  }

  const intentList: IntentCandidate[] = [];
  for (let i = 0; i < intents; i++) {
    const slot = s.intentOrder[i]!;
    intentList.push({
      intentKey: slots.intentKeys[slot]!,
      score: s.intentScore[slot]!,
      coverage: s.intentCoverage[slot]!,
      exampleCoverage: s.intentExample[slot]!,
    });
  }
  const articleCandidates: ArticleCandidate[] = [];
  for (let i = 0; i < candidates; i++) {
    const at = s.articleOrder[i]!;
    articleCandidates.push({
      articleId: articleList[at]!.id,
      intentKey: slots.intentKeys[articleIntent[at]!]!,
      score: s.articleScore[at]!,
      coverage: s.articleCoverage[at]!,
    });
  }
  return {
    intents: stableSort(intentList, (a, b) => b.score - a.score),
    articles: stableSort(articleCandidates, (a, b) => b.score - a.score),
  };
}
