import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * Finance's manual payout hold on a partner: while `active`, payout runs pay the partner nothing
 * and carry its balance into the next period. One document per partner (placing again replaces
 * the reason, releasing keeps it for the record); `op` names the request that changed it last, so
 * a retried request finds its own change and the audit outbox can tell whether it happened.
 * The _id is unique across the collection, so it names the tenant.
 */
export interface PayoutHoldDoc {
  _id: string;
  tenantId: string;
  partnerId: string;
  active: boolean;
  reason: string;
  placedBy: string;
  placedAt: Date;
  releasedBy?: string;
  releasedAt?: Date;
  op: string;
  updatedAt: Date;
}

const schema = new Schema<PayoutHoldDoc>(
  {
    _id: { type: String, required: true },
    partnerId: { type: String, required: true },
    active: { type: Boolean, required: true },
    reason: { type: String, required: true },
    placedBy: { type: String, required: true },
    placedAt: { type: Date, required: true },
    releasedBy: String,
    releasedAt: Date,
    op: { type: String, required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);
schema.index({ tenantId: 1, partnerId: 1 }, { unique: true });
schema.index({ tenantId: 1, active: 1, partnerId: 1 });

export const PayoutHoldModel = tenantModel<PayoutHoldDoc>('PayoutHold', schema, 'payout_holds');

export const payoutHoldId = (tenantId: string, partnerId: string): string => `ph:${tenantId}:${partnerId}`;
