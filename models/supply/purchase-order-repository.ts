import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { PurchaseOrderModel, type PurchaseOrderDoc } from './purchase-order';
import type { OrderStatus } from '../../domain/supply/purchase-order';

/** Which orders a caller may see: a supplier those addressed to it, a manufacturer its own. */
export interface OrderScope { supplierId?: string; manufacturerId?: string }

/** Purchase orders' read model; only the order's workflow writes it (`publish`). */
export const purchaseOrderStore = repository((inScope) => ({
  byId: (orderId: string, scope: OrderScope) => inScope(() => PurchaseOrderModel.findOne({ _id: orderId, ...scope }).lean<PurchaseOrderDoc>()),
  list: (scope: OrderScope, opts: { status?: OrderStatus; before?: string; limit: number }) =>
    inScope(() =>
      PurchaseOrderModel.find({ ...scope, ...(opts.status ? { status: opts.status } : {}), ...(opts.before ? { _id: { $lt: opts.before } } : {}) })
        .sort({ _id: -1 }).limit(opts.limit + 1).lean<PurchaseOrderDoc[]>(),
    ),
  /** A supplier's orders placed in [from, to), with what a scorecard needs, at most `limit`. */
  placedBetween: (scope: OrderScope & { supplierId: string }, from: Date, to: Date, limit: number) =>
    inScope(() =>
      PurchaseOrderModel.find({ ...scope, createdAt: { $gte: from, $lt: to } }, { lines: 1, rounds: 1, shipments: 1, status: 1 })
        .sort({ _id: 1 }).limit(limit).lean<Pick<PurchaseOrderDoc, '_id' | 'lines' | 'rounds' | 'shipments' | 'status'>[]>(),
    ),
  /**
   * Writes the workflow's snapshot if it is newer than the stored one. The first publish inserts;
   * an insert that finds a newer document (a late retry) loses on the unique _id and is dropped.
   */
  async publish(orderId: string, rev: number, doc: Omit<PurchaseOrderDoc, '_id' | 'tenantId' | 'rev' | 'updatedAt'>): Promise<void> {
    try {
      await inScope(() => PurchaseOrderModel.updateOne({ _id: orderId, rev: { $lt: rev } }, { $set: { ...doc, rev } }, { upsert: true }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  },
}));
