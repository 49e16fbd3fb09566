import fc from 'fast-check';
import { AmountError, compareMinorTo, convertMinor, fromMinor, toMinor } from '../../domain/money';

describe('deal amounts', () => {
  test('decimal strings become integer minor units and back', () => {
    expect(toMinor('1234.56', 2)).toBe(123456);
    expect(toMinor('1234.5', 2)).toBe(123450);
    expect(toMinor('1000', 0)).toBe(1000);
    expect(fromMinor(123450, 2)).toBe('1234.50');
    expect(fromMinor(5, 3)).toBe('0.005');
  });

  test('more decimals than the currency has are refused', () => {
    expect(() => toMinor('1.234', 2)).toThrow(AmountError);
    expect(() => toMinor('1.5', 0)).toThrow(AmountError);
  });

  test('round trip holds for any amount (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 2, 3), (minor, digits) => {
        expect(toMinor(fromMinor(minor, digits), digits)).toBe(minor);
      }),
    );
  });

  const EUR = { currency: 'EUR', digits: 2 };
  const USD = { currency: 'USD', digits: 2 };
  const JPY = { currency: 'JPY', digits: 0 };

  test('conversion uses the rule-set rate and rounds once with the tenant mode', () => {
    expect(convertMinor(100_00, EUR, USD, { EUR: '1.10' }, 'half-even')).toEqual({ minor: 110_00, rate: '1.10' });
    // 0.05 EUR * 1.1 = 0.055 USD: half-even rounds to 0.06 (6 is even), down to 0.05, up to 0.06.
    expect(convertMinor(5, EUR, USD, { EUR: '1.1' }, 'half-even').minor).toBe(6);
    expect(convertMinor(5, EUR, USD, { EUR: '1.1' }, 'down').minor).toBe(5);
    expect(convertMinor(5, EUR, USD, { EUR: '1.1' }, 'half-down').minor).toBe(5);
    expect(convertMinor(5, EUR, USD, { EUR: '1.1' }, 'half-up').minor).toBe(6);
    // 0.15 EUR * 1.1 = 0.165: half-even goes to 0.16.
    expect(convertMinor(15, EUR, USD, { EUR: '1.1' }, 'half-even').minor).toBe(16);
  });

  test('currencies with different minor units convert exactly', () => {
    expect(convertMinor(1000, JPY, USD, { JPY: '0.0067' }, 'half-even').minor).toBe(670);
    expect(convertMinor(12_34, USD, JPY, { USD: '149.5' }, 'half-even').minor).toBe(1845);
  });

  test('same currency needs no rate; a missing rate is an error', () => {
    expect(convertMinor(42, USD, USD, {}, 'half-even')).toEqual({ minor: 42, rate: '1' });
    expect(() => convertMinor(42, EUR, USD, {}, 'half-even')).toThrow(/no exchange rate from EUR/);
  });

  test('conversion never loses a cent against exact math (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 1, max: 10 ** 6 }), (minor, rateMicros) => {
        const rate = fromMinor(rateMicros, 6);
        const { minor: converted } = convertMinor(minor, EUR, USD, { EUR: rate }, 'down');
        const exactTimes1e6 = BigInt(minor) * BigInt(rateMicros);
        expect(BigInt(converted)).toBe(exactTimes1e6 / 1_000_000n);
      }),
    );
  });

  test("a conversion beyond 2^53 - 1 minor units is refused (the review's repro)", () => {
    // USD tenant, EUR rate 1.08: 89999999999999.99 EUR is 8999999999999999 minor units (safe),
    // but 97199999999999.99 USD would be 9719999999999999 (not).
    const source = toMinor('89999999999999.99', 2);
    expect(Number.isSafeInteger(source)).toBe(true);
    expect(() => convertMinor(source, EUR, USD, { EUR: '1.08' }, 'half-even')).toThrow(AmountError);
    expect(() => convertMinor(source, EUR, USD, { EUR: '1.08' }, 'half-even')).toThrow(/too large/);
    // The largest amount that still fits converts exactly.
    expect(convertMinor(8_000_000_000_000_000, EUR, USD, { EUR: '1.125' }, 'half-even').minor).toBe(9_000_000_000_000_000);
    expect(() => convertMinor(1, USD, JPY, { USD: '100000000000000' }, 'half-even')).not.toThrow();
    expect(convertMinor(9000, USD, JPY, { USD: '100000000000000' }, 'half-even').minor).toBe(9 * 10 ** 15);
    expect(() => convertMinor(10000, USD, JPY, { USD: '100000000000000' }, 'half-even')).toThrow(AmountError);
  });

  test('toMinor refuses amounts beyond 2^53 - 1 minor units and what is not a number', () => {
    expect(toMinor('90071992547409.91', 2)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toMinor('90071992547409.92', 2)).toThrow(AmountError);
    expect(() => toMinor('9007199254740992', 0)).toThrow(AmountError);
    expect(() => toMinor('1e400', 2)).toThrow(AmountError);
    expect(() => toMinor('Infinity', 2)).toThrow(AmountError);
    expect(() => toMinor('NaN', 2)).toThrow(AmountError);
    expect(() => toMinor('twelve', 2)).toThrow(AmountError);
  });

  test('conversion refuses an unsafe or fractional source amount', () => {
    expect(() => convertMinor(Number.MAX_SAFE_INTEGER + 1, USD, USD, {}, 'half-even')).toThrow(AmountError);
    expect(() => convertMinor(1.5, EUR, USD, { EUR: '1' }, 'half-even')).toThrow(AmountError);
  });

  const MODES = ['half-even', 'half-up', 'half-down', 'up', 'down'] as const;
  const currencies = fc.constantFrom(EUR, USD, JPY, { currency: 'BHD', digits: 3 }, { currency: 'CLF', digits: 4 });
  // Any rate the rule schema accepts: up to 15 integer digits and 10 decimals.
  const rates = fc.tuple(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10 })).map(([units, scale]) => fromMinor(units, scale));

  test('conversion returns a safe integer or refuses, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currencies, currencies, rates, fc.constantFrom(...MODES), (minor, from, to, rate, mode) => {
        if (from.currency === to.currency) return;
        let converted: number;
        try {
          converted = convertMinor(minor, from, to, { [from.currency]: rate }, mode).minor;
        } catch (err) {
          expect(err).toBeInstanceOf(AmountError);
          return;
        }
        expect(Number.isSafeInteger(converted)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('conversion refuses exactly when the exact result exceeds the safe range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 10 ** 12 }), (minor, rateMicros) => {
        const rate = fromMinor(rateMicros, 6);
        const exact = (BigInt(minor) * BigInt(rateMicros)) / 1_000_000n; // 'down' rounding, same digits
        if (exact > BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(() => convertMinor(minor, EUR, USD, { EUR: rate }, 'down')).toThrow(AmountError);
        } else {
          expect(BigInt(convertMinor(minor, EUR, USD, { EUR: rate }, 'down').minor)).toBe(exact);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('toMinor returns a safe integer or refuses (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,20}(\.\d{1,4})?$/), fc.constantFrom(0, 2, 3, 4), (amount, digits) => {
        let minor: number;
        try {
          minor = toMinor(amount, digits);
        } catch (err) {
          expect(err).toBeInstanceOf(AmountError);
          return;
        }
        expect(Number.isSafeInteger(minor)).toBe(true);
      }),
    );
  });

  test('thresholds compare exactly', () => {
    expect(compareMinorTo(50_000_00, 2, '50000')).toBe(0);
    expect(compareMinorTo(49_999_99, 2, '50000')).toBe(-1);
    expect(compareMinorTo(50_000_01, 2, '50000.00')).toBe(1);
  });
});
