import type { PlatformStorage } from './platform';

/** Storage kept in a Map; `data` is there to look into (tests) or to seed. */
export interface MemoryStorage extends PlatformStorage {
  readonly data: Map<string, string>;
}

/** Synchronous in-memory storage, like localStorage without the browser. */
export function createMemoryStorage(initial: Record<string, string> = {}): MemoryStorage {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
    removeItem: (key) => {
      data.delete(key);
    },
  };
}

/** The same, answering with promises like React Native's AsyncStorage. */
export function createAsyncMemoryStorage(initial: Record<string, string> = {}): MemoryStorage {
  const sync = createMemoryStorage(initial);
  return {
    data: sync.data,
    getItem: async (key) => sync.getItem(key),
    setItem: async (key, value) => sync.setItem(key, value),
    removeItem: async (key) => sync.removeItem(key),
  };
}
