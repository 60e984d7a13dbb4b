import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Knowledge-base articles: question variants, one answer, optional per-channel phrasing. */
export const kbArticles = sqliteTable(
  'kb_articles',
  {
    appId: text('app_id').notNull(),
    /** Chosen by the merchant (e.g. `kb-shipping-time`), unique per app. */
    id: text('id').notNull(),
    title: text('title').notNull(),
    questions: text('questions', { mode: 'json' }).$type<string[]>().notNull(),
    answer: text('answer').notNull(),
    intent: text('intent'),
    channelAnswers: text('channel_answers', { mode: 'json' })
      .$type<Record<string, string>>()
      .notNull()
      .default({}),
    productIds: text('product_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] })],
);

/** The product catalog the engine recognises in shopper text (names, aliases) and answers from. */
export const kbProducts = sqliteTable(
  'kb_products',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    aliases: text('aliases', { mode: 'json' }).$type<string[]>().notNull().default([]),
    category: text('category'),
    price: real('price'),
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] })],
);

/** Intents: examples train the classifier; the policy says whether the bot answers, hands over or files a ticket. */
export const kbIntents = sqliteTable(
  'kb_intents',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    policy: text('policy', { enum: ['ai', 'human', 'ticket'] }).notNull(),
    ticketType: text('ticket_type'),
    /** Answer from a product attribute instead of an article, e.g. `{ productAttribute: 'shelfLife' }`. */
    answerFrom: text('answer_from', { mode: 'json' }).$type<{ productAttribute: string } | null>(),
    examples: text('examples', { mode: 'json' }).$type<string[]>().notNull().default([]),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] })],
);

/** The app's own lexicon: shopper words (English, pinyin, slang) → the terms its knowledge uses. */
export const kbTerms = sqliteTable(
  'kb_terms',
  {
    appId: text('app_id').notNull(),
    term: text('term').notNull(),
    means: text('means').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.term] })],
);

/**
 * One row per app, bumped by every knowledge write: each API process compares it with the
 * revision its in-memory index was built from, so an import on one process reaches all of them.
 */
export const kbRevisions = sqliteTable('kb_revisions', {
  appId: text('app_id').primaryKey(),
  revision: integer('revision').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Questions the engine could not answer confidently: the raw material for new articles. */
export const unansweredQuestions = sqliteTable(
  'unanswered_questions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: text('app_id').notNull(),
    customerId: text('customer_id').notNull(),
    conversationId: text('conversation_id'),
    channel: text('channel').notNull(),
    text: text('text').notNull(),
    kind: text('kind', { enum: ['low_confidence', 'out_of_scope'] }).notNull(),
    confidence: real('confidence').notNull(),
    bestIntent: text('best_intent'),
    bestArticleId: text('best_article_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('unanswered_questions_recent_by_app').on(t.appId, t.createdAt)],
);
