import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, Id, PageQuery, Page, Currency, MoneyAmount } from '../../schemas';
import { asTenantId } from '../../../platform/tenant-id';
import { listThresholds, setAndJudgeThreshold, visibleThreshold } from '../../../services/supply/low-stock';
import type { InventoryThresholdDoc } from '../../../models/supply/inventory-threshold';
import { ShipTo } from './purchase-order-view';
import { supplyActor } from './supply-actor';

/** Low-stock thresholds per sku, set by manufacturers (services/supply/low-stock.ts). */
const SKU = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$';
const SkuParams = Obj({ sku: Type.String({ pattern: SKU, description: 'the sku' }) });

const Replenishment = Obj({
  supplierId: Id('tp', 'the supplier to order from (any active supplier)'),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  unitPrice: { ...MoneyAmount, pattern: '^\\d{1,15}(\\.\\d{1,4})?$', description: 'decimal string in currency, no more decimals than it has' },
  currency: Currency,
  shipTo: ShipTo,
  leadTimeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: 'the draft asks for shipment this many days after it is drafted (7 unless given)' })),
}, { description: 'what to draft when the threshold is crossed' });

const ThresholdBody = Obj({
  minimumAvailable: Type.Integer({ minimum: 0, maximum: 1e12, description: 'raise when available (on hand less promised) falls below this' }),
  supplierId: Type.Optional(Id('tp', 'watch only this supplier (one you have ordered from); all of them unless given')),
  location: Type.Optional(Type.String({ pattern: SKU, description: 'watch only this supplier location; every location unless given' })),
  replenishment: Type.Optional(Replenishment),
});

const ThresholdView = Obj({
  manufacturerId: Type.String(),
  sku: Type.String(),
  minimumAvailable: Type.Integer(),
  supplierId: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  replenishment: Type.Optional(Obj({
    supplierId: Type.String(), quantity: Type.Integer(), unitPrice: Type.String(), currency: Type.String(), shipTo: ShipTo, leadTimeDays: Type.Integer(),
  })),
  low: Type.Boolean({ description: 'available stock is below the minimum now (since the last fall)' }),
  crossings: Type.Integer({ description: 'how many times stock has fallen below and recovered' }),
  lastAvailable: Type.Optional(Type.Integer({ description: 'available stock at the last fall or recovery' })),
  evaluatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when that was' })),
  updatedAt: Type.String({ format: 'date-time' }),
});

const view = (t: InventoryThresholdDoc): Static<typeof ThresholdView> => ({
  manufacturerId: t.manufacturerId,
  sku: t.sku,
  minimumAvailable: t.minimumAvailable,
  ...(t.supplierId ? { supplierId: t.supplierId } : {}),
  ...(t.location ? { location: t.location } : {}),
  ...(t.replenishment ? { replenishment: t.replenishment } : {}),
  low: t.low,
  crossings: t.crossing,
  ...(t.lastAvailable !== undefined ? { lastAvailable: t.lastAvailable } : {}),
  ...(t.evaluatedAt ? { evaluatedAt: new Date(t.evaluatedAt).toISOString() } : {}),
  updatedAt: new Date(t.updatedAt).toISOString(),
});

const ListQuery = Obj({ ...PageQuery });
const OneQuery = Obj({ manufacturerId: Type.Optional(Id('tp', 'tenant staff: whose threshold')) });

export const thresholdRoutes = [
  route<Static<typeof ThresholdBody>, unknown, { sku: string }>({
    method: 'put',
    path: '/v1/inventory/thresholds/:sku',
    tag: 'Inventory',
    summary: 'Set the low-stock threshold for a sku (manufacturer key). Below it, one low-stock exception is raised per fall and, with a replenishment, a draft purchase order made for you to confirm.',
    access: ['manufacturer'],
    params: SkuParams,
    body: ThresholdBody,
    responses: { 200: { description: 'The threshold, judged against the stock now', schema: ThresholdView } },
    async handler(ctx) {
      const actor = supplyActor(ctx.actor);
      const { replenishment, ...rest } = ctx.body;
      const threshold = await setAndJudgeThreshold(ctx.services, asTenantId(ctx.tenant._id), actor.partyId!, ctx.params.sku, {
        ...rest, ...(replenishment ? { replenishment: { ...replenishment, leadTimeDays: replenishment.leadTimeDays ?? 7 } } : {}),
      });
      return { status: 200, body: view(threshold) };
    },
  }),
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/inventory/thresholds',
    tag: 'Inventory',
    summary: "Low-stock thresholds by sku (a manufacturer sees its own; tenant staff everyone's)",
    access: ['manufacturer', ...STAFF_ROLES],
    query: ListQuery,
    responses: { 200: { description: 'A page of thresholds', schema: Page(ThresholdView) } },
    async handler(ctx) {
      const { page, nextCursor } = await listThresholds(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.query.cursor, ctx.query.limit ?? 50);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, Static<typeof OneQuery>, { sku: string }>({
    method: 'get',
    path: '/v1/inventory/thresholds/:sku',
    tag: 'Inventory',
    summary: "One sku's threshold (a manufacturer its own; tenant staff name the manufacturer)",
    access: ['manufacturer', ...STAFF_ROLES],
    params: SkuParams,
    query: OneQuery,
    responses: { 200: { description: 'The threshold', schema: ThresholdView } },
    async handler(ctx) {
      return { status: 200, body: view(await visibleThreshold(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.query.manufacturerId, ctx.params.sku)) };
    },
  }),
];
