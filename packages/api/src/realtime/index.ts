export { shopperMessage } from './customer-view';
export { appTopic, type BusEvent, createMemoryEventBus, type EventBus } from './event-bus';
export { createAppFeed, createCustomerFeed, type EventFeed } from './event-feed';
export { appendEvent, appendEvents, type MessageEventResolver, type NewEvent } from './events';
export { type FeedRoutesSpec, mountFeedRoutes, realtimeRouter, STREAM_WRITE_TIMEOUT_MS } from './routes';
