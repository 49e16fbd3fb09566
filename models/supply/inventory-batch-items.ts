import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import { INVENTORY_KINDS, type InventoryUpdate } from '../../domain/supply/inventory';

/**
 * The items of one inventory batch, as the supplier sent them, under the batch's own `_id`.
 * Written once, before the batch's status document (so a status document always has its items),
 * and only ever read by `_id`: the one lookup FerretDB 1.24 answers without reading every
 * document. Kept apart from the status document so that status queries and status changes do
 * not read or rewrite 1,000 items each (inventory-batch.ts).
 */
export interface InventoryBatchItemsDoc {
  _id: string;
  tenantId: string;
  items: InventoryUpdate[];
}

const item = new Schema<InventoryUpdate>(
  {
    sku: { type: String, required: true },
    location: { type: String, required: true },
    onHand: { type: Number, required: true },
    kind: { type: String, enum: INVENTORY_KINDS, required: true },
    sequence: { type: Number, required: true },
    observedAt: { type: Date, required: true },
  },
  { _id: false },
);

const schema = new Schema<InventoryBatchItemsDoc>(
  {
    _id: { type: String, required: true },
    items: { type: [item], required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });

export const InventoryBatchItemsModel = tenantModel<InventoryBatchItemsDoc>('InventoryBatchItems', schema, 'inventory_batch_items');
