/** A stored event as it travels between processes: its log id is the resume cursor. */
export interface BusEvent {
  id: number;
  appId: string;
  customerId: string;
  type: string;
  data: unknown;
  /** `staff` events reach only the app's agents, never the customer's sessions. */
  audience?: 'customer' | 'staff';
}

/** The topic of everything that happens in an app: what the agent stream listens to. */
export const appTopic = (appId: string) => `app:${appId}`;

export type BusListener = (event: BusEvent) => void;

/**
 * Fan-out of committed events to the streams open in this process. The in-process bus is the
 * default; a Redis pub/sub bus can implement the same interface for several API processes (§9).
 * An event goes to two topics: its customer's (unless it is for staff only) and its app's
 * (`appTopic`), which the agents' stream listens to.
 */
export interface EventBus {
  publish(event: BusEvent): void;
  /** Listens to a topic — a customer id, or `appTopic(appId)` — and returns the unsubscribe function. */
  subscribe(topic: string, listener: BusListener): () => void;
  close?(): Promise<void> | void;
}

export function createMemoryEventBus(): EventBus {
  const listeners = new Map<string, Set<BusListener>>();
  const deliver = (topic: string, event: BusEvent) => {
    const set = listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop delivery to the others.
      }
    }
  };
  return {
    publish(event) {
      const app = appTopic(event.appId);
      if (event.audience !== 'staff' && event.customerId !== app) deliver(event.customerId, event);
      deliver(app, event);
    },
    subscribe(topic, listener) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(topic);
      };
    },
  };
}
