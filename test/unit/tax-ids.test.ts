import fc from 'fast-check';
import { checkTaxId, normalizeTaxId, abnValid, canonicalTaxId } from '../../domain/onboarding/tax-ids';

describe('tax id formats by country', () => {
  test.each([
    ['US', '12-3456789', 'US-EIN', '123456789'],
    ['GB', 'GB 123 4567 89', 'GB-VAT', 'GB123456789'],
    ['GB', '123456789012', 'GB-VAT', 'GB123456789012'],
    ['CA', '046454286', 'CA-BN', '046454286'],
    ['CA', '046454286 RT0001', 'CA-BN', '046454286RT0001'],
    ['AU', '51 824 753 556', 'AU-ABN', '51824753556'],
    ['IN', '27AAPFU0939F1ZV', 'IN-GSTIN', '27AAPFU0939F1ZV'],
    ['IN', 'AAPFU0939F', 'IN-PAN', 'AAPFU0939F'],
    ['DE', 'DE123456789', 'EU-VAT-DE', 'DE123456789'],
    ['DE', '123456789', 'EU-VAT-DE', 'DE123456789'],
    ['FR', 'FR 40 303 265 045', 'EU-VAT-FR', 'FR40303265045'],
    ['NL', 'NL123456789B01', 'EU-VAT-NL', 'NL123456789B01'],
    ['AT', 'ATU12345678', 'EU-VAT-AT', 'ATU12345678'],
    ['GR', 'EL123456789', 'EU-VAT-EL', 'EL123456789'],
    ['IE', '1234567T', 'EU-VAT-IE', 'IE1234567T'],
  ])('%s %s is a valid %s', (country, raw, scheme, normalized) => {
    expect(checkTaxId(country, raw)).toEqual({ ok: true, scheme, normalized });
  });

  test.each([
    ['US', '12-345678', /9 digits/],
    ['US', '07-1234567', /never assigned/],
    ['GB', 'GB12345', /GB followed by 9 or 12 digits/],
    ['CA', '046454287', /check digit/],
    ['AU', '51 824 753 557', /ABN check digits/],
    ['IN', '27AAPFU0939F1Z', /GSTIN or a 10-character PAN/],
    ['DE', 'DE12345678', /DE VAT/],
    ['NL', 'NL123456789001', /NL VAT/],
  ])('%s %s is refused with a reason', (country, raw, reason) => {
    const result = checkTaxId(country, raw);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(reason);
  });

  test('countries without a known format are reported unsupported, not invalid', () => {
    expect(checkTaxId('BR', '12.345.678/0001-95')).toEqual({ ok: 'unsupported', normalized: '12345678000195' });
  });

  test('normalizing is idempotent and separators never matter', () => {
    fc.assert(fc.property(fc.string(), (raw) => normalizeTaxId(normalizeTaxId(raw)) === normalizeTaxId(raw)));
    fc.assert(fc.property(fc.stringMatching(/^\d{9}$/), fc.constantFrom('-', ' ', '.', ''), (digits, sep) =>
      canonicalTaxId('US', `${digits.slice(0, 2)}${sep}${digits.slice(2)}`) === digits));
  });

  test('every ABN built with a correct check pair passes and a changed digit fails', () => {
    fc.assert(fc.property(fc.stringMatching(/^\d{9}$/), (body) => {
      // Find the two leading digits that make the weighted sum divisible by 89.
      for (let lead = 10; lead <= 99; lead++) {
        const abn = `${lead}${body}`;
        if (abnValid(abn)) {
          const changed = `${abn.slice(0, 10)}${(Number(abn[10]) + 1) % 10}`;
          return !abnValid(changed);
        }
      }
      return true;
    }));
  });
});
