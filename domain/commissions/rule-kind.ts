import { Type, Static } from '@sinclair/typebox';
import { RuleKind, RuleInputError } from '../rules/registry';
import { isCurrency, minorUnitDigits } from '../locale';
import { AmountError, toMinor, type RoundingMode } from '../money';
import { DomainError } from '../errors';
import { D } from './decimal';
import { CommissionPlanSchema, CommissionPlan, DEFAULT_COMMISSION_PLAN, checkCommissionPlan, holdsAmounts } from './plan';
import { calculate, type CommissionDeal, type CommissionReversal, type TierSpan } from './calculate';
import { PERIOD_PATTERN, periodOf, periodRates, type FxRate } from './period';
import { calculationView, type CalculationView } from './view';

/**
 * The `commission` rule kind. Its dry run computes what a plan would pay for the deals given,
 * exactly as a payout run would: same engine, the tenant's currency and rounding mode.
 */
export const COMMISSION_KIND = 'commission';

const Id = Type.String({ minLength: 1, maxLength: 80 });
const Amount = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Instant = Type.String({ format: 'date-time' });
const Percent = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,4})?$' });
const Closed = { additionalProperties: false } as const;
const ROUNDING_MODES: RoundingMode[] = ['half-even', 'half-up', 'half-down', 'up', 'down'];

export const CommissionDryRunInput = Type.Object(
  {
    period: Type.String({ pattern: PERIOD_PATTERN, description: "the month the deals closed in, YYYY-MM (UTC); given alone (no deals), a past month whose real deals the plan runs over, compared with what that month's approved run paid" }),
    deals: Type.Optional(Type.Array(Type.Object(
      {
        id: Id,
        partnerId: Id,
        distributorId: Type.Optional(Id),
        splits: Type.Optional(Type.Array(Type.Object({ partnerId: Id, percent: Percent }, Closed), { minItems: 1, maxItems: 10 })),
        amount: Amount,
        currency: Type.Optional(Currency),
        products: Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 80 }), Type.Object({ product: Type.String({ minLength: 1, maxLength: 80 }), units: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, Closed)]), { maxItems: 50 }),
        closedAt: Instant,
      },
      Closed,
    ), { maxItems: 10_000 })),
    tiers: Type.Optional(Type.Record(Id, Type.Union([
      Type.String({ minLength: 1, maxLength: 40 }),
      Type.Array(Type.Object({ tier: Type.String({ minLength: 1, maxLength: 40 }), from: Instant }, Closed), { minItems: 1, maxItems: 100 }),
    ]), { description: "each partner's tier, or its history (the tier in force on a deal's close date applies)" })),
    reversals: Type.Optional(Type.Array(Type.Object(
      {
        id: Id,
        dealId: Id,
        partnerId: Id,
        closedAt: Instant,
        at: Instant,
        currency: Type.Optional(Currency),
        closedAmount: Amount,
        amount: Amount,
        reversedBefore: Type.Optional(Amount),
        paid: Type.Object({ amount: Amount, rate: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,40})?$' }) }, { ...Closed, description: 'what the partner was paid for the deal (tenant currency) and at which rate' }),
      },
      Closed,
    ), { maxItems: 10_000 })),
    fxRates: Type.Optional(Type.Array(Type.Object({ from: Currency, rate: Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,12})?$' }), effectiveFrom: Instant }, Closed), {
      maxItems: 500,
      description: 'rates into the tenant currency; the latest effective before the period ends applies',
    })),
    carriedForward: Type.Optional(Type.Record(Id, Type.String({ pattern: '^-?\\d{1,15}(\\.\\d{1,4})?$' }))),
    roundingMode: Type.Optional(Type.Union(ROUNDING_MODES.map((m) => Type.Literal(m)), { description: "default: the tenant's rounding mode" })),
  },
  Closed,
);
export type CommissionDryRunInput = Static<typeof CommissionDryRunInput>;

const HUNDRED = new D(100);

/** Money in the sample, refused as a real deal would be (422 naming the field). */
function minorOf(field: string, amount: string, currency: string): number {
  if (!isCurrency(currency)) throw new RuleInputError(field, `${currency} is not an ISO 4217 currency`);
  try {
    return toMinor(amount, minorUnitDigits(currency));
  } catch (err) {
    if (err instanceof AmountError) throw new RuleInputError(field, `${err.message} for ${currency}`);
    throw err;
  }
}

const instant = (value: string) => new Date(value);

function dealsOf(input: CommissionDryRunInput, tenantCurrency: string): CommissionDeal[] {
  return (input.deals ?? []).map((deal, i) => {
    const currency = deal.currency ?? tenantCurrency;
    if (deal.splits) {
      const total = deal.splits.reduce((sum, s) => sum.plus(s.percent), new D(0));
      if (!total.equals(HUNDRED)) throw new RuleInputError(`body.input.deals.${i}.splits`, `the percentages must total 100, got ${total.toString()}`);
      if (new Set(deal.splits.map((s) => s.partnerId)).size !== deal.splits.length) throw new RuleInputError(`body.input.deals.${i}.splits`, 'each partner appears once');
    }
    return {
      id: deal.id,
      partnerId: deal.partnerId,
      ...(deal.distributorId ? { distributorId: deal.distributorId } : {}),
      ...(deal.splits ? { splits: deal.splits } : {}),
      amountMinor: minorOf(`body.input.deals.${i}.amount`, deal.amount, currency),
      currency,
      products: deal.products.map((p) => (typeof p === 'string' ? { product: p, units: 1 } : p)),
      closedAt: instant(deal.closedAt),
    };
  });
}

function reversalsOf(input: CommissionDryRunInput, tenantCurrency: string): CommissionReversal[] {
  return (input.reversals ?? []).map((r, i) => {
    const currency = r.currency ?? tenantCurrency;
    const field = (name: string) => `body.input.reversals.${i}.${name}`;
    const closedAmountMinor = minorOf(field('closedAmount'), r.closedAmount, currency);
    const amountMinor = minorOf(field('amount'), r.amount, currency);
    const reversedBeforeMinor = r.reversedBefore === undefined ? 0 : minorOf(field('reversedBefore'), r.reversedBefore, currency);
    if (closedAmountMinor === 0) throw new RuleInputError(field('closedAmount'), 'must be greater than 0');
    if (reversedBeforeMinor + amountMinor > closedAmountMinor) throw new RuleInputError(field('amount'), 'with what was reversed before, exceeds the closed amount');
    return {
      id: r.id, dealId: r.dealId, partnerId: r.partnerId, closedAt: instant(r.closedAt), at: instant(r.at),
      closedAmountMinor, amountMinor, reversedBeforeMinor,
      paidMinor: minorOf(field('paid.amount'), r.paid.amount, tenantCurrency), paidRate: r.paid.rate,
    };
  });
}

function tiersOf(input: CommissionDryRunInput): Record<string, TierSpan[]> {
  const tiers: Record<string, TierSpan[]> = {};
  for (const [partnerId, given] of Object.entries(input.tiers ?? {})) {
    tiers[partnerId] = typeof given === 'string'
      ? [{ tier: given, from: new Date(0) }]
      : given.map((span) => ({ tier: span.tier, from: instant(span.from) })).sort((a, b) => a.from.getTime() - b.from.getTime());
  }
  return tiers;
}

function carriedOf(input: CommissionDryRunInput, tenantCurrency: string): Record<string, number> {
  const carried: Record<string, number> = {};
  for (const [partnerId, amount] of Object.entries(input.carriedForward ?? {})) {
    const negative = amount.startsWith('-');
    const minor = minorOf(`body.input.carriedForward.${partnerId}`, negative ? amount.slice(1) : amount, tenantCurrency);
    carried[partnerId] = negative ? -minor : minor;
  }
  return carried;
}

/** Engine refusals name fields relative to the input (`deals.3.currency`). */
const inputField = (err: DomainError): string => (err.details.field ? `body.input.${err.details.field}` : 'body.input');

export function dryRunCommission(plan: CommissionPlan, input: CommissionDryRunInput, context: { tenantCurrency: string; roundingMode: RoundingMode }): CalculationView {
  const currency = context.tenantCurrency;
  const digits = minorUnitDigits(currency);
  const fx: FxRate[] = (input.fxRates ?? []).map((r) => ({ from: r.from, to: currency, rate: r.rate, effectiveFrom: instant(r.effectiveFrom) }));
  const period = periodOf(input.period, 'body.input.period');
  try {
    const calculation = calculate(plan, {
      period,
      currency,
      digits,
      rounding: input.roundingMode ?? context.roundingMode,
      deals: dealsOf(input, currency),
      reversals: reversalsOf(input, currency),
      tiers: tiersOf(input),
      fx: periodRates(fx, currency, period),
      carriedForward: carriedOf(input, currency),
    }, minorUnitDigits);
    return calculationView(calculation, digits);
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'invalid') throw new RuleInputError(inputField(err), err.detail);
    throw err;
  }
}

export const commissionKind: RuleKind<CommissionPlan, CommissionDryRunInput, CalculationView> = {
  kind: COMMISSION_KIND,
  description: 'What partners earn for closed-won deals: base rates by tier and product, marginal or retroactive brackets, an accelerator, SPIFFs, caps, a minimum payout, distributor/reseller splits and clawbacks, paid in the tenant currency',
  schema: CommissionPlanSchema,
  defaultDefinition: DEFAULT_COMMISSION_PLAN,
  check: (plan, context) => checkCommissionPlan(plan, context.tenantCurrency === undefined ? undefined : minorUnitDigits(context.tenantCurrency)),
  holdsAmounts,
  dryRunInput: CommissionDryRunInput,
  dryRun: dryRunCommission,
};
