import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { PurchaseOrderDoc } from './purchase-order';

export type DraftStatus = 'draft' | 'confirmed' | 'discarded';

/**
 * A replenishment order drafted by a low-stock threshold. It is not an order yet: no workflow,
 * nothing sent to the supplier, invisible to it. The manufacturer confirms it (which places the
 * order under an id derived from the draft) or discards it. One per crossing of a threshold:
 * (thresholdId, crossing) is unique.
 */
export interface PurchaseOrderDraftDoc {
  _id: string;
  tenantId: string;
  manufacturerId: string;
  supplierId: string;
  thresholdId: string;
  crossing: number;
  currency: string;
  shipTo: PurchaseOrderDoc['shipTo'];
  lines: { sku: string; quantity: number; unitPrice: string; requestedDate: string }[];
  /** Why it was drafted: the figure that crossed the threshold. */
  reason: { available: number; minimumAvailable: number };
  status: DraftStatus;
  purchaseOrderId?: string;
  decidedAt?: Date;
  decidedBy?: string;
  createdAt: Date;
}

const schema = new Schema<PurchaseOrderDraftDoc>(
  {
    _id: { type: String, required: true },
    manufacturerId: { type: String, required: true },
    supplierId: { type: String, required: true },
    thresholdId: { type: String, required: true },
    crossing: { type: Number, required: true },
    currency: { type: String, required: true },
    shipTo: { type: Schema.Types.Mixed, required: true },
    lines: { type: Schema.Types.Mixed, required: true },
    reason: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    purchaseOrderId: { type: String },
    decidedAt: { type: Date },
    decidedBy: { type: String },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, thresholdId: 1, crossing: 1 }, { unique: true });
schema.index({ tenantId: 1, manufacturerId: 1, _id: -1 });

export const PurchaseOrderDraftModel = tenantModel<PurchaseOrderDraftDoc>('PurchaseOrderDraft', schema, 'purchase_order_drafts');
