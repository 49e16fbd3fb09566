import { PartnerPerformanceModel } from '../../models/tiers/partner-performance';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import type { PartnerMetrics } from '../../domain/tiers/evaluate';
import { isDuplicateKey } from '../../platform/store-errors';

/**
 * Partner performance for tier reviews, read from the `partner_performance` events that won deals
 * write (one per deal). Tier reviews depend on this, not on the deal model, so either side can
 * change its internals.
 */
export interface ClosedWonEvent {
  partnerId: string;
  /** The deal (or other source) id: the same source is counted once. */
  sourceId: string;
  amountMinor: number;
  currency: string;
  closedAt: Date;
}

export async function recordClosedWon(tenantId: string, event: ClosedWonEvent): Promise<void> {
  if (!Number.isSafeInteger(event.amountMinor)) throw new Error('amountMinor must be a whole number of minor units');
  await inTenant(tenantId, async () => {
    try {
      await PartnerPerformanceModel.create({ _id: newId('perf'), kind: 'closed-won', ...event });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  });
}

/**
 * A refund or cancellation of won revenue: a negative event dated at the deal's close, so the
 * window the deal counted in shows the net revenue. The deal still counts as won.
 */
export async function recordReversal(tenantId: string, event: ClosedWonEvent): Promise<void> {
  if (!Number.isSafeInteger(event.amountMinor) || event.amountMinor > 0) throw new Error('a reversal is a negative whole number of minor units');
  await inTenant(tenantId, async () => {
    try {
      await PartnerPerformanceModel.create({ _id: newId('perf'), kind: 'reversal', ...event });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  });
}

/**
 * Metrics of the given partners over [from, to): closed-won revenue in `currency` (events in other
 * currencies are not converted and do not count) and the number of won deals, plus training.
 */
export function metricsFor(tenantId: string, partnerIds: string[], window: { from: Date; to: Date }, currency: string): Promise<PartnerMetrics[]> {
  return inTenant(tenantId, async () => {
    const inWindow = { currency, closedAt: { $gte: window.from, $lt: window.to }, partnerId: { $in: partnerIds } };
    const match = { $match: { kind: 'closed-won', ...inWindow } };
    const net = { $match: { kind: { $in: ['closed-won', 'reversal'] }, ...inWindow } };
    // One accumulator per pipeline: FerretDB 1.24 returns 0 for a second accumulator in one $group.
    const [revenue, counts] = await Promise.all([
      PartnerPerformanceModel.aggregate<{ _id: string; total: number }>([net, { $group: { _id: '$partnerId', total: { $sum: '$amountMinor' } } }]),
      PartnerPerformanceModel.aggregate<{ _id: string; total: number }>([match, { $group: { _id: '$partnerId', total: { $sum: 1 } } }]),
    ]);
    const sums = revenue.map((r) => ({ _id: r._id, revenue: r.total, deals: counts.find((c) => c._id === r._id)?.total ?? 0 }));
    const byPartner = new Map(sums.map((s) => [s._id, s]));
    const partners = await PartnerModel.find({ _id: { $in: partnerIds } }, { training: 1 }).lean();
    const training = new Map(partners.map((p) => [p._id, (p.training ?? []).map((t) => t.module)]));
    return partnerIds.map((partnerId) => ({
      partnerId,
      currency,
      closedWonRevenueMinor: byPartner.get(partnerId)?.revenue ?? 0,
      dealCount: byPartner.get(partnerId)?.deals ?? 0,
      trainingCompleted: training.get(partnerId) ?? [],
    }));
  });
}
