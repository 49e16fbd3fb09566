import { parseCsv, stockUpdates } from '../../console/csv';
import { toMinor, fromMinor } from '../../console/format';

/** The console's browser-side parsing: the stock CSV reader and amounts typed by finance into minor units. */

describe('parseCsv', () => {
  test('quotes, doubled quotes, separators and line breaks inside quotes, CRLF and blank lines', () => {
    expect(parseCsv('a,b,c\r\n"x, y","he said ""hi""","two\nlines"\n\n1,,3')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'he said "hi"', 'two\nlines'],
      ['1', '', '3'],
    ]);
  });
  test('no trailing newline, a single column, an empty file', () => {
    expect(parseCsv('sku\nA')).toEqual([['sku'], ['A']]);
    expect(parseCsv('')).toEqual([]);
  });
});

describe('stockUpdates', () => {
  const now = '2026-12-01T10:00:00.000Z';
  test('columns by header name in any order and case; kind and observedAt default', () => {
    expect(stockUpdates(parseCsv('Sequence,SKU,onhand,location,kind\n3,BOLT,12,WH-1,\n4,NUT,-2,WH-1,delta'), now)).toEqual([
      { sku: 'BOLT', location: 'WH-1', onHand: 12, kind: 'snapshot', sequence: 3, observedAt: now },
      { sku: 'NUT', location: 'WH-1', onHand: -2, kind: 'delta', sequence: 4, observedAt: now },
    ]);
  });
  test('a missing column, a fraction or a bad kind is named with its row', () => {
    expect(() => stockUpdates(parseCsv('sku,location,onHand\nA,B,1'))).toThrow('no "sequence" column');
    expect(() => stockUpdates(parseCsv('sku,location,onHand,sequence\nA,B,1.5,1'))).toThrow('row 2: onHand "1.5" is not a whole number');
    expect(() => stockUpdates(parseCsv('sku,location,onHand,sequence,kind\nA,B,1,1,set'))).toThrow('row 2: kind "set"');
    expect(() => stockUpdates([])).toThrow('the file is empty');
  });
});

describe('toMinor', () => {
  test('decimal strings to minor units of the currency, by text', () => {
    expect(toMinor('160.00', 'USD')).toBe(16000);
    expect(toMinor('0.1', 'EUR')).toBe(10);
    expect(toMinor('-3', 'USD')).toBe(-300);
    expect(toMinor('1500', 'JPY')).toBe(1500);
    expect(toMinor('9007199254740.99', 'USD')).toBe(900719925474099);
  });
  test('more decimals than the currency has, or not a number, is refused', () => {
    expect(() => toMinor('1.005', 'USD')).toThrow('at most 2 decimals');
    expect(() => toMinor('1.5', 'JPY')).toThrow('at most 0 decimals');
    expect(() => toMinor('12,50', 'EUR')).toThrow();
    expect(() => toMinor('1e3', 'USD')).toThrow();
  });
  test('round trip with fromMinor', () => {
    for (const minor of [0, 1, -1, 99, 100, 123456789]) expect(toMinor(fromMinor(minor, 'USD'), 'USD')).toBe(minor);
  });
});
