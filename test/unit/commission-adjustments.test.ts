import { calculate, type CalculationInput, type CommissionAdjustment } from '../../domain/commissions/calculate';
import { periodOf } from '../../domain/commissions/period';
import { minorUnitDigits } from '../../domain/locale';
import { firstDifferingLine, statementHash } from '../../domain/commissions/statement-hash';

/** Accepted disputes as adjustment lines, and the statement fingerprint verify compares. */
const JUNE = periodOf('2025-06');
const base: CalculationInput = { period: JUNE, currency: 'USD', digits: 2, rounding: 'half-even', deals: [], reversals: [], tiers: {}, fx: new Map(), carriedForward: {} };
const adjustment = (amountMinor: number, over: Partial<CommissionAdjustment> = {}): CommissionAdjustment => ({
  id: 'dsp_1', partnerId: 'p1', amountMinor, disputedRunId: 'pr_x', disputedPeriod: '2025-05', disputedLine: 2, dealId: 'd7', reason: 'missed uplift', comment: 'confirmed', ...over,
});
const deal = { id: 'd1', partnerId: 'p1', amountMinor: 100000, currency: 'USD', products: [], closedAt: new Date('2025-06-03T00:00:00Z') };

describe('adjustments', () => {
  test('an accepted dispute is its own explained line, added to the period like any other', () => {
    const result = calculate({ rates: { default: '0.05' } }, { ...base, deals: [deal], adjustments: [adjustment(2500)] }, minorUnitDigits);
    const [statement] = result.statements;
    expect(statement.lines.map((l) => [l.kind, l.amountMinor])).toEqual([['commission', 5000], ['adjustment', 2500]]);
    expect(statement.lines[1]).toMatchObject({
      dealId: 'd7', rule: 'accepted dispute dsp_1 of line 2 in the 2025-05 run pr_x: confirmed',
      inputs: { disputeId: 'dsp_1', disputedRunId: 'pr_x', disputedPeriod: '2025-05', disputedLine: 2, reason: 'missed uplift' },
    });
    expect(statement.totalMinor).toBe(7500);
  });

  test('a partner with only an adjustment gets a statement; a negative one that leaves a negative balance carries forward', () => {
    const result = calculate({ rates: { default: '0.05' }, minimumPayout: '10' }, { ...base, adjustments: [adjustment(-1200, { partnerId: 'p2' }), adjustment(500, { id: 'dsp_2' })] }, minorUnitDigits);
    const of = (p: string) => result.statements.find((s) => s.partnerId === p)!;
    expect(of('p2')).toMatchObject({ totalMinor: 0, carriedForwardMinor: -1200 });
    // 5.00 is below the 10.00 minimum payout: carried forward too.
    expect(of('p1')).toMatchObject({ totalMinor: 0, carriedForwardMinor: 500 });
  });
});

describe('statement hash', () => {
  const lines = calculate({ rates: { default: '0.05' } }, { ...base, deals: [deal], adjustments: [adjustment(2500)] }, minorUnitDigits).statements[0].lines;

  test('the same lines hash the same whatever the key order or absent fields; any change changes it', () => {
    const reordered = JSON.parse(JSON.stringify(lines)).map((l: Record<string, unknown>) => Object.fromEntries(Object.entries(l).reverse()));
    expect(statementHash(reordered)).toBe(statementHash(lines));
    expect(statementHash(lines)).toMatch(/^[0-9a-f]{64}$/);
    const changed = structuredClone(lines);
    changed[1].amountMinor += 1;
    expect(statementHash(changed)).not.toBe(statementHash(lines));
    expect(firstDifferingLine(lines, changed)).toBe(1);
    expect(firstDifferingLine(lines, lines.slice(0, 1))).toBe(1);
    expect(firstDifferingLine(lines, reordered)).toBe(-1);
  });
});
