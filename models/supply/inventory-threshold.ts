import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { PurchaseOrderDoc } from './purchase-order';

/** What to order when a threshold is crossed: a draft the manufacturer confirms. */
export interface Replenishment {
  supplierId: string;
  quantity: number;
  /** Decimal string in `currency`, checked against its minor units when the threshold is set. */
  unitPrice: string;
  currency: string;
  shipTo: PurchaseOrderDoc['shipTo'];
  /** The draft asks for shipment this many days after it is drafted. */
  leadTimeDays: number;
}

/**
 * A manufacturer's low-stock threshold for one sku: when available stock (on hand less promised,
 * over the suppliers it buys from, or the one named, at every location or the one named) falls
 * below `minimumAvailable`, an exception is raised and, if configured, a replenishment drafted.
 * `crossing` numbers the falls: each is raised once, keyed by it (see domain/supply/stock-availability.ts).
 */
export interface InventoryThresholdDoc {
  /** `<manufacturerId>:<sku>`: one threshold per manufacturer and sku. */
  _id: string;
  tenantId: string;
  manufacturerId: string;
  sku: string;
  minimumAvailable: number;
  supplierId?: string;
  location?: string;
  replenishment?: Replenishment;
  crossing: number;
  low: boolean;
  /** The last evaluation: what was available then, and when. */
  lastAvailable?: number;
  evaluatedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<InventoryThresholdDoc>(
  {
    _id: { type: String, required: true },
    manufacturerId: { type: String, required: true },
    sku: { type: String, required: true },
    minimumAvailable: { type: Number, required: true },
    supplierId: { type: String },
    location: { type: String },
    replenishment: { type: Schema.Types.Mixed },
    crossing: { type: Number, required: true },
    low: { type: Boolean, required: true },
    lastAvailable: { type: Number },
    evaluatedAt: { type: Date },
  },
  { versionKey: false, timestamps: true },
);
schema.index({ tenantId: 1, manufacturerId: 1, sku: 1 }, { unique: true });
// After a batch: the thresholds on the skus it touched.
schema.index({ tenantId: 1, sku: 1 });

export const InventoryThresholdModel = tenantModel<InventoryThresholdDoc>('InventoryThreshold', schema, 'inventory_thresholds');
