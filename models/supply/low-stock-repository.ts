import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { InventoryThresholdModel, type InventoryThresholdDoc, type Replenishment } from './inventory-threshold';
import { PurchaseOrderDraftModel, type PurchaseOrderDraftDoc, type DraftStatus } from './purchase-order-draft';
import { TradingRelationshipModel } from './trading-relationship';
import { LowStockFallModel } from './low-stock-fall';
import type { CrossingState } from '../../domain/supply/stock-availability';

export interface ThresholdSetting {
  minimumAvailable: number;
  supplierId?: string;
  location?: string;
  replenishment?: Replenishment;
}

export const thresholdId = (manufacturerId: string, sku: string): string => `${manufacturerId}:${sku}`;

/** Low-stock thresholds and the replenishment drafts they make. */
export const lowStockStore = repository((inScope) => ({
  /** Sets the threshold; changing it keeps where it stands (its crossing and whether it is low). */
  async putThreshold(manufacturerId: string, sku: string, setting: ThresholdSetting): Promise<void> {
    const _id = thresholdId(manufacturerId, sku);
    const unset = (['supplierId', 'location', 'replenishment'] as const).filter((f) => setting[f] === undefined);
    try {
      await inScope(() =>
        InventoryThresholdModel.updateOne(
          { _id },
          {
            $set: { ...setting },
            ...(unset.length ? { $unset: Object.fromEntries(unset.map((f) => [f, 1])) } : {}),
            $setOnInsert: { manufacturerId, sku, crossing: 0, low: false },
          },
          { upsert: true },
        ),
      );
    } catch (err) {
      // Two first PUTs at once: the second insert loses on the unique index; set it over the first.
      if (!isDuplicateKey(err)) throw err;
      await inScope(() => InventoryThresholdModel.updateOne({ _id }, { $set: { ...setting } }));
    }
  },

  threshold: (manufacturerId: string, sku: string) => inScope(() => InventoryThresholdModel.findOne({ _id: thresholdId(manufacturerId, sku) }).lean<InventoryThresholdDoc>()),

  listThresholds: (scope: { manufacturerId?: string }, after: string | undefined, limit: number) =>
    inScope(() =>
      InventoryThresholdModel.find({ ...scope, ...(after ? { _id: { $gt: after } } : {}) }).sort({ _id: 1 }).limit(limit + 1).lean<InventoryThresholdDoc[]>(),
    ),

  /** The thresholds on any of these skus, one query per batch. */
  thresholdsOn: (skus: readonly string[]) =>
    skus.length === 0 ? Promise.resolve([] as InventoryThresholdDoc[]) : inScope(() => InventoryThresholdModel.find({ sku: { $in: [...skus] } }).lean<InventoryThresholdDoc[]>()),

  /** The suppliers each of these manufacturers buys from, in one query. */
  async suppliersOfEach(manufacturerIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map(manufacturerIds.map((m) => [m, [] as string[]]));
    if (manufacturerIds.length === 0) return result;
    const docs = await inScope(() => TradingRelationshipModel.find({ manufacturerId: { $in: [...manufacturerIds] } }, { manufacturerId: 1, supplierId: 1 }).lean());
    for (const d of docs) result.get(d.manufacturerId)?.push(d.supplierId);
    return result;
  },

  /**
   * Moves the threshold to its next state. The values are set, not incremented, so two workers
   * that judged the same edge at once write the same thing.
   */
  async recordCrossing(id: string, from: CrossingState, next: CrossingState, available: number): Promise<void> {
    await inScope(() =>
      InventoryThresholdModel.updateOne({ _id: id, crossing: from.crossing, low: from.low }, { $set: { ...next, lastAvailable: available, evaluatedAt: new Date() } }),
    );
  },

  /** The fall's exception id and time: the first claim's, whoever asks. */
  async claimFall(key: string, exceptionId: string, raisedAt: Date): Promise<{ exceptionId: string; raisedAt: Date }> {
    try {
      await inScope(() => LowStockFallModel.updateOne({ _id: key }, { $setOnInsert: { _id: key, exceptionId, raisedAt } }, { upsert: true }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const fall = (await inScope(() => LowStockFallModel.findOne({ _id: key }).lean()))!;
    return { exceptionId: fall.exceptionId, raisedAt: fall.raisedAt };
  },

  /** Drafts once per crossing: a second draft of the same crossing loses on the unique index. */
  async draft(draft: Omit<PurchaseOrderDraftDoc, 'tenantId'>): Promise<PurchaseOrderDraftDoc> {
    try {
      return (await inScope(() => PurchaseOrderDraftModel.create(draft))).toObject();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const first = await inScope(() => PurchaseOrderDraftModel.findOne({ thresholdId: draft.thresholdId, crossing: draft.crossing }).lean<PurchaseOrderDraftDoc>());
      if (!first) throw err;
      return first;
    }
  },

  draftById: (id: string, scope: { manufacturerId?: string }) => inScope(() => PurchaseOrderDraftModel.findOne({ _id: id, ...scope }).lean<PurchaseOrderDraftDoc>()),

  listDrafts: (scope: { manufacturerId?: string }, filter: { status?: DraftStatus }, before: string | undefined, limit: number) =>
    inScope(() =>
      PurchaseOrderDraftModel.find({ ...scope, ...filter, ...(before ? { _id: { $lt: before } } : {}) }).sort({ _id: -1 }).limit(limit + 1).lean<PurchaseOrderDraftDoc[]>(),
    ),

  /** Confirms or discards a draft in one of the `from` states (a draft, unless said otherwise). */
  decide: (id: string, change: { status: Exclude<DraftStatus, 'draft'>; decidedBy: string; purchaseOrderId?: string }, from: readonly DraftStatus[] = ['draft']) =>
    inScope(() => PurchaseOrderDraftModel.updateOne({ _id: id, status: { $in: [...from] } }, { $set: { ...change, decidedAt: new Date() } })),
}));
