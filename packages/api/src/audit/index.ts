export {
  type AuditActor,
  type AuditRecord,
  auditActorOf,
  listAudit,
  MERCHANT_ACTOR,
  recordAudit,
} from './audit-log';
export { auditRouter } from './routes';
