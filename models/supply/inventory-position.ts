import { Schema, type Types } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { StockFigure } from '../../domain/supply/inventory';

/**
 * The current figure of one stock stream (supplier, sku, location): what GET /v1/inventory lists.
 * Written only by the ingest worker holding the supplier's lane, in one bulk write per batch.
 */
export interface InventoryPositionDoc extends StockFigure {
  _id: Types.ObjectId;
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
schema.index({ tenantId: 1, sku: 1, _id: 1 });

export const InventoryPositionModel = tenantModel<InventoryPositionDoc>('InventoryPosition', schema, 'inventory_positions');
