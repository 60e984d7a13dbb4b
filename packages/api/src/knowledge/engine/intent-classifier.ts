import { ownValue } from '../../platform/own-property';
import type { TextTokens } from './chinese-tokenizer';
import { intentKeyOf, type KnowledgeIndex } from './knowledge-index';

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

export function classify(
  index: KnowledgeIndex,
  tokens: TextTokens,
  options: ClassifyOptions = {},
): Classification {
  const questionHits = index.searchQuestions(tokens);
  const articleHits = index.searchArticles(tokens);

  const votes = new Map<string, { score: number; seen: number; coverage: number; exampleCoverage: number }>();
  const articleFromQuestions = new Map<string, { score: number; coverage: number }>();
  for (const hit of questionHits) {
    const vote = votes.get(hit.intentKey) ?? { score: 0, seen: 0, coverage: 0, exampleCoverage: 0 };
    if (!hit.articleId) vote.exampleCoverage = Math.max(vote.exampleCoverage, hit.coverage);
    if (vote.seen < NEIGHBOUR_WEIGHTS.length) vote.score += hit.score * NEIGHBOUR_WEIGHTS[vote.seen]!;
    vote.seen++;
    vote.coverage = Math.max(vote.coverage, hit.coverage);
    votes.set(hit.intentKey, vote);
    if (hit.articleId) {
      const best = articleFromQuestions.get(hit.articleId);
      if (!best || best.score < hit.score)
        articleFromQuestions.set(hit.articleId, { score: hit.score, coverage: hit.coverage });
    }
  }
  // Math.max(0, …scores) folded one value at a time (the same result, NaN included): no arrays.
  let topVote = 0;
  for (const v of votes.values()) topVote = Math.max(topVote, v.score);
  topVote ||= 1;
  let topQuestion = 0;
  for (const v of articleFromQuestions.values()) topQuestion = Math.max(topQuestion, v.score);
  topQuestion ||= 1;
  const topArticle = articleHits[0]?.score || 1;

  const articles = new Map<string, ArticleCandidate>();
  const touch = (articleId: string) => {
    const article = index.articles.get(articleId);
    if (!article) return undefined;
    let candidate = articles.get(articleId);
    if (!candidate) {
      candidate = { articleId, intentKey: intentKeyOf(article), score: 0, coverage: 0 };
      articles.set(articleId, candidate);
    }
    return candidate;
  };
  for (const [articleId, best] of articleFromQuestions) {
    const candidate = touch(articleId);
    if (!candidate) continue;
    candidate.score += (1 - ARTICLE_SHARE) * (best.score / topQuestion);
    candidate.coverage = Math.max(candidate.coverage, best.coverage);
  }
  for (const hit of articleHits) {
    const candidate = touch(hit.articleId);
    if (!candidate) continue;
    candidate.score += ARTICLE_SHARE * (hit.score / topArticle);
    candidate.coverage = Math.max(candidate.coverage, hit.coverage * 0.8);
  }

  // Articles about a named product compete even when their words did not match.
  for (const productId of options.productIds ?? []) {
    for (const articleId of index.articlesByProduct.get(productId) ?? []) touch(articleId);
  }
  const matchScore = new Map<string, number>();
  for (const candidate of articles.values()) {
    matchScore.set(candidate.articleId, candidate.score);
    const article = index.articles.get(candidate.articleId)!;
    if (options.productIds?.some((id) => article.productIds.includes(id)))
      candidate.score += NAMED_PRODUCT_BONUS;
    else if (options.contextProductIds?.some((id) => article.productIds.includes(id)))
      candidate.score += CONTEXT_PRODUCT_BONUS;
    // A merchant who wrote a livestream phrasing expects the article to be asked there.
    if (options.channel && article.channelAnswers[options.channel]) candidate.score += CHANNEL_PHRASING_BONUS;
  }

  const intents = new Map<string, IntentCandidate>();
  for (const [intentKey, vote] of votes) {
    intents.set(intentKey, {
      intentKey,
      score: (1 - ARTICLE_SHARE) * (vote.score / topVote),
      coverage: vote.coverage,
      exampleCoverage: vote.exampleCoverage,
    });
  }
  const bestArticlePerIntent = new Map<string, ArticleCandidate>();
  for (const candidate of articles.values()) {
    const best = bestArticlePerIntent.get(candidate.intentKey);
    if (!best || best.score < candidate.score) bestArticlePerIntent.set(candidate.intentKey, candidate);
  }
  // Each intent also gets its best article's standing (retrieval score plus product/channel nudges).
  for (const candidate of bestArticlePerIntent.values()) {
    const intent = intents.get(candidate.intentKey) ?? {
      intentKey: candidate.intentKey,
      score: 0,
      coverage: 0,
      exampleCoverage: 0,
    };
    // Mostly the words; product and channel nudges pick articles more than they pick intents.
    const words = matchScore.get(candidate.articleId) ?? 0;
    intent.score += ARTICLE_SHARE * (words + NUDGE_SHARE * (candidate.score - words));
    intent.coverage = Math.max(intent.coverage, candidate.coverage);
    intents.set(candidate.intentKey, intent);
  }

  // Intents that answer from an attribute the named product has are plausible readings.
  for (const productId of options.productIds ?? []) {
    const product = index.product(productId);
    if (!product) continue;
    for (const intent of index.kb.intents) {
      const attribute = intent.answerFrom?.productAttribute;
      const candidate =
        attribute && ownValue(product.attributes, attribute) !== undefined && intents.get(intent.id);
      if (candidate) candidate.score += ATTRIBUTE_PRIOR;
    }
  }
  if (options.negative) {
    // Intents taught with angry examples (complaints) take angry messages.
    for (const [intentKey, share] of index.negativeShare) {
      const intent = intents.get(intentKey) ?? { intentKey, score: 0, coverage: 0, exampleCoverage: 0 };
      intent.score += SENTIMENT_BONUS * share * Math.min(2, options.negative);
      intent.coverage = Math.max(intent.coverage, 0.5 * share);
      intents.set(intentKey, intent);
    }
  }

  return {
    intents: [...intents.values()].sort((a, b) => b.score - a.score),
    articles: [...articles.values()].sort((a, b) => b.score - a.score),
  };
}
