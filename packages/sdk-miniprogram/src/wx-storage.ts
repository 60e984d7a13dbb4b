import { type PlatformStorage, ThreadlineError } from '@threadline/sdk-core';
import type { WxHost } from './wx-host';

/** WeChat keeps at most 1 MB per key (and 10 MB per mini-program per user). */
export const WX_STORAGE_KEY_LIMIT = 1024 * 1024;

/** UTF-8 length of a string, without TextEncoder (the logic layer has none). */
export function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      // A surrogate pair is one 4-byte character.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * `PlatformStorage` over `wx.*StorageSync`. A value over the per-key limit is refused with a
 * `storage_error` (the core reports it as an `error` event and keeps going in memory) instead of
 * letting WeChat throw halfway; the value stored before stays, so nothing already persisted is lost.
 */
export function createWxStorage(getWx: () => WxHost, maxBytesPerKey = WX_STORAGE_KEY_LIMIT): PlatformStorage {
  return {
    getItem(key) {
      const value = getWx().getStorageSync(key);
      // WeChat answers '' for a key that was never set.
      return typeof value === 'string' && value !== '' ? value : null;
    },
    setItem(key, value) {
      const size = utf8Length(key) + utf8Length(value);
      if (size > maxBytesPerKey) {
        throw new ThreadlineError(
          'storage_error',
          `"${key}" needs ${size} bytes; WeChat stores at most ${maxBytesPerKey} per key, so it was not saved.`,
        );
      }
      try {
        getWx().setStorageSync(key, value);
      } catch (error) {
        // e.g. "setStorageSync:fail exceed storage max size 10MB"
        const errMsg = (error as { errMsg?: string; message?: string })?.errMsg ?? (error as Error)?.message;
        throw new ThreadlineError(
          'storage_error',
          `Could not save "${key}": ${errMsg ?? String(error)}`,
          error,
        );
      }
    },
    removeItem(key) {
      getWx().removeStorageSync(key);
    },
  };
}
