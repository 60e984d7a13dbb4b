import { createDecipheriv, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  OFF_THREAD_MIN,
  sealOffThread,
  sealWorkerReady,
  sealWorkerState,
  stopSealWorker,
  useSealWorker,
} from './seal-thread';
import { type DataKey, SEALED_PREFIX, sealWith } from './sealing';

/** Opens a sealed value the way customer-keys.ts does (AES-256-GCM, the value names its key). */
function open(keys: Map<string, DataKey>, sealed: string): string {
  expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
  const [, keyId, iv, tag, body] = sealed.split('.');
  const key = keys.get(keyId!);
  if (!key) throw new Error(`no key ${keyId}`);
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv!, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body!, 'base64url')), decipher.final()]).toString('utf8');
}

function job(count: number, customers: number) {
  const keys = new Map<string, DataKey>();
  const list: DataKey[] = [];
  for (let c = 0; c < customers; c++) {
    const key = { id: `key${c}`, key: randomBytes(32) };
    keys.set(key.id, key);
    list.push(key);
  }
  const texts = Array.from({ length: count }, (_, i) => `优惠券怎么用 #${i} 🎁`);
  const keyOf = (i: number) => list[(i * 7) % customers]!;
  return { keys, texts, keyOf };
}

describe('sealing off the request thread', () => {
  beforeAll(() => useSealWorker(true));
  afterAll(() => useSealWorker(false));
  afterEach(async () => {
    await stopSealWorker();
  });

  it('seals a large job on the worker: each value opens with its own customer key, in order, with its own IV', async () => {
    const { keys, texts, keyOf } = job(1000, 300);
    // The first large job starts the worker and is sealed here meanwhile: it never waits for it.
    const first = await sealOffThread(texts, keyOf);
    expect(sealWorkerState()).toMatchObject({ running: true });
    for (let i = 0; i < texts.length; i++) expect(open(keys, first[i]!)).toBe(texts[i]);
    await sealWorkerReady();
    const sealed = await sealOffThread(texts, keyOf);
    expect(sealWorkerState()).toMatchObject({ running: true, ready: true, failures: 0 });
    expect(sealed).toHaveLength(texts.length);
    for (let i = 0; i < texts.length; i++) {
      expect(sealed[i]!.split('.')[1]).toBe(keyOf(i).id);
      expect(open(keys, sealed[i]!)).toBe(texts[i]);
    }
    // A fresh random IV per value: the same text twice never gives the same value.
    const again = await sealOffThread(texts, keyOf);
    for (let i = 0; i < texts.length; i++) expect(again[i]).not.toBe(sealed[i]);
    // The caller's keys are left as they were (the worker got copies and zeroes its own).
    for (const key of keys.values()) expect(key.key.some((b) => b !== 0)).toBe(true);
  });

  it('seals a small job in the calling thread', async () => {
    const { keys, texts, keyOf } = job(OFF_THREAD_MIN - 1, 5);
    const sealed = await sealOffThread(texts, keyOf);
    expect(sealWorkerState().running).toBe(false);
    for (let i = 0; i < texts.length; i++) expect(open(keys, sealed[i]!)).toBe(texts[i]);
  });

  it('a worker that ends under a job leaves it to the calling thread, and the next job gets a new worker', async () => {
    const { keys, texts, keyOf } = job(2000, 50);
    await sealWorkerReady();
    expect(sealWorkerState()).toMatchObject({ running: true, ready: true });
    const inFlight = sealOffThread(texts, keyOf);
    await stopSealWorker();
    const sealed = await inFlight;
    expect(sealed).toHaveLength(texts.length);
    for (let i = 0; i < texts.length; i++) expect(open(keys, sealed[i]!)).toBe(texts[i]);
    await sealWorkerReady();
    const next = await sealOffThread(texts.slice(0, 100), keyOf);
    expect(sealWorkerState()).toMatchObject({ running: true, ready: true });
    for (let i = 0; i < 100; i++) expect(open(keys, next[i]!)).toBe(texts[i]);
  });

  it('a job whose key is missing fails like the in-thread sealer', async () => {
    const { texts } = job(200, 1);
    await expect(
      sealOffThread(texts, () => {
        throw new Error('no data key was loaded for cus_x');
      }),
    ).rejects.toThrow(/no data key/);
  });
});

describe('sealWith', () => {
  it('gives every value its own IV, across refills of the random pool the IVs are cut from', () => {
    const key: DataKey = { id: 'k', key: randomBytes(32) };
    const keys = new Map([[key.id, key]]);
    // 4,096-byte pool, 12 bytes an IV: 1,000 values span three refills.
    const sealed = Array.from({ length: 1000 }, (_, i) => sealWith(key, `有没有小码 ${i % 3}`));
    const ivs = new Set(sealed.map((value) => value.split('.')[2]));
    expect(ivs.size).toBe(sealed.length);
    for (let i = 0; i < sealed.length; i++) expect(open(keys, sealed[i]!)).toBe(`有没有小码 ${i % 3}`);
  });
});
