import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page } from '../../schemas';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { confirmDraft, discardDraft, listDrafts, visibleDraft } from '../../../services/supply/purchase-order-drafts';
import type { PurchaseOrderDraftDoc } from '../../../models/supply/purchase-order-draft';
import { purchaseOrderView, PurchaseOrderView, ShipTo } from './purchase-order-view';
import { supplyActor } from './supply-actor';

/** Replenishment drafts from low-stock thresholds: not orders until the manufacturer confirms them. */
const Status = Type.Union([Type.Literal('draft'), Type.Literal('confirmed'), Type.Literal('discarded')]);

const DraftView = Obj({
  id: Type.String(),
  status: Status,
  manufacturerId: Type.String(),
  supplierId: Type.String(),
  sku: Type.String({ description: 'the threshold that drafted it' }),
  currency: Type.String(),
  shipTo: ShipTo,
  lines: Type.Array(Obj({ sku: Type.String(), quantity: Type.Integer(), unitPrice: Type.String(), requestedDate: Type.String() })),
  reason: Obj({ available: Type.Integer(), minimumAvailable: Type.Integer() }),
  purchaseOrderId: Type.Optional(Type.String({ description: 'the order it became' })),
  createdAt: Type.String({ format: 'date-time' }),
  decidedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const view = (d: PurchaseOrderDraftDoc): Static<typeof DraftView> => ({
  id: d._id, status: d.status, manufacturerId: d.manufacturerId, supplierId: d.supplierId, sku: d.lines[0].sku,
  currency: d.currency, shipTo: d.shipTo, lines: d.lines, reason: d.reason,
  ...(d.purchaseOrderId ? { purchaseOrderId: d.purchaseOrderId } : {}),
  createdAt: new Date(d.createdAt).toISOString(),
  ...(d.decidedAt ? { decidedAt: new Date(d.decidedAt).toISOString() } : {}),
});

const ListQuery = Obj({ ...PageQuery, status: Type.Optional(Status) });

export const draftRoutes = [
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/purchase-order-drafts',
    tag: 'Supply',
    summary: 'Replenishment drafts made by low-stock thresholds, newest first (a manufacturer sees its own)',
    access: ['manufacturer', ...STAFF_ROLES],
    query: ListQuery,
    responses: { 200: { description: 'A page of drafts', schema: Page(DraftView) } },
    async handler(ctx) {
      const { status, cursor, limit } = ctx.query;
      const docs = await listDrafts(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), status ? { status } : {}, decodeCursor(cursor), limit!);
      const { page, nextCursor } = pageOf(docs, limit!);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/purchase-order-drafts/:id',
    tag: 'Supply',
    summary: 'One replenishment draft',
    access: ['manufacturer', ...STAFF_ROLES],
    params: IdParams('pod'),
    responses: { 200: { description: 'The draft', schema: DraftView } },
    async handler(ctx) {
      return { status: 200, body: view(await visibleDraft(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id)) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-order-drafts/:id/confirm',
    tag: 'Supply',
    summary: "Confirm a draft (its manufacturer): it is placed as a purchase order, whose process starts and tells the supplier",
    access: ['manufacturer'],
    params: IdParams('pod'),
    responses: {
      201: { description: 'The draft, confirmed, and the order it became', schema: Obj({ draft: DraftView, order: Type.Union([PurchaseOrderView, Type.Null()]) }) },
    },
    async handler(ctx) {
      const { draft, order } = await confirmDraft(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.params.id);
      return { status: 201, body: { draft: view(draft), order: order ? purchaseOrderView(order) : null }, headers: { Location: `/v1/purchase-orders/${draft.purchaseOrderId!}` } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-order-drafts/:id/discard',
    tag: 'Supply',
    summary: 'Discard a draft (its manufacturer): nothing is ordered',
    access: ['manufacturer'],
    params: IdParams('pod'),
    responses: { 200: { description: 'The discarded draft', schema: DraftView } },
    async handler(ctx) {
      return { status: 200, body: view(await discardDraft(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id)) };
    },
  }),
];
