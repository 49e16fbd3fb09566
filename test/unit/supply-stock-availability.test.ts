import fc from 'fast-check';
import { crossingStep, promisedBySupplierSku, promisedOnLine, supplierSkuKey, type CrossingState } from '../../domain/supply/stock-availability';

const line = (over: Partial<Parameters<typeof promisedOnLine>[0]> = {}) => ({ sku: 'BOLT', status: 'accepted' as const, confirmedQuantity: 10, shipped: 0, ...over });

test('a line promises what was confirmed and not shipped; unconfirmed, rejected and cancelled lines promise nothing', () => {
  expect(promisedOnLine(line())).toBe(10);
  expect(promisedOnLine(line({ shipped: 4 }))).toBe(6);
  expect(promisedOnLine(line({ shipped: 12 }))).toBe(0); // over-shipped
  expect(promisedOnLine(line({ status: 'pending', confirmedQuantity: null }))).toBe(0);
  expect(promisedOnLine(line({ status: 'pending', confirmedQuantity: 8 }))).toBe(8); // a change awaits acknowledgement: the last confirmation holds
  expect(promisedOnLine(line({ status: 'rejected', confirmedQuantity: null }))).toBe(0);
  expect(promisedOnLine(line({ status: 'cancelled', confirmedQuantity: 10 }))).toBe(0);
});

test('promises add up per supplier and sku over every buyer, with the asking buyer\'s share', () => {
  const promised = promisedBySupplierSku([
    { supplierId: 's1', manufacturerId: 'm1', lines: [line(), line({ sku: 'NUT', confirmedQuantity: 3 })] },
    { supplierId: 's1', manufacturerId: 'm2', lines: [line({ confirmedQuantity: 5, shipped: 1 })] },
    { supplierId: 's2', manufacturerId: 'm1', lines: [line({ confirmedQuantity: 7 })] },
  ], 'm1');
  expect(promised.get(supplierSkuKey('s1', 'BOLT'))).toEqual({ total: 14, toBuyer: 10 });
  expect(promised.get(supplierSkuKey('s1', 'NUT'))).toEqual({ total: 3, toBuyer: 3 });
  expect(promised.get(supplierSkuKey('s2', 'BOLT'))).toEqual({ total: 7, toBuyer: 7 });
});

test('a threshold is raised once per fall below it, however many figures follow, and each recovery opens a new crossing', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 150 }), { maxLength: 60 }), fc.integer({ min: 0, max: 100 }), (figures, minimum) => {
      let state: CrossingState = { crossing: 0, low: false };
      const raised: number[] = [];
      for (const available of figures) {
        const step = crossingStep(state, available, minimum);
        if (step.kind === 'fell-below') raised.push(step.next.crossing);
        if (step.kind !== 'unchanged') state = step.next;
      }
      // Falls are the edges from at-or-above (or the start) to below.
      let falls = 0;
      figures.forEach((a, i) => {
        if (a < minimum && (i === 0 || figures[i - 1] >= minimum)) falls += 1;
      });
      expect(raised).toEqual(Array.from({ length: falls }, (_, i) => i));
      expect(new Set(raised).size).toBe(raised.length); // each crossing's key is used once
      expect(state.low).toBe(figures.length > 0 && figures[figures.length - 1] < minimum);
    }),
  );
});
