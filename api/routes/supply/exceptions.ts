import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page } from '../../schemas';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { listExceptions, resolveException, visibleException } from '../../../services/supply/exceptions';
import type { SupplyExceptionDoc, SupplyExceptionKind } from '../../../models/supply/supply-exception';
import { supplyActor } from './supply-actor';

const KINDS: SupplyExceptionKind[] = ['over-shipment', 'closed-line-shipment', 'late-acknowledgement', 'late-shipment', 'quantity-mismatch', 'low-stock'];
const Kind = Type.Union(KINDS.map((k) => Type.Literal(k)));
const Status = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);

const ExceptionView = Obj({
  id: Type.String(),
  purchaseOrderId: Type.Optional(Type.String({ description: 'the order that raised it (none for low-stock)' })),
  manufacturerId: Type.String(),
  supplierId: Type.Optional(Type.String({ description: 'the supplier concerned (none for low-stock)' })),
  kind: Kind,
  sku: Type.Optional(Type.String({ description: 'low-stock: the threshold sku' })),
  line: Type.Optional(Type.Integer()),
  shipmentId: Type.Optional(Type.String()),
  detail: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  status: Status,
  raisedAt: Type.String(),
  resolution: Type.Optional(Obj({ comment: Type.String(), by: Type.String(), at: Type.String() })),
});

const view = (e: SupplyExceptionDoc): Static<typeof ExceptionView> => ({
  id: e._id, ...(e.purchaseOrderId ? { purchaseOrderId: e.purchaseOrderId } : {}), manufacturerId: e.manufacturerId,
  ...(e.supplierId ? { supplierId: e.supplierId } : {}), kind: e.kind, ...(e.sku ? { sku: e.sku } : {}),
  ...(e.line !== undefined && e.line !== null ? { line: e.line } : {}), ...(e.shipmentId ? { shipmentId: e.shipmentId } : {}),
  detail: e.detail, data: JSON.parse(e.data) as Record<string, unknown>, status: e.status, raisedAt: new Date(e.raisedAt).toISOString(),
  ...(e.resolution ? { resolution: { comment: e.resolution.comment, by: e.resolution.by, at: new Date(e.resolution.at).toISOString() } } : {}),
});

const ListQuery = Obj({ ...PageQuery, status: Type.Optional(Status), kind: Type.Optional(Kind), purchaseOrderId: Type.Optional(Id('po')), supplierId: Type.Optional(Id('tp')) });
const ResolveBody = Obj({ comment: Type.String({ minLength: 1, maxLength: 2000 }) });

/** The exception queue: what purchase orders raised, for people to look at and resolve. */
export const exceptionRoutes = [
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/exceptions',
    tag: 'Supply',
    summary: 'Exceptions raised by orders, newest first, filtered by status, kind, order or supplier (each party sees its own)',
    access: ['manufacturer', 'supplier', ...STAFF_ROLES],
    query: ListQuery,
    responses: { 200: { description: 'A page of exceptions', schema: Page(ExceptionView) } },
    async handler(ctx) {
      const { limit, cursor, ...filter } = ctx.query;
      const docs = await listExceptions(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), filter, { before: decodeCursor(cursor), limit: limit! });
      const { page, nextCursor } = pageOf(docs, limit!);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/exceptions/:id',
    tag: 'Supply',
    summary: 'One exception',
    access: ['manufacturer', 'supplier', ...STAFF_ROLES],
    params: IdParams('exc'),
    responses: { 200: { description: 'The exception', schema: ExceptionView } },
    async handler(ctx) {
      return { status: 200, body: view(await visibleException(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id)) };
    },
  }),
  route<Static<typeof ResolveBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/exceptions/:id/resolve',
    tag: 'Supply',
    summary: 'Resolve an open exception with a comment (the buyer or a tenant admin)',
    access: ['manufacturer', 'tenant-admin'],
    params: IdParams('exc'),
    body: ResolveBody,
    responses: { 200: { description: 'The resolved exception', schema: ExceptionView } },
    async handler(ctx) {
      return { status: 200, body: view(await resolveException(ctx.services, asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id, ctx.body.comment)) };
    },
  }),
];
