export { type AiResponderOptions, createAiResponder } from './ai-responder';
export type { AnswerEngine, EngineResult, TicketDraft } from './engine/answer-engine';
export { tokenize } from './engine/chinese-tokenizer';
export { createEngineRegistry, type EngineRegistry } from './engine/engine-registry';
export { llmOptionsFromEnv } from './engine/llm-writer';
export {
  asksForHuman,
  extractOrderId,
  greetingIntentOf,
  isGreeting,
  negativeSentiment,
} from './engine/shopper-signals';
export { smallTalkKind } from './engine/small-talk';
export { normalizeText } from './engine/text-normalizer';
export {
  cachedKnowledgeRevision,
  getIntent,
  importKnowledge,
  listArticles,
  listIntents,
  seedDemoStore,
} from './knowledge';
export { KB_IMPORT_MAX_BYTES, knowledgeRouter } from './routes';
