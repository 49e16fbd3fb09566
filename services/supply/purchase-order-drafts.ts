import type { Services } from '..';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { OperationIds } from '../../platform/ids';
import { conflict, notFound } from '../../domain/errors';
import type { Actor } from '../../domain/supply/purchase-order';
import { lowStockStore } from '../../models/supply/low-stock-repository';
import type { DraftStatus, PurchaseOrderDraftDoc } from '../../models/supply/purchase-order-draft';
import type { PurchaseOrderDoc } from '../../models/supply/purchase-order';
import { placeOrder } from './purchase-orders';

/**
 * Replenishment drafts (made by low-stock thresholds): the manufacturer that owns one sees it,
 * confirms it into a real purchase order or discards it. Tenant staff may read them. Suppliers
 * never see drafts: nothing is sent to them until the order is placed.
 */
const scopeOf = (actor: Actor) => (actor.role === 'manufacturer' ? { manufacturerId: actor.partyId } : {});

export const listDrafts = (tenantId: TenantId, actor: Actor, filter: { status?: DraftStatus }, before: string | undefined, limit: number) =>
  lowStockStore(tenantId).listDrafts(scopeOf(actor), filter, before, limit);

export async function visibleDraft(tenantId: TenantId, actor: Actor, draftId: string): Promise<PurchaseOrderDraftDoc> {
  const draft = await lowStockStore(tenantId).draftById(draftId, scopeOf(actor));
  if (!draft) throw notFound(`purchase-order draft ${draftId}`);
  return draft;
}

/** The order a draft becomes: its id derives from the draft, so confirming again names the same order. */
const orderIdOf = (draft: PurchaseOrderDraftDoc): string => new OperationIds(`draft\n${draft._id}`, new Date(draft.createdAt).getTime()).id('po');

/**
 * Places the draft as a purchase order (its workflow starts; the supplier is told) and marks it
 * confirmed. A confirmation interrupted between the two finishes on the next try: the order's
 * workflow id is already taken by the first attempt, and placeOrder goes on to it.
 */
export async function confirmDraft(services: Services, tenant: Pick<TenantDoc, '_id' | 'placement'>, actor: Actor, draftId: string): Promise<{ draft: PurchaseOrderDraftDoc; order: PurchaseOrderDoc | null }> {
  const tenantId = asTenantId(tenant._id);
  const draft = await visibleDraft(tenantId, actor, draftId);
  if (draft.status !== 'draft') throw conflict(`draft ${draftId} is already ${draft.status}${draft.purchaseOrderId ? ` as ${draft.purchaseOrderId}` : ''}`);
  const purchaseOrderId = orderIdOf(draft);
  const order = await placeOrder(services, tenant, actor, { supplierId: draft.supplierId, currency: draft.currency, shipTo: draft.shipTo, lines: draft.lines }, purchaseOrderId);
  // The order exists now, so the draft says so even if a discard slipped in meanwhile.
  await lowStockStore(tenantId).decide(draftId, { status: 'confirmed', decidedBy: actor.keyId, purchaseOrderId }, ['draft', 'discarded']);
  return { draft: await visibleDraft(tenantId, actor, draftId), order };
}

export async function discardDraft(tenantId: TenantId, actor: Actor, draftId: string): Promise<PurchaseOrderDraftDoc> {
  const draft = await visibleDraft(tenantId, actor, draftId);
  if (draft.status !== 'draft') throw conflict(`draft ${draftId} is already ${draft.status}`);
  const result = await lowStockStore(tenantId).decide(draftId, { status: 'discarded', decidedBy: actor.keyId });
  if (result.modifiedCount === 0) throw conflict(`draft ${draftId} was decided meanwhile`);
  return visibleDraft(tenantId, actor, draftId);
}
