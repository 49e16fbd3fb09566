import { Schema } from 'mongoose';
import { tenantModel } from './tenant-model';

/**
 * One claim per customer identity (normalised domain, or normalised name + country) per tenant.
 * The unique index is what makes channel-conflict detection safe without transactions: of two
 * partners registering the same customer at the same moment, exactly one insert succeeds.
 * A claim lives while its deal is under review or protected and is deleted when the deal ends.
 */
export interface DealClaimDoc {
  _id: string;
  tenantId: string;
  customerKey: string;
  dealId: string;
  partnerId: string;
  claimedAt: Date;
}

const schema = new Schema<DealClaimDoc>(
  {
    _id: { type: String, required: true },
    customerKey: { type: String, required: true },
    dealId: { type: String, required: true },
    partnerId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, customerKey: 1 }, { unique: true });
schema.index({ tenantId: 1, dealId: 1 });

export const DealClaimModel = tenantModel<DealClaimDoc>('DealClaim', schema, 'deal_claims');
