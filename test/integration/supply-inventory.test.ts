import fc from 'fast-check';
import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { figureOfSet } from '../../domain/supply/inventory';
import { partyKey, staffKey, snapshot, delta, postBatch, batchesApplied, figuresOf, type Item } from './supply-inventory-helpers';

let app: TestTrellis;
let tenantA: string;
let tenantB: string;
let supplier: { key: string; partyId: string };
let otherSupplier: { key: string; partyId: string };
let foreignSupplier: { key: string; partyId: string };
let manufacturer: { key: string; partyId: string };
let approver: string;

beforeAll(async () => {
  app = await startTestTrellis();
  [tenantA, tenantB] = [(await provisionTenant(app)).tenantId, (await provisionTenant(app)).tenantId];
  supplier = await partyKey(app.running, tenantA, 'supplier');
  otherSupplier = await partyKey(app.running, tenantA, 'supplier');
  foreignSupplier = await partyKey(app.running, tenantB, 'supplier');
  manufacturer = await partyKey(app.running, tenantA, 'manufacturer');
  approver = await staffKey(app.running, tenantA);
});
afterAll(async () => {
  await app?.stop();
});

const batch = async (key: string, id: string) => (await app.http('GET', `/v1/inventory/batches/${id}`, { key })).body;

test('a batch is answered 202 once stored, applied shortly after, and a retry with its Idempotency-Key names the same batch', async () => {
  const items = [snapshot('BOLT-1', 1, 40), delta('BOLT-1', 2, -5), snapshot('NUT-1', 1, 7, 'WH-2')];
  const res = await app.http('POST', '/v1/inventory/updates', { key: supplier.key, body: { items }, headers: { 'idempotency-key': 'inv-first' } });
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`/v1/inventory/batches/${res.body.id}`);
  expect(res.body).toMatchObject({ supplierId: supplier.partyId, counts: { items: 3, rejected: 0 } });
  const again = await app.http('POST', '/v1/inventory/updates', { key: supplier.key, body: { items }, headers: { 'idempotency-key': 'inv-first' } });
  expect(again.body.id).toBe(res.body.id);

  await batchesApplied(app, supplier.key, [res.body.id]);
  expect(await batch(supplier.key, res.body.id)).toMatchObject({ status: 'applied', counts: { items: 3, queued: 0, applied: 3, duplicate: 0, rejected: 0 }, issues: [] });
  // Tenant staff see every supplier; which suppliers a manufacturer sees is supply-inventory-availability.test.ts's.
  const list = await app.http('GET', `/v1/inventory?supplier=${supplier.partyId}&sku=BOLT-1`, { key: approver });
  expect(list.status).toBe(200);
  expect(list.body.items).toEqual([{
    supplierId: supplier.partyId, sku: 'BOLT-1', location: 'WH-1', onHand: 35, sequence: 2,
    observedAt: delta('BOLT-1', 2, 0).observedAt, updatedAt: expect.any(String),
    supplierSku: { onHand: 35, onHandAsOf: delta('BOLT-1', 2, 0).observedAt, promised: 0, promisedAsOf: expect.any(String), available: 35 },
  }]);
});

test('items that cannot be applied are listed in the batch with the reason; the rest are applied', async () => {
  const first = await postBatch(app, supplier.key, [snapshot('WASHER-1', 5, 10)]);
  await batchesApplied(app, supplier.key, [first]);
  const id = await postBatch(app, supplier.key, [
    snapshot('WASHER-1', 5, 99), // already recorded by the first batch
    snapshot('bad sku!', 1, 1),
    snapshot('WASHER-2', 1, -3),
    delta('WASHER-1', 6, 2),
    delta('WASHER-1', 6, 4), // the same place in the stream twice
    { ...snapshot('WASHER-3', 1, 1), observedAt: new Date(Date.now() + 3600_000).toISOString() },
  ]);
  await batchesApplied(app, supplier.key, [id]);
  const view = await batch(supplier.key, id);
  expect(view.counts).toEqual({ items: 6, queued: 0, applied: 1, duplicate: 1, rejected: 4 });
  expect(view.issues.map((i: { index: number; status: string; reason: string }) => [i.index, i.status, i.reason])).toEqual([
    [0, 'duplicate', expect.stringMatching(/already recorded/)],
    [1, 'rejected', expect.stringMatching(/^sku must be/)],
    [2, 'rejected', 'a snapshot cannot have a negative onHand'],
    [4, 'rejected', expect.stringMatching(/appears twice/)],
    [5, 'rejected', 'observedAt is in the future'],
  ]);
  expect((await figuresOf(app, supplier.key, supplier.partyId)).get('WASHER-1@WH-1')).toBe(12);
});

test('a batch over 1,000 items or with malformed items is refused whole, with the field', async () => {
  const tooMany = Array.from({ length: 1001 }, (_, i) => snapshot(`S-${i}`, 1, 1));
  const big = await app.http('POST', '/v1/inventory/updates', { key: supplier.key, body: { items: tooMany } });
  expect(big.status).toBe(422);
  expect(big.headers.get('content-type')).toMatch(/problem\+json/);
  expect(big.body.field).toBe('body.items');
  const malformed = await app.http('POST', '/v1/inventory/updates', { key: supplier.key, body: { items: [{ ...snapshot('S', 1, 1), kind: 'guess' }] } });
  expect(malformed.status).toBe(422);
  expect(malformed.body.field).toBe('body.items.0.kind');
  const fractional = await app.http('POST', '/v1/inventory/updates', { key: supplier.key, body: { items: [{ ...snapshot('S', 1, 1), onHand: 1.5 }] } });
  expect(fractional.status).toBe(422);
  expect((await app.http('GET', '/v1/inventory?cursor=bm90LWEtY3Vyc29y', { key: approver })).body.field).toBe('query.cursor');
});

test('other tenants\' and other suppliers\' batches are not found; wrong roles are refused', async () => {
  const id = await postBatch(app, supplier.key, [snapshot('PIN-1', 1, 3)]);
  expect((await app.http('GET', `/v1/inventory/batches/${id}`, { key: foreignSupplier.key })).status).toBe(404);
  expect((await app.http('GET', `/v1/inventory/batches/${id}`, { key: otherSupplier.key })).status).toBe(404);
  expect((await app.http('GET', `/v1/inventory/batches/${id}`, { key: approver })).status).toBe(200);
  for (const key of [manufacturer.key, approver]) {
    expect((await app.http('POST', '/v1/inventory/updates', { key, body: { items: [snapshot('PIN-1', 2, 3)] } })).status).toBe(403);
  }
  expect((await app.http('GET', `/v1/inventory/batches/${id}`, { key: manufacturer.key })).status).toBe(403);
  await batchesApplied(app, supplier.key, [id]);
  // A supplier sees only its own stock, whatever it filters on; another tenant sees none of it.
  expect((await figuresOf(app, otherSupplier.key, supplier.partyId)).size).toBe(0);
  expect((await figuresOf(app, foreignSupplier.key, supplier.partyId)).size).toBe(0);
  const foreignStaff = await staffKey(app.running, tenantB);
  expect((await figuresOf(app, foreignStaff, supplier.partyId)).size).toBe(0);
});

test('the list filters by sku, supplier and location and pages with a cursor', async () => {
  const s = await partyKey(app.running, tenantA, 'supplier');
  const items = Array.from({ length: 5 }, (_, i) => snapshot(`GEAR-${i}`, 1, i, i % 2 ? 'WH-ODD' : 'WH-EVEN'));
  await batchesApplied(app, s.key, [await postBatch(app, s.key, items)]);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: { sku: string }[]; nextCursor: string | null } } = await app.http('GET', `/v1/inventory?supplier=${s.partyId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: approver });
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...res.body.items.map((f) => f.sku));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(seen.sort()).toEqual(items.map((i) => i.sku).sort());
  const odd = await app.http('GET', `/v1/inventory?supplier=${s.partyId}&location=WH-ODD`, { key: approver });
  expect(odd.body.items.map((f: { sku: string }) => f.sku).sort()).toEqual(['GEAR-1', 'GEAR-3']);
  const one = await app.http('GET', `/v1/inventory?sku=GEAR-4&supplier=${s.partyId}`, { key: s.key });
  expect(one.body.items).toEqual([expect.objectContaining({ sku: 'GEAR-4', onHand: 4, location: 'WH-EVEN' })]);
});

/** Random streams of updates, then every update at least once, some twice, in a random order, in random batches. */
const arrivals = fc
  .array(
    fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 }).chain((sequences) =>
      fc.tuple(...sequences.map((sequence) => fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 60 })).map(([isSnapshot, n]) => ({ sequence, isSnapshot, n })))),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .chain((streams) => {
    const updates: Item[] = streams.flatMap((stream, s) => stream.map(({ sequence, isSnapshot, n }) => (isSnapshot ? snapshot(`P-${s}`, sequence, n) : delta(`P-${s}`, sequence, n - 30))));
    return fc.tuple(
      fc.constant(updates),
      fc.shuffledSubarray(updates, { minLength: 0, maxLength: updates.length }),
      fc.infiniteStream(fc.nat()),
      fc.integer({ min: 1, max: 6 }),
    );
  });

test('shuffled and duplicated batches reach exactly the figures of the updates sent, in any order of arrival', async () => {
  await fc.assert(
    fc.asyncProperty(arrivals, async ([updates, repeated, noise, size]) => {
      const s = await partyKey(app.running, tenantA, 'supplier');
      const sent = [...updates, ...repeated].map((u) => ({ u, k: noise.next().value })).sort((a, b) => a.k - b.k).map((x) => x.u);
      const batches: Item[][] = [];
      for (let i = 0; i < sent.length; i += size) batches.push(sent.slice(i, i + size));
      // Sent at once: batches of one supplier race for its lane in whatever order they land.
      const ids = await Promise.all(batches.map((items) => postBatch(app, s.key, items)));
      await batchesApplied(app, s.key, ids);
      const figures = await figuresOf(app, s.key, s.partyId);
      const skus = [...new Set(updates.map((u) => u.sku))];
      const expected = new Map(skus.map((sku) => [`${sku}@WH-1`, figureOfSet(updates.filter((u) => u.sku === sku).map((u) => ({ ...u, observedAt: new Date(u.observedAt) })))]));
      expect(figures).toEqual(expected);
      // A copy inside one batch is rejected, a copy in another batch is a duplicate: together, the repeats.
      const views = await Promise.all(ids.map((id) => batch(s.key, id)));
      expect(views.reduce((n, v) => n + v.counts.duplicate + v.counts.rejected, 0)).toBe(repeated.length);
    }),
    { numRuns: 5 },
  );
  // Five runs of up to a few hundred items each; a loaded CI machine needs more than jest's minute.
}, 240_000);
