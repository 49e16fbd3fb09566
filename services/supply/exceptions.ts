import type { Services } from '..';
import { conflict, notFound } from '../../domain/errors';
import type { TenantId } from '../../platform/tenant-id';
import type { Actor } from '../../domain/supply/purchase-order';
import { exceptionStore, type ExceptionFilter } from '../../models/supply/exception-repository';
import type { SupplyExceptionDoc } from '../../models/supply/supply-exception';
import { withAudit } from '../tenancy/outbox';
import { scopeOf } from './purchase-orders';

/** The exception queue: what the orders raised, each party seeing its own, resolved with a comment. */
export const listExceptions = (tenantId: TenantId, actor: Actor, filter: ExceptionFilter, opts: { before?: string; limit: number }) =>
  exceptionStore(tenantId).list(scopeOf(actor), filter, opts);

export async function visibleException(tenantId: TenantId, actor: Actor, exceptionId: string): Promise<SupplyExceptionDoc> {
  const exception = await exceptionStore(tenantId).byId(exceptionId, scopeOf(actor));
  if (!exception) throw notFound(`exception ${exceptionId}`);
  return exception;
}

export async function resolveException(services: Pick<Services, 'audit'>, tenantId: TenantId, actor: Actor, exceptionId: string, comment: string): Promise<SupplyExceptionDoc> {
  const exception = await visibleException(tenantId, actor, exceptionId);
  if (exception.status === 'resolved') throw conflict(`exception ${exceptionId} was already resolved by ${exception.resolution?.by}`);
  const event = {
    actor: { type: 'api-key' as const, id: actor.keyId, role: actor.role },
    action: 'purchase-order.exception-resolved',
    entity: { type: 'supply-exception', id: exceptionId },
    data: { purchaseOrderId: exception.purchaseOrderId, supplierId: exception.supplierId, manufacturerId: exception.manufacturerId, kind: exception.kind, comment },
    eventKey: `supply-exception:${exceptionId}:resolved`,
  };
  await withAudit(services, tenantId, event, { model: 'SupplyException', filter: { _id: exceptionId, status: 'resolved' } }, async () => {
    const result = await exceptionStore(tenantId).resolve(exceptionId, { comment, by: actor.keyId, at: new Date() });
    if (result.modifiedCount === 0) throw conflict(`exception ${exceptionId} was resolved meanwhile`);
  });
  return visibleException(tenantId, actor, exceptionId);
}
