/**
 * Numbers, money and dates in the tenant's locale and time zone. Money arrives from the API as a
 * decimal string ("1234.50") and is formatted as that string: Intl.NumberFormat formats a string
 * operand exactly (ECMA-402 "Intl.NumberFormat v3"), so no amount is ever turned into a float.
 */
export interface Regional {
  locale: string;
  timezone: string;
  currency: string;
}

let regional: Regional = { locale: 'en-US', timezone: 'UTC', currency: 'USD' };

export function setRegional(r: Regional): void {
  regional = r;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Money from a decimal string; a value that is not one is shown as it came. */
export function money(amount: string | undefined | null, currency: string = regional.currency): string {
  if (amount === undefined || amount === null) return '–';
  if (!DECIMAL.test(amount)) return amount;
  const format = new Intl.NumberFormat(regional.locale, { style: 'currency', currency }) as Intl.NumberFormat & { format(value: string): string };
  return format.format(amount);
}

export function count(n: number): string {
  return new Intl.NumberFormat(regional.locale).format(n);
}

export function dateTime(iso: string | undefined | null): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(regional.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: regional.timezone }).format(new Date(iso));
}

/** A calendar date (YYYY-MM-DD) as a date, without moving it across a time zone. */
export function day(isoDate: string | undefined | null): string {
  if (!isoDate) return '–';
  return new Intl.DateTimeFormat(regional.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
}

/** "in 3 minutes" / "2 hours ago", for SLA countdowns. */
export function relative(iso: string | undefined | null, now: number = Date.now()): string {
  if (!iso) return '–';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(regional.locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

/** Integer minor units to a decimal string, by string arithmetic (1234 EUR cents → "12.34"). */
export function fromMinor(minor: number, currency: string = regional.currency): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const negative = minor < 0;
  const text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const whole = digits > 0 ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return negative ? `-${whole}` : whole;
}

/** "12.50" → 1250 (digits of the currency) without a float: the digits are joined as text. */
export function toMinor(amount: string, currency: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  const digits = fromMinor(0, currency).split('.')[1]?.length ?? 0;
  if (!m || (m[3] ?? '').length > digits) throw new Error(`"${amount}" is not an amount with at most ${digits} decimals`);
  return Number.parseInt(`${m[1]}${m[2]}${(m[3] ?? '').padEnd(digits, '0')}`, 10);
}
