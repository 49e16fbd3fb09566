import fc from 'fast-check';
import { nextFigure, recordedDeltasNeeded, rejectionsOf, figureOfSet, onHandOf, streamKey, type InventoryUpdate, type StockFigure } from '../../domain/supply/inventory';

/**
 * The figure of a stream is a function of the set of its updates: whatever order batches arrive
 * in and however often an update is repeated, folding them the way the ingest worker does
 * (duplicates dropped by the record, fresh ones folded in) lands on the figure of the set.
 */
const at = new Date('2025-01-01T00:00:00Z');

const streamUpdates = (sku: string) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }).chain((sequences) =>
    fc.tuple(...sequences.map((sequence) =>
      fc.record({ kind: fc.constantFrom('snapshot' as const, 'delta' as const), onHand: fc.integer({ min: -20, max: 50 }) }).map(({ kind, onHand }) => ({
        sku, location: 'main', sequence, kind, onHand: kind === 'snapshot' ? Math.abs(onHand) : onHand, observedAt: new Date(at.getTime() + sequence * 1000),
      }) satisfies InventoryUpdate),
    )),
  );

/** Folds batches one after another like services/supply/inventory-ingest.ts, with an in-memory record. */
function applyAll(batches: InventoryUpdate[][]): Map<string, StockFigure> {
  const recorded = new Map<string, InventoryUpdate>();
  const figures = new Map<string, StockFigure>();
  for (const batch of batches) {
    const fresh = batch.filter((u) => {
      const place = `${streamKey(u)}|${u.sequence}`;
      if (recorded.has(place)) return false;
      recorded.set(place, u);
      return true;
    });
    const byStream = new Map<string, InventoryUpdate[]>();
    for (const u of fresh) byStream.set(streamKey(u), [...(byStream.get(streamKey(u)) ?? []), u]);
    for (const [key, updates] of byStream) {
      const current = figures.get(key);
      const after = recordedDeltasNeeded(current, updates);
      const sum = after === undefined ? undefined : [...recorded.values()].filter((r) => streamKey(r) === key && r.kind === 'delta' && r.sequence > after).reduce((t, r) => t + r.onHand, 0);
      figures.set(key, nextFigure(current, updates, sum));
    }
  }
  return figures;
}

test('shuffled, duplicated and re-batched updates reach the figure of their set', () => {
  fc.assert(
    fc.property(
      fc.tuple(streamUpdates('A-1'), streamUpdates('B-2')),
      fc.integer({ min: 1, max: 5 }),
      fc.infiniteStream(fc.nat()),
      ([a, b], batchSize, noise) => {
        const all = [...a, ...b];
        // Every update at least once, some twice, in a random order, cut into batches.
        const sent = [...all, ...all.filter(() => noise.next().value % 3 === 0)].map((u) => ({ u, k: noise.next().value })).sort((x, y) => x.k - y.k).map((x) => x.u);
        const batches: InventoryUpdate[][] = [];
        for (let i = 0; i < sent.length; i += batchSize) {
          // One batch never carries the same sequence twice (the API rejects the second copy).
          const seen = new Set<string>();
          batches.push(sent.slice(i, i + batchSize).filter((u) => !seen.has(`${u.sku}|${u.sequence}`) && seen.add(`${u.sku}|${u.sequence}`)));
        }
        const figures = applyAll(batches);
        for (const stream of [a, b]) {
          const figure = figures.get(streamKey(stream[0]))!;
          expect(onHandOf(figure)).toBe(figureOfSet(stream));
          const last = stream.reduce((top, u) => (u.sequence > top.sequence ? u : top));
          expect(figure.lastSequence).toBe(last.sequence);
          expect(figure.observedAt).toEqual(last.observedAt);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a late snapshot rebases on the deltas recorded after it, and only those', () => {
  const u = (sequence: number, kind: 'snapshot' | 'delta', onHand: number): InventoryUpdate => ({ sku: 'S', location: 'L', sequence, kind, onHand, observedAt: at });
  const afterDeltas = nextFigure(nextFigure(undefined, [u(5, 'delta', 3)]), [u(7, 'delta', -1)]);
  expect(onHandOf(afterDeltas)).toBe(2);
  expect(recordedDeltasNeeded(afterDeltas, [u(6, 'snapshot', 10)])).toBe(6);
  expect(onHandOf(nextFigure(afterDeltas, [u(6, 'snapshot', 10)], -1))).toBe(9);
  expect(() => nextFigure(afterDeltas, [u(6, 'snapshot', 10)])).toThrow(/not read/);
  // An older snapshot than the one applied changes nothing.
  const snapped = nextFigure(afterDeltas, [u(6, 'snapshot', 10)], -1);
  expect(nextFigure(snapped, [u(4, 'snapshot', 100)])).toEqual(snapped);
});

test('items are judged one by one: bad codes, negative snapshots, future times and repeated sequences', () => {
  const item = (over: Partial<InventoryUpdate>): InventoryUpdate => ({ sku: 'SKU-1', location: 'WH-1', onHand: 5, kind: 'snapshot', sequence: 1, observedAt: at, ...over });
  const rejections = rejectionsOf([
    item({}),
    item({ sku: ' bad sku' }),
    item({ location: 'a:b', sequence: 2 }),
    item({ onHand: -1, sequence: 3 }),
    item({ kind: 'delta', onHand: -1, sequence: 4 }),
    item({ observedAt: new Date(at.getTime() + 3600_000), sequence: 5 }),
    item({ onHand: 7 }),
  ], at);
  expect([...rejections.keys()]).toEqual([1, 2, 3, 5, 6]);
  expect(rejections.get(1)).toMatch(/sku/);
  expect(rejections.get(2)).toMatch(/location/);
  expect(rejections.get(3)).toMatch(/negative/);
  expect(rejections.get(5)).toMatch(/future/);
  expect(rejections.get(6)).toMatch(/twice/);
});
