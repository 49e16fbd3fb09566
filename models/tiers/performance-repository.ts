import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { newId } from '../../platform/ids';
import { PartnerPerformanceModel, PartnerPerformanceDoc } from './partner-performance';

export type PerformanceEvent = Pick<PartnerPerformanceDoc, 'kind' | 'partnerId' | 'sourceId' | 'amountMinor' | 'currency' | 'closedAt'>;

export interface PerformanceWindow {
  partnerIds: string[];
  from: Date;
  to: Date;
  currency: string;
}

type PartnerTotal = { _id: string; total: number };

const inWindow = (w: PerformanceWindow) => ({ currency: w.currency, closedAt: { $gte: w.from, $lt: w.to }, partnerId: { $in: w.partnerIds } });

/**
 * A tenant's partner performance events. Each source (a won deal, a reversal) is recorded once:
 * its id is unique per tenant, so a retried write lands once. Sums are grouped per partner in the
 * store; one accumulator per pipeline, as FerretDB 1.24 returns 0 for a second one in one $group.
 */
export const performanceStore = repository((inScope) => ({
  recordOnce: async (event: PerformanceEvent): Promise<void> => {
    await inScope(async () => {
      try {
        await PartnerPerformanceModel.create({ _id: newId('perf'), ...event });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    });
  },

  /** Won revenue net of reversals, per partner, in the window's currency only. */
  netRevenue: (w: PerformanceWindow) => inScope(() => PartnerPerformanceModel.aggregate<PartnerTotal>([
    { $match: { kind: { $in: ['closed-won', 'reversal'] }, ...inWindow(w) } },
    { $group: { _id: '$partnerId', total: { $sum: '$amountMinor' } } },
  ])),

  /** Won deals per partner (a reversed deal still counts as won). */
  wonDeals: (w: PerformanceWindow) => inScope(() => PartnerPerformanceModel.aggregate<PartnerTotal>([
    { $match: { kind: 'closed-won', ...inWindow(w) } },
    { $group: { _id: '$partnerId', total: { $sum: 1 } } },
  ])),
}));
