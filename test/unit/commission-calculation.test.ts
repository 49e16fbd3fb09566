import { calculate, type CalculationInput, type CommissionDeal, type CommissionReversal } from '../../domain/commissions/calculate';
import type { CommissionPlan } from '../../domain/commissions/plan';
import { periodOf, periodRates } from '../../domain/commissions/period';
import { minorUnitDigits } from '../../domain/locale';
import { DomainError } from '../../domain/errors';

/**
 * Every plan feature against amounts worked out by hand (the arithmetic is in each case's name or
 * comment). Tenant currency USD (2 digits), period June 2025, half-even unless a case says otherwise.
 */
const JUNE = periodOf('2025-06');

let seq = 0;
const deal = (amountMinor: number, over: Partial<CommissionDeal> = {}): CommissionDeal => ({
  id: `d${String(++seq).padStart(4, '0')}`,
  partnerId: 'p1',
  amountMinor,
  currency: 'USD',
  products: [{ product: 'suite', units: 1 }],
  closedAt: new Date(Date.UTC(2025, 5, 1, 0, seq)),
  ...over,
});

function run(plan: CommissionPlan, deals: CommissionDeal[], over: Partial<CalculationInput> = {}) {
  return calculate(plan, { period: JUNE, currency: 'USD', digits: 2, rounding: 'half-even', deals, reversals: [], tiers: {}, fx: new Map(), carriedForward: {}, ...over }, minorUnitDigits);
}
const statementOf = (result: ReturnType<typeof run>, partnerId = 'p1') => result.statements.find((s) => s.partnerId === partnerId)!;
const amounts = (result: ReturnType<typeof run>, partnerId = 'p1', kind?: string) => statementOf(result, partnerId).lines.filter((l) => !kind || l.kind === kind).map((l) => l.amountMinor);
const total = (result: ReturnType<typeof run>, partnerId = 'p1') => statementOf(result, partnerId).totalMinor;

const flat = (rate: string, more: Partial<CommissionPlan> = {}): CommissionPlan => ({ rates: { default: rate }, ...more });

describe('base rates', () => {
  const plan: CommissionPlan = { rates: { default: '0.05', byTier: { gold: '0.08' }, byProduct: [{ product: 'suite-pro', rate: '0.10' }, { product: 'addon', rate: '0.02' }] } };
  test.each([
    ['default 5 % of 1000.00 = 50.00', [{ product: 'suite', units: 1 }], {}, 5000],
    ['gold tier 8 % of 1000.00 = 80.00', [{ product: 'suite', units: 1 }], { p1: [{ tier: 'gold', from: new Date(0) }] }, 8000],
    ['a tier without a rate falls back to the default: 50.00', [{ product: 'suite', units: 1 }], { p1: [{ tier: 'silver', from: new Date(0) }] }, 5000],
    ['a product rate beats the tier: 10 % = 100.00', [{ product: 'suite-pro', units: 1 }], { p1: [{ tier: 'gold', from: new Date(0) }] }, 10000],
    ["the plan's first listed product wins over a later one: 10 %", [{ product: 'addon', units: 1 }, { product: 'suite-pro', units: 1 }], {}, 10000],
  ])('%s', (_name, products, tiers, expected) => {
    const result = run(plan, [deal(100000, { products })], { tiers });
    expect(amounts(result, 'p1', 'commission')).toEqual([expected]);
  });

  test('the tier in force on the close date applies (silver until 15 June, gold after)', () => {
    const tiers = { p1: [{ tier: 'silver', from: new Date(0) }, { tier: 'gold', from: new Date('2025-06-15T00:00:00Z') }] };
    const result = run(plan, [deal(100000, { closedAt: new Date('2025-06-14T23:59:59Z') }), deal(100000, { closedAt: new Date('2025-06-15T00:00:00Z') })], { tiers });
    expect(amounts(result, 'p1', 'commission')).toEqual([5000, 8000]);
    expect(statementOf(result).lines[1].inputs.tier).toBe('gold');
  });
});

describe('brackets on period revenue (added to the base rate 5 %; +2 % from 10000.00)', () => {
  const bands = [{ from: '0', rate: '0' }, { from: '10000', rate: '0.02' }];
  const marginal = flat('0.05', { brackets: { mode: 'marginal', bands } });
  const retroactive = flat('0.05', { brackets: { mode: 'retroactive', bands } });
  test.each([
    // 8000 × 5 % = 400; then 2000 × 5 % + 2000 × 7 % = 100 + 140 = 240
    ['marginal 8000 + 4000', marginal, [800000, 400000], [40000, 24000]],
    // the period total 12000 reaches the 7 % band: 8000 × 7 % = 560, 4000 × 7 % = 280
    ['retroactive 8000 + 4000', retroactive, [800000, 400000], [56000, 28000]],
    // exactly 10000.00 reaches the band (from is inclusive); marginal: the slice above 10000 is empty
    ['retroactive at the boundary 6000 + 4000', retroactive, [600000, 400000], [42000, 28000]],
    ['marginal at the boundary 6000 + 4000', marginal, [600000, 400000], [30000, 20000]],
    // one cent below: 9999.99 stays at 5 %: 6000 × 5 % = 300, 3999.99 × 5 % = 199.9995 → 200.00
    ['retroactive one cent below 6000 + 3999.99', retroactive, [600000, 399999], [30000, 20000]],
    // 10000.01: marginal 0.01 × 7 % = 0.0007 more on the second deal → 200.0007 → 200.00
    ['marginal one cent above 6000 + 4000.01', marginal, [600000, 400001], [30000, 20000]],
    // retroactive 10000.01: 6000 × 7 % = 420, 4000.01 × 7 % = 280.0007 → 280.00
    ['retroactive one cent above 6000 + 4000.01', retroactive, [600000, 400001], [42000, 28000]],
  ])('%s', (_name, plan, dealAmounts, expected) => {
    const result = run(plan as CommissionPlan, dealAmounts.map((a) => deal(a)));
    expect(amounts(result, 'p1', 'commission')).toEqual(expected);
  });

  test('a marginal line shows its slices with their rates', () => {
    const result = run(marginal, [deal(800000), deal(400000)]);
    expect(statementOf(result).lines[1].slices).toEqual([
      expect.objectContaining({ fromMinor: 800000, toMinor: 1000000, rate: '0.05' }),
      expect.objectContaining({ fromMinor: 1000000, toMinor: 1200000, rate: '0.07' }),
    ]);
  });
});

describe('accelerator (4 %, ×1.5 above 100 % of a 10000.00 quota)', () => {
  const plan = flat('0.04', { accelerator: { quota: '10000', attainment: '1', multiplier: '1.5' } });
  test('revenue beyond the quota earns 6 %: 6000 → 240; 4000 × 4 % + 2000 × 6 % = 160 + 120 = 280', () => {
    expect(amounts(run(plan, [deal(600000), deal(600000)]), 'p1', 'commission')).toEqual([24000, 28000]);
  });
  test('at 80 % attainment the multiplier starts at 8000.00: 10000 → 8000 × 4 % + 2000 × 6 % = 440', () => {
    const early = flat('0.04', { accelerator: { quota: '10000', attainment: '0.8', multiplier: '1.5' } });
    expect(amounts(run(early, [deal(1000000)]), 'p1', 'commission')).toEqual([44000]);
  });
  test('with marginal brackets, the multiplier applies to base + bracket: 12000 → 10000 × 4 % + 2000 × (4 % + 1 %) × 1.5 = 400 + 150', () => {
    const both = flat('0.04', { accelerator: { quota: '10000', attainment: '1', multiplier: '1.5' }, brackets: { mode: 'marginal', bands: [{ from: '0', rate: '0' }, { from: '10000', rate: '0.01' }] } });
    expect(amounts(run(both, [deal(1200000)]), 'p1', 'commission')).toEqual([55000]);
  });
});

describe('SPIFFs', () => {
  const spiffs: CommissionPlan['spiffs'] = [
    { name: 'box push', product: 'box', per: 'unit', amount: '25.00', from: '2025-06-01', to: '2025-06-30' },
    { name: 'suite launch', product: 'suite', per: 'deal', amount: '50', from: '2025-06-10', to: '2025-06-20' },
    { name: 'any deal', per: 'deal', amount: '5', from: '2025-06-01', to: '2025-06-01' },
  ];
  const plan = flat('0', { spiffs });
  test.each([
    ['4 boxes on 30 June late evening: 4 × 25.00 = 100.00', [{ product: 'box', units: 4 }], '2025-06-30T23:00:00Z', [10000]],
    ['a suite deal inside the launch dates: 50.00 once', [{ product: 'suite', units: 3 }], '2025-06-20T12:00:00Z', [5000]],
    ['a suite deal the day after the launch: nothing', [{ product: 'suite', units: 3 }], '2025-06-21T00:00:00Z', []],
    ['any deal on 1 June: 5.00, plus 2 boxes 50.00', [{ product: 'box', units: 2 }], '2025-06-01T08:00:00Z', [10000 / 2, 500]],
  ])('%s', (_name, products, closedAt, expected) => {
    const result = run(plan, [deal(100000, { products, closedAt: new Date(closedAt) })]);
    expect(amounts(result, 'p1', 'spiff')).toEqual(expected);
  });
});

describe('caps', () => {
  test('per deal: 10 % of 10000.00 = 1000.00, capped at 500.00', () => {
    const result = run(flat('0.10', { caps: { perDeal: '500' } }), [deal(1000000), deal(100000)]);
    expect(amounts(result, 'p1', 'commission')).toEqual([50000, 10000]);
    expect(statementOf(result).lines[0].rule).toContain('capped at 500.00 per deal');
  });
  test('per partner per period: 500 + 500 earned, capped at 800.00 by a -200.00 line', () => {
    const result = run(flat('0.10', { caps: { perPartnerPerPeriod: '800' } }), [deal(500000), deal(500000)]);
    expect(amounts(result)).toEqual([50000, 50000, -20000]);
    expect(total(result)).toBe(80000);
  });
});

describe('minimum payout', () => {
  const plan = flat('0.05', { minimumPayout: '100' });
  test('25.00 earned is below 100.00: carried forward, nothing paid', () => {
    const result = run(plan, [deal(50000)]);
    expect(amounts(result)).toEqual([2500, -2500]);
    expect(statementOf(result)).toMatchObject({ totalMinor: 0, carriedForwardMinor: 2500 });
  });
  test('80.00 carried in + 25.00 earned = 105.00 is paid', () => {
    const result = run(plan, [deal(50000)], { carriedForward: { p1: 8000 } });
    expect(amounts(result)).toEqual([2500, 8000]);
    expect(statementOf(result)).toMatchObject({ totalMinor: 10500, carriedForwardMinor: 0 });
  });
});

describe('splits', () => {
  const plan = flat('0.10', { splits: [{ role: 'reseller', percent: '70' }, { role: 'distributor', percent: '30' }] });
  test('distributor + reseller on 1000.01: credits 700.01 / 300.00 (the spare cent to the larger fraction), 10 % each', () => {
    const result = run(plan, [deal(100001, { distributorId: 'dist' })]);
    expect(statementOf(result, 'p1').lines[0].inputs).toMatchObject({ creditedMinor: 70001, shareRole: 'reseller' });
    expect(statementOf(result, 'dist').lines[0].inputs).toMatchObject({ creditedMinor: 30000, shareRole: 'distributor' });
    // 7000.1 minor → 70.00 (half-even); 3000 minor → 30.00
    expect(amounts(result, 'p1')).toEqual([7000]);
    expect(amounts(result, 'dist')).toEqual([3000]);
  });
  test('a deal without a distributor goes wholly to its partner', () => {
    expect(amounts(run(plan, [deal(100000)]))).toEqual([10000]);
  });
  // 0.05 × 50/25/25 = 2.5 / 1.25 / 1.25 minor: floors 2/1/1, the spare unit to the largest fraction (0.5)
  test('a deal split of its own overrides the plan: 50/25/25 of 0.05 → 0.03 / 0.01 / 0.01', () => {
    const result = run(plan, [deal(5, { splits: [{ partnerId: 'a', percent: '50' }, { partnerId: 'b', percent: '25' }, { partnerId: 'c', percent: '25' }] })]);
    expect(result.statements.map((s) => [s.partnerId, s.revenueMinor])).toEqual([['a', 3], ['b', 1], ['c', 1]]);
  });
  test('a SPIFF is shared like the deal: 25.00 per unit × 1 at 70/30 = 17.50 / 7.50', () => {
    const withSpiff = { ...plan, rates: { default: '0' }, spiffs: [{ name: 's', product: 'suite', per: 'unit' as const, amount: '25', from: '2025-01-01', to: '2025-12-31' }] };
    const result = run(withSpiff, [deal(100000, { distributorId: 'dist' })]);
    expect(amounts(result, 'p1', 'spiff')).toEqual([1750]);
    expect(amounts(result, 'dist', 'spiff')).toEqual([750]);
  });
});

describe('clawbacks', () => {
  const plan = flat('0.08', { clawback: { withinDays: 90 } });
  const reversal = (over: Partial<CommissionReversal> = {}): CommissionReversal => ({
    id: 'r1', dealId: 'old', partnerId: 'p1', closedAt: new Date('2025-04-01T00:00:00Z'), at: new Date('2025-06-10T00:00:00Z'),
    closedAmountMinor: 100000, amountMinor: 25000, reversedBeforeMinor: 0, paidMinor: 8000, paidRate: '0.08', ...over,
  });
  test('a quarter refunded 70 days after the close claws back a quarter of the 80.00 paid: -20.00, in June', () => {
    const result = run(plan, [deal(100000)], { reversals: [reversal()] });
    expect(amounts(result, 'p1', 'clawback')).toEqual([-2000]);
    expect(statementOf(result).lines.find((l) => l.kind === 'clawback')).toMatchObject({ rate: '0.08', dealId: 'old' });
    expect(total(result)).toBe(8000 - 2000);
  });
  test('at the rate it was paid, not the plan in force now (paid at 5 % → -12.50)', () => {
    expect(amounts(run(plan, [], { reversals: [reversal({ paidMinor: 5000, paidRate: '0.05' })] }), 'p1', 'clawback')).toEqual([-1250]);
  });
  test('outside the 90-day window (160 days): no clawback, a note says why', () => {
    const result = run(plan, [], { reversals: [reversal({ closedAt: new Date('2025-01-01T00:00:00Z') })] });
    expect(amounts(result)).toEqual([]);
    expect(statementOf(result).notes[0]).toMatch(/160 days after the close is not clawed back/);
  });
  test('two half refunds of a deal paid 0.01 claw back 0.01 in total, never 0.02', () => {
    const halves = [reversal({ id: 'r1', paidMinor: 1, amountMinor: 50000 }), reversal({ id: 'r2', paidMinor: 1, amountMinor: 50000, reversedBeforeMinor: 50000 })];
    // 0.5 minor rounds (half-even) to 0 on the first half; the second takes the total to the 0.01 paid
    expect(amounts(run(plan, [], { reversals: halves }), 'p1', 'clawback')).toEqual([0, -1]);
    expect(Object.is(amounts(run(plan, [], { reversals: halves }), 'p1', 'clawback')[0], -0)).toBe(false);
  });
  test('a clawback larger than the period earnings leaves a negative balance carried forward', () => {
    const result = run(plan, [], { reversals: [reversal({ amountMinor: 100000 })] });
    expect(amounts(result)).toEqual([-8000, 8000]);
    expect(statementOf(result)).toMatchObject({ totalMinor: 0, carriedForwardMinor: -8000 });
  });
  test('a reversal recorded in another period belongs to that period', () => {
    expect(() => run(plan, [], { reversals: [reversal({ at: new Date('2025-07-01T00:00:00Z') })] })).toThrow(DomainError);
  });
});

describe('currency conversion at the period rate', () => {
  const rates = [
    { from: 'EUR', to: 'USD', rate: '1.05', effectiveFrom: new Date('2025-05-01T00:00:00Z') },
    { from: 'EUR', to: 'USD', rate: '1.0850', effectiveFrom: new Date('2025-06-01T00:00:00Z') },
    { from: 'EUR', to: 'USD', rate: '1.20', effectiveFrom: new Date('2025-07-01T00:00:00Z') },
    { from: 'JPY', to: 'USD', rate: '0.0067', effectiveFrom: new Date('2025-06-30T00:00:00Z') },
  ];
  const fx = periodRates(rates, 'USD', JUNE);
  test("1000.00 EUR at June's 1.0850 = 1085.00 USD; 5 % = 54.25", () => {
    const result = run(flat('0.05'), [deal(100000, { currency: 'EUR' })], { fx });
    const line = statementOf(result).lines[0];
    expect(line.conversion).toMatchObject({ from: 'EUR', to: 'USD', rate: '1.0850', convertedMinor: 108500 });
    expect(line.amountMinor).toBe(5425);
  });
  test('100000 JPY (no minor unit) at 0.0067 = 670.00 USD; 5 % = 33.50', () => {
    expect(amounts(run(flat('0.05'), [deal(100000, { currency: 'JPY' })], { fx }))).toEqual([3350]);
  });
  test('a currency without a rate for the period is refused, naming the deal', () => {
    expect(() => run(flat('0.05'), [deal(100, { currency: 'GBP' })], { fx })).toThrow(expect.objectContaining({ details: { field: 'deals.0.currency' } }));
  });
});

describe("each line is rounded once by the tenant's rounding mode", () => {
  // 0.25 × 10 % = 2.5 minor; 0.35 × 10 % = 3.5 minor; -2.5 as a clawback of half of 0.05 paid
  test.each([
    ['half-even', 2, 4],
    ['half-up', 3, 4],
    ['half-down', 2, 3],
    ['up', 3, 4],
    ['down', 2, 3],
  ] as const)('%s: 2.5 → %i, 3.5 → %i', (mode, a, b) => {
    const result = run(flat('0.10'), [deal(25), deal(35)], { rounding: mode });
    expect(amounts(result)).toEqual([a, b]);
    expect(statementOf(result).lines[0].rounding).toEqual({ exact: '2.5', mode });
    expect(total(result)).toBe(a + b);
  });
});
