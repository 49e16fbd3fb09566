import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { SupplyExceptionModel, type SupplyExceptionDoc, type SupplyExceptionKind } from './supply-exception';
import type { OrderScope } from './purchase-order-repository';

export interface ExceptionFilter {
  status?: 'open' | 'resolved';
  kind?: SupplyExceptionKind;
  purchaseOrderId?: string;
  supplierId?: string;
}

/** The exception queue. */
export const exceptionStore = repository((inScope) => ({
  byId: (exceptionId: string, scope: OrderScope) => inScope(() => SupplyExceptionModel.findOne({ _id: exceptionId, ...scope }).lean<SupplyExceptionDoc>()),
  list: (scope: OrderScope, filter: ExceptionFilter, opts: { before?: string; limit: number }) =>
    inScope(() =>
      SupplyExceptionModel.find({ ...filter, ...scope, ...(opts.before ? { _id: { $lt: opts.before } } : {}) })
        .sort({ _id: -1 }).limit(opts.limit + 1).lean<SupplyExceptionDoc[]>(),
    ),
  /** Raises it once: the id derives from the order and the key, and the (order, key) index is unique. */
  async raise(exception: Omit<SupplyExceptionDoc, 'tenantId'>): Promise<void> {
    try {
      await inScope(() => SupplyExceptionModel.updateOne({ _id: exception._id }, { $setOnInsert: exception }, { upsert: true }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  },
  /** Resolves an open exception; the status guard makes a second resolution change nothing. */
  resolve: (exceptionId: string, resolution: { comment: string; by: string; at: Date }) =>
    inScope(() => SupplyExceptionModel.updateOne({ _id: exceptionId, status: 'open' }, { $set: { status: 'resolved', resolution } })),
  countRaised: (scope: OrderScope & { supplierId: string }, from: Date, to: Date) => inScope(() => SupplyExceptionModel.countDocuments({ ...scope, raisedAt: { $gte: from, $lt: to } })),
}));
