import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database, migrateDatabase } from '../db/database';
import { systemClock } from '../platform/clock';
import { createSealer } from '../platform/secrets';
import { appTopic, type BusEvent, createMemoryEventBus, type EventBus } from './event-bus';
import { createAppFeed, createCustomerFeed } from './event-feed';
import { appendEvent } from './events';

const conversationOf = (event: BusEvent) => (event.data as { conversationId: string }).conversationId;

describe('createCustomerFeed', () => {
  let database: Database | undefined;
  afterEach(() => database?.close());

  async function setup(bus: EventBus = createMemoryEventBus()) {
    database = createDatabase({ url: ':memory:' });
    await migrateDatabase(database);
    const deps = {
      database,
      bus,
      sealer: createSealer(randomBytes(32)),
      clock: systemClock,
      config: { sessionSigningKey: randomBytes(32), sessionTtlSec: 3600, wechatApiBase: '' },
    };
    const append = (n: number, event: { appId?: string; customerId?: string; staff?: boolean } = {}) =>
      database!.write((db, onCommit) =>
        appendEvent(deps, db, onCommit, {
          appId: event.appId ?? 'app',
          customerId: event.customerId ?? 'cus',
          type: event.staff ? 'inbox.updated' : 'typing',
          data: { conversationId: `con_${n}`, author: { type: 'agent' }, typing: true },
          ...(event.staff ? { audience: 'staff' as const } : {}),
        }),
      );
    return { deps, append };
  }

  it('hands out an event committed while it is between a read and its wait, without sleeping', async () => {
    const { deps, append } = await setup();
    const feed = await createCustomerFeed(deps, { customerId: 'cus', sessionId: 'ses', after: 0 });
    expect(await feed.next(0)).toEqual([]);

    // The event lands after the feed found nothing but before it starts waiting: a commit's
    // callbacks run in a microtask, so this ordering happens under load.
    queueMicrotask(() => void append(1));
    const waiting = feed.next(60_000);
    const first = await Promise.race([
      waiting,
      new Promise<'slept'>((resolve) => setTimeout(() => resolve('slept'), 2_000)),
    ]);
    feed.close();
    expect(first).not.toBe('slept');
    expect((first as BusEvent[]).map(conversationOf)).toEqual(['con_1']);
  });

  it('reads the log on a wake-up, whatever order wake-ups arrive in and whatever they carry', async () => {
    // A bus that drops payloads and delivers out of order, as wake-ups from several processes may.
    const inner = createMemoryEventBus();
    const held: BusEvent[] = [];
    const bus: EventBus = { ...inner, publish: (event) => held.push(event) };
    const { deps, append } = await setup(bus);
    const feed = await createCustomerFeed(deps, { customerId: 'cus', sessionId: 'ses', after: 0 });
    await append(1);
    await append(2);
    await append(3);
    // Only the newest wake-up arrives, with no data: the feed still hands out all three, in order.
    inner.publish({ ...held.at(-1)!, data: undefined });
    const events = await feed.next(1_000);
    feed.close();
    expect(events.map(conversationOf)).toEqual(['con_1', 'con_2', 'con_3']);
  });

  it('catches up from the log on a resync, with no wake-up at all', async () => {
    const inner = createMemoryEventBus();
    let resync: (() => void) | undefined;
    const bus: EventBus = {
      ...inner,
      publish: () => {},
      onResync: (listener) => {
        resync = listener;
        return () => {};
      },
    };
    const { deps, append } = await setup(bus);
    const feed = await createCustomerFeed(deps, { customerId: 'cus', sessionId: 'ses', after: 0 });
    expect(await feed.next(0)).toEqual([]);
    await append(7);
    const waiting = feed.next(5_000);
    resync?.();
    const events = await waiting;
    feed.close();
    expect(events.map(conversationOf)).toEqual(['con_7']);
  });

  it('hands staff-only events to the app feed and never to the customer feed', async () => {
    const { deps, append } = await setup();
    const customer = await createCustomerFeed(deps, { customerId: 'cus', sessionId: 'ses', after: 0 });
    const agents = await createAppFeed(deps, { appId: 'app', after: 0 });
    await append(1);
    await append(2, { staff: true });
    await append(3, { customerId: appTopic('app'), staff: true });
    await append(4, { appId: 'other', customerId: 'someone' });
    await append(5);
    const seen = await agents.next(1_000);
    const theirs = await customer.next(1_000);
    agents.close();
    customer.close();
    expect(seen.map(conversationOf)).toEqual(['con_1', 'con_2', 'con_3', 'con_5']);
    expect(theirs.map(conversationOf)).toEqual(['con_1', 'con_5']);
    // The cursors are log ids: the app's runs past the staff events, the customer's skips them.
    expect(agents.cursor()).toBe(seen.at(-1)!.id);
    expect(customer.cursor()).toBe(theirs.at(-1)!.id);
  });

  it('reads an app feed from the log on the newest wake-up alone, and resumes after its cursor', async () => {
    const inner = createMemoryEventBus();
    const held: BusEvent[] = [];
    const bus: EventBus = { ...inner, publish: (event) => held.push(event) };
    const { deps, append } = await setup(bus);
    const feed = await createAppFeed(deps, { appId: 'app', after: 0 });
    await append(1, { staff: true });
    await append(2);
    await append(3, { customerId: 'cus_2' });
    const last = held.filter((e) => e.topic === appTopic('app')).at(-1)!;
    inner.publish({ ...last, data: undefined });
    const events = await feed.next(1_000);
    feed.close();
    expect(events.map(conversationOf)).toEqual(['con_1', 'con_2', 'con_3']);

    const resumed = await createAppFeed(deps, { appId: 'app', after: events[0]!.id });
    const rest = await resumed.next(0);
    resumed.close();
    expect(rest.map(conversationOf)).toEqual(['con_2', 'con_3']);
  });
});
