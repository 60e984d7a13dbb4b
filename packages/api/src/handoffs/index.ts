export { claimHandoff, createHandoff, findClaimableHandoff, type HandoffGuards } from './handoffs';
export { handoffsRouter } from './routes';
