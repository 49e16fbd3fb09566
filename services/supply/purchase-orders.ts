import { purchaseOrderWorkflow } from '../../domain/workflow-ids';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Services } from '..';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { conflict, DomainError, invalid, notFound } from '../../domain/errors';
import { isCurrency, minorUnitDigits } from '../../domain/locale';
import { AmountError } from '../../domain/money';
import { lineTotalMinor, sumMinor, unitPriceMinor } from '../../domain/supply/order-lines';
import { PURCHASE_ORDER_KIND, type PurchaseOrderRules } from '../../domain/supply/purchase-order-rules';
import type { Actor, LineAcknowledgement, LineChange, NewLine, OrderStatus } from '../../domain/supply/purchase-order';
import { purchaseOrderStore, type OrderScope } from '../../models/supply/purchase-order-repository';
import { OPEN_ORDER_STATUSES, type PurchaseOrderDoc } from '../../models/supply/purchase-order';
import { partyStore } from '../../models/supply/party-repository';
import { acknowledgeOrderUpdate, changeOrderUpdate, receiveOrderUpdate, shipOrderUpdate, type PurchaseOrderInput } from '../../workflows/supply/messages';
import type { purchaseOrder } from '../../workflows/supply/purchase-order';
import { recordBuying } from './inventory-availability';
import type { UpdateDefinition } from '@temporalio/common';
import { executeRefusableUpdate } from '../tenant-workflows';

/** The order's workflow kind in `<tenantId>/purchase-order/<id>`. */

/** How long placing an order waits for its workflow's first write before answering 202. */
const PLACEMENT_WAIT_MS = 15_000;

type Tenant = Pick<TenantDoc, '_id' | 'placement'>;

/** A supplier sees the orders addressed to it, a manufacturer its own, tenant staff all. */
export function scopeOf(actor: Actor): OrderScope {
  if (actor.role === 'supplier') return { supplierId: actor.partyId };
  if (actor.role === 'manufacturer') return { manufacturerId: actor.partyId };
  return {};
}

export interface OrderLineInput { sku: string; quantity: number; unitPrice: string; requestedDate: string }
export interface Placement {
  supplierId: string;
  currency: string;
  shipTo: PurchaseOrderDoc['shipTo'];
  lines: OrderLineInput[];
}

/** A calendar date that exists (the schema only checks its shape). */
function calendarDate(field: string, date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) throw invalid(field, `${field} ${date} is not a calendar date`);
  return date;
}

function priced(field: string, line: OrderLineInput, digits: number): NewLine {
  try {
    const price = unitPriceMinor(line.unitPrice, digits);
    lineTotalMinor(price, line.quantity);
    return { sku: line.sku, quantity: line.quantity, unitPriceMinor: price, requestedDate: calendarDate(`${field}.requestedDate`, line.requestedDate) };
  } catch (err) {
    if (err instanceof AmountError) throw invalid(`${field}.unitPrice`, `${field}.unitPrice ${err.message}`);
    throw err;
  }
}

/** Places an order: its workflow owns the record from its first step. */
export async function placeOrder(services: Services, tenant: Tenant, actor: Actor, input: Placement, purchaseOrderId: string): Promise<PurchaseOrderDoc | null> {
  const tenantId = asTenantId(tenant._id);
  const parties = partyStore(tenantId);
  const buyer = await parties.byId(actor.partyId!);
  if (buyer?.kind !== 'manufacturer' || buyer.status !== 'active') throw new DomainError('forbidden', `manufacturer ${actor.partyId} is not active in this tenant`);
  const supplier = await parties.byId(input.supplierId);
  if (supplier?.kind !== 'supplier') throw invalid('body.supplierId', `body.supplierId ${input.supplierId} is not a supplier of this tenant`);
  if (supplier.status !== 'active') throw conflict(`supplier ${supplier._id} is ${supplier.status}; it takes no new orders`);
  if (!isCurrency(input.currency)) throw invalid('body.currency', `body.currency ${input.currency} is not an ISO 4217 currency`);
  const digits = minorUnitDigits(input.currency);
  const lines = input.lines.map((line, i) => priced(`body.lines[${i}]`, line, digits));
  try {
    sumMinor(lines.map((l) => lineTotalMinor(l.unitPriceMinor, l.quantity)));
  } catch (err) {
    if (err instanceof AmountError) throw invalid('body.lines', `body.lines ${err.message}`);
    throw err;
  }
  const rules = await services.ruleSets.inForce<PurchaseOrderRules>(tenantId, PURCHASE_ORDER_KIND, new Date());
  if (!rules) throw conflict('this tenant has no purchase-order rules in force; publish a version first');
  const workflowInput: PurchaseOrderInput = {
    tenantId,
    purchaseOrderId,
    order: { manufacturerId: buyer._id, supplierId: supplier._id, currency: input.currency, shipTo: input.shipTo, createdBy: actor.keyId, lines },
    ruleSetVersion: rules.version,
    rules: rules.definition,
  };
  // From its first order on, the buyer sees the supplier's stock (before the workflow: a retry records it again, harmlessly).
  await recordBuying(tenantId, buyer._id, supplier._id);
  try {
    await services.workflows.start<typeof purchaseOrder>(tenant, purchaseOrderWorkflow, purchaseOrderId, [workflowInput]);
  } catch (err) {
    // A retry of a placement whose first attempt started the workflow: go on to its view.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return firstWrite(tenantId, purchaseOrderId);
}

/** The order once its workflow wrote it; null when a backlog keeps it from doing so in time. */
async function firstWrite(tenantId: TenantId, purchaseOrderId: string): Promise<PurchaseOrderDoc | null> {
  const deadline = Date.now() + PLACEMENT_WAIT_MS;
  for (;;) {
    const order = await purchaseOrderStore(tenantId).byId(purchaseOrderId, {});
    if (order || Date.now() > deadline) return order;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An order the actor may see; anyone else's is "not found". */
export async function visibleOrder(tenantId: TenantId, actor: Actor, purchaseOrderId: string): Promise<PurchaseOrderDoc> {
  const order = await purchaseOrderStore(tenantId).byId(purchaseOrderId, scopeOf(actor));
  if (!order) throw notFound(`purchase order ${purchaseOrderId}`);
  return order;
}

export const listOrders = (tenantId: TenantId, actor: Actor, opts: { status?: OrderStatus; supplierId?: string; before?: string; limit: number }) => {
  const { supplierId, ...rest } = opts;
  const scope = scopeOf(actor);
  return purchaseOrderStore(tenantId).list(supplierId && !scope.supplierId ? { ...scope, supplierId } : scope, rest);
};

/** Sends one change to the order's workflow and reads the order it led to. */
async function changeOrder<Arg>(services: Services, tenant: Tenant, actor: Actor, purchaseOrderId: string, update: UpdateDefinition<unknown, [Arg]>, arg: (order: PurchaseOrderDoc) => Arg, updateId?: string): Promise<PurchaseOrderDoc> {
  const tenantId = asTenantId(tenant._id);
  const order = await visibleOrder(tenantId, actor, purchaseOrderId);
  // A retry of a change that landed (the API died before answering) gets the order as it is now.
  const applied = (o: PurchaseOrderDoc) => updateId !== undefined && o.appliedUpdates.includes(updateId);
  if (applied(order)) return order;
  if (!OPEN_ORDER_STATUSES.includes(order.status)) throw conflict(`the order is ${order.status}; it accepts no more changes`);
  const handle = services.workflows.handle(tenant, purchaseOrderWorkflow, purchaseOrderId);
  try {
    await executeRefusableUpdate(handle, update, arg(order), 'the order has finished; it accepts no more changes', updateId, 'conflict');
  } catch (err) {
    const now = await visibleOrder(tenantId, actor, purchaseOrderId);
    if (applied(now)) return now;
    throw err;
  }
  return visibleOrder(tenantId, actor, purchaseOrderId);
}

export const acknowledgeOrder = (services: Services, tenant: Tenant, actor: Actor, purchaseOrderId: string, lines: LineAcknowledgement[], updateId?: string) =>
  changeOrder(services, tenant, actor, purchaseOrderId, acknowledgeOrderUpdate, () => ({
    actor,
    lines: lines.map((l, i) => (l.date !== undefined ? { ...l, date: calendarDate(`body.lines[${i}].date`, l.date) } : l)),
  }), updateId);

export interface ChangeOrderInput { lines: LineChange[]; add: OrderLineInput[]; note?: string }

export const issueChangeOrder = (services: Services, tenant: Tenant, actor: Actor, purchaseOrderId: string, input: ChangeOrderInput, updateId?: string) =>
  changeOrder(services, tenant, actor, purchaseOrderId, changeOrderUpdate, (order) => {
    const digits = minorUnitDigits(order.currency);
    const lines = input.lines.map((c, i) => {
      const current = order.lines.find((l) => l.line === c.line);
      if (current && c.quantity !== undefined) {
        try {
          lineTotalMinor(current.unitPriceMinor, c.quantity);
        } catch (err) {
          if (err instanceof AmountError) throw invalid(`body.lines[${i}].quantity`, `body.lines[${i}].quantity ${err.message}`);
          throw err;
        }
      }
      return c.requestedDate !== undefined ? { ...c, requestedDate: calendarDate(`body.lines[${i}].requestedDate`, c.requestedDate) } : c;
    });
    return { actor, lines, add: input.add.map((l, i) => priced(`body.add[${i}]`, l, digits)), ...(input.note ? { note: input.note } : {}) };
  }, updateId);

export const shipOrder = (services: Services, tenant: Tenant, actor: Actor, purchaseOrderId: string, input: { carrier: string; tracking: string; lines: { line: number; quantity: number }[] }, updateId?: string) =>
  changeOrder(services, tenant, actor, purchaseOrderId, shipOrderUpdate, () => ({ actor, ...input }), updateId);

export const receiveOrder = (services: Services, tenant: Tenant, actor: Actor, purchaseOrderId: string, input: { shipmentId: string; lines: { line: number; received: number; damaged?: number }[] }, updateId?: string) =>
  changeOrder(services, tenant, actor, purchaseOrderId, receiveOrderUpdate, () => ({ actor, ...input }), updateId);
