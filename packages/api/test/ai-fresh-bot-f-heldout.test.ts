// bot-f's held-out set (bot-f-heldout-cases.ts): questions written before the fixes and never
// tuned on. The score is asserted at the level reached (38 of 44; 23 before the fixes), so a
// change that loses held-out answers shows here; the misses still left are listed in
// docs/notes/bot-f.md.
import { describe, expect, it } from 'vitest';
import { createAnswerEngine, type EngineResult } from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { HELD_OUT, meets } from './bot-f-heldout-cases';
import { demoKnowledge } from './demo-knowledge';

describe('bot-f held-out questions', () => {
  it('answers at least 38 of the 44 as the knowledge says', () => {
    const engine = createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
    const missed: string[] = [];
    for (const c of HELD_OUT) {
      let memory = {};
      let result: EngineResult | undefined;
      for (const text of c.q.split(' || ')) {
        result = engine.answer({ text, channel: 'web', memory });
        memory = result.memory;
      }
      if (!meets(c, result!))
        missed.push(`${c.q} → ${result!.action} ${result!.intent}/${result!.articleId}`);
    }
    expect(HELD_OUT.length).toBe(44);
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(6);
  });
});
