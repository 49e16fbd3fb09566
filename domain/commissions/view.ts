import { fromMinor } from '../money';
import type { Calculation, CommissionLine, Statement } from './calculate';

/**
 * A calculation as the API shows it: every minor amount also as a decimal string in the tenant
 * currency, so a reader never divides by 10^digits to check a line.
 */
export function calculationView(calculation: Calculation, digits: number) {
  const money = (minor: number) => fromMinor(minor, digits);
  const line = (l: CommissionLine) => ({ ...l, amount: money(l.amountMinor) });
  const statement = (s: Statement) => ({
    ...s,
    revenue: money(s.revenueMinor),
    lines: s.lines.map(line),
    total: money(s.totalMinor),
    carriedForward: money(s.carriedForwardMinor),
  });
  return { ...calculation, total: money(calculation.totalMinor), statements: calculation.statements.map(statement) };
}

export type CalculationView = ReturnType<typeof calculationView>;
