import { describe, expect, it } from 'vitest';
import { createAsyncStorageAdapter } from './async-storage-adapter';
import { createClient } from './client';
import { STORAGE_KEYS } from './storage-keys';
import { createFakePlatform } from './testing/index';

/** AsyncStorage as React Native ships it: methods that need their `this`, answering promises. */
class FakeAsyncStorage {
  readonly data = new Map<string, string>();
  async getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  async setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  async removeItem(key: string) {
    this.data.delete(key);
  }
}

describe('createAsyncStorageAdapter', () => {
  it('lets the client keep its anonymousId and identity token in AsyncStorage', async () => {
    const asyncStorage = new FakeAsyncStorage();
    const storage = createAsyncStorageAdapter(asyncStorage);
    const client = createClient({
      appKey: 'pk_test',
      apiUrl: 'https://api.test',
      channel: 'app',
      platform: createFakePlatform({ storage }),
      realtime: false,
    });
    const { anonymousId } = await client.start();
    await client.identify('token-of-user-42');
    expect(asyncStorage.data.get(`threadline.${STORAGE_KEYS.anonymousId}`)).toBe(anonymousId);
    expect(asyncStorage.data.get(`threadline.${STORAGE_KEYS.identityToken}`)).toBe('token-of-user-42');

    const again = createClient({
      appKey: 'pk_test',
      apiUrl: 'https://api.test',
      channel: 'app',
      platform: createFakePlatform({ storage: createAsyncStorageAdapter(asyncStorage) }),
      realtime: false,
    });
    expect((await again.start()).anonymousId).toBe(anonymousId);
    client.close();
    again.close();
  });
});
