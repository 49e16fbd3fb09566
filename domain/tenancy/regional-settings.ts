import { invalid } from '../errors';
import { isCurrency, isTimeZone, canonicalLocale } from '../locale';

/**
 * A tenant's currency, time zone and locale, checked as a schema cannot (real ISO 4217 codes,
 * IANA zones, BCP 47 tags) at provisioning and on every settings change. Returns the locale in
 * its canonical spelling, which is what is stored.
 */
export function checkRegional(input: { currency: string; timezone: string; locale: string }): string {
  if (!isCurrency(input.currency)) throw invalid('body.currency', `body.currency "${input.currency}" is not an ISO 4217 currency`);
  if (!isTimeZone(input.timezone)) throw invalid('body.timezone', `body.timezone "${input.timezone}" is not an IANA time zone`);
  const locale = canonicalLocale(input.locale);
  if (!locale) throw invalid('body.locale', `body.locale "${input.locale}" is not a BCP 47 language tag`);
  return locale;
}
