export {
  createAgent,
  issueTokenFor,
  listAgents,
  setAgentActive,
  setPresence,
  startPresenceSweeper,
  sweepPresence,
  updateAgent,
} from './agents';
export { type AppOptions, createApp, type RouterDeps, type ThreadlineApp } from './app';
export { type CreatedApp, createMerchantApp } from './apps/apps';
export { type BotReply, type Responder, silentResponder } from './conversations/replies';
export { createDatabase, type Database, migrateDatabase } from './db/database';
export { type FollowUpWorker, sendFollowUp, startFollowUpWorker } from './followups';
export { createLifecycle, type Lifecycle } from './http/lifecycle';
export {
  DEFAULT_RATE_LIMITS,
  type LimiterStore,
  memoryLimiterStore,
  type RateLimits,
  type SlotStore,
} from './http/rate-limits';
export {
  destroyCustomerKeys,
  openForCustomer,
  openJsonForCustomer,
  sealForCustomer,
  sealJsonForCustomer,
} from './identity/customer-keys';
export { signIdentityToken } from './identity/identity-tokens';
export { type AiResponderOptions, createAiResponder } from './knowledge/ai-responder';
export {
  type AnswerEngine,
  createAnswerEngine,
  type EngineInput,
  type EngineResult,
} from './knowledge/engine/answer-engine';
export type { KnowledgeBase } from './knowledge/engine/knowledge-base';
export { createKnowledgeIndex } from './knowledge/engine/knowledge-index';
export { type LlmOptions, llmOptionsFromEnv } from './knowledge/engine/llm-writer';
export {
  type EvalQuestion,
  type EvalReport,
  evaluateIntentSplit,
  evaluateQuestions,
  type IntentSplitReport,
  type LabelledQuestion,
  parseEvalQuestions,
  parseLabelledCsv,
} from './knowledge/evaluation';
export {
  importKnowledge,
  loadKnowledge,
  readDemoStore,
  seedDemoStore,
} from './knowledge/knowledge';
export {
  connectorBatches,
  type PlayRoomOptions,
  playRoom,
  type SimulatedRoom,
  type SimulatedRoomOptions,
  simulateRoom,
  toBatchItem,
} from './livestream';
export { type Clock, createManualClock, systemClock } from './platform/clock';
export { consoleLogger, type Logger, silentLogger } from './platform/deps';
export { ApiError } from './platform/errors';
export { toSsml, toVoiceText } from './platform/spoken-text';
export { recentOrdersOf, upsertCustomerProfile, upsertOrders } from './profile';
export { type BusEvent, createMemoryEventBus, type EventBus } from './realtime/event-bus';
export { createRedisEventBus, type RedisEventBus } from './realtime/redis-bus';
export { type RunningServer, type ServerOptions, startServer } from './serve';
export { connectSharedState, type SharedState } from './shared-state';
export {
  createEspeakProvider,
  createOpenAiSpeechProvider,
  createSpeechService,
  type SpeechProvider,
  speechProviderFromEnv,
} from './voice';
export {
  signWebhookPayload,
  startWebhookWorker,
  type VerifiedWebhookEvent,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookWorker,
} from './webhooks';
