import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page, IsoDateTime } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import { acceptBatch, visibleBatch, listFigures, type InventoryViewer } from '../../../services/supply/inventory';
import { INVENTORY_KINDS, MAX_BATCH_ITEMS } from '../../../domain/supply/inventory';
import type { InventoryBatchDoc } from '../../../models/supply/inventory-batch';
import type { InventoryPositionDoc } from '../../../models/supply/inventory-position';
import type { SkuAvailability } from '../../../services/supply/inventory-availability';
import { supplierSkuKey } from '../../../domain/supply/stock-availability';

/** Supplier stock feeds: batches of updates in, stock figures out. */
function viewerOf(actor: Actor): InventoryViewer {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'inventory is handled with tenant keys');
  return { role: actor.role, ...(actor.partyId ? { partyId: actor.partyId } : {}) };
}

// Lengths here only bound the request; what a valid sku or location is, is judged per item
// (domain/supply/inventory.ts), so one bad line is reported in the batch rather than refusing it.
const Code = (what: string) => Type.String({ minLength: 1, maxLength: 128, description: `the ${what}: 1-64 letters, digits, ".", "_", "/" or "-"` });
const Quantity = Type.Integer({ minimum: -1e12, maximum: 1e12 });

const UpdateItem = Obj({
  sku: Code('sku'),
  location: Code('location'),
  onHand: Type.Integer({ minimum: -1e12, maximum: 1e12, description: 'snapshot: the quantity on hand (not negative); delta: the change' }),
  kind: Type.Union(INVENTORY_KINDS.map((k) => Type.Literal(k))),
  sequence: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "the update's place in this sku and location's stream; the highest sequence is the latest" }),
  observedAt: IsoDateTime,
});
const UpdatesBody = Obj({ items: Type.Array(UpdateItem, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) });

const BatchView = Obj({
  id: Type.String(),
  supplierId: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('applying'), Type.Literal('applied')]),
  receivedAt: IsoDateTime,
  appliedAt: Type.Optional(IsoDateTime),
  counts: Obj({ items: Type.Integer(), queued: Type.Integer(), applied: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer() }),
  issues: Type.Array(
    Obj({
      index: Type.Integer(),
      sku: Type.String(),
      location: Type.String(),
      sequence: Type.Integer(),
      status: Type.Union([Type.Literal('rejected'), Type.Literal('duplicate')]),
      reason: Type.String(),
    }),
    { description: 'items that were not applied, and why' },
  ),
});

function batchView(batch: InventoryBatchDoc): Static<typeof BatchView> {
  const applied = batch.status === 'applied';
  const issue = (index: number, status: 'rejected' | 'duplicate', reason: string) => {
    const { sku, location, sequence } = batch.items[index];
    return { index, sku, location, sequence, status, reason };
  };
  const taken = batch.items.length - batch.rejected.length;
  return {
    id: batch._id,
    supplierId: batch.supplierId,
    status: batch.status,
    receivedAt: batch.receivedAt.toISOString(),
    ...(batch.appliedAt ? { appliedAt: batch.appliedAt.toISOString() } : {}),
    counts: {
      items: batch.items.length,
      queued: applied ? 0 : taken,
      applied: applied ? taken - batch.duplicates.length : 0,
      duplicate: batch.duplicates.length,
      rejected: batch.rejected.length,
    },
    issues: [
      ...batch.rejected.map((r) => issue(r.index, 'rejected', r.reason)),
      ...batch.duplicates.map((i) => issue(i, 'duplicate', `sequence ${batch.items[i].sequence} was already recorded by an earlier batch; it changed nothing`)),
    ].sort((a, b) => a.index - b.index),
  };
}

const FigureView = Obj({
  supplierId: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  onHand: Quantity,
  sequence: Type.Integer({ description: 'the highest sequence applied' }),
  observedAt: Type.String({ format: 'date-time', description: 'when the supplier observed the figure (the update with the highest sequence)' }),
  updatedAt: Type.String({ format: 'date-time', description: 'when Trellis applied it' }),
  supplierSku: Obj({
    onHand: Type.Integer({ description: "on hand at every location of this supplier for this sku" }),
    onHandAsOf: Type.String({ format: 'date-time', description: 'the oldest observedAt among those figures' }),
    promised: Type.Integer({ description: 'confirmed and not yet shipped on open purchase orders of every buyer (orders name no supplier location, so this is per supplier and sku)' }),
    promisedToYou: Type.Optional(Type.Integer({ description: "manufacturers: the part promised on the caller's own orders" })),
    promisedAsOf: Type.String({ format: 'date-time', description: 'when promised was computed from the orders' }),
    available: Type.Integer({ description: 'onHand - promised (negative when more is promised than held)' }),
  }, { description: "the supplier's position in this sku across its locations" }),
});

const figureView = (p: InventoryPositionDoc, availability: Map<string, SkuAvailability>): Static<typeof FigureView> => {
  // Every figure on the page is in its own pair's sums, so the pair is always there.
  const a = availability.get(supplierSkuKey(p.supplierId, p.sku))!;
  return {
    supplierId: p.supplierId,
    sku: p.sku,
    location: p.location,
    onHand: p.onHand,
    sequence: p.lastSequence,
    observedAt: p.observedAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    supplierSku: {
      onHand: a.onHand, onHandAsOf: a.onHandAsOf.toISOString(), promised: a.promised,
      ...(a.promisedToYou !== undefined ? { promisedToYou: a.promisedToYou } : {}),
      promisedAsOf: a.promisedAsOf.toISOString(), available: a.available,
    },
  };
};

const FigureQuery = Obj({
  ...PageQuery,
  sku: Type.Optional(Code('sku')),
  location: Type.Optional(Code('location')),
  supplier: Type.Optional(Id('tp', 'the supplier (trading party tp_…)')),
});

export const inventoryRoutes = [
  route<Static<typeof UpdatesBody>>({
    method: 'post',
    path: '/v1/inventory/updates',
    tag: 'Inventory',
    summary: `Send a batch of up to ${MAX_BATCH_ITEMS} stock updates (supplier key). Answered once the batch is stored; it is applied shortly after. Items that cannot be applied are listed in the batch with the reason.`,
    access: ['supplier'],
    body: UpdatesBody,
    responses: { 202: { description: 'The batch, accepted and stored (follow Location for its progress)', schema: BatchView } },
    async handler(ctx) {
      const viewer = viewerOf(ctx.actor);
      const batchId = ctx.operation.id('invb');
      const batch = await acceptBatch(ctx.services, asTenantId(ctx.tenant._id), {
        supplierId: viewer.partyId!,
        items: ctx.body.items.map((item) => ({ ...item, observedAt: new Date(item.observedAt) })),
        batchId,
        operationRef: ctx.operation.ref('inventory-batch') ?? batchId,
      });
      return { status: 202, body: batchView(batch), headers: { Location: `/v1/inventory/batches/${batch._id}` } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/inventory/batches/:id',
    tag: 'Inventory',
    summary: 'One batch: how many items are queued, applied, duplicates or rejected, and why (a supplier sees only its own)',
    access: ['supplier', ...STAFF_ROLES],
    params: IdParams('invb'),
    responses: { 200: { description: 'The batch', schema: BatchView } },
    async handler(ctx) {
      return { status: 200, body: batchView(await visibleBatch(asTenantId(ctx.tenant._id), viewerOf(ctx.actor), ctx.params.id)) };
    },
  }),
  route<unknown, Static<typeof FigureQuery>>({
    method: 'get',
    path: '/v1/inventory',
    tag: 'Inventory',
    summary: "Stock on hand per supplier, sku and location, with the supplier's promised and available quantity in that sku and the time of each figure (a supplier sees only its own stock, a manufacturer that of the suppliers it has ordered from)",
    access: ['manufacturer', 'supplier', ...STAFF_ROLES],
    query: FigureQuery,
    responses: { 200: { description: 'A page of figures', schema: Page(FigureView) } },
    async handler(ctx) {
      const { supplier, limit, ...rest } = ctx.query;
      const { page, nextCursor, availability } = await listFigures(asTenantId(ctx.tenant._id), viewerOf(ctx.actor), { ...rest, limit: limit ?? 50, ...(supplier ? { supplierId: supplier } : {}) });
      return { status: 200, body: { items: page.map((p) => figureView(p, availability)), nextCursor } };
    },
  }),
];
