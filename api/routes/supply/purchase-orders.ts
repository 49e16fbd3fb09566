import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page, Currency, MoneyAmount } from '../../schemas';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import {
  placeOrder, listOrders, visibleOrder, acknowledgeOrder, issueChangeOrder, shipOrder, receiveOrder,
} from '../../../services/supply/purchase-orders';
import type { OrderStatus } from '../../../domain/supply/purchase-order';
import { purchaseOrderView, PurchaseOrderView, ShipTo } from './purchase-order-view';
import { supplyActor } from './supply-actor';

const ORDER_STATUSES: OrderStatus[] = ['awaiting-acknowledgement', 'acknowledged', 'partially-shipped', 'shipped', 'partially-received', 'closed', 'rejected', 'cancelled'];
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'whole units' });
const Count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const LineNo = Type.Integer({ minimum: 1, maximum: 1000 });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

const NewLine = Obj({
  sku: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$' }),
  quantity: Quantity,
  unitPrice: { ...MoneyAmount, pattern: '^\\d{1,15}(\\.\\d{1,4})?$', description: 'decimal string in the order currency, no more decimals than it has' },
  requestedDate: Type.String({ format: 'date', description: 'the date the line should ship (YYYY-MM-DD)' }),
});

const PlaceBody = Obj({
  supplierId: Id('tp', 'the supplier (a trading party of kind supplier)'),
  currency: Currency,
  shipTo: ShipTo,
  lines: Type.Array(NewLine, { minItems: 1, maxItems: 100 }),
});

const AckBody = Obj({
  lines: Type.Array(Obj({
    line: LineNo,
    decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'accept a different (smaller) quantity' })),
    date: Type.Optional({ ...Day, description: 'accept for another ship date' }),
    reason: Type.Optional(Text(500)),
  }), { minItems: 1, maxItems: 100 }),
});

const ChangeBody = Obj({
  lines: Type.Optional(Type.Array(Obj({
    line: LineNo,
    quantity: Type.Optional(Quantity),
    requestedDate: Type.Optional(Day),
    cancel: Type.Optional(Type.Literal(true)),
  }), { maxItems: 100 })),
  add: Type.Optional(Type.Array(NewLine, { maxItems: 100 })),
  note: Type.Optional(Text(2000)),
});

const ShipBody = Obj({
  carrier: Text(80),
  tracking: Type.String({ pattern: '^[A-Za-z0-9 ._-]{1,80}$' }),
  lines: Type.Array(Obj({ line: LineNo, quantity: Quantity }), { minItems: 1, maxItems: 100 }),
});

const ReceiptBody = Obj({
  shipmentId: Type.String({ pattern: '^s[0-9]{1,4}$', description: 'the shipment (ASN) received, as the order lists it' }),
  lines: Type.Array(Obj({
    line: LineNo,
    received: Count,
    damaged: Type.Optional(Count),
  }), { minItems: 1, maxItems: 100, description: 'every line of the shipment; what is neither received nor damaged is short' }),
});

const ListQuery = Obj({
  ...PageQuery,
  status: Type.Optional(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)))),
  supplierId: Type.Optional(Id('tp')),
});

const ok = (description: string) => ({ 200: { description, schema: PurchaseOrderView } });
const PARTIES_AND_STAFF = ['manufacturer', 'supplier', ...STAFF_ROLES] as const;

/** Purchase orders: placed by manufacturers, acknowledged and shipped by suppliers, received by manufacturers. */
export const purchaseOrderRoutes = [
  route<Static<typeof PlaceBody>>({
    method: 'post',
    path: '/v1/purchase-orders',
    tag: 'Supply',
    summary: 'Place an order with a supplier (manufacturer key). Its process starts with the purchase-order rules in force; the supplier must acknowledge every line within their SLA.',
    access: ['manufacturer'],
    body: PlaceBody,
    responses: {
      201: { description: 'The order', schema: PurchaseOrderView },
      202: { description: 'Placed; its process has a backlog and has not written the order yet (read it at Location)', schema: Obj({ id: Type.String(), detail: Type.String() }) },
    },
    async handler(ctx) {
      const id = ctx.operation.id('po');
      const order = await placeOrder(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.body, id);
      const headers = { Location: `/v1/purchase-orders/${id}` };
      if (!order) return { status: 202, body: { id, detail: `purchase order ${id} is placed; its process has not written it yet` }, headers };
      return { status: 201, body: purchaseOrderView(order), headers };
    },
  }),
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/purchase-orders',
    tag: 'Supply',
    summary: 'List orders, newest first: a supplier sees those addressed to it, a manufacturer its own',
    access: PARTIES_AND_STAFF,
    query: ListQuery,
    responses: { 200: { description: 'A page of orders', schema: Page(PurchaseOrderView) } },
    async handler(ctx) {
      const { status, supplierId, limit, cursor } = ctx.query;
      const docs = await listOrders(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), { status, supplierId, before: decodeCursor(cursor), limit: limit! });
      const { page, nextCursor } = pageOf(docs, limit!);
      return { status: 200, body: { items: page.map(purchaseOrderView), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/purchase-orders/:id',
    tag: 'Supply',
    summary: 'One order: status, every line ordered / confirmed / shipped / received, its versions, deadlines and who must act next',
    access: PARTIES_AND_STAFF,
    params: IdParams('po'),
    responses: ok('The order'),
    async handler(ctx) {
      return { status: 200, body: purchaseOrderView(await visibleOrder(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id)) };
    },
  }),
  route<Static<typeof AckBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-orders/:id/acknowledgements',
    tag: 'Supply',
    summary: 'The supplier answers lines awaiting acknowledgement: accept, reject, or accept another quantity or date',
    access: ['supplier'],
    params: IdParams('po'),
    body: AckBody,
    responses: ok('The order after the acknowledgement'),
    async handler(ctx) {
      const order = await acknowledgeOrder(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.params.id, ctx.body.lines, ctx.operation.ref('po-update'));
      return { status: 200, body: purchaseOrderView(order) };
    },
  }),
  route<Static<typeof ChangeBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-orders/:id/changes',
    tag: 'Supply',
    summary: 'A change order (manufacturer): new quantities or dates, cancelled or added lines. It makes a new version the supplier acknowledges again.',
    access: ['manufacturer'],
    params: IdParams('po'),
    body: ChangeBody,
    responses: ok('The order at its new version'),
    async handler(ctx) {
      const { lines = [], add = [], note } = ctx.body;
      const order = await issueChangeOrder(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.params.id, { lines, add, note }, ctx.operation.ref('po-update'));
      return { status: 200, body: purchaseOrderView(order) };
    },
  }),
  route<Static<typeof ShipBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-orders/:id/shipments',
    tag: 'Supply',
    summary: 'A ship notice (ASN) from the supplier: carrier, tracking and quantities per line; partial shipments are allowed. Shipping a rejected or cancelled line is refused and raises an exception.',
    access: ['supplier'],
    params: IdParams('po'),
    body: ShipBody,
    responses: { 201: { description: 'The order with the shipment', schema: PurchaseOrderView } },
    async handler(ctx) {
      const order = await shipOrder(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.params.id, ctx.body, ctx.operation.ref('po-update'));
      return { status: 201, body: purchaseOrderView(order) };
    },
  }),
  route<Static<typeof ReceiptBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/purchase-orders/:id/receipts',
    tag: 'Supply',
    summary: 'Goods received against a shipment (manufacturer): per line received and damaged, the rest counted short. The order closes when everything is received or the rest cancelled.',
    access: ['manufacturer'],
    params: IdParams('po'),
    body: ReceiptBody,
    responses: { 201: { description: 'The order with the receipt', schema: PurchaseOrderView } },
    async handler(ctx) {
      const order = await receiveOrder(ctx.services, ctx.tenant, supplyActor(ctx.actor), ctx.params.id, ctx.body, ctx.operation.ref('po-update'));
      return { status: 201, body: purchaseOrderView(order) };
    },
  }),
];
