import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { InventoryUpdate } from '../../domain/supply/inventory';

/**
 * A batch of stock updates as a supplier sent it. It is written before the API answers 202, so
 * an accepted batch exists in the store whatever happens to Redis afterwards: the queue only
 * says "look at this batch now", the store says what is left to apply.
 *
 * queued → applying (an ingest worker has started on it; observations may be recorded and some
 * figures written) → applied. A supplier's batches are applied one at a time, and an `applying`
 * one is always finished before the next starts (services/supply/inventory-ingest.ts).
 *
 * This document holds only the batch's status: its items (up to 1,000) are a document of their
 * own (inventory-batch-items.ts) under the same `_id`. On FerretDB 1.24 (SQLite) every query but
 * an `_id` lookup reads each document of the collection, and a `$set` rewrites the whole
 * document, so a batch document carrying its items made every status query and every status
 * change cost more with each batch stored.
 */
export const BATCH_STATUSES = ['queued', 'applying', 'applied'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface InventoryBatchStatusDoc {
  _id: string;
  tenantId: string;
  supplierId: string;
  /**
   * Names the request that created the batch (from its Idempotency-Key, else the batch id), unique
   * per tenant: a retry after Redis lost its idempotency record still finds this batch.
   */
  operationRef: string;
  /** Hash of the items, so a reused Idempotency-Key with other items is refused, not merged. */
  fingerprint: string;
  status: BatchStatus;
  /** How many items the batch carries (they are in its items document). */
  itemCount: number;
  /** Items refused on arrival (their index in the items) and why. */
  rejected: { index: number; reason: string }[];
  /** Items whose sequence another batch had already recorded: they changed nothing. */
  duplicates: number[];
  receivedAt: Date;
  appliedAt?: Date;
}

/** A batch with its items: what GET /v1/inventory/batches/:id shows and a worker applies. */
export interface InventoryBatchDoc extends InventoryBatchStatusDoc {
  items: InventoryUpdate[];
}

const rejection = new Schema<{ index: number; reason: string }>({ index: { type: Number, required: true }, reason: { type: String, required: true } }, { _id: false });

const schema = new Schema<InventoryBatchStatusDoc>(
  {
    _id: { type: String, required: true },
    supplierId: { type: String, required: true },
    operationRef: { type: String, required: true },
    fingerprint: { type: String, required: true },
    status: { type: String, enum: BATCH_STATUSES, required: true },
    itemCount: { type: Number, required: true },
    rejected: { type: [rejection], default: [] },
    duplicates: { type: [Number], default: [] },
    receivedAt: { type: Date, required: true },
    appliedAt: Date,
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, operationRef: 1 }, { unique: true });
// A supplier's unfinished batches, oldest first; and the reaper's stale ones.
schema.index({ tenantId: 1, supplierId: 1, status: 1, _id: 1 });
schema.index({ tenantId: 1, status: 1, receivedAt: 1 });

export const InventoryBatchModel = tenantModel<InventoryBatchStatusDoc>('InventoryBatch', schema, 'inventory_batches');
