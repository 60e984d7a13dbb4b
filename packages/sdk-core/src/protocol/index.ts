/** The Threadline wire protocol: every HTTP body and answer as zod schemas, defined once. */
export * from './agents';
export * from './apps';
export * from './channels';
export * from './common';
export * from './console';
export * from './followups';
export * from './handoffs';
export * from './health';
export * from './insights';
export * from './kb';
export * from './livestream';
export * from './messages';
export * from './profile';
export * from './realtime';
export * from './sessions';
export * from './voice';
export * from './webhooks';
