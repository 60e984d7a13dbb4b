import type { WebhookSettings } from '../platform/deps';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a listen address is this machine only (the demo then allows loopback webhook targets). */
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host) || host.startsWith('127.');

function wholeMs(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number of milliseconds from ${min} to ${max}`);
  return value;
}

/**
 * Webhook settings from the environment:
 * - THREADLINE_WEBHOOKS_ALLOW_PRIVATE=1 — allow http and private/loopback targets (development;
 *   never on a server whose network holds anything an app owner should not reach);
 * - THREADLINE_WEBHOOKS_ALLOW_LOOPBACK=1 — allow http to this machine only (127.0.0.0/8, ::1,
 *   localhost), every other private range still refused (a receiver on the developer's laptop);
 * - THREADLINE_WEBHOOK_TIMEOUT_MS, THREADLINE_WEBHOOK_RETRY_BASE_MS, THREADLINE_WEBHOOK_RETRY_MAX_MS,
 *   THREADLINE_WEBHOOK_RETRY_WINDOW_MS — the attempt deadline and the retry schedule.
 */
export function webhookSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: WebhookSettings = {},
): WebhookSettings {
  const allow = env.THREADLINE_WEBHOOKS_ALLOW_PRIVATE;
  const loopback = env.THREADLINE_WEBHOOKS_ALLOW_LOOPBACK;
  return {
    ...defaults,
    ...(allow !== undefined && allow !== ''
      ? { allowPrivateTargets: allow === '1' || allow === 'true' }
      : {}),
    ...(loopback !== undefined && loopback !== ''
      ? { allowLoopbackTargets: loopback === '1' || loopback === 'true' }
      : {}),
    ...pick('timeoutMs', wholeMs(env, 'THREADLINE_WEBHOOK_TIMEOUT_MS', 100, 60_000)),
    ...pick('retryBaseMs', wholeMs(env, 'THREADLINE_WEBHOOK_RETRY_BASE_MS', 10, 3_600_000)),
    ...pick('retryMaxMs', wholeMs(env, 'THREADLINE_WEBHOOK_RETRY_MAX_MS', 10, 24 * 3_600_000)),
    ...pick('retryWindowMs', wholeMs(env, 'THREADLINE_WEBHOOK_RETRY_WINDOW_MS', 1_000, 30 * 24 * 3_600_000)),
  };
}

const pick = <K extends keyof WebhookSettings>(key: K, value: WebhookSettings[K] | undefined) =>
  value === undefined ? {} : { [key]: value };
