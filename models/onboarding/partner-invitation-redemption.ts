import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * That an invitation was used, and by which application. The unique (tenantId, invitationId)
 * index is what makes the invitation single-use: of two concurrent redemptions only one insert
 * succeeds (the local store's conditional updates are not compare-and-set). The invitation's own
 * `status` mirrors this for reading.
 */
export interface PartnerInvitationRedemptionDoc {
  _id: string;
  tenantId: string;
  invitationId: string;
  /** The application that used it, or `revoked` when a revocation took it first. */
  applicationId: string;
  createdAt: Date;
}

const schema = new Schema<PartnerInvitationRedemptionDoc>(
  {
    _id: { type: String, required: true },
    invitationId: { type: String, required: true },
    applicationId: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, invitationId: 1 }, { unique: true });

export const PartnerInvitationRedemptionModel = tenantModel<PartnerInvitationRedemptionDoc>('PartnerInvitationRedemption', schema, 'partner_invitation_redemptions');
