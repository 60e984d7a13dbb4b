export {
  claimHandoff,
  createHandoff,
  deleteHandoffCodesOf,
  findClaimableHandoff,
  MAX_LIVE_CODES_PER_CUSTOMER,
  MAX_SHORT_CODE_CHECK_FAILURES,
  sweepHandoffCodes,
} from './handoffs';
export { handoffsRouter } from './routes';
