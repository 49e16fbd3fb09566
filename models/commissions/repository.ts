import { repository } from '../repository';
import { FxRateModel, FxRateDoc } from './fx-rate';

/** The commissions area's store, bound to one tenant. */
export const fxRateStore = repository((inScope) => ({
  byId: (id: string) => inScope(() => FxRateModel.findOne({ _id: id }).lean<FxRateDoc>()),
  insert: (doc: Omit<FxRateDoc, 'tenantId' | 'createdAt'>) => inScope(async () => (await FxRateModel.create(doc)).toObject() as FxRateDoc),
  /** Newest effective first. */
  list: (filter: { from?: string; to?: string }, limit: number) =>
    inScope(() => FxRateModel.find({ ...(filter.to ? { to: filter.to } : {}), ...(filter.from ? { from: filter.from } : {}) }).sort({ effectiveFrom: -1, from: 1 }).limit(limit).lean<FxRateDoc[]>()),
  /** Every rate into `to` effective before `before`: what a period's conversion chooses from. */
  into: (to: string, before: Date) => inScope(() => FxRateModel.find({ to, effectiveFrom: { $lt: before } }).sort({ effectiveFrom: -1 }).limit(5000).lean<FxRateDoc[]>()),
}));
