import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The right to revoke one tenant-admin key out of a given set of active admin keys. `activeSet`
 * names that set (a hash of its sorted key ids) and is unique per tenant, so two revocations that
 * saw the same set cannot both go ahead: the store decides, not a count read before the update
 * (conditional updates are not compare-and-set on every store we run on).
 */
export interface AdminKeyRevocationDoc {
  _id: string;
  tenantId: string;
  activeSet: string;
  keyId: string;
  claimedAt: Date;
}

const schema = new Schema<AdminKeyRevocationDoc>(
  {
    _id: { type: String, required: true },
    activeSet: { type: String, required: true },
    keyId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, activeSet: 1 }, { unique: true });

export const AdminKeyRevocationModel = tenantModel<AdminKeyRevocationDoc>('AdminKeyRevocation', schema, 'admin_key_revocations');
