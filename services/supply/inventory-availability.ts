import type { TenantId } from '../../platform/tenant-id';
import { availabilityStore } from '../../models/supply/availability-repository';
import type { InventoryPositionDoc } from '../../models/supply/inventory-position';
import { promisedBySupplierSku, supplierSkuKey } from '../../domain/supply/stock-availability';
import type { InventoryViewer } from './inventory';

/**
 * Whose stock a viewer sees, and what of it is already promised. A supplier sees its own; a
 * manufacturer the suppliers it buys from, i.e. those it has placed a purchase order with (the
 * pair is recorded at placement, models/supply/trading-relationship.ts); tenant staff everyone
 * (undefined: no restriction).
 */
export async function suppliersVisibleTo(tenantId: TenantId, viewer: InventoryViewer): Promise<string[] | undefined> {
  if (viewer.role === 'supplier') return [viewer.partyId!];
  if (viewer.role === 'manufacturer') return availabilityStore(tenantId).suppliersOf(viewer.partyId!);
  return undefined;
}

/** Called when an order is placed: from then on the manufacturer buys from the supplier. */
export const recordBuying = (tenantId: TenantId, manufacturerId: string, supplierId: string): Promise<void> =>
  availabilityStore(tenantId).recordRelationship(manufacturerId, supplierId);

/** The supplier's position in one sku, over all its locations. */
export interface SkuAvailability {
  /** On hand at every location of the supplier. */
  onHand: number;
  /** The oldest observedAt among those figures: the sum is no fresher than its stalest part. */
  onHandAsOf: Date;
  /** Confirmed and not yet shipped, on open orders of every buyer. */
  promised: number;
  /** The part promised to the manufacturer asking (manufacturer viewers only). */
  promisedToYou?: number;
  /** When `promised` was computed: from the orders' read models, which each order's workflow writes before answering a change. */
  promisedAsOf: Date;
  /** onHand − promised; negative when the supplier promised more than it holds. */
  available: number;
}

/**
 * The availability of every (supplier, sku) on a page of figures, in two queries whatever the
 * page size: the figures of those pairs at every location, and the open orders naming them.
 * Computed per page rather than kept as a read model, so it is never behind the orders it reads
 * and the purchase-order workflow stays as it is.
 */
export async function availabilityOf(tenantId: TenantId, viewer: InventoryViewer, page: readonly InventoryPositionDoc[]): Promise<Map<string, SkuAvailability>> {
  const store = availabilityStore(tenantId);
  const suppliers = [...new Set(page.map((p) => p.supplierId))];
  const skus = [...new Set(page.map((p) => p.sku))];
  const [figures, orders] = await Promise.all([store.figuresFor(suppliers, skus), store.openOrdersFor(suppliers, skus)]);
  const promisedAsOf = new Date();
  const promised = promisedBySupplierSku(orders, viewer.role === 'manufacturer' ? viewer.partyId : undefined);
  const onPage = new Set(page.map((p) => supplierSkuKey(p.supplierId, p.sku)));
  const stock = new Map<string, { onHand: number; asOf: Date }>();
  for (const f of figures) {
    const key = supplierSkuKey(f.supplierId, f.sku);
    if (!onPage.has(key)) continue;
    const now = stock.get(key);
    stock.set(key, { onHand: (now?.onHand ?? 0) + f.onHand, asOf: now && now.asOf < f.observedAt ? now.asOf : f.observedAt });
  }
  const result = new Map<string, SkuAvailability>();
  for (const [key, { onHand, asOf }] of stock) {
    const p = promised.get(key) ?? { total: 0, toBuyer: 0 };
    result.set(key, {
      onHand, onHandAsOf: asOf, promised: p.total, promisedAsOf, available: onHand - p.total,
      ...(viewer.role === 'manufacturer' ? { promisedToYou: p.toBuyer } : {}),
    });
  }
  return result;
}
