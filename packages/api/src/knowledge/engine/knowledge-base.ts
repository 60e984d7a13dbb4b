/** The knowledge of one app as the engine holds it in memory. */
export interface KnowledgeArticle {
  id: string;
  title: string;
  questions: string[];
  answer: string;
  intent: string | null;
  channelAnswers: Record<string, string>;
  productIds: string[];
}

/** What an article answers, by its title and questions, lower-cased: for telling its subject. */
export const askedIn = (article: KnowledgeArticle): string =>
  [article.title, ...(article.questions ?? [])].join(' ').toLowerCase();

export interface KnowledgeProduct {
  id: string;
  name: string;
  aliases: string[];
  category: string | null;
  price: number | null;
  attributes: Record<string, unknown>;
}

export type IntentPolicy = 'ai' | 'human' | 'ticket';

export interface KnowledgeIntent {
  id: string;
  name: string;
  policy: IntentPolicy;
  ticketType: string | null;
  answerFrom: { productAttribute: string } | null;
  examples: string[];
}

export interface KnowledgeBase {
  articles: KnowledgeArticle[];
  products: KnowledgeProduct[];
  intents: KnowledgeIntent[];
  /** The merchant's own words for the lexicon (brand nicknames, slang), beside the built-in one. */
  lexicon?: { term: string; means: string }[];
}

/** A product's name and aliases. */
export const namesOf = (product: KnowledgeProduct): string[] => [product.name, ...product.aliases];

/**
 * The text without the given product names (lower-cased, two characters or more): a word inside a
 * product's own name asks nothing ("宝宝沐浴露可以洗头吗" asks nothing of a baby, "孕妇防晒适合干皮吗"
 * nothing of pregnancy).
 */
export const withoutNames = (text: string, names: Iterable<string>): string => {
  let rest = text;
  // Longest first: "宝宝沐浴露" goes whole before "宝宝" could split it.
  for (const name of [...names].sort((a, b) => b.length - a.length))
    if (name.length >= 2) rest = rest.split(name.toLowerCase()).join(' ');
  return rest;
};
