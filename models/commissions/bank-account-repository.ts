import { repository } from '../repository';
import { PartnerBankAccountModel, type PartnerBankAccountDoc } from './bank-account';

/** Partners' payout bank accounts of one tenant. */
export const bankAccountStore = repository((inScope) => ({
  ofPartner: (partnerId: string) => inScope(() => PartnerBankAccountModel.findOne({ partnerId }).lean<PartnerBankAccountDoc>()),
  ofPartners: (partnerIds: string[]) => inScope(() => PartnerBankAccountModel.find({ partnerId: { $in: partnerIds } }).limit(partnerIds.length).lean<PartnerBankAccountDoc[]>()),
  /** One account per partner: a change replaces the previous one whole. */
  replace: ({ _id, ...account }: Omit<PartnerBankAccountDoc, 'tenantId' | 'updatedAt'>) =>
    inScope(() => PartnerBankAccountModel.findOneAndUpdate({ partnerId: account.partnerId }, { $set: account, $setOnInsert: { _id } }, { upsert: true, new: true }).lean<PartnerBankAccountDoc>()),
}));
