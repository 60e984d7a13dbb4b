import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomInt,
} from 'node:crypto';

/** Random, URL-safe, prefixed ids: `cus_…`, `msg_…`. 16 random bytes = 128 bits. */
export function createId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/**
 * The pseudonym an erasure leaves where a person's id was (tickets, CSAT ratings, insights rollups):
 * `erased_…`. Rows under one are kept for the app's past figures only and must never change again
 * (`isErasedId`): nobody is left to serve, and a change could only bring personal data back.
 */
export const createErasedId = () => createId('erased');

/** Whether a customer id is an erasure's pseudonym (`createErasedId`). */
export const isErasedId = (id: string) => id.startsWith('erased_');

// Ids draw from a pool of CSPRNG bytes refilled 4 KiB at a time: one randomBytes call per id was
// a measurable share of a message send. Each byte is handed out once.
const ID_POOL_BYTES = 4096;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;
function idRandom(bytes: number): string {
  if (idPoolOffset + bytes > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idPoolOffset = 0;
  }
  const out = idPool.toString('base64url', idPoolOffset, idPoolOffset + bytes);
  idPoolOffset += bytes;
  return out;
}

/**
 * Random bytes from the same CSPRNG pool as ids (each byte handed out once), as a fresh buffer: for
 * values made by the thousand on hot paths — the IV of every sealed message or comment — where a
 * `randomBytes` call each is a measurable share of the work.
 */
export function pooledRandomBytes(bytes: number): Buffer {
  return Buffer.from(pooledRandomView(bytes));
}

/**
 * `pooledRandomBytes` without the copy: a view of pool bytes no other call is given, for a value
 * used at once and not kept (an IV, encoded and handed to a cipher). Sealing a flood's comments
 * made a 12-byte copy per value.
 */
export function pooledRandomView(bytes: number): Buffer {
  if (idPoolOffset + bytes > idPool.length) {
    idPool = randomBytes(Math.max(ID_POOL_BYTES, bytes));
    idPoolOffset = 0;
  }
  const out = idPool.subarray(idPoolOffset, idPoolOffset + bytes);
  idPoolOffset += bytes;
  return out;
}

/**
 * Like `createId` (16 random bytes, same format), drawn from the pool: for ids made by the
 * thousand on a hot path that name public things, such as the data keys of a livestream room's
 * new viewers (a key id is written in clear in every value it seals).
 */
export function createPooledId(prefix: string): string {
  return `${prefix}_${idRandom(16)}`;
}

/**
 * A time-ordered id, so ids of one kind sort by creation: messages, conversations and customers.
 * Rows keyed by these sit in their indexes in creation order, so the rows being written at any
 * moment (new customers, open conversations and their messages) share the indexes' last leaves
 * instead of each dirtying a random leaf of a growing index: a send's COMMIT wrote ~2× the log
 * pages, and its checkpoints copied more, as the database grew (issue 18, speed-18j). 10 random
 * bytes (80 bits) after the time stay unguessable.
 */
export function createSortableId(prefix: string, now: number): string {
  // Whole milliseconds from 1970 on: a clock before it, or a fraction, would put '-' or '.' in the
  // id and break its order (a test clock or a mis-set host clock can give either).
  const ms = Math.max(0, Math.floor(now));
  return `${prefix}_${ms.toString(36).padStart(9, '0')}${idRandom(10)}`;
}

export function randomSecret(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += randomInt(0, 10).toString();
  return out;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** AES-256-GCM with a 32-byte master key; the output is `v1.iv.tag.ciphertext`, base64url. */
export function createSealer(masterKey: Uint8Array) {
  if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
  return {
    seal(plain: string): string {
      // From the pool like every data-key seal's IV: a livestream room wraps a new key for each
      // of its tens of thousands of new viewers, and a randomBytes call costs ~5 µs each here.
      const iv = pooledRandomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    open(sealed: string): string {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    /** Keyed hash for looking PII up without storing it in the clear. */
    blindIndex(value: string): string {
      return createHmac('sha256', masterKey).update(value).digest('base64url');
    },
  };
}
export type Sealer = ReturnType<typeof createSealer>;

/** Masks PII for agent views and logs: keeps the ends, hides the middle. */
export function maskValue(kind: string, value: string): string {
  if (kind === 'email') {
    const [user = '', domain = ''] = value.split('@');
    return `${user.slice(0, 1)}***@${domain}`;
  }
  if (value.length <= 4) return '*'.repeat(value.length);
  return `${value.slice(0, 3)}****${value.slice(-4)}`;
}
