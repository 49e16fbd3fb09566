import { performanceStore, type PerformanceEvent } from '../../models/tiers/performance-repository';
import type { TenantId } from '../../platform/tenant-id';
import type { PartnerMetrics } from '../../domain/tiers/evaluate';
import { completedTraining } from '../onboarding/partners';

/**
 * Partner performance for tier reviews, read from the `partner_performance` events that won deals
 * write (one per deal). Tier reviews depend on this, not on the deal model, so either side can
 * change its internals. The same source (`sourceId`, the deal or reversal id) counts once.
 */
export type ClosedWonEvent = Omit<PerformanceEvent, 'kind'>;

export async function recordClosedWon(tenantId: TenantId, event: ClosedWonEvent): Promise<void> {
  if (!Number.isSafeInteger(event.amountMinor)) throw new Error('amountMinor must be a whole number of minor units');
  await performanceStore(tenantId).recordOnce({ kind: 'closed-won', ...event });
}

/**
 * A refund or cancellation of won revenue: a negative event dated at the deal's close, so the
 * window the deal counted in shows the net revenue. The deal still counts as won.
 */
export async function recordReversal(tenantId: TenantId, event: ClosedWonEvent): Promise<void> {
  if (!Number.isSafeInteger(event.amountMinor) || event.amountMinor > 0) throw new Error('a reversal is a negative whole number of minor units');
  await performanceStore(tenantId).recordOnce({ kind: 'reversal', ...event });
}

/**
 * Metrics of the given partners over [from, to): closed-won revenue in `currency` (events in other
 * currencies are not converted and do not count) and the number of won deals, plus training.
 */
export async function metricsFor(tenantId: TenantId, partnerIds: string[], window: { from: Date; to: Date }, currency: string): Promise<PartnerMetrics[]> {
  const store = performanceStore(tenantId);
  const scope = { partnerIds, currency, ...window };
  const [revenue, deals, training] = await Promise.all([store.netRevenue(scope), store.wonDeals(scope), completedTraining(tenantId, partnerIds)]);
  const revenueOf = new Map(revenue.map((r) => [r._id, r.total]));
  const dealsOf = new Map(deals.map((d) => [d._id, d.total]));
  return partnerIds.map((partnerId) => ({
    partnerId,
    currency,
    closedWonRevenueMinor: revenueOf.get(partnerId) ?? 0,
    dealCount: dealsOf.get(partnerId) ?? 0,
    trainingCompleted: training.get(partnerId) ?? [],
  }));
}
