// The answer engine over the demo store, as the ai-fresh-* tests ask it: one engine per file, and
// a conversation asked turn by turn with the memory carried over (the last answer is judged).
import {
  type AnswerEngine,
  type ConversationMemory,
  createAnswerEngine,
  type EngineResult,
} from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoKnowledge } from './demo-knowledge';

/** A fresh engine over the demo store's knowledge. */
export function demoEngine(): AnswerEngine {
  return createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
}

/** One question on its own (or with the memory given). */
export function askOnce(
  engine: AnswerEngine,
  text: string,
  channel = 'web',
  memory: ConversationMemory = {},
): EngineResult {
  return engine.answer({ text, channel, memory });
}

/** A conversation on one channel: every turn asked in order, the last answer returned. */
export function converseWith(engine: AnswerEngine, texts: string[], channel = 'web'): EngineResult {
  let memory: ConversationMemory = {};
  let result: EngineResult | undefined;
  for (const text of texts) {
    result = engine.answer({ text, channel, memory });
    memory = result.memory;
  }
  if (!result) throw new Error('a conversation needs at least one turn');
  return result;
}
