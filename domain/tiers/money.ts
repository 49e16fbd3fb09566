/**
 * Decimal strings to integer minor units and back, without floats. Tier thresholds are written
 * as "25000.00" in the rule set; metrics are sums of minor units.
 */
export function decimalToMinor(amount: string, digits: number): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new Error(`"${amount}" is not a decimal amount`);
  const fraction = match[3] ?? '';
  if (fraction.length > digits) throw new Error(`"${amount}" has more than ${digits} decimals`);
  const minor = Number(match[2] + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) throw new Error(`"${amount}" is too large`);
  return match[1] === '-' ? -minor : minor;
}

export function minorToDecimal(minor: number, digits: number): string {
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
