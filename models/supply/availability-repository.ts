import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { TradingRelationshipModel } from './trading-relationship';
import { PurchaseOrderModel, OPEN_ORDER_STATUSES, type PurchaseOrderDoc } from './purchase-order';
import { InventoryPositionModel, type InventoryPositionDoc } from './inventory-position';

export type OpenOrderLines = Pick<PurchaseOrderDoc, '_id' | 'supplierId' | 'manufacturerId' | 'lines' | 'updatedAt'>;

/** Who buys from whom, and what the open orders promise: the reads behind available stock. */
export const availabilityStore = repository((inScope) => ({
  /** Records that `manufacturerId` buys from `supplierId`; again changes nothing. */
  async recordRelationship(manufacturerId: string, supplierId: string): Promise<void> {
    const _id = `${manufacturerId}:${supplierId}`;
    try {
      await inScope(() => TradingRelationshipModel.updateOne({ _id }, { $setOnInsert: { _id, manufacturerId, supplierId, since: new Date() } }, { upsert: true }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  },

  async suppliersOf(manufacturerId: string): Promise<string[]> {
    const docs = await inScope(() => TradingRelationshipModel.find({ manufacturerId }, { supplierId: 1 }).lean());
    return docs.map((d) => d.supplierId);
  },

  /** Which of `manufacturerIds` buy from `supplierId`. */
  async buyersAmong(supplierId: string, manufacturerIds: readonly string[]): Promise<Set<string>> {
    if (manufacturerIds.length === 0) return new Set();
    const docs = await inScope(() => TradingRelationshipModel.find({ supplierId, manufacturerId: { $in: [...manufacturerIds] } }, { manufacturerId: 1 }).lean());
    return new Set(docs.map((d) => d.manufacturerId));
  },

  /** The lines of open orders to these suppliers naming these skus, in one query. */
  openOrdersFor: (supplierIds: readonly string[], skus: readonly string[]) =>
    supplierIds.length === 0 || skus.length === 0
      ? Promise.resolve([] as OpenOrderLines[])
      : inScope(() =>
        PurchaseOrderModel.find(
          { 'lines.sku': { $in: [...skus] }, supplierId: { $in: [...supplierIds] }, status: { $in: [...OPEN_ORDER_STATUSES] } },
          { supplierId: 1, manufacturerId: 1, lines: 1, updatedAt: 1 },
        ).lean<OpenOrderLines[]>(),
      ),

  /** The figures of these suppliers for these skus at every location, in one query. */
  figuresFor: (supplierIds: readonly string[], skus: readonly string[]) =>
    supplierIds.length === 0 || skus.length === 0
      ? Promise.resolve([] as Pick<InventoryPositionDoc, 'supplierId' | 'sku' | 'location' | 'onHand' | 'observedAt'>[])
      : inScope(() =>
        InventoryPositionModel.find({ sku: { $in: [...skus] }, supplierId: { $in: [...supplierIds] } }, { supplierId: 1, sku: 1, location: 1, onHand: 1, observedAt: 1 })
          .lean<Pick<InventoryPositionDoc, 'supplierId' | 'sku' | 'location' | 'onHand' | 'observedAt'>[]>(),
      ),
}));
