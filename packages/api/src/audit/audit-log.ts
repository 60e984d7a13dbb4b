import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database';
import { auditLog } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';

export interface AuditActor {
  type: 'agent' | 'merchant' | 'system';
  id: string | null;
}

/** The merchant's backend (secret key) as the actor of a change. */
export const MERCHANT_ACTOR: AuditActor = { type: 'merchant', id: null };

/** Who made a change: the agent whose token was used, else the merchant (secret key). */
export function auditActorOf(auth: { kind: string; agent?: { id: string } }): AuditActor {
  return auth.kind === 'agent' && auth.agent ? { type: 'agent', id: auth.agent.id } : MERCHANT_ACTOR;
}

export interface AuditRecord {
  appId: string;
  actor: AuditActor;
  action: string;
  subject: { type: string; id: string };
  /** What and why — field names, reasons, counts. Never the personal data itself. */
  details?: Record<string, unknown>;
}

/** Appends one entry inside the caller's transaction, so the act and its record commit together. */
export async function recordAudit(
  deps: Pick<ServiceDeps, 'clock'>,
  db: Db,
  record: AuditRecord,
): Promise<string> {
  const [row] = await db
    .insert(auditLog)
    .values({
      appId: record.appId,
      actorType: record.actor.type,
      actorId: record.actor.id,
      action: record.action,
      subjectType: record.subject.type,
      subjectId: record.subject.id,
      details: record.details ?? {},
      createdAt: deps.clock.now(),
    })
    .returning({ id: auditLog.id });
  return String(row!.id);
}

/** The app's audit log, newest first; `before` (an entry id) walks back. */
export async function listAudit(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
  query: { action?: string; subjectId?: string; before?: string; limit: number },
) {
  let before: number | undefined;
  if (query.before !== undefined) {
    if (!/^\d{1,15}$/.test(query.before))
      throw new ApiError('validation_failed', 'before must be a cursor returned as nextBefore.');
    before = Number(query.before);
  }
  const rows = await deps.database.db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.appId, appId),
        query.action ? eq(auditLog.action, query.action) : undefined,
        query.subjectId ? eq(auditLog.subjectId, query.subjectId) : undefined,
        before !== undefined ? lt(auditLog.id, before) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((r) => ({
      id: String(r.id),
      actor: { type: r.actorType, id: r.actorId },
      action: r.action,
      subject: { type: r.subjectType, id: r.subjectId },
      details: r.details,
      createdAt: iso(r.createdAt),
    })),
    nextBefore: rows.length > query.limit && page.length ? String(page.at(-1)!.id) : null,
  };
}
