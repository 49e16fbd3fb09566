import Decimal from 'decimal.js';
import type { RoundingMode } from '../money';

// Enough digits for a 15-digit minor amount times another: nothing is rounded before the end.
const P = Decimal.clone({ precision: 40 });

const ROUNDING: Record<RoundingMode, Decimal.Rounding> = {
  'half-even': Decimal.ROUND_HALF_EVEN,
  'half-up': Decimal.ROUND_HALF_UP,
  'half-down': Decimal.ROUND_HALF_DOWN,
  up: Decimal.ROUND_UP,
  down: Decimal.ROUND_DOWN,
};

/**
 * A reversal's value in the tenant currency, converted at the close's own rate (closed tenant
 * amount / closed amount). Computed cumulatively, as round(total so far) - round(total before),
 * so a full refund takes back exactly the closed tenant amount, whatever the steps were.
 */
export function reversalTenantMinor(
  reversal: { totalReversedMinor: number; amountMinor: number },
  close: { closedAmountMinor: number; closedAmountTenantMinor: number },
  rounding: RoundingMode,
): number {
  const inTenant = (minor: number): Decimal =>
    new P(minor).times(close.closedAmountTenantMinor).div(close.closedAmountMinor).toDecimalPlaces(0, ROUNDING[rounding]);
  const value = inTenant(reversal.totalReversedMinor).minus(inTenant(reversal.totalReversedMinor - reversal.amountMinor));
  if (!value.abs().lte(Number.MAX_SAFE_INTEGER)) throw new RangeError('reversal amount is not a safe integer');
  return value.toNumber();
}
