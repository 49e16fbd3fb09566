import type { Services } from '..';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { DomainError, invalid } from '../../domain/errors';
import { fromMinor } from '../../domain/money';
import { minorUnitDigits } from '../../domain/locale';
import { periodOf } from '../../domain/commissions/period';
import type { CommissionPlan } from '../../domain/commissions/plan';
import type { CommissionDryRunInput } from '../../domain/commissions/rule-kind';
import type { DryRunContext, DryRunData } from '../../domain/rules/registry';
import { calculationView } from '../../domain/commissions/view';
import { payoutStore } from '../../models/commissions/payout-repository';
import { carriedIntoPeriod, wholeSnapshotInputs } from './payout-snapshot';
import { paidEarlierFor, paidMap, type PaidEarlier } from './paid-earlier';
import { calculatePeriod, gatherPeriodInputs, type PeriodInputs } from './period-calculation';

/**
 * A draft plan over a past period's real deals: `{ "input": { "period": "2026-09" } }` with no
 * sample deals. When the period has an approved run, the draft runs over that run's frozen
 * snapshot (the very deals, reversals, tiers, rates, carry and adjustments it paid from), so the
 * difference per partner is the plan's alone; otherwise over the period's deals as recorded now.
 * Nothing is written.
 */
const SAMPLE_FIELDS = ['tiers', 'reversals', 'fxRates', 'carriedForward'] as const;

export async function periodDryRun(services: Pick<Services, 'ruleSets' | 'tenants'>, tenantId: TenantId, plan: CommissionPlan, input: CommissionDryRunInput, context: DryRunContext, now = new Date()) {
  const period = periodOf(input.period, 'body.input.period');
  if (period.end > now) throw invalid('body.input.period', `${period.label} has not ended; a dry run over real deals runs a past period (give sample deals for others)`);
  for (const field of SAMPLE_FIELDS) if (input[field] !== undefined) throw invalid(`body.input.${field}`, 'a dry run over a period\'s real deals uses the real ones; sample input goes with sample deals');

  const store = payoutStore(tenantId);
  const paidRun = await store.approvedRunOf(period.label);
  let inputs: PeriodInputs;
  let paidEarlier: PaidEarlier;
  if (paidRun) {
    ({ inputs, paidEarlier } = await wholeSnapshotInputs(tenantId, paidRun._id));
  } else {
    inputs = await gatherPeriodInputs(services, tenantId, period, { carriedForward: await carriedIntoPeriod(tenantId, period) });
    paidEarlier = await paidEarlierFor(tenantId, inputs);
  }
  const calculation = calculatePeriod({ ...inputs, plan, rounding: input.roundingMode ?? inputs.rounding }, paidMap(paidEarlier));

  const currency = inputs.currency;
  const digits = minorUnitDigits(currency);
  const money = (minor: number) => fromMinor(minor, digits);
  const paid = new Map(paidRun ? (await store.statementTotalsOf(paidRun._id, 100_000)).map((s) => [s.partnerId, s.totalMinor]) : []);
  const would = new Map(calculation.statements.map((s) => [s.partnerId, s.totalMinor]));
  const partners = [...new Set([...would.keys(), ...paid.keys()])].sort().map((partnerId) => {
    const wouldPayMinor = would.get(partnerId) ?? 0;
    const paidMinor = paid.get(partnerId) ?? 0;
    return { partnerId, wouldPay: money(wouldPayMinor), paid: money(paidMinor), difference: money(wouldPayMinor - paidMinor), wouldPayMinor, paidMinor, differenceMinor: wouldPayMinor - paidMinor };
  });
  const sum = (pick: (p: (typeof partners)[number]) => number) => partners.reduce((s, p) => s + pick(p), 0);
  return {
    period: period.label,
    currency,
    over: paidRun ? `the frozen snapshot of approved run ${paidRun._id}` : `the deals of ${period.label} as recorded now (no approved run)`,
    paidBy: paidRun ? { runId: paidRun._id, planVersion: paidRun.planVersion ?? null } : null,
    partners,
    totals: { wouldPay: money(sum((p) => p.wouldPayMinor)), paid: money(sum((p) => p.paidMinor)), difference: money(sum((p) => p.differenceMinor)) },
    calculation: calculationView(calculation, digits),
  };
}

/** The rule kind's hook: a period without sample deals runs over the real ones. */
export function commissionDryRunOverData(data: DryRunData, plan: CommissionPlan, input: CommissionDryRunInput, context: DryRunContext) {
  if (input.deals !== undefined) return undefined;
  // What partners were paid is for the roles that read payout runs, not every staff role.
  if (data.role !== 'finance' && data.role !== 'tenant-admin') return Promise.reject(new DomainError('forbidden', 'a dry run over real deals and payouts is for finance and tenant admins'));
  return periodDryRun(data.services as Pick<Services, 'ruleSets' | 'tenants'>, asTenantId(data.tenantId), plan, input, context);
}
