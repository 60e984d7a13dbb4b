export {
  CUSTOMER_MERGED,
  type CustomerRow,
  findCustomerByIdentity,
  getCustomer,
  type IdentityInput,
  resolveCustomer,
  upsertVerifiedCustomer,
} from './customers';
export { signIdentityToken } from './identity-tokens';
export { sessionsRouter } from './routes';
export { verifySessionToken } from './session-tokens';
export type { SessionRow } from './sessions';
