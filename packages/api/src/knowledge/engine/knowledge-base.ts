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
