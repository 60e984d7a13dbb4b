import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerEngine,
  type ConversationMemory,
  createAnswerEngine,
  type EngineResult,
} from '../src/knowledge/engine/answer-engine';
import type { KnowledgeBase } from '../src/knowledge/engine/knowledge-base';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { readDemoStore } from '../src/knowledge/knowledge';

// The kinds of failure found by an independent review of issue 12 (shopper text the engine's
// builder never saw), each tested with sentences that appear in no evaluation set, no knowledge
// and no other test. The engine is pure and synchronous, so these run against it directly.

/** The demo store as the engine holds it (the import fills these defaults the same way). */
function demoKnowledge(): KnowledgeBase {
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

let engine: AnswerEngine;
beforeAll(() => {
  engine = createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
});

/** Says each line in turn (`channel|text`, web by default) in one conversation; the last answer. */
function say(...lines: string[]): EngineResult {
  let memory: ConversationMemory = {};
  let result: EngineResult | undefined;
  for (const line of lines) {
    const [channel, text] = line.includes('|') ? (line.split('|') as [string, string]) : ['web', line];
    result = engine.answer({ text, channel, memory });
    memory = result.memory;
  }
  return result!;
}

describe('misspelling repair leaves real words alone', () => {
  it('does not turn a real word into a same-sounding one ("那里" is not "哪里")', () => {
    const index = engine.index;
    for (const text of ['快递员说放在驿站那里了', '短袖衣服太透了', '游完泳它还防水吗']) {
      const read = index.read(text);
      expect(read.normalized).toBe(read.plain);
    }
    // …while a word broken into single characters is still repaired.
    expect(index.read('物溜信息一直看不到').normalized).toContain('物流');
    expect(index.read('发漂抬头写错了').normalized).toContain('发票');
  });

  it('opens the exchange a shopper asks for when a real word sounds like a question word', () => {
    const result = say('买的牛仔裤腰那里太紧 帮我换大一码');
    expect(result.action).toBe('ticket');
    expect(result.intent).toBe('exchange_size');
  });
});
