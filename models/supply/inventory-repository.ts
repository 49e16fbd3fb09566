import { Types } from 'mongoose';
import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { streamKey, onHandOf, type InventoryUpdate, type StockFigure } from '../../domain/supply/inventory';
import { InventoryBatchModel, type InventoryBatchDoc, type InventoryBatchStatusDoc } from './inventory-batch';
import { InventoryBatchItemsModel } from './inventory-batch-items';
import { InventoryObservationModel, observationIdOf } from './inventory-observation';
import { InventoryPositionModel, figureIdOf, type InventoryPositionDoc } from './inventory-position';

const UNFINISHED = ['queued', 'applying'] as const;

/**
 * FerretDB 1.24 (SQLite) stops answering an update command of more than about 80 statements (seen
 * at 100 and 300; 75 took 0.8 s), so figures go in bulk writes of this many: 20 for a batch of
 * 1,000, still not one per item. Inserts are not affected but share the chunks for simplicity.
 */
const FIGURE_WRITES_PER_COMMAND = 50;

export interface FigureWrite {
  sku: string;
  location: string;
  figure: StockFigure;
  /** The figure document read before, and the batch that had written it; none for a new stream. */
  read?: { _id: string; lastBatchId: string };
}

export interface PositionFilter {
  supplierId?: string;
  /** Only these suppliers' figures (a manufacturer sees those it buys from). */
  supplierIn?: readonly string[];
  sku?: string;
  location?: string;
}

/** A bulk write refused some operations: which ones (by position), and were they all duplicates. */
function refusedWrites(err: unknown): { indexes: number[]; allDuplicates: boolean } | undefined {
  const writeErrors = (err as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
  if (!Array.isArray(writeErrors)) return undefined;
  return {
    indexes: writeErrors.map((e) => e.index),
    allDuplicates: writeErrors.every((e) => isDuplicateKey(e) || isDuplicateKey(e.err)),
  };
}

/** Supplier stock feeds: accepted batches, the observations they record and the figures. */
export const inventoryStore = repository((inScope, tenantId) => {
  /** A stored batch's items, by `_id`. */
  async function batchItems(batchId: string): Promise<InventoryBatchDoc['items']> {
    const doc = await inScope(() => InventoryBatchItemsModel.findOne({ _id: batchId }).lean());
    if (!doc) throw new Error(`inventory batch ${batchId} has no items document`);
    return doc.items;
  }

  return {
    /**
     * Records a new batch: its items first, then its status document, so a batch that exists always
     * has its items. A second request naming the same operation gets the first one's batch (and the
     * items it wrote under its own id are removed again).
     */
    async createBatch({ items, ...status }: Omit<InventoryBatchDoc, 'tenantId' | 'itemCount'>): Promise<InventoryBatchDoc> {
      try {
        await inScope(() => InventoryBatchItemsModel.create({ _id: status._id, items }));
      } catch (err) {
        // The same batch id again (a retry): its items are already there; the fingerprint decides below.
        if (!isDuplicateKey(err)) throw err;
      }
      try {
        const created = (await inScope(() => InventoryBatchModel.create({ ...status, itemCount: items.length }))).toObject();
        return { ...created, items };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const first = await inScope(() => InventoryBatchModel.findOne({ operationRef: status.operationRef }).lean());
        if (!first) throw err;
        if (first._id !== status._id) await inScope(() => InventoryBatchItemsModel.deleteOne({ _id: status._id }));
        return { ...first, items: await batchItems(first._id) };
      }
    },

    /** A batch with its items (two `_id` lookups), or null. */
    async batch(batchId: string): Promise<InventoryBatchDoc | null> {
      const status = await inScope(() => InventoryBatchModel.findOne({ _id: batchId }).lean());
      return status && { ...status, items: await batchItems(batchId) };
    },

    batchItems,

    /** How many batches the tenant has unfinished (a scan: for benches and operators, not per request). */
    unfinishedCount: () => inScope(() => InventoryBatchModel.countDocuments({ status: { $in: UNFINISHED } })),

    /** The supplier's next batch to apply: one left `applying` by a crash first ('applying' sorts before 'queued'), else the oldest. */
    nextUnfinished: (supplierId: string): Promise<InventoryBatchStatusDoc | null> =>
      inScope(() => InventoryBatchModel.findOne({ supplierId, status: { $in: UNFINISHED } }).sort({ status: 1, _id: 1 }).lean()),

    async isUnfinished(batchId: string): Promise<boolean> {
      return (await inScope(() => InventoryBatchModel.countDocuments({ _id: batchId, status: { $in: UNFINISHED } }))) > 0;
    },

    staleUnfinished: (receivedBefore: Date, limit: number) =>
      inScope(() => InventoryBatchModel.find({ status: { $in: UNFINISHED }, receivedAt: { $lt: receivedBefore } }, { _id: 1, supplierId: 1 }).sort({ receivedAt: 1 }).limit(limit).lean()),

    async markApplying(batchId: string): Promise<void> {
      await inScope(() => InventoryBatchModel.updateOne({ _id: batchId, status: 'queued' }, { $set: { status: 'applying' } }));
    },

    async markApplied(batchId: string, duplicates: number[]): Promise<void> {
      await inScope(() => InventoryBatchModel.updateOne({ _id: batchId }, { $set: { status: 'applied', duplicates, appliedAt: new Date() } }));
    },

    /**
     * Records the batch's updates in one unordered bulk insert. Answers the positions (in `updates`)
     * of those another batch had already recorded; an update this batch recorded on an earlier,
     * interrupted run counts as its own.
     */
    async recordObservations(batchId: string, supplierId: string, updates: readonly InventoryUpdate[]): Promise<Set<number>> {
      if (updates.length === 0) return new Set();
      const ids = updates.map((u) => observationIdOf(tenantId, supplierId, u));
      const docs = updates.map((u, i) => ({ insertOne: { document: { _id: ids[i], supplierId, ...u, batchId } } }));
      let refused: number[] = [];
      try {
        await inScope(() => InventoryObservationModel.bulkWrite(docs, { ordered: false }));
      } catch (err) {
        const refusal = refusedWrites(err);
        if (!refusal?.allDuplicates) throw err;
        refused = refusal.indexes;
      }
      if (refused.length === 0) return new Set();
      const owners = await inScope(() => InventoryObservationModel.find({ _id: { $in: refused.map((i) => ids[i]) } }, { batchId: 1 }).lean());
      const ownerOf = new Map(owners.map((o) => [o._id, o.batchId]));
      return new Set(refused.filter((i) => ownerOf.get(ids[i]) !== batchId));
    },

    /** The current figures of the named streams, by streamKey: one `_id: {$in}` lookup. */
    async figures(supplierId: string, streams: readonly { sku: string; location: string }[]): Promise<Map<string, InventoryPositionDoc>> {
      if (streams.length === 0) return new Map();
      const docs = await inScope(() => InventoryPositionModel.find({ _id: { $in: streams.map((s) => figureIdOf(tenantId, supplierId, s)) } }).lean());
      return new Map(docs.map((d) => [streamKey(d), d]));
    },

    /** Sums of the deltas recorded after a sequence, per stream (by streamKey), in one query. */
    async recordedDeltaSums(supplierId: string, after: readonly { sku: string; location: string; sequence: number }[]): Promise<Map<string, number>> {
      const sums = new Map(after.map((a) => [streamKey(a), 0]));
      if (after.length === 0) return sums;
      const deltas = await inScope(() =>
        InventoryObservationModel.find(
          { supplierId, kind: 'delta', $or: after.map((a) => ({ sku: a.sku, location: a.location, sequence: { $gt: a.sequence } })) },
          { sku: 1, location: 1, onHand: 1 },
        ).lean(),
      );
      for (const d of deltas) sums.set(streamKey(d), (sums.get(streamKey(d)) ?? 0) + d.onHand);
      return sums;
    },

    /**
     * Writes the batch's figures in one bulk write. Each update names the figure by its _id (the one
     * filter FerretDB answers without a scan) and the batch whose figure it read: if another writer
     * got there in between, it matches nothing; a new stream is inserted under the `_id` derived from
     * it, and a second writer of it runs into that `_id` and the unique stream index. Either way the batch is re-run from fresh reads.
     */
    async writeFigures(batchId: string, supplierId: string, writes: readonly FigureWrite[]): Promise<'written' | 'raced'> {
      if (writes.length === 0) return 'written';
      const now = new Date();
      const ops = writes.map((w) => {
        const fields = { ...w.figure, onHand: onHandOf(w.figure), lastBatchId: batchId, updatedAt: now };
        return w.read
          ? { updateOne: { filter: { _id: w.read._id, lastBatchId: w.read.lastBatchId }, update: { $set: fields } } }
          : { insertOne: { document: { _id: figureIdOf(tenantId, supplierId, w), firstSeen: new Types.ObjectId(), supplierId, sku: w.sku, location: w.location, ...fields } } };
      });
      let done = 0;
      for (let at = 0; at < ops.length; at += FIGURE_WRITES_PER_COMMAND) {
        try {
          const result = await inScope(() => InventoryPositionModel.bulkWrite(ops.slice(at, at + FIGURE_WRITES_PER_COMMAND), { ordered: false }));
          done += result.matchedCount + result.insertedCount;
        } catch (err) {
          if (refusedWrites(err)?.allDuplicates) return 'raced';
          throw err;
        }
      }
      return done === writes.length ? 'written' : 'raced';
    },

    /** A page of figures in the order their streams were first seen. */
    listFigures: ({ supplierIn, ...filter }: PositionFilter, after: string | undefined, limit: number) =>
      inScope(() =>
        InventoryPositionModel.find({
          ...filter,
          ...(supplierIn && filter.supplierId === undefined ? { supplierId: { $in: [...supplierIn] } } : {}),
          ...(after ? { firstSeen: { $gt: new Types.ObjectId(after) } } : {}),
        })
          .sort({ firstSeen: 1 })
          .limit(limit + 1)
          .lean(),
      ),
  };
});

export type InventoryStore = ReturnType<typeof inventoryStore>;
