import { purchaseOrderWorkflow } from '../../domain/workflow-ids';
import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { TenantModel } from '../../models/tenancy/tenant';
import { supplyTenant, SupplyTenant, orderBody, place, orderWhen, exceptionsOf, inDays } from './supply-fixtures';

let app: TestTrellis;
let t: SupplyTenant;
let supplier: { partyId: string; key: string };
let buyer: { partyId: string; key: string };

beforeAll(async () => {
  app = await startTestTrellis();
  t = await supplyTenant(app);
  supplier = await t.party('supplier');
  buyer = await t.party('manufacturer');
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown) => app.http('POST', path, { key, body });
const kinds = async (id: string) => (await exceptionsOf(app, buyer.key, id)).map((e) => [e.kind, e.line ?? null]).sort();

test('an order from placement to closure: a partial and a rejected line, a change order, two shipments and receipts', async () => {
  const order = await place(app, buyer.key, orderBody(supplier.partyId, [
    { sku: 'BOLT-M8', quantity: 100, unitPrice: '0.35' },
    { sku: 'NUT-M8', quantity: 50, unitPrice: '0.12' },
    { sku: 'WASHER', quantity: 10, unitPrice: '1.05' },
  ]));
  expect(order).toMatchObject({ status: 'awaiting-acknowledgement', version: 1, currency: 'EUR', total: '51.50', supplierId: supplier.partyId, manufacturerId: buyer.partyId });
  expect(order.lines.map((l: any) => [l.sku, l.unitPrice, l.lineTotal])).toEqual([['BOLT-M8', '0.35', '35.00'], ['NUT-M8', '0.12', '6.00'], ['WASHER', '1.05', '10.50']]);
  expect(order.nextAction).toMatchObject({ party: 'supplier', action: 'acknowledge', lines: [1, 2, 3] });
  expect(new Date(order.deadlines.acknowledgeBy).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

  // The supplier sees it in its list.
  const listed = await app.http('GET', '/v1/purchase-orders?status=awaiting-acknowledgement', { key: supplier.key });
  expect(listed.body.items.map((o: any) => o.id)).toContain(order.id);

  const ack = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [
    { line: 1, decision: 'accept', quantity: 80 },
    { line: 2, decision: 'accept', date: inDays(9) },
    { line: 3, decision: 'reject', reason: 'discontinued' },
  ] });
  expect(ack.status).toBe(200);
  expect(ack.body.status).toBe('acknowledged');
  expect(ack.body.lines.map((l: any) => [l.status, l.ordered, l.confirmed])).toEqual([['accepted', 100, 80], ['accepted', 50, 50], ['rejected', 10, null]]);
  expect(ack.body.lines[1].confirmedDate).toBe(inDays(9));
  expect(ack.body.total).toBe('41.00');

  // Change order: line 2 goes to 60 and a line is added; both await the supplier again.
  const change = await post(buyer.key, `/v1/purchase-orders/${order.id}/changes`, { lines: [{ line: 2, quantity: 60 }], add: [{ sku: 'SPRING', quantity: 5, unitPrice: '2.50', requestedDate: inDays(8) }], note: 'more nuts' });
  expect(change.status).toBe(200);
  expect(change.body).toMatchObject({ version: 2, status: 'awaiting-acknowledgement', nextAction: { party: 'supplier', action: 'acknowledge', lines: [2, 4] } });
  expect(change.body.versions.map((v: any) => [v.version, v.kind, v.lines.map((l: any) => l.quantity)])).toEqual([[1, 'original', [100, 50, 10]], [2, 'change', [100, 60, 10, 5]]]);
  expect(change.body.versions[1].changes).toEqual([{ line: 2, quantity: 60 }, { line: 4, added: true, sku: 'SPRING', quantity: 5, unitPrice: '2.50', requestedDate: inDays(8) }]);
  const reAck = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 2, decision: 'accept' }, { line: 4, decision: 'accept' }] });
  expect(reAck.body.status).toBe('acknowledged');
  expect(reAck.body.acknowledgementWindows.map((w: any) => [w.version, w.late, w.completedAt !== null])).toEqual([[1, false, true], [2, false, true]]);

  // Two partial shipments, each received.
  const s1 = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'DHL', tracking: 'JD0001', lines: [{ line: 1, quantity: 50 }, { line: 2, quantity: 60 }] });
  expect(s1.status).toBe(201);
  expect(s1.body.status).toBe('partially-shipped');
  expect(s1.body.nextAction).toMatchObject({ party: 'supplier', action: 'ship', lines: [1, 4] });
  const r1 = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's1', lines: [{ line: 1, received: 50 }, { line: 2, received: 60 }] });
  expect(r1.status).toBe(201);
  const s2 = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'DHL', tracking: 'JD0002', lines: [{ line: 1, quantity: 30 }, { line: 4, quantity: 5 }] });
  expect(s2.body).toMatchObject({ status: 'partially-received', nextAction: { party: 'manufacturer', action: 'receive', lines: [1, 4] } });
  const r2 = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's2', lines: [{ line: 1, received: 30 }, { line: 4, received: 5 }] });
  expect(r2.body.status).toBe('closed');
  expect(r2.body.closedAt).not.toBeNull();
  expect(r2.body.nextAction).toEqual({ party: null, action: null, dueAt: null, lines: [] });
  expect(r2.body.lines.map((l: any) => [l.line, l.ordered, l.confirmed, l.shipped, l.received])).toEqual([[1, 100, 80, 80, 80], [2, 60, 60, 60, 60], [3, 10, null, 0, 0], [4, 5, 5, 5, 5]]);
  expect(r2.body.shipments.map((s: any) => [s.id, s.receiptId])).toEqual([['s1', 'r1'], ['s2', 'r2']]);
  expect(await exceptionsOf(app, buyer.key, order.id)).toEqual([]);

  // Every step is an audit event, which is what webhooks deliver.
  await waitFor(async () => {
    const audit = await app.http('GET', `/v1/audit?entityId=${order.id}&limit=50`, { key: t.adminKey });
    const actions = audit.body.items.map((e: any) => e.action).reverse();
    return JSON.stringify(actions) === JSON.stringify([
      'purchase-order.created', 'purchase-order.acknowledged', 'purchase-order.changed', 'purchase-order.acknowledged',
      'purchase-order.shipped', 'purchase-order.received', 'purchase-order.shipped', 'purchase-order.received', 'purchase-order.closed',
    ]);
  });

  // A closed order takes nothing more.
  const late = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'DHL', tracking: 'JD0003', lines: [{ line: 1, quantity: 1 }] });
  expect(late.status).toBe(409);
  expect(late.body.detail).toMatch(/the order is closed/);
  const tenant = (await TenantModel.findOne({ _id: t.tenantId }).lean())!;
  await keepHistory(app.running.services.workflows.handle(tenant, purchaseOrderWorkflow, order.id), 'purchase-order-to-closure');
});

test('exceptions: shipping a rejected line (refused), over-shipment, damaged and short goods; resolving them', async () => {
  const order = await place(app, buyer.key, orderBody(supplier.partyId, [{ sku: 'A', quantity: 10, unitPrice: '1.00' }, { sku: 'B', quantity: 4, unitPrice: '3.00' }]));
  await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }, { line: 2, decision: 'reject' }] });

  const rejectedLine = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: '1Z1', lines: [{ line: 2, quantity: 4 }] });
  expect(rejectedLine.status).toBe(409);
  expect(rejectedLine.body.detail).toMatch(/line 2 is rejected; a shipment for it is refused/);

  const over = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: '1Z2', lines: [{ line: 1, quantity: 12 }] });
  expect(over.status).toBe(201);
  // Receiving more than shipped is refused and says why.
  const tooMany = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's1', lines: [{ line: 1, received: 12, damaged: 1 }] });
  expect(tooMany.status).toBe(409);
  expect(tooMany.body.detail).toMatch(/receiving 13 is more than the 12 shipment s1 shipped/);
  const received = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's1', lines: [{ line: 1, received: 8, damaged: 2 }] });
  expect(received.body.lines[0]).toMatchObject({ shipped: 12, received: 8, damaged: 2, short: 2 });
  const twice = await post(buyer.key, `/v1/purchase-orders/${order.id}/receipts`, { shipmentId: 's1', lines: [{ line: 1, received: 1 }] });
  expect(twice.status).toBe(409);
  expect(twice.body.detail).toMatch(/already received/);

  expect(await kinds(order.id)).toEqual([['closed-line-shipment', 2], ['over-shipment', 1], ['quantity-mismatch', 1]]);
  const mismatch = (await exceptionsOf(app, buyer.key, order.id)).find((e) => e.kind === 'quantity-mismatch');
  expect(mismatch.data).toMatchObject({ confirmed: 10, shipped: 12, received: 8, damaged: 2, short: 2 });
  // The supplier sees the exceptions about its orders too.
  expect((await exceptionsOf(app, supplier.key, order.id)).length).toBe(3);

  // The buyer cancels the rest (2 still owed): the order closes.
  const rest = await post(buyer.key, `/v1/purchase-orders/${order.id}/changes`, { lines: [{ line: 1, quantity: 8 }] });
  expect(rest.body.status).toBe('awaiting-acknowledgement');
  const closed = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] });
  expect(closed.body.status).toBe('closed');

  const resolved = await post(buyer.key, `/v1/exceptions/${mismatch.id}/resolve`, { comment: 'credit note requested' });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ status: 'resolved', resolution: { comment: 'credit note requested' } });
  const again = await post(buyer.key, `/v1/exceptions/${mismatch.id}/resolve`, { comment: 'again' });
  expect(again.status).toBe(409);
  const open = await app.http('GET', `/v1/exceptions?purchaseOrderId=${order.id}&status=open`, { key: buyer.key });
  expect(open.body.items.map((e: any) => e.kind).sort()).toEqual(['closed-line-shipment', 'over-shipment']);
  const bySupplierFilter = await app.http('GET', `/v1/exceptions?kind=over-shipment&supplierId=${supplier.partyId}`, { key: t.adminKey });
  expect(bySupplierFilter.body.items.map((e: any) => e.purchaseOrderId)).toContain(order.id);
});

test('illegal transitions are 409s that say why', async () => {
  const order = await place(app, buyer.key, orderBody(supplier.partyId, [{ sku: 'A', quantity: 3, unitPrice: '1.00' }, { sku: 'B', quantity: 3, unitPrice: '1.00' }]));
  const early = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: 'E1', lines: [{ line: 1, quantity: 1 }] });
  expect(early.status).toBe(409);
  expect(early.body.detail).toMatch(/line 1 is not acknowledged yet/);
  await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }, { line: 2, decision: 'accept' }] });
  const reAck = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'reject' }] });
  expect(reAck.status).toBe(409);
  expect(reAck.body.detail).toMatch(/line 1 is accepted; only lines awaiting acknowledgement/);
  await post(buyer.key, `/v1/purchase-orders/${order.id}/changes`, { lines: [{ line: 2, cancel: true }] });
  const cancelled = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: 'C1', lines: [{ line: 2, quantity: 3 }] });
  expect(cancelled.status).toBe(409);
  expect(cancelled.body.detail).toMatch(/line 2 is cancelled/);
  expect(await kinds(order.id)).toEqual([['closed-line-shipment', 2]]);
  await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: 'S1', lines: [{ line: 1, quantity: 2 }] });
  const cancelShipped = await post(buyer.key, `/v1/purchase-orders/${order.id}/changes`, { lines: [{ line: 1, cancel: true }] });
  expect(cancelShipped.status).toBe(409);
  expect(cancelShipped.body.detail).toMatch(/line 1 has shipments; reduce its quantity to 2/);
  const unknownLine = await post(buyer.key, `/v1/purchase-orders/${order.id}/changes`, { lines: [{ line: 9, quantity: 1 }] });
  expect(unknownLine.status).toBe(422);
  expect(unknownLine.body.detail).toMatch(/line 9 is not on this order/);
});

test('late acknowledgement (with reminders) and late shipment are raised by the clock', async () => {
  await t.publish({ acknowledgement: { sla: '3 seconds', remindEvery: '1 second' }, shipment: { latenessTolerance: '1 second' } });
  const order = await place(app, buyer.key, orderBody(supplier.partyId, [{ sku: 'LATE', quantity: 2, unitPrice: '5', requestedDate: inDays(-2) }]));
  const overdue = await orderWhen(app, buyer.key, order.id, (o) => o.acknowledgementWindows[0].late);
  expect(overdue.acknowledgementWindows[0].reminders).toBeGreaterThanOrEqual(1);
  expect(await kinds(order.id)).toEqual([['late-acknowledgement', null]]);
  const reminders = await app.http('GET', `/v1/audit?entityId=${order.id}&action=purchase-order.acknowledgement-reminder`, { key: t.adminKey });
  expect(reminders.body.items.length).toBeGreaterThanOrEqual(1);

  const ack = await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] });
  expect(ack.body.acknowledgements[0].late).toBe(true);
  // Its ship-by time has passed: the clock raises late shipment without waiting for a shipment.
  await waitFor(async () => (await kinds(order.id)).some(([k]) => k === 'late-shipment'));
  const shipped = await post(supplier.key, `/v1/purchase-orders/${order.id}/shipments`, { carrier: 'UPS', tracking: 'L1', lines: [{ line: 1, quantity: 2 }] });
  expect(shipped.body.shipments[0].late).toBe(true);
  expect(await kinds(order.id)).toEqual([['late-acknowledgement', null], ['late-shipment', 1]]);
  await t.publish({ acknowledgement: { sla: '1 hour', remindEvery: '10 minutes' }, shipment: { latenessTolerance: '1 hour' } });
});

test('a retried request (same Idempotency-Key) changes the order once', async () => {
  const order = await place(app, buyer.key, orderBody(supplier.partyId, [{ sku: 'A', quantity: 5, unitPrice: '1.00' }]));
  await post(supplier.key, `/v1/purchase-orders/${order.id}/acknowledgements`, { lines: [{ line: 1, decision: 'accept' }] });
  const headers = { 'idempotency-key': `ship-${order.id}` };
  const body = { carrier: 'UPS', tracking: 'R1', lines: [{ line: 1, quantity: 2 }] };
  const first = await app.http('POST', `/v1/purchase-orders/${order.id}/shipments`, { key: supplier.key, body, headers });
  const second = await app.http('POST', `/v1/purchase-orders/${order.id}/shipments`, { key: supplier.key, body, headers });
  expect([first.status, second.status]).toEqual([201, 201]);
  expect(second.body.shipments).toHaveLength(1);
});

test('the supplier scorecard counts acknowledgements, shipments, fill rate and exceptions', async () => {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const card = await app.http('GET', `/v1/parties/${supplier.partyId}/scorecard?from=${from}&to=${to}`, { key: t.adminKey });
  expect(card.status).toBe(200);
  expect(card.body.orders).toBeGreaterThanOrEqual(5);
  expect(card.body.acknowledgements.due).toBeGreaterThan(card.body.acknowledgements.onTime);
  expect(card.body.shipments.count).toBeGreaterThan(card.body.shipments.onTime);
  expect(card.body.exceptions).toBeGreaterThanOrEqual(6);
  expect(card.body.fillRate).toMatch(/^0\.\d+$/);
  const own = await app.http('GET', `/v1/parties/${supplier.partyId}/scorecard?from=${from}&to=${to}`, { key: supplier.key });
  expect(own.body).toEqual(card.body);
});
