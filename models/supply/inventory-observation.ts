import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import { INVENTORY_KINDS, type InventoryKind } from '../../domain/supply/inventory';

/**
 * Every update applied to a stock stream, one document per (supplier, sku, location, sequence).
 * The unique index decides what is a duplicate: of two copies of an update, whichever batch or
 * worker comes second fails to insert it, on MongoDB and on FerretDB alike (neither needs a
 * compare-and-set for that). The deltas recorded here are also what a late snapshot is rebased on.
 */
export interface InventoryObservationDoc {
  tenantId: string;
  supplierId: string;
  sku: string;
  location: string;
  sequence: number;
  kind: InventoryKind;
  onHand: number;
  observedAt: Date;
  /** The batch that recorded it: a batch re-run after a crash recognises its own updates. */
  batchId: string;
}

const schema = new Schema<InventoryObservationDoc>(
  {
    supplierId: { type: String, required: true },
    sku: { type: String, required: true },
    location: { type: String, required: true },
    sequence: { type: Number, required: true },
    kind: { type: String, enum: INVENTORY_KINDS, required: true },
    onHand: { type: Number, required: true },
    observedAt: { type: Date, required: true },
    batchId: { type: String, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, supplierId: 1, sku: 1, location: 1, sequence: 1 }, { unique: true });

export const InventoryObservationModel = tenantModel<InventoryObservationDoc>('InventoryObservation', schema, 'inventory_observations');
