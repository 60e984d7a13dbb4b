import type { PlatformStorage } from '@threadline/sdk-core';

/** A Map behind the storage interface: the fallback when the browser gives us nothing durable. */
export function createMemoryStorage(): PlatformStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

/** Reads `localStorage` / `sessionStorage` without throwing (sandboxed iframes throw on the mere access). */
function hostStorage(name: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return globalThis[name] ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * localStorage when it works, memory when it does not (private mode, disabled cookies, a full
 * quota): a write that fails once switches that key set to memory so reads stay consistent.
 */
export function createBrowserStorage(
  storage: Storage | null | undefined = hostStorage('localStorage'),
): PlatformStorage {
  const memory = createMemoryStorage();
  let durable: Storage | undefined;
  try {
    if (storage) {
      const probe = '__threadline_probe__';
      storage.setItem(probe, '1');
      storage.removeItem(probe);
      durable = storage;
    }
  } catch {
    durable = undefined;
  }
  return {
    getItem(key) {
      const value = memory.getItem(key) as string | null;
      if (value !== null || !durable) return value;
      try {
        return durable.getItem(key);
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      if (durable) {
        try {
          durable.setItem(key, value);
          memory.removeItem(key);
          return;
        } catch {
          // Quota or policy: keep the value for this page's life rather than lose it.
        }
      }
      memory.setItem(key, value);
    },
    removeItem(key) {
      memory.removeItem(key);
      try {
        durable?.removeItem(key);
      } catch {
        // Nothing to undo.
      }
    },
  };
}
