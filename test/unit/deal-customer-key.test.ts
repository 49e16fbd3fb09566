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

  test.each([
    ['株式会社トヨタ', '株式会社トヨタ'],
    ['ТОЙОТА', 'тоиота'],
    ['Straße AG', 'strasse'],
    ['ＡＣＭＥ　Ｉｎｃ．', 'acme'],
    ['ｶﾞｽﾄ', 'ガスト'],
    ['हिन्दी लिमिटेड', 'हिन्दी लिमिटेड'],
    ['삼성전자', '삼성전자'],
    ['شركة العربية', 'شركة العربية'],
    ['ΣΟΦΙΑΣ', 'σοφιασ'],
    ['İstanbul Ltd', 'istanbul'],
  ])('non-Latin or compatibility name %s normalises to %s', (raw, expected) => {
    expect(normaliseCompanyName(raw)).toBe(expected);
  });

  test('names in any script get a conflict key, and case or width variants share it', () => {
    expect(customerKeys({ name: '株式会社トヨタ', country: 'JP' })).toEqual(['name:JP:株式会社トヨタ']);
    expect(customerKeys({ name: 'Тойота', country: 'RU' })).toEqual(customerKeys({ name: 'ТОЙОТА', country: 'RU' }));
    expect(customerKeys({ name: 'σοφιας', country: 'GR' })).toEqual(customerKeys({ name: 'ΣΟΦΙΑΣ', country: 'GR' }));
    expect(customerKeys({ name: 'ガスト', country: 'JP' })).toEqual(customerKeys({ name: 'ｶﾞｽﾄ', country: 'JP' }));
    // Different names in one script stay different (vowel signs are not accents).
    expect(normaliseCompanyName('कमल')).not.toBe(normaliseCompanyName('कमला'));
    expect(customerKeys({ name: '!!! ???', country: 'US' })).toEqual([]);
  });

  test.each([
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['https://www.MÜNCHEN.de/kontakt', 'xn--mnchen-3ya.de'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['XN--MNCHEN-3YA.DE.', 'xn--mnchen-3ya.de'],
    ['例え。テスト', 'xn--r8jz45g.xn--zckzah'],
    ['ｗｗｗ．ａｃｍｅ．ｃｏｍ', 'acme.com'],
  ])('internationalised domain %s normalises to %s', (raw, expected) => {
    expect(normaliseDomain(raw)).toBe(expected);
  });

  test('an IDN and its punycode form are one customer', () => {
    const unicode = customerKeys({ name: 'Bäckerei Müller GmbH', domain: 'https://bäckerei-müller.de', country: 'DE' });
    const ascii = customerKeys({ name: 'Baeckerei', domain: 'xn--bckerei-mller-bfb28a.de', country: 'DE' });
    expect(unicode[0]).toBe(ascii[0]);
    expect(unicode[0]).toMatch(/^domain:xn--/);
    expect(normaliseDomain('a b.com')).toBeUndefined();
  });

  test('normalisation of any Unicode name is idempotent and keeps every letter and digit (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40, unit: 'grapheme' }), fc.constant('\ufc5e'), fc.constant('\u0301\u0915'), fc.constant('\u1e9e')), (name) => {
        const once = normaliseCompanyName(name);
        expect(normaliseCompanyName(once)).toBe(once);
        // A name with any letter or digit, of any script, keeps some: it gets a conflict key.
        // (After NFKC: a few presentation forms, e.g. U+FC5E, are only vowel marks.)
        if (/[\p{L}\p{N}]/u.test(name.normalize('NFKC'))) expect(once).not.toBe('');
      }),
      { numRuns: 2000 },
    );
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
