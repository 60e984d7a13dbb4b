/** A stored event as it travels between processes: its log id is the resume cursor. */
export interface BusEvent {
  id: number;
  appId: string;
  customerId: string;
  type: string;
  data: unknown;
}

export type BusListener = (event: BusEvent) => void;

/**
 * Fan-out of committed events to the streams open in this process. The in-process bus is the
 * default; a Redis pub/sub bus can implement the same interface for several API processes (§9).
 */
export interface EventBus {
  publish(event: BusEvent): void;
  /** Listens to one customer's events; returns the unsubscribe function. */
  subscribe(customerId: string, listener: BusListener): () => void;
  close?(): Promise<void> | void;
}

export function createMemoryEventBus(): EventBus {
  const listeners = new Map<string, Set<BusListener>>();
  return {
    publish(event) {
      const set = listeners.get(event.customerId);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(event);
        } catch {
          // One broken stream must not stop delivery to the others.
        }
      }
    },
    subscribe(customerId, listener) {
      let set = listeners.get(customerId);
      if (!set) {
        set = new Set();
        listeners.set(customerId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(customerId);
      };
    },
  };
}
