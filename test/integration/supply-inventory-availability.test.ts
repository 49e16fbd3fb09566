import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { asTenantId } from '../../platform/tenant-id';
import { supplyTenant, SupplyTenant, orderBody, place, shipTo } from './supply-fixtures';
import { snapshot, delta, postBatch, batchesApplied, type Item } from './supply-inventory-helpers';
import { lowStockStore } from '../../models/supply/low-stock-repository';
import { judgeThresholds } from '../../services/supply/low-stock';

/**
 * Available stock, who sees whose, and low-stock thresholds, on the real stack. Every key here is
 * bound to a party made through POST /v1/parties (supply-fixtures).
 */
let app: TestTrellis;
let t: SupplyTenant;
let foreign: SupplyTenant;
type Party = { partyId: string; key: string };
let s1: Party;
let s2: Party;
let m1: Party;
let m2: Party;
let foreignBuyer: Party;
let approver: string;
let foreignStaff: string;

beforeAll(async () => {
  app = await startTestTrellis();
  [t, foreign] = [await supplyTenant(app), await supplyTenant(app)];
  [s1, s2, m1, m2] = [await t.party('supplier'), await t.party('supplier'), await t.party('manufacturer'), await t.party('manufacturer')];
  foreignBuyer = await foreign.party('manufacturer');
  approver = await t.staffKey('approver');
  foreignStaff = await foreign.staffKey('approver');
});
afterAll(async () => {
  await app?.stop();
});

const get = (key: string, path: string) => app.http('GET', path, { key });
const post = (key: string, path: string, body?: unknown) => app.http('POST', path, { key, body: body ?? {} });
const put = (key: string, path: string, body: unknown) => app.http('PUT', path, { key, body });
const send = async (supplier: Party, items: Item[]) => batchesApplied(app, supplier.key, [await postBatch(app, supplier.key, items)]);
const rows = async (key: string, query: string) => {
  const res = await get(key, `/v1/inventory?limit=200&${query}`);
  expect(res.status).toBe(200);
  return res.body.items as any[];
};
const lowStock = async (key: string) => (await get(key, '/v1/exceptions?kind=low-stock&limit=100')).body.items as any[];

test('a manufacturer sees the stock of the suppliers it has ordered from, with what is promised and available; others see theirs', async () => {
  await send(s1, [snapshot('BOLT', 1, 100, 'WH-1'), snapshot('BOLT', 1, 50, 'WH-2'), snapshot('NUT', 1, 20, 'WH-1')]);
  await send(s2, [snapshot('BOLT', 1, 30, 'WH-1')]);

  // No order yet: m1 buys from nobody, and naming a supplier does not change that.
  expect(await rows(m1.key, '')).toEqual([]);
  expect(await rows(m1.key, `supplier=${s1.partyId}`)).toEqual([]);

  // An order placed but not acknowledged promises nothing; m1 now sees s1 (not s2).
  const order = await place(app, m1.key, orderBody(s1.partyId, [{ sku: 'BOLT', quantity: 40, unitPrice: '0.35' }, { sku: 'NUT', quantity: 10, unitPrice: '0.10' }]));
  let bolts = await rows(m1.key, 'sku=BOLT');
  expect(bolts.map((r) => [r.supplierId, r.location, r.onHand])).toEqual([[s1.partyId, 'WH-1', 100], [s1.partyId, 'WH-2', 50]]);
  expect(bolts[0].supplierSku).toMatchObject({ onHand: 150, promised: 0, promisedToYou: 0, available: 150 });

  // Acknowledged: 30 of 40 bolts confirmed, nuts rejected.
  const ack = await post(s1.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept', quantity: 30 }, { line: 2, decision: 'reject', reason: 'none left' }] });
  expect(ack.status).toBe(200);
  // Another buyer's confirmed order counts against the same stock, but not as m1's.
  const other = await place(app, m2.key, orderBody(s1.partyId, [{ sku: 'BOLT', quantity: 20, unitPrice: '0.35' }]));
  expect((await post(s1.key, `/v1/purchase-orders/${other.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] })).status).toBe(200);
  bolts = await rows(m1.key, 'sku=BOLT&location=WH-2');
  expect(bolts).toHaveLength(1);
  expect(bolts[0]).toMatchObject({ supplierId: s1.partyId, location: 'WH-2', onHand: 50, observedAt: snapshot('BOLT', 1, 0).observedAt });
  expect(bolts[0].supplierSku).toEqual({
    onHand: 150, onHandAsOf: snapshot('BOLT', 1, 0).observedAt, promised: 50, promisedToYou: 30, available: 100, promisedAsOf: expect.any(String),
  });
  expect(Date.now() - Date.parse(bolts[0].supplierSku.promisedAsOf)).toBeLessThan(60_000);
  expect((await rows(m1.key, 'sku=NUT'))[0].supplierSku).toMatchObject({ promised: 0, available: 20 });

  // Shipped units have left the supplier's stock: they are no longer promised.
  expect((await post(s1.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'DHL', tracking: 'AV1', lines: [{ line: 1, quantity: 10 }] })).status).toBe(201);
  expect((await rows(m1.key, 'sku=BOLT'))[0].supplierSku).toMatchObject({ promised: 40, promisedToYou: 20, available: 110 });

  // m1 never ordered from s2: filtering on it finds nothing. m2 sees s1 (it ordered), not s2.
  expect(await rows(m1.key, `supplier=${s2.partyId}`)).toEqual([]);
  expect(new Set((await rows(m2.key, 'sku=BOLT')).map((r) => r.supplierId))).toEqual(new Set([s1.partyId]));
  // A supplier sees only its own; tenant staff everyone; another tenant none of it.
  expect(new Set((await rows(s2.key, '')).map((r) => r.supplierId))).toEqual(new Set([s2.partyId]));
  expect(await rows(s2.key, `supplier=${s1.partyId}`)).toEqual([]);
  expect((await rows(s2.key, ''))[0].supplierSku.promisedToYou).toBeUndefined();
  expect(new Set((await rows(approver, 'sku=BOLT')).map((r) => r.supplierId))).toEqual(new Set([s1.partyId, s2.partyId]));
  expect(await rows(foreignBuyer.key, `supplier=${s1.partyId}`)).toEqual([]);
  expect(await rows(foreignStaff, `supplier=${s1.partyId}`)).toEqual([]);
});

const replenish = (supplierId: string, over: Record<string, unknown> = {}) => ({ supplierId, quantity: 500, unitPrice: '0.35', currency: 'EUR', shipTo, leadTimeDays: 3, ...over });

test('a threshold raises one low-stock exception per fall and drafts a replenishment that only its manufacturer sees until confirmed', async () => {
  // WASHER: s1 holds 200 with nothing promised.
  await send(s1, [snapshot('WASHER', 1, 200, 'WH-1')]);
  const set = await put(m1.key, '/v1/inventory/thresholds/WASHER', { minimumAvailable: 100, replenishment: replenish(s1.partyId) });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ manufacturerId: m1.partyId, sku: 'WASHER', minimumAvailable: 100, low: false, crossings: 0, replenishment: { quantity: 500, unitPrice: '0.35', leadTimeDays: 3 } });

  // Falls below: one exception, one draft; further updates while below add nothing.
  await send(s1, [delta('WASHER', 2, -120, 'WH-1')]);
  await waitFor(async () => (await lowStock(m1.key)).some((e) => e.sku === 'WASHER'));
  await send(s1, [delta('WASHER', 3, -10, 'WH-1')]);
  await send(s1, [delta('WASHER', 4, -5, 'WH-1')]);
  let raised = (await lowStock(m1.key)).filter((e) => e.sku === 'WASHER');
  expect(raised).toHaveLength(1);
  expect(raised[0]).toMatchObject({ kind: 'low-stock', manufacturerId: m1.partyId, status: 'open', data: { available: 80, onHand: 80, promised: 0, minimumAvailable: 100 } });
  expect(raised[0].purchaseOrderId).toBeUndefined();
  const drafts = async () => (await get(m1.key, '/v1/purchase-order-drafts?limit=100')).body.items.filter((d: any) => d.sku === 'WASHER');
  expect(await drafts()).toEqual([expect.objectContaining({
    status: 'draft', supplierId: s1.partyId, manufacturerId: m1.partyId, currency: 'EUR', reason: { available: 80, minimumAvailable: 100 },
    lines: [{ sku: 'WASHER', quantity: 500, unitPrice: '0.35', requestedDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }],
  })]);
  expect(raised[0].data.draftId).toBe((await drafts())[0].id);
  expect((await get(m1.key, '/v1/inventory/thresholds/WASHER')).body).toMatchObject({ low: true, crossings: 0, lastAvailable: 80 });

  // Recovers, then falls again: a second crossing, a second exception and draft.
  await send(s1, [snapshot('WASHER', 5, 300, 'WH-1')]);
  await waitFor(async () => (await get(m1.key, '/v1/inventory/thresholds/WASHER')).body.low === false);
  expect((await get(m1.key, '/v1/inventory/thresholds/WASHER')).body).toMatchObject({ crossings: 1, lastAvailable: 300 });
  await send(s1, [delta('WASHER', 6, -250, 'WH-1')]);
  await waitFor(async () => (await lowStock(m1.key)).filter((e) => e.sku === 'WASHER').length === 2);
  const [second, first] = await drafts();
  expect([first.status, second.status, second.reason.available]).toEqual(['draft', 'draft', 50]);

  // Nobody else sees the exception or the drafts; the supplier has not been sent anything.
  expect((await lowStock(m2.key)).filter((e) => e.sku === 'WASHER')).toEqual([]);
  expect((await lowStock(s1.key)).filter((e) => e.sku === 'WASHER')).toEqual([]);
  expect((await get(m2.key, `/v1/purchase-order-drafts/${first.id}`)).status).toBe(404);
  expect((await get(foreignBuyer.key, `/v1/purchase-order-drafts/${first.id}`)).status).toBe(404);
  expect((await get(foreignStaff, `/v1/purchase-order-drafts/${first.id}`)).status).toBe(404);
  expect((await get(approver, `/v1/purchase-order-drafts/${first.id}`)).status).toBe(200);
  expect((await get(s1.key, `/v1/purchase-order-drafts/${first.id}`)).status).toBe(403);
  expect((await post(s1.key, `/v1/purchase-order-drafts/${first.id}/confirm`)).status).toBe(403);
  expect((await post(approver, `/v1/purchase-order-drafts/${first.id}/confirm`)).status).toBe(403);
  expect((await post(m2.key, `/v1/purchase-order-drafts/${first.id}/confirm`)).status).toBe(404);
  const supplierOrders = async () => (await get(s1.key, '/v1/purchase-orders?limit=100')).body.items.map((o: any) => o.id);
  const before = await supplierOrders();

  // Confirmed: a real order the supplier now sees, awaiting its acknowledgement. Once only.
  const confirmed = await post(m1.key, `/v1/purchase-order-drafts/${first.id}/confirm`);
  expect(confirmed.status).toBe(201);
  expect(confirmed.body.draft).toMatchObject({ status: 'confirmed', purchaseOrderId: confirmed.body.order.id });
  expect(confirmed.body.order).toMatchObject({ status: 'awaiting-acknowledgement', supplierId: s1.partyId, manufacturerId: m1.partyId, total: '175.00' });
  expect(confirmed.headers.get('location')).toBe(`/v1/purchase-orders/${confirmed.body.order.id}`);
  expect(await supplierOrders()).toEqual([confirmed.body.order.id, ...before]);
  const again = await post(m1.key, `/v1/purchase-order-drafts/${first.id}/confirm`);
  expect(again.status).toBe(409);
  expect(again.body.detail).toContain(confirmed.body.order.id);

  // The other draft is discarded: nothing is ordered.
  expect((await post(m2.key, `/v1/purchase-order-drafts/${second.id}/discard`)).status).toBe(404);
  const discarded = await post(m1.key, `/v1/purchase-order-drafts/${second.id}/discard`);
  expect([discarded.status, discarded.body.status]).toEqual([200, 'discarded']);
  expect((await post(m1.key, `/v1/purchase-order-drafts/${second.id}/confirm`)).status).toBe(409);
  expect(await supplierOrders()).toHaveLength(before.length + 1);

  // The exception is resolved like any other.
  const resolved = await post(m1.key, `/v1/exceptions/${raised[0].id}/resolve`, { comment: 'reordered' });
  expect(resolved.status).toBe(200);
  raised = await lowStock(m1.key);
  expect(raised.find((e) => e.id === resolved.body.id).status).toBe('resolved');
});

test('promised stock counts against a threshold, and one set above today\'s stock raises at once', async () => {
  await send(s1, [snapshot('SPRING', 1, 60, 'WH-1')]);
  const order = await place(app, m1.key, orderBody(s1.partyId, [{ sku: 'SPRING', quantity: 25, unitPrice: '1.00' }]));
  await post(s1.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] });
  // 60 on hand, 25 promised: 35 available, below 40. No replenishment: an exception only.
  const set = await put(m1.key, '/v1/inventory/thresholds/SPRING', { minimumAvailable: 40, supplierId: s1.partyId, location: 'WH-1' });
  expect(set.body).toMatchObject({ low: true, lastAvailable: 35, supplierId: s1.partyId, location: 'WH-1' });
  expect((await lowStock(m1.key)).filter((e) => e.sku === 'SPRING').map((e) => e.data)).toEqual([expect.objectContaining({ available: 35, onHand: 60, promised: 25, location: 'WH-1' })]);
  expect((await get(m1.key, '/v1/purchase-order-drafts?limit=100')).body.items.filter((d: any) => d.sku === 'SPRING')).toEqual([]);
  // Changing the minimum keeps where the threshold stands: no second exception for the same fall.
  expect((await put(m1.key, '/v1/inventory/thresholds/SPRING', { minimumAvailable: 45, supplierId: s1.partyId, location: 'WH-1' })).body).toMatchObject({ low: true, crossings: 0, minimumAvailable: 45 });
  expect((await lowStock(m1.key)).filter((e) => e.sku === 'SPRING')).toHaveLength(1);
  // A location the batch does not touch is not judged by it; stock elsewhere does not lift it.
  await send(s1, [snapshot('SPRING', 2, 500, 'WH-9')]);
  expect((await get(m1.key, '/v1/inventory/thresholds/SPRING')).body.low).toBe(true);
});

test('an acknowledgement that promises stock away can cross a threshold by itself, with no stock update', async () => {
  await send(s1, [snapshot('CLAMP', 1, 100, 'WH-1')]);
  expect((await put(m1.key, '/v1/inventory/thresholds/CLAMP', { minimumAvailable: 50 })).body).toMatchObject({ low: false });
  const order = await place(app, m2.key, orderBody(s1.partyId, [{ sku: 'CLAMP', quantity: 60, unitPrice: '2.00' }]));
  expect((await lowStock(m1.key)).filter((e) => e.sku === 'CLAMP')).toEqual([]); // placed, not confirmed: nothing promised
  await post(s1.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] });
  await waitFor(async () => (await lowStock(m1.key)).some((e) => e.sku === 'CLAMP'));
  expect((await lowStock(m1.key)).filter((e) => e.sku === 'CLAMP').map((e) => e.data)).toEqual([expect.objectContaining({ available: 40, onHand: 100, promised: 60 })]);
});

test('two workers judging the same fall at once raise it and draft it once', async () => {
  await send(s2, [snapshot('CLIP', 1, 10, 'WH-1')]);
  // m2 orders from s2 so that its threshold watches s2; the order is left unacknowledged (promises nothing).
  await place(app, m2.key, orderBody(s2.partyId, [{ sku: 'CLIP', quantity: 1, unitPrice: '1.00' }]));
  // Set with a minimum the stock meets, so nothing is raised yet; then read it as a worker would.
  expect((await put(m2.key, '/v1/inventory/thresholds/CLIP', { minimumAvailable: 5, replenishment: replenish(s2.partyId) })).body.low).toBe(false);
  const tenantId = asTenantId(t.tenantId);
  await lowStockStore(tenantId).putThreshold(m2.partyId, 'CLIP', { minimumAvailable: 50, replenishment: { ...replenish(s2.partyId), leadTimeDays: 3 } as never });
  const stale = (await lowStockStore(tenantId).threshold(m2.partyId, 'CLIP'))!;
  await Promise.all([judgeThresholds(app.running.services, tenantId, [stale]), judgeThresholds(app.running.services, tenantId, [stale]), judgeThresholds(app.running.services, tenantId, [stale])]);
  expect((await lowStock(m2.key)).filter((e) => e.sku === 'CLIP')).toHaveLength(1);
  expect((await get(m2.key, '/v1/purchase-order-drafts?limit=100')).body.items.filter((d: any) => d.sku === 'CLIP')).toHaveLength(1);
});

test('thresholds: bad input names the field, wrong roles are refused, other parties and tenants find nothing', async () => {
  const path = '/v1/inventory/thresholds/GASKET';
  const refused = async (key: string, body: unknown, field: string) => {
    const res = await put(key, path, body);
    expect([res.status, res.body.field]).toEqual([422, field]);
  };
  await refused(m1.key, { minimumAvailable: 5, supplierId: s2.partyId }, 'body.supplierId'); // m1 never ordered from s2
  await refused(m1.key, { minimumAvailable: 5, replenishment: replenish(s1.partyId, { unitPrice: '0.125' }) }, 'body.replenishment.unitPrice');
  await refused(m1.key, { minimumAvailable: 5, replenishment: replenish(m2.partyId) }, 'body.replenishment.supplierId');
  await refused(m1.key, { minimumAvailable: 5, replenishment: replenish(foreignBuyer.partyId) }, 'body.replenishment.supplierId');
  await refused(m1.key, { minimumAvailable: -1 }, 'body.minimumAvailable');
  expect((await get(m1.key, path)).status).toBe(404); // nothing was stored
  for (const key of [s1.key, approver, t.adminKey]) expect((await put(key, path, { minimumAvailable: 5 })).status).toBe(403);
  expect((await get(s1.key, '/v1/inventory/thresholds')).status).toBe(403);

  expect((await put(m1.key, path, { minimumAvailable: 5 })).status).toBe(200);
  expect((await get(m2.key, path)).status).toBe(404);
  expect((await get(m2.key, '/v1/inventory/thresholds?limit=100')).body.items.map((x: any) => x.manufacturerId)).not.toContain(m1.partyId);
  expect((await get(approver, `${path}?manufacturerId=${m1.partyId}`)).status).toBe(200);
  expect((await get(foreignStaff, `${path}?manufacturerId=${m1.partyId}`)).status).toBe(404);
  expect((await get(foreignBuyer.key, path)).status).toBe(404);

  // Paging over the manufacturer's own thresholds.
  for (const sku of ['P-1', 'P-2', 'P-3']) await put(m1.key, `/v1/inventory/thresholds/${sku}`, { minimumAvailable: 1 });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: { sku: string }[]; nextCursor: string | null } } = await get(m1.key, `/v1/inventory/thresholds?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    seen.push(...res.body.items.map((x) => x.sku));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(expect.arrayContaining(['GASKET', 'P-1', 'P-2', 'P-3']));
  expect((await get(m1.key, '/v1/inventory/thresholds?cursor=bm9wZQ')).status).toBe(422);
});
