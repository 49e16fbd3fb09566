import Decimal from 'decimal.js';
import { AmountError, toMinor } from '../money';

/**
 * The money of an order line: the unit price arrives as a decimal string in the order's currency
 * and is kept in integer minor units; a line's total is the exact product, refused rather than
 * rounded when it leaves the range a minor amount can hold.
 */
const D = Decimal.clone({ precision: 40 });

export function unitPriceMinor(unitPrice: string, digits: number): number {
  const minor = toMinor(unitPrice, digits);
  if (minor < 0) throw new AmountError('must not be negative');
  return minor;
}

export function lineTotalMinor(priceMinor: number, quantity: number): number {
  const total = new D(priceMinor).times(quantity);
  if (total.greaterThan(Number.MAX_SAFE_INTEGER)) throw new AmountError(`makes a line total above ${Number.MAX_SAFE_INTEGER} minor units`);
  return total.toNumber();
}

export function sumMinor(amounts: number[]): number {
  const total = amounts.reduce((sum, a) => sum.plus(a), new D(0));
  if (total.greaterThan(Number.MAX_SAFE_INTEGER)) throw new AmountError(`makes an order total above ${Number.MAX_SAFE_INTEGER} minor units`);
  return total.toNumber();
}
