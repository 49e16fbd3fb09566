import { Type, type Static } from '@sinclair/typebox';
import { Obj } from '../../schemas';
import { fromMinor } from '../../../domain/money';
import { minorUnitDigits } from '../../../domain/locale';
import { lineTotalMinor, sumMinor } from '../../../domain/supply/order-lines';
import type { PurchaseOrderDoc } from '../../../models/supply/purchase-order';

/** A purchase order as the API shows it: amounts as decimal strings in the order's currency. */
const Str = Type.String();
const Int = Type.Integer();
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const ShipTo = Obj({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  line1: Type.String({ minLength: 1, maxLength: 200 }),
  line2: Type.Optional(Type.String({ maxLength: 200 })),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  postalCode: Type.String({ minLength: 1, maxLength: 20 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
});

const LineView = Obj({
  line: Int, sku: Str, status: Str, unitPrice: Str, lineTotal: Str, requestedDate: Str,
  ordered: Int, confirmed: Type.Union([Int, Type.Null()]), confirmedDate: Nullable(Str),
  shipped: Int, received: Int, damaged: Int, short: Int, shipBy: Nullable(Str),
});

export const PurchaseOrderView = Obj({
  id: Str,
  status: Str,
  version: Int,
  manufacturerId: Str,
  supplierId: Str,
  currency: Str,
  total: Type.String({ description: 'the lines not rejected or cancelled, at their ordered quantity' }),
  shipTo: ShipTo,
  lines: Type.Array(LineView),
  nextAction: Obj({ party: Nullable(Str), action: Nullable(Str), dueAt: Nullable(Str), lines: Type.Array(Int) }),
  deadlines: Obj({ acknowledgeBy: Nullable(Str), shipBy: Nullable(Str) }),
  versions: Type.Array(Obj({
    version: Int, at: Str, by: Str, kind: Str, note: Type.Optional(Str), changes: Type.Array(Type.Unknown()),
    lines: Type.Array(Obj({ line: Int, sku: Str, quantity: Int, unitPrice: Str, requestedDate: Str, status: Str })),
  })),
  acknowledgements: Type.Array(Obj({ version: Int, at: Str, by: Str, late: Type.Boolean(), lines: Type.Array(Type.Unknown()) })),
  acknowledgementWindows: Type.Array(Obj({ version: Int, sentAt: Str, dueAt: Str, completedAt: Nullable(Str), reminders: Int, late: Type.Boolean() })),
  shipments: Type.Array(Obj({ id: Str, at: Str, by: Str, carrier: Str, tracking: Str, late: Type.Boolean(), receiptId: Nullable(Str), lines: Type.Array(Obj({ line: Int, quantity: Int })) })),
  receipts: Type.Array(Obj({ id: Str, shipmentId: Str, at: Str, by: Str, lines: Type.Array(Obj({ line: Int, received: Int, damaged: Int, short: Int })) })),
  ruleSetVersion: Int,
  createdAt: Str,
  closedAt: Nullable(Str),
});

export type PurchaseOrderView = Static<typeof PurchaseOrderView>;

export function purchaseOrderView(o: PurchaseOrderDoc): PurchaseOrderView {
  const digits = minorUnitDigits(o.currency);
  const money = (minor: number) => fromMinor(minor, digits);
  const open = o.lines.filter((l) => l.status !== 'rejected' && l.status !== 'cancelled');
  const shipBys = o.lines.map((l) => l.shipBy).filter((d): d is string => d !== null).sort();
  return {
    id: o._id,
    status: o.status,
    version: o.version,
    manufacturerId: o.manufacturerId,
    supplierId: o.supplierId,
    currency: o.currency,
    total: money(sumMinor(open.map((l) => lineTotalMinor(l.unitPriceMinor, l.quantity)))),
    shipTo: o.shipTo,
    lines: o.lines.map((l) => ({
      line: l.line, sku: l.sku, status: l.status, unitPrice: money(l.unitPriceMinor), lineTotal: money(lineTotalMinor(l.unitPriceMinor, l.quantity)),
      requestedDate: l.requestedDate, ordered: l.quantity, confirmed: l.confirmedQuantity, confirmedDate: l.confirmedDate,
      shipped: l.shipped, received: l.received, damaged: l.damaged, short: l.short, shipBy: l.shipBy,
    })),
    nextAction: o.nextAction,
    deadlines: {
      acknowledgeBy: o.nextAction.action === 'acknowledge' ? o.nextAction.dueAt : null,
      shipBy: shipBys[0] ?? null,
    },
    versions: o.versions.map((v) => ({
      version: v.version, at: v.at, by: v.by, kind: v.kind, ...(v.note ? { note: v.note } : {}),
      changes: v.changes.map((c) => ('unitPriceMinor' in c ? { line: c.line, added: true, sku: c.sku, quantity: c.quantity, unitPrice: money(c.unitPriceMinor), requestedDate: c.requestedDate } : c)),
      lines: v.lines.map((l) => ({ line: l.line, sku: l.sku, quantity: l.quantity, unitPrice: money(l.unitPriceMinor), requestedDate: l.requestedDate, status: l.status })),
    })),
    acknowledgements: o.acknowledgements.map((a) => ({ version: a.version, at: a.at, by: a.by, late: a.late, lines: a.lines })),
    acknowledgementWindows: o.rounds.map((r) => ({ version: r.version, sentAt: r.sentAt, dueAt: r.dueAt, completedAt: r.completedAt, reminders: r.reminders, late: r.late })),
    shipments: o.shipments.map((s) => ({ id: s.id, at: s.at, by: s.by, carrier: s.carrier, tracking: s.tracking, late: s.late, receiptId: s.receiptId, lines: s.lines })),
    receipts: o.receipts.map((r) => ({ id: r.id, shipmentId: r.shipmentId, at: r.at, by: r.by, lines: r.lines })),
    ruleSetVersion: o.ruleSetVersion,
    createdAt: new Date(o.createdAt).toISOString(),
    closedAt: o.closedAt,
  };
}
