import { D } from './decimal';

/**
 * How a run's amounts compare with the previous period's approved run: per partner and in total,
 * the change in minor units and as a percentage of the previous amount (a decimal string with two
 * places, null when the previous amount was 0: no percentage of nothing). Pure.
 */
export interface AmountVariance {
  previousMinor: number;
  currentMinor: number;
  changeMinor: number;
  percent: string | null;
}

export interface PartnerVariance extends AmountVariance {
  partnerId: string;
}

export function amountVariance(previousMinor: number, currentMinor: number): AmountVariance {
  const changeMinor = currentMinor - previousMinor;
  const percent = previousMinor === 0 ? null : new D(changeMinor).div(Math.abs(previousMinor)).times(100).toDecimalPlaces(2, D.ROUND_HALF_EVEN).toFixed(2);
  return { previousMinor, currentMinor, changeMinor, percent };
}

/** Every partner of either run, in id order; a partner missing from one run counts 0 there. */
export function periodVariance(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): { total: AmountVariance; partners: PartnerVariance[] } {
  const partners = [...new Set([...previous.keys(), ...current.keys()])].sort().map((partnerId) => ({ partnerId, ...amountVariance(previous.get(partnerId) ?? 0, current.get(partnerId) ?? 0) }));
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  return { total: amountVariance(sum(previous), sum(current)), partners };
}
