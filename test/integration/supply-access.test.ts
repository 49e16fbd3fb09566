import { startTestTrellis, TestTrellis } from '../support/trellis';
import { supplyTenant, SupplyTenant, orderBody, place, exceptionsOf } from './supply-fixtures';

/** Parties, and who may see and do what with orders and exceptions. */
let app: TestTrellis;
let t: SupplyTenant;
let other: SupplyTenant;
let supplier: { partyId: string; key: string };
let rival: { partyId: string; key: string };
let buyer: { partyId: string; key: string };
let otherBuyer: { partyId: string; key: string };
let order: any;
let exceptionId: string;

beforeAll(async () => {
  app = await startTestTrellis();
  [t, other] = await Promise.all([supplyTenant(app), supplyTenant(app)]);
  supplier = await t.party('supplier');
  rival = await t.party('supplier');
  buyer = await t.party('manufacturer');
  otherBuyer = await t.party('manufacturer');
  order = await place(app, buyer.key, orderBody(supplier.partyId, [{ sku: 'A', quantity: 2, unitPrice: '1.00' }, { sku: 'B', quantity: 1, unitPrice: '1.00' }]));
  await app.http('POST', `/v1/purchase-orders/${order.id}/acknowledgements`, { key: supplier.key, body: { lines: [{ line: 1, decision: 'accept' }, { line: 2, decision: 'reject' }] } });
  await app.http('POST', `/v1/purchase-orders/${order.id}/shipments`, { key: supplier.key, body: { carrier: 'UPS', tracking: 'X', lines: [{ line: 2, quantity: 1 }] } });
  exceptionId = (await exceptionsOf(app, buyer.key, order.id))[0].id;
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown) => app.http('POST', path, { key, body });
const ack = { lines: [{ line: 1, decision: 'accept' }] };
const ship = { carrier: 'UPS', tracking: 'Y', lines: [{ line: 1, quantity: 1 }] };
const receipt = { shipmentId: 's1', lines: [{ line: 1, received: 1 }] };
const change = { lines: [{ line: 1, quantity: 1 }] };

describe('trading parties', () => {
  test('created, listed, read with an ETag and changed with If-Match', async () => {
    const created = await post(t.adminKey, '/v1/parties', { kind: 'supplier', name: 'Acme Fasteners', contactEmail: 'orders@acme.example', externalRef: 'V-1001' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'supplier', name: 'Acme Fasteners', status: 'active', version: 1, externalRef: 'V-1001' });
    const id = created.body.id;
    const listed = await app.http('GET', '/v1/parties?kind=supplier&limit=1', { key: t.adminKey });
    expect(listed.body.items.map((p: any) => p.id)).toEqual([id]);
    expect(listed.body.nextCursor).not.toBeNull();
    const next = await app.http('GET', `/v1/parties?kind=supplier&limit=50&cursor=${listed.body.nextCursor}`, { key: t.adminKey });
    expect(next.body.items.map((p: any) => p.id)).toEqual([rival.partyId, supplier.partyId]);

    const read = await app.http('GET', `/v1/parties/${id}`, { key: t.adminKey });
    expect(read.headers.get('etag')).toBe('"1"');
    const noMatch = await app.http('PATCH', `/v1/parties/${id}`, { key: t.adminKey, body: { status: 'suspended' } });
    expect(noMatch.status).toBe(428);
    const stale = await app.http('PATCH', `/v1/parties/${id}`, { key: t.adminKey, body: { status: 'suspended' }, headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);
    const suspended = await app.http('PATCH', `/v1/parties/${id}`, { key: t.adminKey, body: { status: 'suspended' }, headers: { 'if-match': '"1"' } });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', version: 2 });

    // A suspended supplier takes no new orders and no new keys.
    const toSuspended = await post(buyer.key, '/v1/purchase-orders', orderBody(id, [{ sku: 'A', quantity: 1, unitPrice: '1' }]));
    expect(toSuspended.status).toBe(409);
    const key = await post(t.adminKey, '/v1/api-keys', { name: 's', role: 'supplier', partyId: id });
    expect(key.status).toBe(422);
    // A key's role must match the party's kind.
    const wrongKind = await post(t.adminKey, '/v1/api-keys', { name: 'm', role: 'manufacturer', partyId: supplier.partyId });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.field).toBe('body.partyId');
  });

  test('bad input is a 422 naming the field; only tenant admins manage parties', async () => {
    const bad = await post(t.adminKey, '/v1/parties', { kind: 'distributor', name: 'X' });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toMatch(/kind/);
    const approver = await t.staffKey('approver');
    expect((await post(approver, '/v1/parties', { kind: 'supplier', name: 'X' })).status).toBe(403);
    expect((await app.http('GET', '/v1/parties', { key: supplier.key })).status).toBe(403);
    expect((await app.http('GET', `/v1/parties/${supplier.partyId}`, { key: other.adminKey })).status).toBe(404);
  });
});

describe('purchase orders and exceptions', () => {
  test("another tenant's ids are not found", async () => {
    expect((await app.http('GET', `/v1/purchase-orders/${order.id}`, { key: other.adminKey })).status).toBe(404);
    expect((await app.http('GET', `/v1/exceptions/${exceptionId}`, { key: other.adminKey })).status).toBe(404);
    expect((await post(other.adminKey, `/v1/exceptions/${exceptionId}/resolve`, { comment: 'x' })).status).toBe(404);
    expect((await app.http('GET', `/v1/parties/${supplier.partyId}/scorecard?from=2020-01-01T00:00:00Z&to=2040-01-01T00:00:00Z`, { key: other.adminKey })).status).toBe(404);
    // Another tenant's supplier cannot be ordered from.
    const otherSupplier = await other.party('supplier');
    const cross = await post(buyer.key, '/v1/purchase-orders', orderBody(otherSupplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }]));
    expect(cross.status).toBe(422);
    expect(cross.body.field).toBe('body.supplierId');
  });

  test("another party's orders and exceptions are not found", async () => {
    for (const key of [rival.key, otherBuyer.key]) {
      expect((await app.http('GET', `/v1/purchase-orders/${order.id}`, { key })).status).toBe(404);
      expect((await app.http('GET', '/v1/purchase-orders', { key })).body.items).toEqual([]);
      expect((await app.http('GET', `/v1/exceptions/${exceptionId}`, { key })).status).toBe(404);
      expect((await app.http('GET', '/v1/exceptions', { key })).body.items).toEqual([]);
    }
    expect((await post(rival.key, `/v1/purchase-orders/${order.id}/acknowledgements`, ack)).status).toBe(404);
    expect((await post(rival.key, `/v1/purchase-orders/${order.id}/shipments`, ship)).status).toBe(404);
    expect((await post(otherBuyer.key, `/v1/purchase-orders/${order.id}/changes`, change)).status).toBe(404);
    expect((await post(otherBuyer.key, `/v1/purchase-orders/${order.id}/receipts`, receipt)).status).toBe(404);
    expect((await post(otherBuyer.key, `/v1/exceptions/${exceptionId}/resolve`, { comment: 'x' })).status).toBe(404);
    expect((await app.http('GET', `/v1/parties/${supplier.partyId}/scorecard?from=2020-01-01T00:00:00Z&to=2040-01-01T00:00:00Z`, { key: rival.key })).status).toBe(404);
    // Staff see every order.
    expect((await app.http('GET', `/v1/purchase-orders/${order.id}`, { key: t.adminKey })).status).toBe(200);
  });

  test('wrong roles are forbidden', async () => {
    const finance = await t.staffKey('finance');
    expect((await post(supplier.key, '/v1/purchase-orders', orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }]))).status).toBe(403);
    expect((await post(t.adminKey, '/v1/purchase-orders', orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }]))).status).toBe(403);
    expect((await post(buyer.key, `/v1/purchase-orders/${order.id}/acknowledgements`, ack)).status).toBe(403);
    expect((await post(buyer.key, `/v1/purchase-orders/${order.id}/shipments`, ship)).status).toBe(403);
    expect((await post(supplier.key, `/v1/purchase-orders/${order.id}/changes`, change)).status).toBe(403);
    expect((await post(supplier.key, `/v1/purchase-orders/${order.id}/receipts`, receipt)).status).toBe(403);
    expect((await post(supplier.key, `/v1/exceptions/${exceptionId}/resolve`, { comment: 'x' })).status).toBe(403);
    expect((await post(finance, `/v1/exceptions/${exceptionId}/resolve`, { comment: 'x' })).status).toBe(403);
  });

  test('bad input is a 422 naming the field, and changes nothing', async () => {
    const cases: [unknown, string][] = [
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '0.125' }]), 'body.lines[0].unitPrice'],
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1', requestedDate: '2030-02-30' }]), 'body.lines.0.requestedDate'],
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 0, unitPrice: '1' }]), 'body.lines.0.quantity'],
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }], 'ZZZ'), 'body.currency'],
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: 1 as never }]), 'body.lines.0.unitPrice'],
      [{ ...orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }]), discount: '5' }, 'body'],
      [orderBody(buyer.partyId, [{ sku: 'A', quantity: 1, unitPrice: '1' }]), 'body.supplierId'],
      [orderBody(supplier.partyId, [{ sku: 'A', quantity: 1_000_000_000, unitPrice: '999999999999999' }]), 'body.lines[0].unitPrice'],
    ];
    const before = (await app.http('GET', '/v1/purchase-orders?limit=200', { key: buyer.key })).body.items.length;
    for (const [body, field] of cases) {
      const res = await post(buyer.key, '/v1/purchase-orders', body);
      expect([res.status, res.body.type]).toEqual([422, 'urn:trellis:problem:validation-failed']);
      expect(res.body.field ?? res.body.errors?.[0]?.field).toContain(field);
    }
    expect((await app.http('GET', '/v1/purchase-orders?limit=200', { key: buyer.key })).body.items.length).toBe(before);
    // JPY has no minor digits: a fraction of a yen is refused.
    const yen = await post(buyer.key, '/v1/purchase-orders', orderBody(supplier.partyId, [{ sku: 'A', quantity: 1, unitPrice: '100.5' }], 'JPY'));
    expect(yen.status).toBe(422);
    // Confirming more than ordered never fits (422), but line 1 is already answered, which is checked first.
    const overConfirm = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept', quantity: 5 }] });
    expect(overConfirm.status).toBe(409);
    const badAck = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'maybe' }] });
    expect(badAck.status).toBe(422);
    const badReceipt = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's9', lines: [{ line: 1, received: 1 }] });
    expect(badReceipt.status).toBe(422);
    expect((await app.http('GET', '/v1/purchase-orders/po_nope', { key: buyer.key })).status).toBe(422);
    expect((await app.http('GET', '/v1/exceptions?kind=lost', { key: buyer.key })).status).toBe(422);
    expect((await app.http('GET', '/v1/purchase-orders?status=lost', { key: buyer.key })).status).toBe(422);
  });

  test('lists page with cursors, newest first, filtered by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await place(app, otherBuyer.key, orderBody(rival.partyId, [{ sku: 'P', quantity: 1, unitPrice: '1' }]))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await app.http('GET', `/v1/purchase-orders?status=awaiting-acknowledgement&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: rival.key });
      seen.push(...res.body.items.map((o: any) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});
