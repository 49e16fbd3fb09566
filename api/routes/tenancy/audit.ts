import { Type } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, Limit, Cursor, IsoDateTime, withDefault } from '../../schemas';
import { invalid } from '../../../domain/errors';
import type { AuditEventDoc } from '../../../models/tenancy/audit-event';

const EventView = Obj({
  id: Type.String(),
  seq: Type.Integer(),
  at: Type.String(),
  actor: Obj({ type: Type.String(), id: Type.String(), role: Type.Optional(Type.String()) }),
  action: Type.String(),
  entity: Obj({ type: Type.String(), id: Type.String() }),
  data: Type.Unknown(),
  requestId: Type.Optional(Type.String()),
  prevHash: Type.String(),
  hash: Type.String(),
});

const view = (e: AuditEventDoc) => ({
  id: e._id,
  seq: e.seq,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  action: e.action,
  entity: e.entity,
  data: JSON.parse(e.data) as unknown,
  requestId: e.requestId,
  prevHash: e.prevHash,
  hash: e.hash,
});

const Name = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$' });

const AuditQuery = Obj({
  action: Type.Optional(Name),
  entityType: Type.Optional(Name),
  entityId: Type.Optional(Name),
  actorId: Type.Optional(Name),
  from: Type.Optional(IsoDateTime),
  to: Type.Optional(IsoDateTime),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

const encodeSeq = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeSeq(cursor?: string): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalid('query.cursor', 'query.cursor is not a cursor this API returned');
  return Number(match[1]);
}

export const auditRoutes = [
  typedRoute({
    method: 'get',
    path: '/v1/audit',
    tag: 'Audit',
    summary: "The tenant's audit log, newest first, filterable by action, entity, actor and time",
    access: ['tenant-admin', 'finance'],
    query: AuditQuery,
    responses: { 200: { description: 'A page of audit events', schema: Obj({ items: Type.Array(EventView), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } },
    async handler({ tenantId, query, services }) {
      const events = await services.audit.list(tenantId, {
        action: query.action,
        entityType: query.entityType,
        entityId: query.entityId,
        actorId: query.actorId,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        beforeSeq: decodeSeq(query.cursor),
        limit: query.limit,
      });
      const page = events.slice(0, query.limit);
      const nextCursor = events.length > query.limit ? encodeSeq(page[page.length - 1].seq) : null;
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/audit/verify',
    tag: 'Audit',
    summary: 'Check the hash chain (from the last verified event, or all of it with full=true or when the last full check is old) and report the first broken link',
    access: ['tenant-admin', 'finance'],
    query: Obj({ full: Type.Optional(withDefault(Type.Boolean({ description: 're-hash the whole chain, not only the events after the last verified one' }), false)) }),
    responses: {
      200: {
        description: 'Verification result',
        schema: Obj({
          valid: Type.Boolean(),
          checked: Type.Integer(),
          headSeq: Type.Integer(),
          firstBreak: Type.Optional(Obj({ seq: Type.Integer(), reason: Type.String() })),
        }),
      },
    },
    async handler({ tenantId, services, query }) {
      const verification = await services.audit.verify(tenantId, { full: query.full, fullEveryMs: services.config.auditFullVerifySeconds * 1000 });
      return { status: 200, body: verification };
    },
  }),
];
