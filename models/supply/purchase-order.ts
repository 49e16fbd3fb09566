import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { OrderSnapshot, OrderStatus } from '../../domain/supply/purchase-order';

/**
 * The read model of one purchase order, written only by its workflow (activities/supply): the
 * order's facts and the workflow's latest snapshot. `rev` orders the writes, so a late retry of
 * an older publish never overwrites a newer one. Lists and views read this, never Temporal.
 */
export interface PurchaseOrderDoc extends OrderSnapshot {
  _id: string;
  tenantId: string;
  manufacturerId: string;
  supplierId: string;
  currency: string;
  shipTo: { name: string; line1: string; line2?: string; city: string; postalCode: string; country: string };
  createdBy: string;
  ruleSetVersion: number;
  rev: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Statuses whose process still runs and takes messages. */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['awaiting-acknowledgement', 'acknowledged', 'partially-shipped', 'shipped', 'partially-received'];

const schema = new Schema<PurchaseOrderDoc>(
  {
    _id: { type: String, required: true },
    manufacturerId: { type: String, required: true },
    supplierId: { type: String, required: true },
    currency: { type: String, required: true },
    shipTo: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
    ruleSetVersion: { type: Number, required: true },
    rev: { type: Number, required: true },
    status: { type: String, required: true },
    version: { type: Number, required: true },
    // The workflow's structures, stored as it publishes them (domain/supply/purchase-order.ts).
    lines: { type: Schema.Types.Mixed, default: () => [] },
    versions: { type: Schema.Types.Mixed, default: () => [] },
    acknowledgements: { type: Schema.Types.Mixed, default: () => [] },
    rounds: { type: Schema.Types.Mixed, default: () => [] },
    shipments: { type: Schema.Types.Mixed, default: () => [] },
    receipts: { type: Schema.Types.Mixed, default: () => [] },
    raised: { type: [String], default: [] },
    appliedUpdates: { type: [String], default: [] },
    nextAction: { type: Schema.Types.Mixed, required: true },
    closedAt: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, timestamps: { createdAt: false, updatedAt: true } },
);
// Each party's list, newest first, optionally by status.
schema.index({ tenantId: 1, supplierId: 1, _id: -1 });
schema.index({ tenantId: 1, manufacturerId: 1, _id: -1 });
schema.index({ tenantId: 1, status: 1, _id: -1 });
// What suppliers promised per sku (services/supply/inventory-availability.ts): a multikey index on the lines' skus.
schema.index({ tenantId: 1, 'lines.sku': 1, supplierId: 1 });

export const PurchaseOrderModel = tenantModel<PurchaseOrderDoc>('PurchaseOrder', schema, 'purchase_orders');
