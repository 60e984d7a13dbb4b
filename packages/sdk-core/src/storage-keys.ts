/** Every key the core persists, in one place (each is prefixed per client, see `storagePrefix`). */
export const STORAGE_KEYS = {
  /** The device's random anonymous id; survives reloads, forgotten by reset(). */
  anonymousId: 'anonymous_id',
  /** The merchant-signed identity token from identify(), used to renew sessions; forgotten by reset(). */
  identityToken: 'identity_token',
  /** Messages not yet acknowledged by the API, oldest first, with their clientMessageIds. */
  sendQueue: 'send_queue',
  /** Answers to messages this client sent for another one on the same storage (a closed or waiting tab); short-lived. */
  sendResults: 'send_results',
} as const;

export type StorageKey = (typeof STORAGE_KEYS)[keyof typeof STORAGE_KEYS];
