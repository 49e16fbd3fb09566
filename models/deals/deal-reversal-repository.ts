import { repository } from '../repository';
import { DealReversalModel, type DealReversalDoc } from './deal-reversal';

export type NewDealReversal = Omit<DealReversalDoc, 'tenantId'>;

/** Refunds and cancellations of won deals, append-only (models/deals/deal-reversal.ts). */
export const reversalStore = repository((inScope) => ({
  byId: (reversalId: string) => inScope(() => DealReversalModel.findOne({ _id: reversalId }).lean()),

  /** The deal's latest reversal: its running total and the number the next one takes. */
  latestOf: (dealId: string) => inScope(() => DealReversalModel.findOne({ dealId }).sort({ seq: -1 }).lean()),

  /** Records the reversal; a duplicate-key error means its number (or its id) was taken. */
  record: (reversal: NewDealReversal) => inScope(() => DealReversalModel.create(reversal)),

  /** Reversals recorded in [from, to), of one partner or all, oldest first: what commissions claw back. */
  recordedBetween: (filter: { partnerId?: string }, from: Date, to: Date, limit: number) =>
    inScope(() => DealReversalModel.find({ ...(filter.partnerId ? { partnerId: filter.partnerId } : {}), at: { $gte: from, $lt: to } }).sort({ at: 1, _id: 1 }).limit(limit).lean()),

  /** Reversals of the given deals, oldest first. */
  ofDeals: (dealIds: string[]) => inScope(() => DealReversalModel.find({ dealId: { $in: dealIds } }).sort({ seq: 1 }).limit(5000).lean()),
}));
