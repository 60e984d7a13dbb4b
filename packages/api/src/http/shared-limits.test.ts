import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor } from '../../test/scale-out-kit';
import { silentLogger } from '../platform/deps';
import { connectRedis, type RedisLink } from '../platform/redis';
import { createRedisSlots } from './shared-limits';

describe('open-stream counts shared through Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const links: RedisLink[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close()));
    await redis?.stop();
  });
  /** One API process's view: its own connection and process id. */
  const processView = async () => {
    const link = connectRedis(redis.url, silentLogger);
    links.push(link);
    expect(await link.ready()).toBe(true);
    return { link, slots: createRedisSlots(link, silentLogger, { processTtlMs: 600, heartbeatMs: 100 }) };
  };

  it('counts streams of every process against one limit, and forgets a process that died', async () => {
    const a = await processView();
    const b = await processView();
    expect(await a.slots.take('s1', 3)).toBe(true);
    expect(await a.slots.take('s1', 3)).toBe(true);
    expect(await b.slots.take('s1', 3)).toBe(true);
    expect(await b.slots.take('s1', 3)).toBe(false);
    expect(await a.slots.take('s1', 3)).toBe(false);
    // Given back on one process, free on the other.
    a.slots.give('s1');
    await waitFor('the slot to be free', () => b.slots.take('s1', 3));
    // Process a dies without giving back (no heartbeat, no give): its share stops counting.
    a.slots.close();
    a.link.subscriber.disconnect();
    a.link.commands.disconnect();
    await waitFor('a dead process to stop counting', () => b.slots.take('s1', 3), 5_000);
    expect(await b.slots.take('s1', 3)).toBe(false);
  });

  it('writes its counts again after Redis restarts and lost them', async () => {
    const c = await processView();
    const d = await processView();
    expect(await c.slots.take('s2', 2)).toBe(true);
    expect(await c.slots.take('s2', 2)).toBe(true);
    await redis.restart();
    await waitFor(
      'both to reconnect',
      () => c.link.commands.status === 'ready' && d.link.commands.status === 'ready',
    );
    // c's two streams are still open: once c has rewritten its share, d gets no slot.
    await waitFor('c to write its share again', async () => {
      const got = await d.slots.take('s2', 2);
      if (got) d.slots.give('s2');
      return !got;
    });
    expect(await d.slots.take('s2', 2)).toBe(false);
  });
});
