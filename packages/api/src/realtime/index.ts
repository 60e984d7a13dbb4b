export { type BusEvent, createMemoryEventBus, type EventBus } from './event-bus';
export { appendEvent, appendEvents } from './events';
export { realtimeRouter, STREAM_WRITE_TIMEOUT_MS } from './routes';
