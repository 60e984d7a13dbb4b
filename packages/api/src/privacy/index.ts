export { type EraseStep, eraseCustomer, REDACTED_TEXT, registerEraseStep } from './erase';
export { exportCustomer } from './export';
export { personOf } from './people';
export { privacyRouter } from './routes';
