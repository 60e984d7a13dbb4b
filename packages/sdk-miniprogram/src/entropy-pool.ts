import type { WxHost } from './wx-host';

export interface EntropyPool {
  /** Resolves once the first batch of strong randomness arrived (or could not). Never rejects. */
  ready: Promise<void>;
  randomBytes(length: number): Uint8Array;
}

const POOL_SIZE = 256;

/**
 * The logic layer has no `crypto.getRandomValues`; `wx.getRandomValues` exists (base library
 * 2.22+) but only with a callback, while the core asks for bytes synchronously. So strong bytes
 * are fetched ahead into a pool, and every byte handed out is XORed with Math.random: never worse
 * than Math.random alone, as strong as WeChat's generator while the pool lasts.
 */
export function createEntropyPool(getWx: () => WxHost): EntropyPool {
  let pool: number[] = [];
  let filling: Promise<void> | null = null;

  const refill = (): Promise<void> => {
    filling ??= new Promise<void>((resolve) => {
      const done = () => {
        filling = null;
        resolve();
      };
      try {
        const wx = getWx();
        if (!wx.getRandomValues) return done();
        wx.getRandomValues({
          length: POOL_SIZE,
          success(result) {
            pool = pool.concat(Array.from(new Uint8Array(result.randomValues)));
            done();
          },
          fail: done,
        });
      } catch {
        done();
      }
    });
    return filling;
  };

  return {
    ready: refill(),
    randomBytes(length) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        const strong = pool.length ? pool.pop()! : 0;
        bytes[i] = (Math.floor(Math.random() * 256) ^ strong) & 0xff;
      }
      if (pool.length < POOL_SIZE / 4) void refill();
      return bytes;
    },
  };
}
