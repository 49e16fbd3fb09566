import { createHash } from 'node:crypto';
import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import { INVENTORY_KINDS, type InventoryKind } from '../../domain/supply/inventory';

/**
 * Every update applied to a stock stream, one document per (supplier, sku, location, sequence).
 * The unique index decides what is a duplicate: of two copies of an update, whichever batch or
 * worker comes second fails to insert it, on MongoDB and on FerretDB alike (neither needs a
 * compare-and-set for that). The deltas recorded here are also what a late snapshot is rebased on.
 * Its `_id` is derived from that place in the stream (observationIdOf), so finding which batch
 * recorded a refused duplicate is an `_id` lookup rather than a scan of every observation.
 */
export interface InventoryObservationDoc {
  _id: string;
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
    _id: { type: String, required: true },
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

/** The `_id` of one place (tenant, supplier, sku, location, sequence) in a stream. */
export const observationIdOf = (tenantId: string, supplierId: string, u: { sku: string; location: string; sequence: number }): string =>
  createHash('sha256').update(JSON.stringify([tenantId, supplierId, u.sku, u.location, u.sequence])).digest('base64url');

export const InventoryObservationModel = tenantModel<InventoryObservationDoc>('InventoryObservation', schema, 'inventory_observations');
