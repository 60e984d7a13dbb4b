export { type BusEvent, createMemoryEventBus, type EventBus } from './event-bus';
export { appendEvent, appendEvents } from './events';
export { realtimeRouter } from './routes';
