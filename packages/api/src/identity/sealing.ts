import { createCipheriv } from 'node:crypto';
import { pooledRandomView } from '../platform/secrets';

/**
 * The sealed-value format of per-customer encryption at rest (see customer-keys.ts), kept apart
 * from the key store so the sealing worker thread (seal-worker.ts) runs the very same code without
 * loading the database layer.
 */
export const SEALED_PREFIX = 'k1.';

/** A customer's data key: its id (named in every value it seals) and the AES-256 key. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** Seals text with a key already in hand (synchronous: AES-256-GCM, 96-bit random IV). */
export function sealWith(key: DataKey, plain: string): string {
  // The IV is a view of random bytes no other value gets (no copy: it is encoded here and the
  // cipher copies it), and GCM's final() adds no bytes, so the body is update()'s output as is:
  // this runs once per livestream comment.
  const iv = pooledRandomView(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  const head = cipher.update(plain, 'utf8');
  const tail = cipher.final();
  const body = tail.length === 0 ? head : Buffer.concat([head, tail]);
  return `${SEALED_PREFIX}${key.id}.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
}
