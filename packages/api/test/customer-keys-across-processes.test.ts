// An erase in one API process takes the customer's data keys out of every other process's cache at
// once (a notice over the shared bus), not when the cache would have let them go (10 minutes). A
// process whose link to Redis dropped, and so may have missed the notice, empties its keyring when it
// resubscribes. Two real APIs on one libSQL file, each with its own connection and its own link to
// Debian's redis-server; every wait is bounded.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ThreadlineApp } from '../src/app';
import { createDatabase } from '../src/db/database';
import { openForCustomer } from '../src/identity/customer-keys';
import { silentLogger } from '../src/platform/deps';
import { connectSharedState, type SharedState } from '../src/shared-state';
import { createTestApi, type TestApi } from './harness';
import { startRedis, waitFor } from './scale-out-kit';

const ADDRESS = '上海市徐汇区漕溪北路 88 号 1203 室';

describe('an erase in another process', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let sharedA: SharedState;
  let sharedB: SharedState;
  let a: TestApi;
  let b: ThreadlineApp;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  const masterKey = randomBytes(32);
  const sessionSigningKey = randomBytes(32);

  beforeAll(async () => {
    redis = await startRedis();
    [sharedA, sharedB] = await Promise.all([
      connectSharedState(redis.url, silentLogger),
      connectSharedState(redis.url, silentLogger),
    ]);
    a = await createTestApi({ masterKey, sessionSigningKey, bus: sharedA.bus });
    b = createApp({
      database: createDatabase({ url: `file:${a.databasePath}` }),
      masterKey,
      sessionSigningKey,
      bus: sharedB.bus,
      logger: silentLogger,
    });
    shop = await a.createShop({ name: 'Two processes' });
  }, 60_000);
  afterAll(async () => {
    a?.close();
    await Promise.all([sharedA?.close(), sharedB?.close()]);
    await redis?.stop();
  });

  /** A shopper who left an address, and the sealed copy of it as it sits in the database. */
  const shopperWithAnAddress = async () => {
    const web = await shop.startSession({ channel: 'web' });
    expect((await shop.send(web.sessionToken, `寄到 ${ADDRESS}`)).status).toBe(201);
    const [row] = await a.rows<{ text: string }>(
      "select text from messages where customer_id = ? and author_type = 'customer' limit 1",
      [web.customer.id],
    );
    expect(row!.text).toMatch(/^k1\./);
    // Process B reads it once: the customer's key is now in B's cache.
    expect(await openForCustomer(b.deps, row!.text)).toContain(ADDRESS);
    return { customerId: web.customer.id, sealed: row!.text };
  };
  const erase = async (customerId: string) =>
    expect((await a.call('DELETE', `/v1/customers/${customerId}`, { token: shop.secretKey })).status).toBe(
      200,
    );

  it('leaves the sealed copy unreadable in the other process as soon as the erase commits', async () => {
    const { customerId, sealed } = await shopperWithAnAddress();
    await erase(customerId);
    await waitFor(
      'process B to forget the erased key',
      async () => (await openForCustomer(b.deps, sealed)) === null,
      5_000,
    );
    expect(await openForCustomer(b.deps, sealed)).toBeNull();
    // Process A, where the erase ran, forgot it in the same commit.
    expect(await openForCustomer(a.deps, sealed)).toBeNull();
  }, 30_000);

  it('a process that missed the notice (Redis down during the erase) forgets every key when it resubscribes', async () => {
    const { customerId, sealed } = await shopperWithAnAddress();
    await redis.stop();
    await erase(customerId);
    // The notice went nowhere; B still holds the key in its cache.
    expect(await openForCustomer(b.deps, sealed)).toContain(ADDRESS);
    await redis.start();
    await waitFor(
      'process B to resubscribe and forget',
      async () => (await openForCustomer(b.deps, sealed)) === null,
      15_000,
    );
    expect(await openForCustomer(b.deps, sealed)).toBeNull();
  }, 60_000);
});
