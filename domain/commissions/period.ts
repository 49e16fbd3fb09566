import { DomainError } from '../errors';

/**
 * Commission periods are calendar months in UTC ("2025-06"). A deal belongs to the period of its
 * close, a reversal to the period it was recorded in.
 */
export interface Period {
  label: string;
  start: Date;
  /** The first instant of the next period. */
  end: Date;
}

export const PERIOD_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$';
const PERIOD = new RegExp(PERIOD_PATTERN);

export function periodOf(label: string, field = 'period'): Period {
  if (!PERIOD.test(label)) throw new DomainError('invalid', `${label} is not a period (YYYY-MM)`, { field });
  const [year, month] = label.split('-').map((part) => Number.parseInt(part, 10));
  return { label, start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

export const inPeriod = (period: Period, at: Date): boolean => at >= period.start && at < period.end;

export interface FxRate {
  from: string;
  to: string;
  /** Units of `to` per unit of `from`, a decimal string. */
  rate: string;
  effectiveFrom: Date;
}

/**
 * The rates a period converts at: for each currency into `to`, the one finance set with the latest
 * effectiveFrom before the period ends, so a rate set for June on June 1 (or on June 30) is June's.
 */
export function periodRates(rates: readonly FxRate[], to: string, period: Period): Map<string, FxRate> {
  const chosen = new Map<string, FxRate>();
  for (const rate of rates) {
    if (rate.to !== to || rate.effectiveFrom >= period.end) continue;
    const held = chosen.get(rate.from);
    if (!held || rate.effectiveFrom > held.effectiveFrom) chosen.set(rate.from, rate);
  }
  return chosen;
}
