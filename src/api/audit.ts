// The audit log: who changed what, when and from where. Written in the same request as the
// change; administrators query it through /api/audit-events.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { auditEvents } from '../store/schema.ts';

export interface AuditEntry {
  action: string; // e.g. person.create, number.release
  resource: string;
  resourceId?: string | null;
  details?: Record<string, unknown>;
  tenantId?: string | null; // defaults to the principal's tenant
}

export async function audit(db: Db, req: FastifyRequest, entry: AuditEntry): Promise<void> {
  const p = req.principal;
  await db.insert(auditEvents).values({
    id: newId(),
    tenantId: entry.tenantId !== undefined ? entry.tenantId : (p?.tenantId ?? null),
    actorType: p ? p.kind : 'system',
    actorId: p ? (p.kind === 'user' ? p.userId : p.keyId) : null,
    actorLabel: p ? (p.kind === 'user' ? p.email : `api key ${p.name}`) : null,
    action: entry.action,
    resource: entry.resource,
    resourceId: entry.resourceId ?? null,
    details: entry.details ?? null,
    ip: req.ip,
    userAgent: req.headers['user-agent']?.slice(0, 300) ?? null,
  });
}
