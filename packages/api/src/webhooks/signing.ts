import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (SPEC §9b), for Threadline and for receivers: this file imports nothing but
 * node:crypto, and is published alone as `@threadline/api/webhooks` so a receiver pulls in no
 * server code.
 *
 * `Threadline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — the
 * HMAC key is the whole secret string as given (`whsec_…`), UTF-8. Several `v1=` entries may
 * appear (one per valid secret); any match is enough.
 */

export const SIGNATURE_HEADER = 'Threadline-Signature';
export const EVENT_ID_HEADER = 'Threadline-Event-Id';
/** Signatures older (or newer) than this are refused by default: a replayed capture goes stale. */
export const DEFAULT_TOLERANCE_SEC = 300;

const hmac = (secret: string, timestamp: number, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The header value for a body signed at `timestamp` (unix seconds). */
export function signWebhookPayload(secret: string, body: string | Uint8Array, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyOptions {
  /** Seconds a signature stays acceptable either side of now (default 300; 0 turns the check off). */
  toleranceSec?: number;
  /** Now, in unix seconds (tests). */
  now?: number;
}

/** The event a verified delivery carries. */
export interface VerifiedWebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * Checks a delivery and returns its event. Pass the body exactly as received (the raw bytes or
 * string — not re-serialised JSON), the `Threadline-Signature` header and your secret (or the old
 * and new secrets while rotating). Throws `WebhookVerificationError` when the header is missing or
 * malformed, no signature matches, or the timestamp is outside the tolerance.
 *
 * Deliveries are at-least-once: keep the ids you processed (`event.id`, also the
 * `Threadline-Event-Id` header) and skip repeats.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | null | undefined,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): VerifiedWebhookEvent {
  if (!signatureHeader) throw new WebhookVerificationError(`The ${SIGNATURE_HEADER} header is missing.`);
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of signatureHeader.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0)
    throw new WebhookVerificationError(`The ${SIGNATURE_HEADER} header is malformed.`);
  const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (tolerance > 0 && Math.abs(now - timestamp) > tolerance)
    throw new WebhookVerificationError('The signature timestamp is outside the tolerance (a replay?).');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const matched = secrets.some((s) => {
    const expected = Buffer.from(hmac(s, timestamp!, rawBody), 'hex');
    return signatures.some((given) => timingSafeEqual(expected, Buffer.from(given, 'hex')));
  });
  if (!matched) throw new WebhookVerificationError('No signature matches the body and secret.');
  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('The body is not JSON.');
  }
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof (event as { id?: unknown }).id !== 'string' ||
    typeof (event as { type?: unknown }).type !== 'string'
  )
    throw new WebhookVerificationError('The body is not a Threadline event.');
  return event as VerifiedWebhookEvent;
}
