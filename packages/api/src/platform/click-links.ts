import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from './deps';

/**
 * Click-through links for link cards (follow-ups, agents' suggestions): `/r/<message id>.<mac>`.
 * The MAC (HMAC-SHA256 under a key derived from the server's session signing key, 132 bits
 * kept) makes a link unguessable and unforgeable without storing anything per send, so the
 * follow-up sender pays one HMAC, not a row. The link names only a stored message; the redirect
 * reads the target from that message, never from the request (no open redirect).
 */
export const CLICK_PATH_PREFIX = '/r/';

const MAC_CHARS = 22;
const TOKEN = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})$/;
const keys = new WeakMap<Uint8Array, Buffer>();

function clickKey(config: Pick<ServerConfig, 'sessionSigningKey'>): Buffer {
  let key = keys.get(config.sessionSigningKey);
  if (!key) {
    // A key of its own, so a click link can never stand in for a session token or the reverse.
    key = createHmac('sha256', config.sessionSigningKey).update('threadline/card-click/v1').digest();
    keys.set(config.sessionSigningKey, key);
  }
  return key;
}

const macOf = (config: Pick<ServerConfig, 'sessionSigningKey'>, messageId: string) =>
  createHmac('sha256', clickKey(config)).update(messageId).digest('base64url').slice(0, MAC_CHARS);

/** The opaque token of a card message's click-through link. */
export function clickToken(config: Pick<ServerConfig, 'sessionSigningKey'>, messageId: string): string {
  return `${messageId}.${macOf(config, messageId)}`;
}

/**
 * The card's click-through URL: absolute on `publicUrl` when the server knows it, else a path
 * the clients resolve against the API URL they were given.
 */
export function clickUrlFor(
  config: Pick<ServerConfig, 'sessionSigningKey' | 'publicUrl'>,
  messageId: string,
): string {
  const base = config.publicUrl ? config.publicUrl.replace(/\/+$/, '') : '';
  return `${base}${CLICK_PATH_PREFIX}${clickToken(config, messageId)}`;
}

/** The message id a token was made for, or null when it is malformed or its MAC is wrong. */
export function messageIdOfClickToken(
  config: Pick<ServerConfig, 'sessionSigningKey'>,
  token: string,
): string | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const expected = Buffer.from(macOf(config, match[1]!));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1]! : null;
}

/**
 * `meta` with the card's click-through URL added (`card.clickUrl`), when it holds a card; the
 * card's `targetUrl` stays the real target (clients show its host). Other metas unchanged.
 */
export function withClickUrl(
  config: Pick<ServerConfig, 'sessionSigningKey' | 'publicUrl'>,
  messageId: string,
  meta: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null | undefined {
  const card = meta?.card;
  if (typeof card !== 'object' || card === null) return meta;
  return { ...meta, card: { ...card, clickUrl: clickUrlFor(config, messageId) } };
}
