export {
  type AnswerEngine,
  createAnswerEngine,
  type EngineInput,
  type EngineResult,
} from './ai/answer-engine';
export type { KnowledgeBase } from './ai/knowledge-base';
export { createKnowledgeIndex } from './ai/knowledge-index';
export { type LlmOptions, llmOptionsFromEnv } from './ai/llm-writer';
export { type AppOptions, createApp, type RouterDeps, type ThreadlineApp } from './app';
export { type Clock, createManualClock, systemClock } from './clock';
export { createDatabase, type Database, migrateDatabase } from './db/database';
export { consoleLogger, type Logger, silentLogger } from './deps';
export { ApiError } from './errors';
export { createMemoryEventBus, type EventBus } from './realtime/event-bus';
export { type RunningServer, type ServerOptions, startServer } from './serve';
export { type AiResponderOptions, createAiResponder } from './services/ai-responder';
export { type CreatedApp, createMerchantApp } from './services/apps';
export {
  type EvalQuestion,
  type EvalReport,
  evaluateQuestions,
  parseEvalQuestions,
} from './services/evaluation';
export { signIdentityToken } from './services/identity-tokens';
export {
  importKnowledge,
  loadKnowledge,
  readDemoStore,
  seedDemoStore,
} from './services/knowledge';
export { type BotReply, type Responder, silentResponder } from './services/replies';
