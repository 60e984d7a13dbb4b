export { eraseCustomer, REDACTED_TEXT } from './erase';
export { exportCustomer } from './export';
export { personOf } from './people';
export { startRetentionSweeper, sweepRetention } from './retention';
export { privacyRouter } from './routes';
