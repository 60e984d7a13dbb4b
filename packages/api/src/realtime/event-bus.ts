/**
 * One message on the bus. A logged event carries its log id (the cursor streams resume from); a
 * notice that is in no log (a session ended, a customer merged) has id 0.
 */
export interface BusEvent {
  /**
   * What listens: a customer id for that customer's events, `appTopic(appId)` for the app's,
   * `session:<id>`, or any other name.
   */
  topic: string;
  /** The event's id in its log (its cursor), or 0 for a notice. */
  id: number;
  appId: string;
  type: string;
  /**
   * The payload. In one process it travels as published; across processes only notices carry it
   * (a logged event is a wake-up: its readers read the log from their cursor, where it is sealed).
   */
  data?: unknown;
}

/**
 * The topic of everything that happens in an app — customers' events and staff-only ones (inbox
 * changes, notes, presence, queue figures): what the agents' stream listens to. Customer ids and
 * `session:` topics never start with `app:`.
 */
export const appTopic = (appId: string) => `app:${appId}`;

export type BusListener = (event: BusEvent) => void;

/**
 * Fan-out of committed events to whatever listens in this process (streams, long-polls, agent
 * consoles), by topic. The in-process bus is the default; the Redis bus (`REDIS_URL`) carries the
 * same messages between API processes. Neither is a store: a reader that may have missed a message
 * is told through `onResync` and reads its log again.
 */
export interface EventBus {
  /** Delivers to every listener of `event.topic`, in this process and (Redis) in the others. */
  publish(event: BusEvent): void;
  /** Listens to one topic; returns the unsubscribe function. */
  subscribe(topic: string, listener: BusListener): () => void;
  /**
   * Called when messages may have been lost (the link to Redis dropped and came back): every
   * reader re-reads its log from its cursor and re-checks what notices would have told it.
   */
  onResync(listener: () => void): () => void;
  /** Whether messages cross processes (then logged events arrive without their data). */
  readonly shared: boolean;
  close(): Promise<void>;
}

/** Listeners of one topic woken in one turn of the event loop. */
const DELIVERY_SLICE = 256;

/** Listeners by topic, called safely; the part every bus shares. */
export function createTopicRegistry() {
  const listeners = new Map<string, Set<BusListener>>();
  const resyncListeners = new Set<() => void>();
  return {
    deliver(event: BusEvent) {
      const set = listeners.get(event.topic);
      if (!set) return;
      const all = [...set];
      const call = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          try {
            all[i]!(event);
          } catch {
            // One broken stream must not stop delivery to the others.
          }
        }
      };
      call(0, Math.min(all.length, DELIVERY_SLICE));
      // A topic with thousands of listeners (a broadcast) is woken in slices, each in its own turn of
      // the event loop, so the request that published it and other I/O are not held behind them all.
      // Listeners only wake and then read the log, so the order of slices does not matter.
      for (let from = DELIVERY_SLICE; from < all.length; from += DELIVERY_SLICE) {
        const start = from;
        setImmediate(() => call(start, Math.min(all.length, start + DELIVERY_SLICE)));
      }
    },
    subscribe(topic: string, listener: BusListener) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(topic) === set) listeners.delete(topic);
      };
    },
    has: (topic: string) => listeners.has(topic),
    onResync(listener: () => void) {
      resyncListeners.add(listener);
      return () => {
        resyncListeners.delete(listener);
      };
    },
    resync() {
      for (const listener of [...resyncListeners]) {
        try {
          listener();
        } catch {
          // Same as above.
        }
      }
    },
    topics: () => listeners.size,
  };
}

/**
 * The single-process bus: messages are delivered in publish order (a topic with more than 256
 * listeners finishes in later turns of the event loop).
 */
export function createMemoryEventBus(): EventBus {
  const registry = createTopicRegistry();
  return {
    publish: (event) => registry.deliver(event),
    subscribe: registry.subscribe,
    onResync: registry.onResync,
    shared: false,
    close: async () => {},
  };
}
