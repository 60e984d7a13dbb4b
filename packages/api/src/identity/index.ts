export {
  type CustomerRef,
  customerSealer,
  customerSealers,
  destroyCustomerKeys,
  forgetDestroyedKeys,
  isSealed,
  openAllForCustomers,
  openForCustomer,
  openJsonForCustomer,
  refuseErased,
  type SealedAhead,
  sealAhead,
  sealForCustomer,
  sealJsonForCustomer,
} from './customer-keys';
export {
  CUSTOMER_MERGED,
  type CustomerRow,
  findCustomerByIdentity,
  getCustomer,
  hasExternalIdentity,
  type IdentityInput,
  resolveCustomer,
  resolveCustomers,
  revokeSessions,
  SESSION_ENDED,
  sessionTopic,
  survivingCustomerId,
  upsertVerifiedCustomer,
} from './customers';
export { signIdentityToken } from './identity-tokens';
export { toE164 } from './phone-numbers';
export { sessionsRouter } from './routes';
export { verifySessionToken } from './session-tokens';
export type { SessionRow } from './sessions';
