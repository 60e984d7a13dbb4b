export { type AuditActor, type AuditRecord, listAudit, recordAudit } from './audit-log';
export { auditRouter } from './routes';
