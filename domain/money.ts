import Decimal from 'decimal.js';

/**
 * Money: decimal strings on the wire, integer minor units in storage, decimal.js for
 * conversion. Floats never touch an amount.
 */
export type RoundingMode = 'half-even' | 'half-up' | 'half-down' | 'up' | 'down';

const DECIMAL_ROUNDING: Record<RoundingMode, Decimal.Rounding> = {
  'half-even': Decimal.ROUND_HALF_EVEN,
  'half-up': Decimal.ROUND_HALF_UP,
  'half-down': Decimal.ROUND_HALF_DOWN,
  up: Decimal.ROUND_UP,
  down: Decimal.ROUND_DOWN,
};

// A private constructor so precision settings never leak into or out of other modules.
const D = Decimal.clone({ precision: 40 });

export class AmountError extends Error {}

/**
 * Minor amounts are JavaScript numbers, exact only up to 2^53 - 1: anything beyond would be stored
 * rounded and refused later by whatever checks it (a workflow activity retrying forever), so it is
 * refused here, where a caller can still answer 422.
 */
function safeMinor(minor: Decimal): number {
  if (!minor.isFinite() || minor.abs().greaterThan(Number.MAX_SAFE_INTEGER)) throw new AmountError(`is too large (more than ${Number.MAX_SAFE_INTEGER} minor units)`);
  return minor.toNumber();
}

/** "1234.5" in EUR (2 digits) → 123450. Refuses more decimals than the currency has. */
export function toMinor(amount: string, digits: number): number {
  let value: Decimal;
  try {
    value = new D(amount);
  } catch {
    throw new AmountError('is not a decimal number');
  }
  const minor = value.times(new D(10).pow(digits));
  if (minor.isFinite() && !minor.isInteger()) throw new AmountError(`has more than ${digits} decimal places`);
  return safeMinor(minor);
}

/** 123450 with 2 digits → "1234.50". */
export function fromMinor(minor: number, digits: number): string {
  return new D(minor).div(new D(10).pow(digits)).toFixed(digits);
}

export interface Conversion {
  /** Amount in the target currency, integer minor units. */
  minor: number;
  /** Units of the target currency per unit of the source currency, as written in the rules. */
  rate: string;
}

/**
 * Converts minor units between currencies with an exact rate, rounding once, at the end, with
 * the tenant's rounding mode.
 */
export function convertMinor(
  minor: number,
  from: { currency: string; digits: number },
  to: { currency: string; digits: number },
  rates: Record<string, string>,
  rounding: RoundingMode,
): Conversion {
  if (!Number.isSafeInteger(minor)) throw new AmountError('is not a whole number of minor units within the safe range');
  if (from.currency === to.currency) return { minor, rate: '1' };
  const rate = rates[from.currency];
  if (rate === undefined) throw new AmountError(`no exchange rate from ${from.currency} to ${to.currency} in the deal-approval rules`);
  const major = new D(minor).div(new D(10).pow(from.digits)).times(new D(rate));
  const target = major.times(new D(10).pow(to.digits)).toDecimalPlaces(0, DECIMAL_ROUNDING[rounding]);
  return { minor: safeMinor(target), rate };
}

/** Compares a minor amount with a decimal threshold written in the same currency. */
export function compareMinorTo(minor: number, digits: number, threshold: string): number {
  return new D(minor).div(new D(10).pow(digits)).comparedTo(new D(threshold));
}
