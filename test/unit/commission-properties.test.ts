import fc from 'fast-check';
import { calculate, type CommissionDeal } from '../../domain/commissions/calculate';
import type { CommissionPlan } from '../../domain/commissions/plan';
import { allocate } from '../../domain/commissions/allocate';
import { D } from '../../domain/commissions/decimal';
import { periodOf, periodRates } from '../../domain/commissions/period';
import { minorUnitDigits } from '../../domain/locale';
import type { RoundingMode } from '../../domain/money';

/** Properties of the calculation over random periods under a plan that uses every feature. */
const JUNE = periodOf('2025-06');
const PLAN: CommissionPlan = {
  rates: { default: '0.05', byTier: { gold: '0.075' }, byProduct: [{ product: 'pro', rate: '0.1' }] },
  brackets: { mode: 'marginal', bands: [{ from: '0', rate: '0' }, { from: '5000', rate: '0.0125' }] },
  accelerator: { quota: '8000', attainment: '1', multiplier: '1.3333' },
  spiffs: [{ name: 'units', product: 'box', per: 'unit', amount: '3.33', from: '2025-06-01', to: '2025-06-15' }],
  caps: { perDeal: '700', perPartnerPerPeriod: '2500' },
  minimumPayout: '20',
  splits: [{ role: 'reseller', percent: '66.6667' }, { role: 'distributor', percent: '33.3333' }],
  clawback: { withinDays: 60 },
};
const FX = periodRates([{ from: 'EUR', to: 'USD', rate: '1.0873', effectiveFrom: new Date('2025-06-01T00:00:00Z') }, { from: 'JPY', to: 'USD', rate: '0.00671', effectiveFrom: new Date(0) }], 'USD', JUNE);
const PARTNERS = ['p1', 'p2', 'p3', 'p4'];

const dealArb = fc.record({
  partnerId: fc.constantFrom(...PARTNERS),
  distributorId: fc.option(fc.constantFrom('dist1', 'dist2'), { nil: undefined }),
  amountMinor: fc.integer({ min: 0, max: 1_000_000_00 }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY'),
  products: fc.array(fc.record({ product: fc.constantFrom('suite', 'pro', 'box'), units: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 3 }),
  minute: fc.integer({ min: 0, max: 29 * 24 * 60 }),
});
const dealsArb = fc.array(dealArb, { maxLength: 40 }).map((raw) =>
  raw.map((d, i): CommissionDeal => ({ id: `d${i}`, partnerId: d.partnerId, distributorId: d.distributorId, amountMinor: d.amountMinor, currency: d.currency, products: d.products, closedAt: new Date(JUNE.start.getTime() + d.minute * 60_000) })),
);
const modeArb = fc.constantFrom<RoundingMode>('half-even', 'half-up', 'half-down', 'up', 'down');

const run = (deals: CommissionDeal[], rounding: RoundingMode, carried: Record<string, number> = {}) =>
  calculate(PLAN, { period: JUNE, currency: 'USD', digits: 2, rounding, deals, reversals: [], tiers: { p1: [{ tier: 'gold', from: new Date(0) }] }, fx: FX, carriedForward: carried }, minorUnitDigits);

test('every statement total is the sum of its rounded lines, and the run total the sum of the statements', () => {
  fc.assert(fc.property(dealsArb, modeArb, fc.integer({ min: -5000, max: 5000 }), (deals, mode, carried) => {
    const result = run(deals, mode, { p2: carried });
    for (const s of result.statements) {
      expect(s.totalMinor).toBe(s.lines.reduce((sum, l) => sum + l.amountMinor, 0));
      for (const l of s.lines) expect(Number.isSafeInteger(l.amountMinor)).toBe(true);
      expect(s.totalMinor === 0 || s.totalMinor >= 2000).toBe(true);
    }
    expect(result.totalMinor).toBe(result.statements.reduce((sum, s) => sum + s.totalMinor, 0));
  }));
});

test("splits conserve the deal: the partners' credits add up to the converted deal amount", () => {
  fc.assert(fc.property(dealsArb, modeArb, (deals, mode) => {
    const result = run(deals, mode);
    const credited = new Map<string, number>();
    const converted = new Map<string, number>();
    for (const line of result.statements.flatMap((s) => s.lines).filter((l) => l.kind === 'commission')) {
      credited.set(line.dealId!, (credited.get(line.dealId!) ?? 0) + (line.inputs.creditedMinor as number));
      converted.set(line.dealId!, line.inputs.dealTenantMinor as number);
    }
    expect(credited).toEqual(converted);
    expect(credited.size).toBe(deals.length);
  }));
});

test('rounding is deterministic: the same period in any input order gives the same statements', () => {
  fc.assert(fc.property(dealsArb, modeArb, fc.func(fc.integer()), (deals, mode, key) => {
    const shuffled = [...deals].sort((a, b) => key(a.id) - key(b.id));
    expect(JSON.stringify(run(shuffled, mode))).toBe(JSON.stringify(run(deals, mode)));
  }));
});

test('allocation gives every unit to exactly one share, each within one unit of its exact part', () => {
  fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 6 }), (total, weights) => {
    const sum = weights.reduce((a, b) => a + b, 0);
    fc.pre(sum > 0);
    // Percentages that total exactly 100: the weights' shares, the last one taking the rest.
    const percents = weights.map((w) => new D(w).times(100).div(sum).toDecimalPlaces(4, D.ROUND_DOWN));
    percents[percents.length - 1] = percents[percents.length - 1].plus(new D(100).minus(percents.reduce((a, b) => a.plus(b), new D(0))));
    const parts = allocate(total, percents);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
    parts.forEach((part, i) => expect(new D(part).minus(new D(total).times(percents[i]).div(100)).abs().lessThan(1)).toBe(true));
  }));
});
