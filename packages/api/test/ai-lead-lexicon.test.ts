// The lead's probe of stop 26: English words the lexicon read one way only. "last" is how long a
// product keeps — except in "last week"; a part that broke, leaked, snapped or tore in use is a
// quality matter, which the engine used to decline or answer with the period-after-opening article.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerEngine,
  createAnswerEngine,
  type EngineResult,
} from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoKnowledge } from './demo-knowledge';

let engine: AnswerEngine;
beforeAll(() => {
  engine = createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
});
const ask = (text: string): EngineResult => engine.answer({ text, channel: 'web', memory: {} });

describe('"last" as a point in time is not a shelf-life question', () => {
  it.each([
    'I bought the dress last week',
    'I bought the dress last week and the zipper broke',
    'my parcel from last week never came',
    'I bought this last month, can I still return it',
  ])('"%s" is not answered with shelf life', (text) => {
    expect(ask(text).intent).not.toBe('shelf_life');
  });

  it('guards: how long a product lasts is still shelf life', () => {
    expect(ask('how long does the cream last after opening').intent).toBe('shelf_life');
    expect(ask('does the serum last long').intent).toBe('shelf_life');
  });
});

describe('a part that failed in use is an after-sales matter, not out of scope or a product question', () => {
  it.each([
    'the zipper broke',
    'the seam on my cardigan ripped',
    'my bag strap snapped',
    'the cream jar cracked',
    'I bought the dress last week and the zipper broke',
    '托特包的带子断了',
  ])(
    '"%s": the quality rules or an after-sales ticket, never a decline or "what would you like to know?"',
    (text) => {
      const result = ask(text);
      expect(result.action).not.toBe('decline');
      expect(result.text).not.toMatch(/what would you like to know|想了解什么/i);
      expect(result.action === 'ticket' || /质量问题|quality/i.test(result.text)).toBe(true);
    },
  );

  it('guards: whether it will break is a question about the product, not a reported fault', () => {
    for (const text of ['托特包的带子会不会断', 'will the tote strap break easily']) {
      expect(ask(text).text).not.toMatch(/sorry it broke|正常使用中坏了/i);
    }
  });
});
