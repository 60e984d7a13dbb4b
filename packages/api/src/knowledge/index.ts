export { type AiResponderOptions, createAiResponder } from './ai-responder';
export type { AnswerEngine, EngineResult, TicketDraft } from './engine/answer-engine';
export { tokenize } from './engine/chinese-tokenizer';
export { createEngineRegistry, type EngineRegistry } from './engine/engine-registry';
export { llmOptionsFromEnv } from './engine/llm-writer';
export { asksForHuman, negativeSentiment } from './engine/shopper-signals';
export { normalizeText } from './engine/text-normalizer';
export { importKnowledge, seedDemoStore } from './knowledge';
export { KB_IMPORT_MAX_BYTES, knowledgeRouter } from './routes';
