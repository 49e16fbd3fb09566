import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { ExceptionKind } from '../../domain/supply/purchase-order';

/** What the orders raise, and `low-stock`, raised by a manufacturer's threshold (services/supply/low-stock.ts). */
export type SupplyExceptionKind = ExceptionKind | 'low-stock';

/**
 * One entry of the exception queue: something about an order that a person must look at (an
 * over-shipment, a late acknowledgement, a three-way mismatch…). Raised by the order's workflow
 * under a key unique per order, so a retried publish raises it once; resolved with a comment.
 */
export interface SupplyExceptionDoc {
  _id: string;
  tenantId: string;
  /** The order that raised it; none for `low-stock`, which a threshold raises. */
  purchaseOrderId?: string;
  manufacturerId: string;
  /** The supplier at fault; none for `low-stock` (a buyer's planning concern, not the supplier's record). */
  supplierId?: string;
  key: string;
  kind: SupplyExceptionKind;
  /** For `low-stock`: the threshold's sku. */
  sku?: string;
  line?: number;
  shipmentId?: string;
  detail: string;
  /** JSON of the figures behind it (ordered, confirmed, shipped, received…). */
  data: string;
  status: 'open' | 'resolved';
  raisedAt: Date;
  resolution?: { comment: string; by: string; at: Date };
}

const schema = new Schema<SupplyExceptionDoc>(
  {
    _id: { type: String, required: true },
    purchaseOrderId: { type: String },
    manufacturerId: { type: String, required: true },
    supplierId: { type: String },
    sku: { type: String },
    key: { type: String, required: true },
    kind: { type: String, required: true },
    line: { type: Number },
    shipmentId: { type: String },
    detail: { type: String, required: true },
    data: { type: String, required: true },
    status: { type: String, required: true },
    raisedAt: { type: Date, required: true },
    resolution: { type: { comment: String, by: String, at: Date, _id: false } },
  },
  { versionKey: false },
);
// A low-stock exception names no order, so this index does not decide it: its fall does (models/supply/low-stock-fall.ts).
schema.index({ tenantId: 1, purchaseOrderId: 1, key: 1 }, { unique: true });
schema.index({ tenantId: 1, status: 1, _id: -1 });
schema.index({ tenantId: 1, supplierId: 1, _id: -1 });
schema.index({ tenantId: 1, manufacturerId: 1, _id: -1 });

export const SupplyExceptionModel = tenantModel<SupplyExceptionDoc>('SupplyException', schema, 'supply_exceptions');
