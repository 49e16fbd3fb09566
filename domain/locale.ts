/**
 * Checks for the tenant's locale, time zone and currency, answered by the runtime's ICU data so
 * the list stays current without a table of our own.
 */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/** Digits after the decimal point in the currency's minor unit (USD 2, JPY 0, BHD 3). */
const digitsCache = new Map<string, number>();

export function minorUnitDigits(currency: string): number {
  // Building a formatter costs ~16 µs; money views call this for every amount they show.
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

export function isTimeZone(zone: string): boolean {
  if (TIME_ZONES.has(zone) || zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function canonicalLocale(locale: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(locale);
    return canonical;
  } catch {
    return undefined;
  }
}
