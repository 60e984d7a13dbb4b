export type * from './protocol/index';
