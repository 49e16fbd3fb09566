import { parseDate, parseDateTime } from '../../domain/dates';
import { jsonDepthExceeds } from '../../api/body-checks';

describe('one date parser for everything that comes from outside', () => {
  test.each([
    ['2016-12-31T23:59:60Z', 'leap second'],
    ['2025-02-30T00:00:00Z', 'rolled-over calendar date'],
    ['2023-02-29T00:00:00Z', 'not a leap year'],
    ['1900-02-29T00:00:00Z', 'century, not a leap year'],
    ['0000-01-01T00:00:00Z', 'year 0'],
    ['+275761-01-01T00:00:00Z', 'beyond Date'],
    ['2025-13-01T00:00:00Z', 'month 13'],
    ['2025-01-01T24:00:00Z', 'hour 24'],
    ['2025-01-01T00:00:00+24:00', 'offset 24h'],
    ['2025-01-01 00:00:00Z', 'space separator'],
    ['2025-01-01T00:00:00', 'no offset'],
    ['2025-01-01', 'date only'],
  ])('refuses %s (%s)', (text) => {
    expect(parseDateTime(text)).toBeUndefined();
  });

  test('accepts what Date represents, at the instant the text names', () => {
    expect(parseDateTime('2024-02-29T23:59:59.999Z')?.toISOString()).toBe('2024-02-29T23:59:59.999Z');
    expect(parseDateTime('2000-02-29T12:00:00+02:00')?.toISOString()).toBe('2000-02-29T10:00:00.000Z');
    expect(parseDateTime('0001-01-01T00:00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseDateTime('9999-12-31t23:59:59z')?.toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  test('calendar dates', () => {
    expect(parseDate('2025-02-30')).toBeUndefined();
    expect(parseDate('0000-12-01')).toBeUndefined();
    expect(parseDate('2025-1-01')).toBeUndefined();
    expect(parseDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseDate('0050-03-01')?.toISOString()).toBe('0050-03-01T00:00:00.000Z');
  });
});

describe('JSON depth is counted on bytes, strings excluded', () => {
  const bytes = (s: string) => Buffer.from(s);
  test('counts objects and arrays', () => {
    expect(jsonDepthExceeds(bytes('[[[]]]'), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('[[[[]]]]'), 3)).toBe(true);
    expect(jsonDepthExceeds(bytes('{"a":{"b":[1]}}'), 2)).toBe(true);
    expect(jsonDepthExceeds(bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 32)).toBe(true);
  });
  test('brackets and escaped quotes inside strings are text', () => {
    expect(jsonDepthExceeds(bytes(JSON.stringify({ a: '[[[[[[{{{{"\\' })), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(JSON.stringify(['\\"', '[[[['])), 1)).toBe(false);
  });
});
