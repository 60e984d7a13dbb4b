/** @threadline/sdk-core: the platform-agnostic client. The zod schemas live in `./protocol`. */

export { type AsyncStorageLike, createAsyncStorageAdapter } from './async-storage-adapter';
export { cardClickUrl } from './card-click';
export { isSafeCardUrl, type RenderableCard, readLinkCard } from './card-url';
export {
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  type ConnectionStatus,
  createClient,
  type Logger,
  type PendingMessage,
  type ResumeResult,
  type SessionEvent,
  type StartResult,
  type ThreadlineClient,
  type TicketEvent,
} from './client';
export {
  type ClientErrorCode,
  HttpError,
  NetworkError,
  ThreadlineError,
  TimeoutError,
} from './errors';
export { MESSAGE_MAX_LENGTH, messageLength } from './message-length';
export type {
  AbortSignalLike,
  MaybePromise,
  Platform,
  PlatformHeaders,
  PlatformRequest,
  PlatformResponse,
  PlatformStorage,
  StreamHandle,
  StreamHandlers,
  StreamRequest,
} from './platform';
export type * from './protocol/index';
export { backoffDelay, isRetryable } from './retry-policy';
export { STORAGE_KEYS } from './storage-keys';
