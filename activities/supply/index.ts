import type { Services } from '../../services';
import { asTenantId } from '../../platform/tenant-id';
import { OperationIds } from '../../platform/ids';
import { heartbeating } from '../heartbeat';
import { purchaseOrderStore } from '../../models/supply/purchase-order-repository';
import { exceptionStore } from '../../models/supply/exception-repository';
import { judgeThresholdsAfterOrderChange } from '../../services/supply/low-stock';
import type { PurchaseOrderDoc } from '../../models/supply/purchase-order';
import type { DomainEvent, OrderSnapshot, RaisedException } from '../../domain/supply/purchase-order';

/** The order's facts that never change, published with every snapshot. */
export type OrderHead = Pick<PurchaseOrderDoc, 'manufacturerId' | 'supplierId' | 'currency' | 'shipTo' | 'createdBy' | 'ruleSetVersion'>;

export interface OrderNews {
  events: DomainEvent[];
  /** The order-wide number of the first event, which keys its audit event. */
  firstEvent: number;
  exceptions: RaisedException[];
}

const SYSTEM = { type: 'system' as const, id: 'purchase-order' };

/** Events after which an order promises another quantity (confirmed less shipped). */
const PROMISE_CHANGES = new Set(['purchase-order.acknowledged', 'purchase-order.changed', 'purchase-order.shipped', 'purchase-order.closed', 'purchase-order.rejected', 'purchase-order.cancelled']);

/** An exception's id derives from its order and key (and is time-ordered by when it was raised). */
export const exceptionId = (purchaseOrderId: string, key: string, raisedAt: string): string =>
  new OperationIds(`${purchaseOrderId}\n${key}`, Date.parse(raisedAt)).id('exc');

/** Activities of the purchase-order workflow. Each is idempotent: a retry writes the same once. */
export function createSupplyActivities({ services }: { services: Services }) {
  return heartbeating({
    /**
     * Writes the order's snapshot (if newer), raises its new exceptions and records its events as
     * audit events, each under a key of its own: the webhooks deliver from the audit log, and a
     * retried publish records nothing twice.
     */
    async publishPurchaseOrder(rawTenantId: string, purchaseOrderId: string, rev: number, head: OrderHead, snapshot: OrderSnapshot, news: OrderNews): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      await purchaseOrderStore(tenantId).publish(purchaseOrderId, rev, { ...head, ...snapshot, createdAt: new Date(snapshot.versions[0].at) });
      // What the supplier promised may have changed (an acknowledgement, a change, a shipment): judge low-stock thresholds again.
      if (news.events.some((e) => PROMISE_CHANGES.has(e.action))) await judgeThresholdsAfterOrderChange(services, tenantId, head.supplierId, snapshot.lines.map((l) => l.sku));
      const parties = { purchaseOrderId, manufacturerId: head.manufacturerId, supplierId: head.supplierId };
      for (const [i, event] of news.events.entries()) {
        await services.audit.record(tenantId, {
          actor: event.actorId ? { type: 'api-key', id: event.actorId } : SYSTEM,
          action: event.action,
          entity: { type: 'purchase-order', id: purchaseOrderId },
          data: { ...parties, ...event.data },
          eventKey: `purchase-order:${purchaseOrderId}:event:${news.firstEvent + i}`,
        });
      }
      for (const raised of news.exceptions) {
        const id = exceptionId(purchaseOrderId, raised.key, raised.at);
        await exceptionStore(tenantId).raise({
          _id: id, ...parties, key: raised.key, kind: raised.kind, detail: raised.detail, data: JSON.stringify(raised.data), status: 'open', raisedAt: new Date(raised.at),
          ...(raised.line !== undefined ? { line: raised.line } : {}), ...(raised.shipmentId ? { shipmentId: raised.shipmentId } : {}),
        });
        await services.audit.record(tenantId, {
          actor: SYSTEM,
          action: 'purchase-order.exception-raised',
          entity: { type: 'supply-exception', id },
          data: { ...parties, kind: raised.kind, line: raised.line, detail: raised.detail },
          eventKey: `supply-exception:${id}:raised`,
        });
      }
    },
  });
}

export type SupplyActivities = ReturnType<typeof createSupplyActivities>;
