import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { minorUnitDigits } from '../../domain/locale';
import { fromMinor } from '../../domain/money';
import { periodOf } from '../../domain/commissions/period';
import { calculationView } from '../../domain/commissions/view';
import { visiblePartner } from '../onboarding/partners';
import { payoutStore } from '../../models/commissions/payout-repository';
import { calculatePeriod, gatherPeriodInputs } from './period-calculation';
import { paidEarlierFor, paidMap } from './paid-earlier';
import { pendingAdjustments } from './dispute-adjustments';

/** The calendar month (UTC) an instant falls in: the open period. */
export const periodLabelOf = (at: Date): string => at.toISOString().slice(0, 7);

/**
 * What a partner has earned so far in the open period, computed now from the deals as they stand:
 * the plan in force applied to its closed-won deals and reversals not yet in an approved payout
 * run, and its accepted disputes no run holds yet. Nothing is stored, so a deal closed won a moment ago is in it. Beside it, what approved
 * runs paid. A partner key (`onlyPartnerId`) sees only its own partner.
 */
export async function partnerEarnings(services: Pick<Services, 'ruleSets' | 'tenants'>, tenantId: TenantId, partnerId: string, onlyPartnerId: string | undefined, now = new Date()) {
  await visiblePartner(tenantId, partnerId, onlyPartnerId);
  const period = periodOf(periodLabelOf(now));
  const store = payoutStore(tenantId);
  const approved = await store.approvedRunOf(period.label);
  const settled = approved ? await store.statementsOf(approved._id, { partnerId }, 1) : [];
  const excludeDealIds = new Set(settled.flatMap((s) => s.dealIds));
  const excludeReversalIds = new Set(settled.flatMap((s) => s.lines.flatMap((l) => (l.kind === 'clawback' ? [String(l.inputs.reversalId)] : []))));
  const inputs = await gatherPeriodInputs(services, tenantId, period, { partnerId, excludeDealIds, excludeReversalIds });
  // Accepted disputes not yet in a standing run: the partner's next run pays them.
  const adjustments = await pendingAdjustments(tenantId, partnerId);
  if (adjustments.length > 0) inputs.adjustments = adjustments;
  const digits = minorUnitDigits(inputs.currency);
  const view = calculationView(calculatePeriod(inputs, paidMap(await paidEarlierFor(tenantId, inputs))), digits);
  const paidRuns = await store.approvedOfPartner(partnerId, 120);
  const paidMinor = paidRuns.reduce((sum, r) => sum + r.totalMinor, 0);
  const statement = view.statements.find((s) => s.partnerId === partnerId);
  return {
    partnerId,
    period: period.label,
    currency: inputs.currency,
    planVersion: inputs.planVersion,
    pending: statement ?? { partnerId, revenueMinor: 0, revenue: '0', lines: [], totalMinor: 0, total: '0', carriedForwardMinor: 0, carriedForward: '0', notes: [] },
    paid: { totalMinor: paidMinor, total: fromMinor(paidMinor, digits), runs: paidRuns.map((r) => ({ runId: r.runId, period: r.period, total: fromMinor(r.totalMinor, digits) })) },
  };
}
