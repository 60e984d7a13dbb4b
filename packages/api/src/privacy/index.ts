export { type EraseStep, eraseCustomer, REDACTED_TEXT, registerEraseStep } from './erase';
export { exportCustomer } from './export';
export { personOf } from './people';
export { startRetentionSweeper, sweepRetention } from './retention';
export { privacyRouter } from './routes';
