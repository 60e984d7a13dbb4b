export * from '../apps/schema';
export * from '../conversations/schema';
export * from '../identity/schema';
export * from '../knowledge/schema';
export * from '../livestream/schema';
export * from '../realtime/schema';
export * from '../tickets/schema';
export * from '../voice/schema';
