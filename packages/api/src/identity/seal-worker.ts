import { parentPort } from 'node:worker_threads';
import { sealWith } from './sealing';

/**
 * The sealing worker thread (see seal-thread.ts): seals a bulk writer's texts — a livestream
 * batch's comments, a room answer's copies — on the second core, with `sealWith`, the code every
 * sealed value goes through. It holds no key between jobs: each job brings the keys it needs, and
 * they are zeroed once its values are sealed.
 *
 * In: `{ id, keyIds, keys, keyOf, texts, lengths }` — `keys` holds 32 bytes per key id; the texts
 * come as one string (`lengths[i]` UTF-16 units each: one string is copied between threads far
 * more cheaply than a thousand) and `keyOf[i]` is the key of text i. Out: `{ id, ok: true, sealed }`
 * — the values in order, joined by `\n` (a sealed value is base64url and dots) — or
 * `{ id, ok: false, error }`.
 */

export interface SealRequest {
  id: number;
  keyIds: string[];
  keys: Uint8Array;
  keyOf: Uint32Array;
  texts: string;
  lengths: Uint32Array;
}

export type SealReply =
  | { id: number; ok: true; sealed: string }
  | { id: number; ok: false; error: string }
  | { ready: true };

const port = parentPort;
if (port) {
  port.on('message', (request: SealRequest) => {
    const { id, keyIds, keys, keyOf, texts, lengths } = request;
    try {
      const dataKeys = keyIds.map((keyId, k) => ({
        id: keyId,
        key: Buffer.from(keys.buffer, keys.byteOffset + k * 32, 32),
      }));
      const sealed = new Array<string>(lengths.length);
      let at = 0;
      for (let i = 0; i < lengths.length; i++) {
        const end = at + lengths[i]!;
        sealed[i] = sealWith(dataKeys[keyOf[i]!]!, texts.slice(at, end));
        at = end;
      }
      port.postMessage({ id, ok: true, sealed: sealed.join('\n') } satisfies SealReply);
    } catch (error) {
      port.postMessage({ id, ok: false, error: String(error) } satisfies SealReply);
    } finally {
      keys.fill(0);
    }
  });
  // Jobs go to this thread from now on (until then the request thread seals them itself).
  port.postMessage({ ready: true });
}
