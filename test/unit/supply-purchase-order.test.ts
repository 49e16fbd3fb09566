import fc from 'fast-check';
import { PurchaseOrder, type OrderFacts } from '../../domain/supply/purchase-order';
import { checkPurchaseOrderRules, DEFAULT_PURCHASE_ORDER_RULES, shipByMs } from '../../domain/supply/purchase-order-rules';
import { lineTotalMinor, unitPriceMinor, sumMinor } from '../../domain/supply/order-lines';

const HOUR = 3_600_000;
const timings = { acknowledgementSlaMs: 10 * HOUR, reminderEveryMs: 4 * HOUR, shipmentToleranceMs: HOUR };
const T0 = Date.parse('2030-01-01T08:00:00Z');
const supplier = { keyId: 'key_s', role: 'supplier', partyId: 'tp_s' };
const buyer = { keyId: 'key_m', role: 'manufacturer', partyId: 'tp_m' };
const facts = (quantities = [10, 5, 3]): OrderFacts => ({
  manufacturerId: 'tp_m', supplierId: 'tp_s', currency: 'EUR', createdBy: 'key_m',
  lines: quantities.map((quantity, i) => ({ sku: `SKU-${i + 1}`, quantity, unitPriceMinor: 1250, requestedDate: '2030-01-10' })),
});

describe('a purchase order from placement to closure', () => {
  test('partial and rejected lines, a change order, two shipments and receipts', () => {
    const po = PurchaseOrder.place(facts(), timings, T0);
    expect(po.snapshot().nextAction).toMatchObject({ party: 'supplier', action: 'acknowledge', lines: [1, 2, 3], dueAt: new Date(T0 + 10 * HOUR).toISOString() });
    expect(po.takeNews().events.map((e) => e.action)).toEqual(['purchase-order.created']);

    expect(po.checkAcknowledgement([{ line: 1, decision: 'accept', quantity: 11 }])).toMatchObject({ kind: 'input' });
    po.acknowledge([{ line: 1, decision: 'accept', quantity: 8 }, { line: 2, decision: 'accept', date: '2030-01-12' }, { line: 3, decision: 'reject', reason: 'discontinued' }], supplier, T0 + HOUR);
    let s = po.snapshot();
    expect(s.status).toBe('acknowledged');
    expect(s.lines.map((l) => [l.status, l.confirmedQuantity, l.confirmedDate])).toEqual([['accepted', 8, '2030-01-10'], ['accepted', 5, '2030-01-12'], ['rejected', null, null]]);
    expect(s.rounds[0]).toMatchObject({ late: false, completedAt: new Date(T0 + HOUR).toISOString() });
    expect(po.checkAcknowledgement([{ line: 1, decision: 'accept' }])).toMatchObject({ kind: 'state' });

    // The buyer raises line 2 to 6 and adds a line; both await the supplier again.
    expect(po.checkChange({ lines: [{ line: 3, cancel: true }], add: [] })).toBeUndefined();
    po.change({ lines: [{ line: 2, quantity: 6 }], add: [{ sku: 'SKU-4', quantity: 2, unitPriceMinor: 99, requestedDate: '2030-01-11' }] }, buyer, T0 + 2 * HOUR);
    s = po.snapshot();
    expect(s.version).toBe(2);
    expect(s.versions.map((v) => v.lines.map((l) => l.quantity))).toEqual([[10, 5, 3], [10, 6, 3, 2]]);
    expect(s.status).toBe('awaiting-acknowledgement');
    po.acknowledge([{ line: 2, decision: 'accept' }, { line: 4, decision: 'accept' }], supplier, T0 + 3 * HOUR);
    expect(po.status).toBe('acknowledged');

    // A rejected line must not ship: refused, and an exception says so.
    po.takeNews();
    expect(po.ship({ carrier: 'DHL', tracking: 'X1', lines: [{ line: 3, quantity: 1 }] }, supplier, T0 + 4 * HOUR)).toMatchObject({ kind: 'state' });
    expect(po.takeNews().exceptions.map((e) => e.kind)).toEqual(['closed-line-shipment']);

    expect(po.ship({ carrier: 'DHL', tracking: 'A1', lines: [{ line: 1, quantity: 5 }, { line: 2, quantity: 6 }] }, supplier, T0 + 4 * HOUR)).toBeUndefined();
    expect(po.status).toBe('partially-shipped');
    expect(po.checkReceipt({ shipmentId: 's1', lines: [{ line: 1, received: 6 }, { line: 2, received: 6 }] })).toMatchObject({ kind: 'state' });
    po.receive({ shipmentId: 's1', lines: [{ line: 1, received: 4, damaged: 1 }, { line: 2, received: 6 }] }, buyer, T0 + 5 * HOUR);
    expect(po.takeNews().exceptions.map((e) => [e.kind, e.line])).toEqual([['quantity-mismatch', 1]]);
    po.ship({ carrier: 'DHL', tracking: 'A2', lines: [{ line: 1, quantity: 4 }, { line: 4, quantity: 2 }] }, supplier, T0 + 6 * HOUR);
    expect(po.status).toBe('partially-received');
    expect(po.snapshot().nextAction).toMatchObject({ party: 'manufacturer', action: 'receive', lines: [1, 4] });
    po.receive({ shipmentId: 's2', lines: [{ line: 1, received: 4 }, { line: 4, received: 2 }] }, buyer, T0 + 7 * HOUR);
    s = po.snapshot();
    expect(s.status).toBe('closed');
    expect(s.lines.map((l) => [l.confirmedQuantity, l.shipped, l.received])).toEqual([[8, 9, 8], [6, 6, 6], [null, 0, 0], [2, 2, 2]]);
    const news = po.takeNews();
    expect(news.events.map((e) => e.action)).toEqual(['purchase-order.shipped', 'purchase-order.received', 'purchase-order.closed']);
    expect(news.exceptions).toEqual([]);
    expect(po.checkShipment([{ line: 1, quantity: 1 }])).toMatchObject({ kind: 'state', message: 'the order is closed' });
  });

  test('reminders, then a late-acknowledgement exception, once', () => {
    const po = PurchaseOrder.place(facts([1]), timings, T0);
    po.takeNews();
    expect(po.nextTimerAt()).toBe(T0 + 4 * HOUR);
    expect(po.tick(T0 + 4 * HOUR)).toBe(true);
    expect(po.tick(T0 + 8 * HOUR)).toBe(true);
    expect(po.nextTimerAt()).toBe(T0 + 10 * HOUR);
    expect(po.tick(T0 + 10 * HOUR)).toBe(true);
    expect(po.tick(T0 + 11 * HOUR)).toBe(false);
    const news = po.takeNews();
    expect(news.events.map((e) => e.action)).toEqual(['purchase-order.acknowledgement-reminder', 'purchase-order.acknowledgement-reminder']);
    expect(news.exceptions.map((e) => e.kind)).toEqual(['late-acknowledgement']);
    po.acknowledge([{ line: 1, decision: 'accept' }], supplier, T0 + 12 * HOUR);
    expect(po.snapshot().acknowledgements[0].late).toBe(true);
  });

  test('over-shipment and late shipment are accepted and raised; receiving more than shipped is refused', () => {
    const po = PurchaseOrder.place(facts([4]), timings, T0);
    po.acknowledge([{ line: 1, decision: 'accept', date: '2029-12-30' }], supplier, T0);
    po.takeNews();
    // The ship-by time (end of the confirmed day plus tolerance) has passed: the clock raises it.
    expect(po.nextTimerAt()).toBe(shipByMs('2029-12-30', HOUR));
    po.tick(T0 + 1);
    po.ship({ carrier: 'UPS', tracking: '1Z', lines: [{ line: 1, quantity: 5 }] }, supplier, T0 + HOUR);
    const kinds = po.takeNews().exceptions.map((e) => e.kind);
    expect(kinds).toEqual(['late-shipment', 'over-shipment']);
    expect(po.snapshot().shipments[0].late).toBe(true);
    expect(po.checkReceipt({ shipmentId: 's1', lines: [{ line: 1, received: 6 }] })?.message).toMatch(/more than the 5 shipment s1 shipped/);
    po.receive({ shipmentId: 's1', lines: [{ line: 1, received: 5 }] }, buyer, T0 + 2 * HOUR);
    expect(po.status).toBe('closed');
    expect(po.takeNews().exceptions.map((e) => e.key)).toEqual(['quantity-mismatch:close:1']);
  });

  test('a change cannot cancel a shipped line or go below what shipped; cancelling the rest closes', () => {
    const po = PurchaseOrder.place(facts([4, 2]), timings, T0);
    po.acknowledge([{ line: 1, decision: 'accept' }, { line: 2, decision: 'accept' }], supplier, T0);
    po.ship({ carrier: 'UPS', tracking: '1', lines: [{ line: 1, quantity: 3 }] }, supplier, T0);
    expect(po.checkChange({ lines: [{ line: 1, cancel: true }], add: [] })?.message).toMatch(/reduce its quantity to 3/);
    expect(po.checkChange({ lines: [{ line: 1, quantity: 2 }], add: [] })?.kind).toBe('state');
    po.receive({ shipmentId: 's1', lines: [{ line: 1, received: 3 }] }, buyer, T0);
    po.change({ lines: [{ line: 1, quantity: 3 }, { line: 2, cancel: true }], add: [] }, buyer, T0);
    po.acknowledge([{ line: 1, decision: 'accept' }], supplier, T0);
    expect(po.status).toBe('closed');
  });

  test('an order whose every line is rejected ends rejected', () => {
    const po = PurchaseOrder.place(facts([1, 1]), timings, T0);
    po.acknowledge([{ line: 1, decision: 'reject' }, { line: 2, decision: 'reject' }], supplier, T0);
    expect(po.status).toBe('rejected');
    expect(po.nextTimerAt()).toBeUndefined();
  });
});

describe('order money', () => {
  test('unit prices follow the currency and line totals are exact', () => {
    expect(unitPriceMinor('12.5', 2)).toBe(1250);
    expect(unitPriceMinor('1000', 0)).toBe(1000);
    expect(() => unitPriceMinor('0.125', 2)).toThrow(/more than 2 decimal places/);
    expect(lineTotalMinor(1999, 3)).toBe(5997);
    expect(() => lineTotalMinor(Number.MAX_SAFE_INTEGER, 2)).toThrow(/above/);
  });

  test('a total is the exact sum of its line totals', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 50 }), (lines) => {
      const totals = lines.map(([price, qty]) => lineTotalMinor(price, qty));
      const expected = lines.reduce((sum, [price, qty]) => sum + BigInt(price) * BigInt(qty), 0n);
      expect(BigInt(sumMinor(totals))).toBe(expected);
    }));
  });
});

test('the default rules pass their own checks; a reminder flood is refused', () => {
  const limits = { minDurationMs: 60_000 };
  expect(checkPurchaseOrderRules(DEFAULT_PURCHASE_ORDER_RULES, { limits })).toEqual([]);
  const flood = { ...DEFAULT_PURCHASE_ORDER_RULES, acknowledgement: { sla: '2 days', remindEvery: '1 hour' } };
  expect(checkPurchaseOrderRules(flood, { limits })).toEqual([expect.objectContaining({ field: 'body.definition.acknowledgement.remindEvery' })]);
});
