import type { PlatformStorage } from './platform';
import type { StorageKey } from './storage-keys';

/** Platform storage behind one async, never-throwing face: failures are reported, not thrown. */
export interface SafeStorage {
  get(key: StorageKey): Promise<string | null>;
  /** Like `get`, but `undefined` when the storage failed rather than held nothing. */
  read(key: StorageKey): Promise<string | null | undefined>;
  /** Resolves `false` when the value could not be stored. */
  set(key: StorageKey, value: string): Promise<boolean>;
  remove(key: StorageKey): Promise<boolean>;
}

export interface SafeStorageOptions {
  storage: PlatformStorage;
  prefix: string;
  onError(error: unknown, key: string): void;
}

/**
 * Wraps sync-or-async storage so the core always awaits, writes land in call order, and a full
 * or broken storage degrades to "not persisted" instead of breaking the client.
 */
export function createSafeStorage(options: SafeStorageOptions): SafeStorage {
  let tail: Promise<unknown> = Promise.resolve();
  const run = <T>(key: StorageKey, fallback: T, op: (fullKey: string) => T | Promise<T>): Promise<T> => {
    const result = tail.then(async () => {
      try {
        return await op(options.prefix + key);
      } catch (error) {
        options.onError(error, key);
        return fallback;
      }
    });
    tail = result;
    return result;
  };
  return {
    get: (key) => run(key, null, async (k) => (await options.storage.getItem(k)) ?? null),
    read: (key) => run(key, undefined, async (k) => (await options.storage.getItem(k)) ?? null),
    set: (key, value) =>
      run(key, false, async (k) => {
        await options.storage.setItem(k, value);
        return true;
      }),
    remove: (key) =>
      run(key, false, async (k) => {
        await options.storage.removeItem(k);
        return true;
      }),
  };
}
