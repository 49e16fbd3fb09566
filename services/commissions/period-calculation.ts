import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import type { RoundingMode } from '../../domain/money';
import { minorUnitDigits } from '../../domain/locale';
import { calculate, type Calculation, type CommissionAdjustment, type CommissionDeal, type CommissionReversal, type TierSpan } from '../../domain/commissions/calculate';
import { COMMISSION_KIND } from '../../domain/commissions/rule-kind';
import { DEFAULT_COMMISSION_PLAN, type CommissionPlan } from '../../domain/commissions/plan';
import { periodRates, type FxRate, type Period } from '../../domain/commissions/period';
import { fxRateStore } from '../../models/commissions/repository';
import { closedWonDeals, reversalsRecorded, type ClosedWonDeal, type RecordedReversal } from '../deals/closed-deals';
import { getPartner } from '../onboarding/partners';

/**
 * Everything one period's commissions are computed from, gathered from the areas that own it:
 * the plan in force (pinned by version), the deals closed won and reversals recorded in the
 * period, the partners' tier histories, finance's rates and the tenant's money settings. A payout
 * run freezes exactly this (its snapshot); the accrual gathers it fresh for one partner.
 */
export interface PeriodInputs {
  period: Period;
  plan: CommissionPlan;
  /** The commission plan version in force at the end of the period (null: the default plan). */
  planVersion: number | null;
  currency: string;
  rounding: RoundingMode;
  deals: CommissionDeal[];
  reversals: RecordedReversal[];
  tiers: Record<string, TierSpan[]>;
  /** The rates the period converts at (periodRates), by source currency. */
  fx: FxRate[];
  carriedForward: Record<string, number>;
  /** Said about a partner's statement beside its lines (a conversion fallback, a reversal not clawed back). */
  notes: Record<string, string[]>;
  /** Accepted disputes of earlier runs this run pays (absent in snapshots frozen before disputes existed). */
  adjustments?: CommissionAdjustment[];
}

/** What a partner was paid for a deal in an approved run, keyed `${dealId}:${partnerId}`. */
export type PaidForDeal = ReadonlyMap<string, { paidMinor: number; paidRate: string }>;

export const noteFor = (notes: Record<string, string[]>, partnerId: string, note: string) => (notes[partnerId] ??= []).push(note);

/**
 * A closed-won deal as the engine takes it. A deal in a currency finance set no rate for in the
 * period (yet) counts at the rate its own rules converted it with, and the statement says so.
 */
export function commissionDealOf(deal: ClosedWonDeal, currency: string, fx: ReadonlyMap<string, FxRate>, period: Period, notes: Record<string, string[]>): CommissionDeal {
  const products = deal.products.map((product) => ({ product, units: 1 }));
  if (deal.currency === currency || fx.has(deal.currency) || deal.tenantCurrency !== currency) {
    return { id: deal.id, partnerId: deal.partnerId, amountMinor: deal.amountMinor, currency: deal.currency, products, closedAt: deal.closedAt };
  }
  noteFor(notes, deal.partnerId, `deal ${deal.id}: no ${deal.currency}→${currency} rate set for ${period.label}, counted at its close conversion (${deal.amountTenantMinor} ${currency} minor units)`);
  return { id: deal.id, partnerId: deal.partnerId, amountMinor: deal.amountTenantMinor, currency, products, closedAt: deal.closedAt };
}

export async function gatherPeriodInputs(
  services: Pick<Services, 'ruleSets' | 'tenants'>,
  tenantId: TenantId,
  period: Period,
  scope: { partnerId?: string; excludeDealIds?: ReadonlySet<string>; excludeReversalIds?: ReadonlySet<string>; carriedForward?: Record<string, number> } = {},
): Promise<PeriodInputs> {
  const common = await commonPeriodInputs(services, tenantId, period);
  const { currency } = common;
  const span = { from: period.start, to: period.end, partnerId: scope.partnerId };
  const [closed, recorded] = await Promise.all([closedWonDeals(tenantId, span), reversalsRecorded(tenantId, span)]);
  const reversals = recorded.filter((r) => !scope.excludeReversalIds?.has(r.id));
  const fx = new Map(common.fx.map((r) => [r.from, r]));
  const notes: Record<string, string[]> = {};

  const deals: CommissionDeal[] = [];
  for (const deal of closed) {
    if (scope.excludeDealIds?.has(deal.id)) continue;
    deals.push(commissionDealOf(deal, currency, fx, period, notes));
  }

  const tiers: Record<string, TierSpan[]> = {};
  for (const partnerId of new Set([...deals.map((d) => d.partnerId), ...reversals.map((r) => r.partnerId)])) {
    const partner = await getPartner(tenantId, partnerId);
    tiers[partnerId] = (partner?.tierHistory ?? [])
      .map((change) => ({ tier: change.tier, from: new Date(change.effectiveFrom) }))
      .sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  return { period, ...common, deals, reversals, tiers, carriedForward: scope.carriedForward ?? {}, notes };
}

/** The inputs of a period that are the same for every partner: plan, money settings, FX rates. */
export type CommonPeriodInputs = Pick<PeriodInputs, 'plan' | 'planVersion' | 'currency' | 'rounding' | 'fx'>;

export async function commonPeriodInputs(services: Pick<Services, 'ruleSets' | 'tenants'>, tenantId: TenantId, period: Period): Promise<CommonPeriodInputs> {
  const tenant = await services.tenants.require(tenantId);
  const { currency, roundingMode } = tenant.settings;
  // The plan in force on the period's last instant: one version for the whole period.
  const [pinned, stored] = await Promise.all([
    services.ruleSets.inForce<CommissionPlan>(tenantId, COMMISSION_KIND, new Date(period.end.getTime() - 1)),
    fxRateStore(tenantId).into(currency, period.end),
  ]);
  const fx = periodRates(stored.map((r) => ({ from: r.from, to: r.to, rate: r.rate, effectiveFrom: new Date(r.effectiveFrom) })), currency, period);
  return { plan: pinned?.definition ?? DEFAULT_COMMISSION_PLAN, planVersion: pinned?.version ?? null, currency, rounding: roundingMode, fx: [...fx.values()] };
}

/**
 * Runs the engine over the inputs. A reversal claws back at what the partner was paid for the
 * deal: from an approved run (`paidEarlier`), or, for a deal closed in this same period, what
 * this calculation pays for it (so a first pass rates the deals, the second adds the clawbacks).
 */
export function calculatePeriod(inputs: PeriodInputs, paidEarlier: PaidForDeal = new Map()): Calculation {
  const base = {
    period: inputs.period,
    currency: inputs.currency,
    digits: minorUnitDigits(inputs.currency),
    rounding: inputs.rounding,
    deals: inputs.deals,
    tiers: inputs.tiers,
    fx: new Map(inputs.fx.map((r) => [r.from, r])),
    carriedForward: inputs.carriedForward,
    adjustments: inputs.adjustments,
  };
  const notes: Record<string, string[]> = structuredClone(inputs.notes);
  let paidNow: Map<string, { paidMinor: number; paidRate: string }> | undefined;
  const reversals: CommissionReversal[] = [];
  for (const reversal of inputs.reversals) {
    const key = `${reversal.dealId}:${reversal.partnerId}`;
    let paid = paidEarlier.get(key);
    if (!paid && inputs.deals.some((d) => d.id === reversal.dealId)) {
      paidNow ??= paidInThisPeriod(calculate(inputs.plan, { ...base, reversals: [] }, minorUnitDigits));
      paid = paidNow.get(key);
    }
    if (!paid) {
      noteFor(notes, reversal.partnerId, `reversal ${reversal.id} of deal ${reversal.dealId}: nothing was paid for the deal, so nothing is clawed back`);
      continue;
    }
    reversals.push({
      id: reversal.id,
      dealId: reversal.dealId,
      partnerId: reversal.partnerId,
      closedAt: reversal.dealClosedAt,
      at: reversal.at,
      closedAmountMinor: reversal.dealClosedAmountMinor,
      amountMinor: reversal.amountMinor,
      reversedBeforeMinor: reversal.reversedBeforeMinor,
      ...paid,
    });
  }
  const calculation = calculate(inputs.plan, { ...base, reversals }, minorUnitDigits);
  for (const statement of calculation.statements) statement.notes.push(...(notes[statement.partnerId] ?? []));
  return calculation;
}

/** The commission each partner earns on each deal in a calculation, and its rate. */
export function paidInThisPeriod(calculation: Calculation): Map<string, { paidMinor: number; paidRate: string }> {
  const paid = new Map<string, { paidMinor: number; paidRate: string }>();
  for (const statement of calculation.statements) {
    for (const line of statement.lines) {
      if (line.kind !== 'commission' || !line.dealId) continue;
      paid.set(`${line.dealId}:${line.partnerId}`, { paidMinor: line.amountMinor, paidRate: line.rate ?? '0' });
    }
  }
  return paid;
}
