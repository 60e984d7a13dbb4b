export {
  createWebhookOutbox,
  DEFAULT_RETRY_WINDOW_MS,
  emitWebhookEvents,
  type WebhookEventInput,
  type WebhookOutbox,
} from './outbox';
export { recallPendingDeliveries } from './recall';
export { webhooksRouter } from './routes';
export { isLoopbackHost, webhookSettingsFromEnv } from './settings';
export {
  DEFAULT_TOLERANCE_SEC,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhookPayload,
  type VerifiedWebhookEvent,
  type VerifyOptions,
  verifyWebhook,
  WebhookVerificationError,
} from './signing';
export {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  MAX_WEBHOOKS_PER_APP,
  redeliver,
  updateWebhook,
} from './subscriptions';
export { checkWebhookUrl, isPrivateAddress, type LookupFunction } from './targets';
export {
  pruneWebhookLog,
  retryDelayMs,
  startWebhookWorker,
  WEBHOOK_LOG_KEEP_MS,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from './worker';
