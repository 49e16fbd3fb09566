import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * An invitation a tenant-admin sends to a prospective partner. The token is single-use and only
 * its SHA-256 is stored; using it inserts a redemption under a unique index
 * (partner-invitation-redemption.ts), so it cannot be used twice even by concurrent requests.
 */
export interface PartnerInvitationDoc {
  _id: string;
  tenantId: string;
  email: string;
  name?: string;
  tokenHash: string;
  status: 'open' | 'used' | 'revoked';
  expiresAt: Date;
  createdBy: string;
  usedAt?: Date;
  applicationId?: string;
  revokedAt?: Date;
  createdAt: Date;
}

const schema = new Schema<PartnerInvitationDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    name: String,
    tokenHash: { type: String, required: true },
    status: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    usedAt: Date,
    applicationId: String,
    revokedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, tokenHash: 1 }, { unique: true });

export { PartnerInvitationRedemptionModel } from './partner-invitation-redemption';

export const PartnerInvitationModel = tenantModel<PartnerInvitationDoc>('PartnerInvitation', schema, 'partner_invitations');
