import { describe, expect, it } from 'vitest';
import { createBrowserStorage } from './browser-storage';

function fakeStorage(options: { failWrites?: boolean } = {}): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      if (options.failWrites) throw new DOMException('quota', 'QuotaExceededError');
      data.set(key, value);
    },
    removeItem: (key) => {
      data.delete(key);
    },
  };
}

describe('createBrowserStorage', () => {
  it('uses the given localStorage when it works', () => {
    const local = fakeStorage();
    const storage = createBrowserStorage(local);
    storage.setItem('threadline.anonymous_id', 'abc');
    expect(local.getItem('threadline.anonymous_id')).toBe('abc');
    expect(storage.getItem('threadline.anonymous_id')).toBe('abc');
    storage.removeItem('threadline.anonymous_id');
    expect(local.getItem('threadline.anonymous_id')).toBeNull();
  });

  it('falls back to memory when storage refuses writes (private mode) or is missing', () => {
    for (const host of [fakeStorage({ failWrites: true }), undefined, null]) {
      const storage = createBrowserStorage(host);
      storage.setItem('k', 'v');
      expect(storage.getItem('k')).toBe('v');
      storage.removeItem('k');
      expect(storage.getItem('k')).toBeNull();
    }
  });
});
