import type { PlatformStorage } from './platform';

/** React Native's AsyncStorage shape (and any other promise-returning key-value store). */
export interface AsyncStorageLike {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/**
 * Platform storage over React Native's AsyncStorage. Calls go through the object so its methods
 * keep their `this`; the core already awaits storage, so nothing else is needed.
 */
export function createAsyncStorageAdapter(asyncStorage: AsyncStorageLike): PlatformStorage {
  return {
    getItem: (key) => asyncStorage.getItem(key),
    setItem: (key, value) => asyncStorage.setItem(key, value),
    removeItem: (key) => asyncStorage.removeItem(key),
  };
}
