import type { KnowledgeBase } from '../src/knowledge/engine/knowledge-base';
import { readDemoStore } from '../src/knowledge/knowledge';

/** The demo store as the engine holds it (the import fills these defaults the same way). */
export function demoKnowledge(): KnowledgeBase {
  const store = readDemoStore() as unknown as {
    articles: Partial<KnowledgeBase['articles'][number]>[];
    products: Partial<KnowledgeBase['products'][number]>[];
    intents: Partial<KnowledgeBase['intents'][number]>[];
  };
  return {
    articles: store.articles.map((a) => ({
      id: '',
      title: '',
      questions: [],
      answer: '',
      intent: null,
      channelAnswers: {},
      productIds: [],
      ...a,
    })),
    products: store.products.map((p) => ({
      id: '',
      name: '',
      aliases: [],
      category: null,
      price: null,
      attributes: {},
      ...p,
    })),
    intents: store.intents.map((i) => ({
      id: '',
      name: '',
      policy: 'ai' as const,
      ticketType: null,
      answerFrom: null,
      examples: [],
      ...i,
    })),
  };
}
