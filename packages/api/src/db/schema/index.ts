export * from './apps';
export * from './conversations';
export * from './customers';
export * from './events';
export * from './knowledge';
export * from './tickets';
