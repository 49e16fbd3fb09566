import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { PartnerInvitationModel, PartnerInvitationDoc } from './partner-invitation';
import { PartnerInvitationRedemptionModel } from './partner-invitation-redemption';

export type NewInvitation = Omit<PartnerInvitationDoc, 'tenantId' | 'createdAt'>;

/** What a redemption names instead of an application when the invitation was revoked. */
const REVOKED = 'revoked';

const redemptionId = (invitationId: string): string => `${invitationId}.redeemed`;

/**
 * A tenant's invitations and their single redemption. Reads for staff never carry the token hash.
 * Taking the redemption (an insert under a unique index) is what decides who gets an invitation:
 * of concurrent takers exactly one succeeds (a conditional update would not, on the local store).
 */
export const invitationStore = repository((inScope) => {
  const take = (invitationId: string, applicationId: string): Promise<boolean> => inScope(async () => {
    try {
      await PartnerInvitationRedemptionModel.create({ _id: redemptionId(invitationId), invitationId, applicationId });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  });

  return {
    create: (invitation: NewInvitation) => inScope(async () => (await PartnerInvitationModel.create(invitation)).toObject() as PartnerInvitationDoc),

    byId: (invitationId: string) => inScope(() => PartnerInvitationModel.findOne({ _id: invitationId }, { tokenHash: 0 }).lean()),

    byTokenHash: (tokenHash: string) => inScope(() => PartnerInvitationModel.findOne({ tokenHash }).lean()),

    /** One more than `limit`, newest first, so the caller can tell whether another page follows. */
    list: (filter: { before?: string; limit: number }) =>
      inScope(() => PartnerInvitationModel.find(filter.before ? { _id: { $lt: filter.before } } : {}, { tokenHash: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean()),

    /** Takes the invitation for an application and marks it used; false when it was taken already. */
    redeem: async (invitationId: string, applicationId: string, usedAt: Date): Promise<boolean> => {
      if (!(await take(invitationId, applicationId))) return false;
      await inScope(() => PartnerInvitationModel.updateOne({ _id: invitationId }, { $set: { status: 'used', usedAt, applicationId } }));
      return true;
    },

    /** Takes the invitation for nobody and marks it revoked; false when it was taken already. */
    revoke: async (invitationId: string): Promise<boolean> => {
      if (!(await take(invitationId, REVOKED))) return false;
      await inScope(() => PartnerInvitationModel.updateOne({ _id: invitationId }, { $set: { status: 'revoked', revokedAt: new Date() } }));
      return true;
    },

    /** Gives back an invitation taken by `applicationId` (and only by it). */
    reopen: async (invitationId: string, applicationId: string): Promise<void> => {
      await inScope(async () => {
        await PartnerInvitationModel.updateOne({ _id: invitationId, applicationId }, { $set: { status: 'open' }, $unset: { usedAt: 1, applicationId: 1 } });
        await PartnerInvitationRedemptionModel.deleteOne({ invitationId, applicationId });
      });
    },
  };
});
