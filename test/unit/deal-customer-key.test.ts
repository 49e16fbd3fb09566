import fc from 'fast-check';
import { customerKeys, normaliseCompanyName, normaliseDomain } from '../../domain/deals/customer-key';

describe('customer normalisation for channel conflict', () => {
  test.each([
    ['https://WWW.Acme.com/about?x=1', 'acme.com'],
    ['acme.com.', 'acme.com'],
    ['http://www2.acme.co.uk:8080', 'acme.co.uk'],
    ['sales@acme.com', 'acme.com'],
    ['  Acme.COM ', 'acme.com'],
  ])('domain %s normalises to %s', (raw, expected) => {
    expect(normaliseDomain(raw)).toBe(expected);
  });

  test('a value with no domain shape yields no domain key', () => {
    expect(normaliseDomain('acme')).toBeUndefined();
    expect(normaliseDomain('')).toBeUndefined();
  });

  test.each([
    ['ACME Corp., Inc.', 'acme'],
    ['Acme GmbH', 'acme'],
    ['The Acme Company', 'acme'],
    ['Société Générale S.A.', 'societe generale'],
    ['Smith & Sons Ltd', 'smith and sons'],
    ['Co-operative Bank', 'co operative bank'],
  ])('company name %s normalises to %s', (raw, expected) => {
    expect(normaliseCompanyName(raw)).toBe(expected);
  });

  test('keys combine domain and name within the country, sorted', () => {
    expect(customerKeys({ name: 'Acme Inc', domain: 'www.acme.com', country: 'de' })).toEqual(['domain:acme.com', 'name:DE:acme']);
    expect(customerKeys({ name: 'Acme Inc', country: 'FR' })).toEqual(['name:FR:acme']);
  });

  test('the same company spelled differently gets the same keys', () => {
    const a = customerKeys({ name: 'ACME, Inc.', domain: 'https://acme.com/', country: 'US' });
    const b = customerKeys({ name: 'acme inc', domain: 'WWW.ACME.COM', country: 'US' });
    expect(a).toEqual(b);
  });

  test('normalisation is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const once = normaliseCompanyName(name);
        expect(normaliseCompanyName(once)).toBe(once);
      }),
    );
  });
});
