import type { Services } from '../index';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { inventoryStore, type InventoryStore, type FigureWrite } from '../../models/supply/inventory-repository';
import type { InventoryBatchDoc, InventoryBatchStatusDoc } from '../../models/supply/inventory-batch';
import type { InventoryPositionDoc } from '../../models/supply/inventory-position';
import { nextFigure, recordedDeltasNeeded, streamKey, type InventoryUpdate, type StockFigure } from '../../domain/supply/inventory';
import { takeLane, requeueBatch, batchDone, type IngestJob } from './inventory-queue';
import { afterBatchApplied } from './low-stock';

/**
 * Applying accepted batches to the figures. Per batch: mark it `applying`, read its items (by
 * `_id`, from their own document), record its updates as
 * observations (one unordered bulk insert; the unique index drops duplicates), read the figures
 * of the streams it touches, fold the fresh updates in, write them back (one bulk write), mark it
 * `applied`. A constant handful of round trips whatever the batch size.
 *
 * Why it is exact without transactions or compare-and-set:
 *  - a supplier's batches run one at a time under its lane, and an `applying` batch (a crash
 *    interrupted it) is always the next one, so nothing else writes its streams before it ends;
 *  - re-running it finds its own observations (they name the batch) and counts them as fresh,
 *    and skips the streams whose figure it already wrote (the figure names the batch that wrote it);
 *  - duplicates are decided by the observations' unique index, never by reading first.
 */

const RACE_RETRIES = 5;

export type LaneTurn = 'done' | 'lane-busy';

/** Applies the job's batch, after any older unfinished batch of the same supplier. */
export async function applyQueuedBatch(services: Services, job: IngestJob): Promise<LaneTurn> {
  const tenantId = asTenantId(job.tenantId);
  const store = inventoryStore(tenantId);
  if (!(await store.isUnfinished(job.batchId))) {
    await batchDone(services, tenantId, job.batchId);
    return 'done';
  }
  const lane = await takeLane(services, tenantId, job.supplierId);
  if (!lane) return 'lane-busy';
  try {
    for (;;) {
      const next = await store.nextUnfinished(job.supplierId);
      if (!next) return 'done';
      const applied = await applyBatch(store, next, lane.held);
      await batchDone(services, tenantId, next._id);
      await afterBatchApplied(services, tenantId, applied);
      if (next._id === job.batchId) return 'done';
    }
  } finally {
    await lane.release();
  }
}

/** Applies one batch; safe to run again on a batch a crash left `applying`. Answers it with its items. */
export async function applyBatch(store: InventoryStore, status: InventoryBatchStatusDoc, laneHeld: () => Promise<boolean>): Promise<InventoryBatchDoc> {
  if (status.status === 'queued') await store.markApplying(status._id);
  const batch: InventoryBatchDoc = { ...status, items: await store.batchItems(status._id) };
  const rejected = new Set(batch.rejected.map((r) => r.index));
  const accepted = batch.items.map((item, index) => ({ item, index })).filter(({ index }) => !rejected.has(index));
  const alreadyRecorded = await store.recordObservations(batch._id, batch.supplierId, accepted.map((a) => a.item));
  const fresh = accepted.filter((_, at) => !alreadyRecorded.has(at)).map((a) => a.item);
  for (let attempt = 1; ; attempt++) {
    if (!(await laneHeld())) throw new Error(`lost the lane of supplier ${batch.supplierId} while applying batch ${batch._id}`);
    if ((await writeFigures(store, batch, fresh)) === 'written') break;
    if (attempt >= RACE_RETRIES) throw new Error(`batch ${batch._id}: another writer kept changing the figures`);
  }
  await store.markApplied(batch._id, [...alreadyRecorded].map((at) => accepted[at].index));
  return batch;
}

async function writeFigures(store: InventoryStore, batch: InventoryBatchDoc, fresh: InventoryUpdate[]): Promise<'written' | 'raced'> {
  const streams = new Map<string, InventoryUpdate[]>();
  for (const update of fresh) streams.set(streamKey(update), [...(streams.get(streamKey(update)) ?? []), update]);
  const current = await store.figures(batch.supplierId, [...streams.values()].map((updates) => updates[0]));
  // Streams this batch already wrote, on a run a crash interrupted, are done.
  const pending = [...streams].filter(([key]) => current.get(key)?.lastBatchId !== batch._id);
  const rebase = pending.flatMap(([key, updates]) => {
    const sequence = recordedDeltasNeeded(figureOf(current.get(key)), updates);
    return sequence === undefined ? [] : [{ sku: updates[0].sku, location: updates[0].location, sequence }];
  });
  const sums = await store.recordedDeltaSums(batch.supplierId, rebase);
  const writes: FigureWrite[] = pending.map(([key, updates]) => {
    const read = current.get(key);
    return {
      sku: updates[0].sku,
      location: updates[0].location,
      figure: nextFigure(figureOf(read), updates, sums.get(key)),
      ...(read ? { read: { _id: read._id, lastBatchId: read.lastBatchId } } : {}),
    };
  });
  return store.writeFigures(batch._id, batch.supplierId, writes);
}

function figureOf(doc: InventoryPositionDoc | undefined): StockFigure | undefined {
  if (!doc) return undefined;
  const { snapshotSequence, snapshotOnHand, deltaSum, deltaCount, lastSequence, observedAt } = doc;
  return { snapshotSequence, snapshotOnHand, deltaSum, deltaCount, lastSequence, observedAt };
}

const REAPER_PAGE = 500;

/**
 * The reaper's part: every batch still unfinished after `olderThanMs` gets a job again. Redis
 * holds only wake-ups, so this is all it takes for a batch accepted before Redis lost its memory
 * (or whose worker died with it) to be applied.
 */
export async function requeueStaleBatches(services: Services, tenantId: TenantId, olderThanMs: number): Promise<number> {
  const stale = await inventoryStore(tenantId).staleUnfinished(new Date(Date.now() - olderThanMs), REAPER_PAGE);
  for (const batch of stale) await requeueBatch(services, tenantId, { supplierId: batch.supplierId, batchId: batch._id });
  return stale.length;
}
