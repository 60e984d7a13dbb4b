export { claimHandoff, findClaimableHandoff, type HandoffGuards } from './handoffs';
export { handoffsRouter } from './routes';
