import { DomainError } from '../errors';
import type { RoundingMode } from '../money';
import { fromMinor, toMinor } from '../money';
import { D, type Dec } from './decimal';
import { allocate } from './allocate';
import type { CommissionPlan, SplitRole } from './plan';
import { inPeriod, type FxRate, type Period } from './period';

/**
 * The commission calculation: pure, no I/O. It takes one period's closed-won deals, reversals,
 * partners' tiers, the period's FX rates and what earlier periods carried forward, and returns one
 * statement per partner whose lines each say what they were computed from. docs/commissions.md
 * walks through the order of the steps.
 */

export interface CommissionDeal {
  id: string;
  /** The partner that registered (resold) the deal. */
  partnerId: string;
  /** Its distributor, when the deal went through one: the plan's splits share it. */
  distributorId?: string;
  /** A split agreed for this deal (co-selling), overriding the plan's; percentages total 100. */
  splits?: { partnerId: string; percent: string }[];
  /** In the deal's currency. */
  amountMinor: number;
  currency: string;
  products: { product: string; units: number }[];
  closedAt: Date;
}

/** A refund or cancellation of a deal closed won in an earlier (or the same) period. */
export interface CommissionReversal {
  id: string;
  dealId: string;
  /** The partner that was paid for the deal; one reversal per paid partner. */
  partnerId: string;
  closedAt: Date;
  at: Date;
  /** The deal's closed amount, this reversal and what was reversed before it, in the deal's currency. */
  closedAmountMinor: number;
  amountMinor: number;
  reversedBeforeMinor: number;
  /** What the partner was paid for the deal (tenant currency) and the rate it was paid at. */
  paidMinor: number;
  paidRate: string;
}

export interface TierSpan {
  tier: string;
  from: Date;
}

export interface CalculationInput {
  period: Period;
  /** The tenant currency the plan pays in, its minor-unit digits and rounding mode. */
  currency: string;
  digits: number;
  rounding: RoundingMode;
  deals: readonly CommissionDeal[];
  reversals: readonly CommissionReversal[];
  /** Each partner's tier history, oldest first. */
  tiers: Readonly<Record<string, readonly TierSpan[]>>;
  /** The period's rates into the tenant currency, by source currency (periodRates). */
  fx: ReadonlyMap<string, FxRate>;
  /** Minor units earlier periods carried forward (below the minimum payout, or negative). */
  carriedForward: Readonly<Record<string, number>>;
  /** Accepted disputes of earlier runs, paid (or recovered) in this one. */
  adjustments?: readonly CommissionAdjustment[];
}

/**
 * What finance accepted on a disputed line of an earlier run: it lands in a later run as its own
 * line (the earlier run is never edited).
 */
export interface CommissionAdjustment {
  /** The dispute accepted. */
  id: string;
  partnerId: string;
  amountMinor: number;
  disputedRunId: string;
  disputedPeriod: string;
  disputedLine: number;
  dealId?: string;
  reason: string;
  comment: string;
}

export type LineKind = 'commission' | 'spiff' | 'period-cap' | 'clawback' | 'adjustment' | 'carried-in' | 'carried-forward';

/** One slice of a deal's credited revenue and the rate it earned. */
export interface Slice {
  fromMinor: number;
  toMinor: number;
  rate: string;
  why: string;
}

export interface CommissionLine {
  partnerId: string;
  kind: LineKind;
  dealId?: string;
  amountMinor: number;
  /** The rule applied, in words. */
  rule: string;
  /** The effective rate, where one applies (commission, clawback). */
  rate?: string;
  inputs: Record<string, string | number>;
  conversion?: { from: string; to: string; rate: string; effectiveFrom: string; amountMinor: number; convertedMinor: number };
  slices?: Slice[];
  /** The exact amount before rounding to minor units, and how it was rounded. */
  rounding?: { exact: string; mode: RoundingMode };
}

export interface Statement {
  partnerId: string;
  /** Revenue credited to the partner in the period (its split shares), tenant currency. */
  revenueMinor: number;
  lines: CommissionLine[];
  /** The sum of the lines: what this period pays. */
  totalMinor: number;
  /** Carried to the next period: below the minimum payout, or negative after clawbacks. */
  carriedForwardMinor: number;
  notes: string[];
}

export interface Calculation {
  period: string;
  currency: string;
  statements: Statement[];
  totalMinor: number;
  lineCount: number;
}

const DAY_MS = 86_400_000;
const WHOLE = new D(100);
const POWERS = new Map<number, Dec>();
/** 10^n, for converting between currencies' minor units. */
const tenTo = (n: number): Dec => {
  let found = POWERS.get(n);
  if (!found) POWERS.set(n, (found = new D(10).pow(n)));
  return found;
};

interface Share {
  partnerId: string;
  percent: Dec;
  role: string;
}

interface Credit {
  deal: CommissionDeal;
  share: Share;
  creditedMinor: number;
  /** Where the credit starts in the partner's period revenue (deals in close order). */
  startMinor: number;
  conversion?: CommissionLine['conversion'];
  dealTenantMinor: number;
  closedAt: string;
}

/** The plan with every decimal parsed and every amount in minor units, once per calculation. */
function compile(plan: CommissionPlan, digits: number) {
  const minor = (amount: string) => toMinor(amount, digits);
  const accelerator = plan.accelerator && {
    fromMinor: new D(minor(plan.accelerator.quota)).times(plan.accelerator.attainment).ceil().toNumber(),
    multiplier: new D(plan.accelerator.multiplier),
    text: `accelerator ×${plan.accelerator.multiplier} above ${plan.accelerator.attainment} of quota ${plan.accelerator.quota}`,
  };
  return {
    defaultRate: { rate: new D(plan.rates.default), text: plan.rates.default },
    byTier: new Map(Object.entries(plan.rates.byTier ?? {}).map(([tier, rate]) => [tier, { rate: new D(rate), why: `tier ${tier} rate ${rate}` }])),
    byProduct: (plan.rates.byProduct ?? []).map((p) => ({ product: p.product, rate: new D(p.rate), why: `product ${p.product} rate ${p.rate}` })),
    brackets: plan.brackets && {
      mode: plan.brackets.mode,
      bands: plan.brackets.bands.map((b) => ({ fromMinor: minor(b.from), rate: new D(b.rate), why: ` + ${plan.brackets!.mode} bracket from ${b.from} ${b.rate}` })),
    },
    accelerator,
    spiffs: (plan.spiffs ?? []).map((s) => ({ ...s, amountMinor: minor(s.amount) })),
    perDealCap: plan.caps?.perDeal === undefined ? undefined : { minor: minor(plan.caps.perDeal), exact: new D(minor(plan.caps.perDeal)), text: `, capped at ${fromMinor(minor(plan.caps.perDeal), digits)} per deal` },
    periodCapMinor: plan.caps?.perPartnerPerPeriod === undefined ? undefined : minor(plan.caps.perPartnerPerPeriod),
    minimumMinor: plan.minimumPayout === undefined ? 0 : minor(plan.minimumPayout),
    splits: plan.splits && new Map(plan.splits.map((s) => [s.role as SplitRole, new D(s.percent)])),
    clawbackDays: plan.clawback?.withinDays,
  };
}
type Compiled = ReturnType<typeof compile>;

const ROUNDING: Record<RoundingMode, 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8> = {
  up: 0, // ROUND_UP: away from zero
  down: 1, // ROUND_DOWN: towards zero
  'half-up': 4,
  'half-down': 5,
  'half-even': 6,
};

const round = (exact: Dec, mode: RoundingMode): number => exact.toDecimalPlaces(0, ROUNDING[mode]).toNumber();

function tierAt(spans: readonly TierSpan[] | undefined, at: Date): string | undefined {
  let tier: string | undefined;
  for (const span of spans ?? []) {
    if (span.from > at) break;
    tier = span.tier;
  }
  return tier;
}

function sharesOf(deal: CommissionDeal, plan: Compiled): Share[] {
  if (deal.splits) return deal.splits.map((s) => ({ partnerId: s.partnerId, percent: new D(s.percent), role: 'deal split' }));
  if (deal.distributorId && plan.splits) {
    return [
      { partnerId: deal.partnerId, percent: plan.splits.get('reseller')!, role: 'reseller' },
      { partnerId: deal.distributorId, percent: plan.splits.get('distributor')!, role: 'distributor' },
    ];
  }
  return [{ partnerId: deal.partnerId, percent: WHOLE, role: 'sole partner' }];
}

function convert(deal: CommissionDeal, digitsFrom: number, input: CalculationInput, index: number): { minor: number; conversion?: CommissionLine['conversion'] } {
  if (deal.currency === input.currency) return { minor: deal.amountMinor };
  const fx = input.fx.get(deal.currency);
  if (!fx) throw new DomainError('invalid', `no ${deal.currency}→${input.currency} rate set for ${input.period.label} (deal ${deal.id})`, { field: `deals.${index}.currency` });
  const exact = new D(deal.amountMinor).times(fx.rate).times(tenTo(input.digits - digitsFrom));
  const minor = round(exact, input.rounding);
  return { minor, conversion: { from: deal.currency, to: input.currency, rate: fx.rate, effectiveFrom: fx.effectiveFrom.toISOString(), amountMinor: deal.amountMinor, convertedMinor: minor } };
}

/** The base rate of one partner's share: the deal's first rated product, else its tier, else default. */
function baseRate(plan: Compiled, deal: CommissionDeal, tier: string | undefined): { rate: Dec; why: string } {
  for (const entry of plan.byProduct) {
    if (deal.products.some((p) => p.product === entry.product)) return entry;
  }
  const byTier = tier === undefined ? undefined : plan.byTier.get(tier);
  if (byTier) return byTier;
  return { rate: plan.defaultRate.rate, why: `default rate ${plan.defaultRate.text}${tier === undefined ? ' (no tier on the close date)' : ` (no rate for tier ${tier})`}` };
}

/** Cuts [start, end) at the plan's marginal breakpoints and gives each slice its rate. */
function slicesOf(plan: Compiled, credit: Credit, base: { rate: Dec; why: string }, retroactiveBand: number): { slices: Slice[]; exact: Dec } {
  const start = credit.startMinor;
  const end = start + credit.creditedMinor;
  const cuts: number[] = [];
  const brackets = plan.brackets;
  if (brackets?.mode === 'marginal') for (const band of brackets.bands) if (band.fromMinor > start && band.fromMinor < end) cuts.push(band.fromMinor);
  const accel = plan.accelerator;
  if (accel && accel.fromMinor > start && accel.fromMinor < end) cuts.push(accel.fromMinor);
  if (cuts.length > 1) cuts.sort((a, b) => a - b);
  cuts.push(end);
  const slices: Slice[] = [];
  let exact: Dec | undefined;
  let from = start;
  for (const to of cuts) {
    if (to <= from) continue;
    let rate = base.rate;
    let why = base.why;
    if (brackets) {
      const band = brackets.bands[brackets.mode === 'retroactive' ? retroactiveBand : bandAt(brackets.bands, from)];
      rate = rate.plus(band.rate);
      why += band.why;
    }
    if (accel && from >= accel.fromMinor) {
      rate = rate.times(accel.multiplier);
      why += `, ${accel.text}`;
    }
    const earned = rate.times(to - from);
    exact = exact ? exact.plus(earned) : earned;
    slices.push({ fromMinor: from, toMinor: to, rate: rate.toString(), why });
    from = to;
  }
  return { slices, exact: exact ?? new D(0) };
}

function bandAt(bands: { fromMinor: number }[], position: number): number {
  let index = 0;
  for (let i = 1; i < bands.length; i++) if (bands[i].fromMinor <= position) index = i;
  return index;
}

const dateOf = (at: Date): string => at.toISOString().slice(0, 10);

function spiffLines(plan: Compiled, deal: CommissionDeal, shares: Share[]): CommissionLine[] {
  const lines: CommissionLine[] = [];
  const closed = dateOf(deal.closedAt);
  for (const spiff of plan.spiffs) {
    if (closed < spiff.from || closed > spiff.to) continue;
    const matching = spiff.product === undefined ? deal.products : deal.products.filter((p) => p.product === spiff.product);
    if (spiff.product !== undefined && matching.length === 0) continue;
    const units = spiff.per === 'unit' ? matching.reduce((sum, p) => sum + p.units, 0) : 1;
    if (units === 0) continue;
    const total = spiff.amountMinor * units;
    const parts = allocate(total, shares.map((s) => s.percent));
    shares.forEach((share, i) => {
      if (parts[i] === 0) return;
      lines.push({
        partnerId: share.partnerId,
        kind: 'spiff',
        dealId: deal.id,
        amountMinor: parts[i],
        rule: `SPIFF ${spiff.name}: ${spiff.amount} per ${spiff.per}${spiff.product ? ` of ${spiff.product}` : ''}, ${spiff.from}..${spiff.to}${shares.length > 1 ? `, ${share.percent.toString()} % share (${share.role})` : ''}`,
        inputs: { units, spiffTotalMinor: total, sharePercent: share.percent.toString(), closedOn: closed },
      });
    });
  }
  return lines;
}

export function calculate(plan: CommissionPlan, input: CalculationInput, currencyDigits: (currency: string) => number): Calculation {
  const compiled = compile(plan, input.digits);
  const statements = new Map<string, Statement>();
  const statementOf = (partnerId: string): Statement => {
    let found = statements.get(partnerId);
    if (!found) {
      found = { partnerId, revenueMinor: 0, lines: [], totalMinor: 0, carriedForwardMinor: 0, notes: [] };
      statements.set(partnerId, found);
    }
    return found;
  };

  // 1. Credit each deal's converted amount to its partners' shares, in close order.
  const ordered = input.deals.map((deal, index) => ({ deal, index })).sort((a, b) => a.deal.closedAt.getTime() - b.deal.closedAt.getTime() || (a.deal.id < b.deal.id ? -1 : a.deal.id > b.deal.id ? 1 : 0));
  const credits: Credit[] = [];
  const spiffs: CommissionLine[] = [];
  for (const { deal, index } of ordered) {
    if (!inPeriod(input.period, deal.closedAt)) throw new DomainError('invalid', `deal ${deal.id} closed outside ${input.period.label}`, { field: `deals.${index}.closedAt` });
    const { minor, conversion } = convert(deal, currencyDigits(deal.currency), input, index);
    const shares = sharesOf(deal, compiled);
    const parts = allocate(minor, shares.map((s) => s.percent));
    const closedAt = deal.closedAt.toISOString();
    shares.forEach((share, i) => {
      const statement = statementOf(share.partnerId);
      credits.push({ deal, share, creditedMinor: parts[i], startMinor: statement.revenueMinor, conversion, dealTenantMinor: minor, closedAt });
      statement.revenueMinor += parts[i];
    });
    spiffs.push(...spiffLines(compiled, deal, shares));
  }

  // 2. Rate each credit: base rate, brackets, accelerator; the per-deal cap; one rounding.
  const retroactiveBands = new Map<string, number>();
  if (compiled.brackets?.mode === 'retroactive') for (const s of statements.values()) retroactiveBands.set(s.partnerId, bandAt(compiled.brackets.bands, s.revenueMinor));
  const spiffsByDeal = new Map<string, CommissionLine[]>();
  for (const line of spiffs) {
    const key = `${line.dealId}\u0000${line.partnerId}`;
    const held = spiffsByDeal.get(key);
    if (held) held.push(line);
    else spiffsByDeal.set(key, [line]);
  }
  for (const credit of credits) {
    const { deal, share } = credit;
    const tier = tierAt(input.tiers[share.partnerId], deal.closedAt);
    const base = baseRate(compiled, deal, tier);
    const { slices, exact: uncapped } = slicesOf(compiled, credit, base, retroactiveBands.get(share.partnerId) ?? 0);
    let exact = uncapped;
    let rule = slices.length === 1 ? slices[0].why : `${slices.length} slices of the period revenue`;
    // One slice uncapped: its rate is the line's; otherwise the effective rate is what was earned per unit.
    let rate = slices.length === 1 ? slices[0].rate : undefined;
    if (compiled.perDealCap !== undefined && exact.greaterThan(compiled.perDealCap.exact)) {
      exact = compiled.perDealCap.exact;
      rule += compiled.perDealCap.text;
      rate = undefined;
    }
    const amountMinor = round(exact, input.rounding);
    const statement = statementOf(share.partnerId);
    statement.lines.push({
      partnerId: share.partnerId,
      kind: 'commission',
      dealId: deal.id,
      amountMinor,
      rule,
      rate: rate ?? (credit.creditedMinor === 0 ? '0' : exact.div(credit.creditedMinor).toString()),
      inputs: {
        dealAmountMinor: deal.amountMinor,
        dealCurrency: deal.currency,
        dealTenantMinor: credit.dealTenantMinor,
        sharePercent: share.percent.toString(),
        shareRole: share.role,
        creditedMinor: credit.creditedMinor,
        tier: tier ?? '',
        closedAt: credit.closedAt,
      },
      conversion: credit.conversion,
      // One slice is said by the rule and rate; several show where the revenue crossed a breakpoint.
      slices: slices.length > 1 ? slices : undefined,
      rounding: { exact: exact.toString(), mode: input.rounding },
    });
    const dealSpiffs = spiffsByDeal.get(`${deal.id}\u0000${share.partnerId}`);
    if (dealSpiffs) {
      statement.lines.push(...dealSpiffs);
      spiffsByDeal.delete(`${deal.id}\u0000${share.partnerId}`);
    }
  }

  // 3. The period cap bounds what the period's deals earned.
  if (compiled.periodCapMinor !== undefined) {
    for (const statement of statements.values()) {
      const earned = statement.lines.reduce((sum, l) => sum + l.amountMinor, 0);
      if (earned > compiled.periodCapMinor) {
        statement.lines.push({
          partnerId: statement.partnerId,
          kind: 'period-cap',
          amountMinor: compiled.periodCapMinor - earned,
          rule: `capped at ${fromMinor(compiled.periodCapMinor, input.digits)} per partner per period`,
          inputs: { earnedMinor: earned, capMinor: compiled.periodCapMinor },
        });
      }
    }
  }

  // 4. Clawbacks land in the period of the reversal, at the rate the deal was paid.
  input.reversals.forEach((reversal, index) => {
    if (!inPeriod(input.period, reversal.at)) throw new DomainError('invalid', `reversal ${reversal.id} was recorded outside ${input.period.label}`, { field: `reversals.${index}.at` });
    const statement = statementOf(reversal.partnerId);
    const days = Math.floor((reversal.at.getTime() - reversal.closedAt.getTime()) / DAY_MS);
    if (compiled.clawbackDays === undefined || days > compiled.clawbackDays) {
      statement.notes.push(`reversal ${reversal.id} of deal ${reversal.dealId} ${days} days after the close is not clawed back (${compiled.clawbackDays === undefined ? 'the plan has no clawback' : `window ${compiled.clawbackDays} days`})`);
      return;
    }
    // Cumulative, so partial reversals of one deal never claw back more than was paid in total.
    const paid = new D(reversal.paidMinor);
    const upTo = (reversed: number) => round(paid.times(reversed).div(reversal.closedAmountMinor), input.rounding);
    const exact = paid.times(reversal.amountMinor).div(reversal.closedAmountMinor);
    const amountMinor = upTo(reversal.reversedBeforeMinor) - upTo(reversal.reversedBeforeMinor + reversal.amountMinor);
    statement.lines.push({
      partnerId: reversal.partnerId,
      kind: 'clawback',
      dealId: reversal.dealId,
      amountMinor,
      rule: `clawback of a reversal ${days} days after the close (window ${compiled.clawbackDays} days), at the rate paid ${reversal.paidRate}`,
      rate: reversal.paidRate,
      inputs: { reversalId: reversal.id, paidMinor: reversal.paidMinor, closedAmountMinor: reversal.closedAmountMinor, reversedMinor: reversal.amountMinor, reversedBeforeMinor: reversal.reversedBeforeMinor, reversedAt: reversal.at.toISOString() },
      rounding: { exact: exact.negated().toString(), mode: input.rounding },
    });
  });

  // 5. Accepted disputes of earlier runs, then what earlier periods carried, then the minimum payout.
  for (const adjustment of input.adjustments ?? []) {
    statementOf(adjustment.partnerId).lines.push({
      partnerId: adjustment.partnerId,
      kind: 'adjustment',
      ...(adjustment.dealId ? { dealId: adjustment.dealId } : {}),
      amountMinor: adjustment.amountMinor,
      rule: `accepted dispute ${adjustment.id} of line ${adjustment.disputedLine} in the ${adjustment.disputedPeriod} run ${adjustment.disputedRunId}${adjustment.comment ? `: ${adjustment.comment}` : ''}`,
      inputs: { disputeId: adjustment.id, disputedRunId: adjustment.disputedRunId, disputedPeriod: adjustment.disputedPeriod, disputedLine: adjustment.disputedLine, reason: adjustment.reason },
    });
  }
  for (const [partnerId, carried] of Object.entries(input.carriedForward)) {
    if (carried === 0) continue;
    statementOf(partnerId).lines.push({ partnerId, kind: 'carried-in', amountMinor: carried, rule: 'carried forward from earlier periods', inputs: { carriedMinor: carried } });
  }
  const result: Statement[] = [];
  let totalMinor = 0;
  let lineCount = 0;
  for (const statement of [...statements.values()].sort((a, b) => (a.partnerId < b.partnerId ? -1 : 1))) {
    const sum = statement.lines.reduce((s, l) => s + l.amountMinor, 0);
    if (sum < 0 || (sum > 0 && sum < compiled.minimumMinor)) {
      statement.lines.push({
        partnerId: statement.partnerId,
        kind: 'carried-forward',
        amountMinor: -sum,
        rule: sum < 0 ? 'negative balance carried forward to be recovered from later earnings' : `below the minimum payout of ${fromMinor(compiled.minimumMinor, input.digits)}, carried forward`,
        inputs: { balanceMinor: sum, minimumMinor: compiled.minimumMinor },
      });
      statement.carriedForwardMinor = sum;
    }
    statement.totalMinor = statement.lines.reduce((s, l) => s + l.amountMinor, 0);
    totalMinor += statement.totalMinor;
    lineCount += statement.lines.length;
    result.push(statement);
  }
  return { period: input.period.label, currency: input.currency, statements: result, totalMinor, lineCount };
}
