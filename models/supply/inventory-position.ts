import { createHash } from 'node:crypto';
import { Schema, type Types } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { StockFigure } from '../../domain/supply/inventory';

/**
 * The current figure of one stock stream (supplier, sku, location): what GET /v1/inventory lists.
 * Written only by the ingest worker holding the supplier's lane, in one bulk write per batch.
 *
 * Its `_id` is derived from the stream (figureIdOf), so the worker reads and writes a batch's
 * figures by `_id` (`$in`), the one lookup FerretDB 1.24 answers without reading every figure of
 * the tenant. The unique stream index stays: it is what the store enforces, the `_id` is how the
 * worker finds the document.
 */
export interface InventoryPositionDoc extends StockFigure {
  _id: string;
  /** When the stream was first seen (an ObjectId made at its first write): the list's order and cursor. */
  firstSeen: Types.ObjectId;
  tenantId: string;
  supplierId: string;
  sku: string;
  location: string;
  onHand: number;
  /** The batch that last wrote this figure: a batch re-run after a crash skips what it wrote. */
  lastBatchId: string;
  updatedAt: Date;
}

const schema = new Schema<InventoryPositionDoc>(
  {
    _id: { type: String, required: true },
    firstSeen: { type: Schema.Types.ObjectId, required: true },
    supplierId: { type: String, required: true },
    sku: { type: String, required: true },
    location: { type: String, required: true },
    onHand: { type: Number, required: true },
    snapshotSequence: { type: Number, required: true },
    snapshotOnHand: { type: Number, required: true },
    deltaSum: { type: Number, required: true },
    deltaCount: { type: Number, required: true },
    lastSequence: { type: Number, required: true },
    observedAt: { type: Date, required: true },
    lastBatchId: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, supplierId: 1, sku: 1, location: 1 }, { unique: true });
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, firstSeen: 1 });
schema.index({ tenantId: 1, sku: 1, firstSeen: 1 });

/** The `_id` of a stream's figure: the same stream always gets the same one, in any process. */
export const figureIdOf = (tenantId: string, supplierId: string, stream: { sku: string; location: string }): string =>
  createHash('sha256').update(JSON.stringify([tenantId, supplierId, stream.sku, stream.location])).digest('base64url');

export const InventoryPositionModel = tenantModel<InventoryPositionDoc>('InventoryPosition', schema, 'inventory_positions');
