import type { TenantId } from '../../platform/tenant-id';
import type { CommissionAdjustment, CommissionLine } from '../../domain/commissions/calculate';
import { disputeStore } from '../../models/commissions/dispute-repository';
import { payoutStore } from '../../models/commissions/payout-repository';

/**
 * Accepted disputes become adjustments of the partner's next run: the run's snapshot freezes every
 * accepted dispute that no statement of a run still standing (calculated, in review or approved)
 * pays, so a run in review keeps its adjustments from a run of another period triggered meanwhile,
 * and a rejected run's adjustments go into the next run. The disputed run is never edited.
 */
export async function pendingAdjustments(tenantId: TenantId, partnerId?: string): Promise<CommissionAdjustment[]> {
  const store = disputeStore(tenantId);
  const accepted = await store.acceptedDisputes(10_000, partnerId);
  if (accepted.length === 0) return [];
  const paying = await store.statementsPaying(accepted.map((d) => d._id));
  const runs = payoutStore(tenantId);
  const standing = new Set<string>();
  for (const runId of new Set(paying.map((s) => s.runId))) if ((await runs.runById(runId))?.status !== 'rejected') standing.add(runId);
  const paid = new Set(paying.filter((s) => standing.has(s.runId)).flatMap((s) => s.adjustmentIds ?? []));
  return accepted
    .filter((d) => !paid.has(d._id) && d.resolution?.amountMinor !== undefined)
    .map((d) => ({
      id: d._id,
      partnerId: d.partnerId,
      amountMinor: d.resolution!.amountMinor!,
      disputedRunId: d.runId,
      disputedPeriod: d.period,
      disputedLine: d.line,
      ...(d.dealId ? { dealId: d.dealId } : {}),
      reason: d.reason,
      comment: d.resolution!.comment,
    }));
}

/** The disputes a statement's adjustment lines pay, or undefined when it has none. */
export function adjustmentIdsOf(lines: readonly CommissionLine[]): string[] | undefined {
  const ids = lines.filter((l) => l.kind === 'adjustment').map((l) => String(l.inputs.disputeId));
  return ids.length > 0 ? ids : undefined;
}
