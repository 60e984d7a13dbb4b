import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database, migrateDatabase } from '../db/database';
import { createSealer } from '../platform/secrets';
import { type BusEvent, createMemoryEventBus } from './event-bus';
import { createCustomerFeed } from './event-feed';

describe('createCustomerFeed', () => {
  let database: Database | undefined;
  afterEach(() => database?.close());

  const event = (id: number): BusEvent => ({
    id,
    appId: 'app',
    customerId: 'cus',
    type: 'typing',
    data: { id },
  });

  it('hands out an event published while it is between a read and its wait, without sleeping', async () => {
    database = createDatabase({ url: ':memory:' });
    await migrateDatabase(database);
    const bus = createMemoryEventBus();
    const sealer = createSealer(randomBytes(32));
    const feed = await createCustomerFeed(
      { database, bus, sealer },
      { customerId: 'cus', sessionId: 'ses', after: 0 },
    );
    expect(await feed.next(0)).toEqual([]);

    // The event lands after the feed found nothing but before it starts waiting: a commit's
    // callbacks run in a microtask, so this ordering happens under load.
    queueMicrotask(() => bus.publish(event(1)));
    const waiting = feed.next(60_000);
    const first = await Promise.race([
      waiting,
      new Promise<'slept'>((resolve) => setTimeout(() => resolve('slept'), 2_000)),
    ]);
    feed.close();
    expect(first).toEqual([event(1)]);
  });
});
