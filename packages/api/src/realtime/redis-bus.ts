import type { Logger } from '../platform/deps';
import type { RedisLink } from '../platform/redis';
import { type BusEvent, createTopicRegistry, type EventBus } from './event-bus';

/** The Redis bus, plus local delivery for the log sweep (wake-ups found in the log, not on Redis). */
export interface RedisEventBus extends EventBus {
  /** Hands a wake-up to this process's listeners only. */
  deliverLocally(event: BusEvent): void;
  /** Whether the subscriber is subscribed right now (health checks report it). */
  connected(): boolean;
}

interface WireMessage {
  /** The publishing process: it delivered to its own listeners already. */
  o: string;
  t: string;
  i: number;
  a: string;
  y: string;
  d?: unknown;
}

/**
 * An `EventBus` over Redis pub/sub (`REDIS_URL`), for several API processes. Every process
 * subscribes to one channel and picks the topics it has listeners for: no per-stream SUBSCRIBE
 * round trip, so a stream is listening the moment it subscribes locally (the no-gap rule of the
 * customer feed: subscribe, then read the log).
 *
 * It carries wake-ups and cursors only. A logged event goes out as `{topic, id, type}`, never its
 * data (sealed customer text stays in the database); notices, which are in no log, keep theirs.
 * Pub/sub is at-most-once: a message published while a subscriber was disconnected is lost to it.
 * So on every (re)subscription the bus fires `onResync`, and readers re-read the log from their
 * cursors — a lost message delays an event, it never drops it.
 */
export function createRedisEventBus(
  link: RedisLink,
  logger: Logger,
  channel = 'threadline:bus',
): RedisEventBus {
  const registry = createTopicRegistry();
  const origin = link.processId;
  let subscribed = false;
  let closed = false;

  const subscribe = async () => {
    try {
      await link.subscriber.subscribe(channel);
      subscribed = true;
      // Whatever was published while we were away is in the log: readers catch up from their cursors.
      registry.resync();
    } catch (error) {
      logger.warn('redis subscribe failed', { error: String(error) });
    }
  };
  link.subscriber.on('ready', () => {
    if (!closed) void subscribe();
  });
  link.subscriber.on('close', () => {
    subscribed = false;
  });
  if (link.subscriber.status === 'ready') void subscribe();

  link.subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    let message: WireMessage;
    try {
      message = JSON.parse(raw) as WireMessage;
    } catch {
      return;
    }
    if (message.o === origin || !registry.has(message.t)) return;
    registry.deliver({
      topic: message.t,
      id: message.i,
      appId: message.a,
      type: message.y,
      ...(message.d !== undefined ? { data: message.d } : {}),
    });
  });

  return {
    shared: true,
    publish(event) {
      registry.deliver(event);
      const wire: WireMessage = { o: origin, t: event.topic, i: event.id, a: event.appId, y: event.type };
      if (event.id === 0 && event.data !== undefined) wire.d = event.data;
      // Fails fast while Redis is away; the other processes resync when it is back.
      link.commands.publish(channel, JSON.stringify(wire)).catch(() => undefined);
    },
    subscribe: registry.subscribe,
    onResync: registry.onResync,
    deliverLocally: registry.deliver,
    connected: () => subscribed,
    async close() {
      closed = true;
      subscribed = false;
    },
  };
}
