export { type AppOptions, createApp, type RouterDeps, type ThreadlineApp } from './app';
export { type Clock, createManualClock, systemClock } from './clock';
export { createDatabase, type Database, migrateDatabase } from './db/database';
export { consoleLogger, type Logger, silentLogger } from './deps';
export { ApiError } from './errors';
export { createMemoryEventBus, type EventBus } from './realtime/event-bus';
export { type CreatedApp, createMerchantApp } from './services/apps';
export { signIdentityToken } from './services/identity-tokens';
export type { BotReply, Responder } from './services/replies';
