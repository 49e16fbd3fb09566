import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The account a partner is paid into, taken from its verified bank-details document. The full
 * account (IBAN or account number) is personal data Trellis must read back to write a bank file,
 * so it is sealed (AES-256-GCM, services/commissions/bank-account-sealing.ts), never hashed and
 * never stored in clear; reads show `last4`. One per partner: a change replaces it.
 */
export interface PartnerBankAccountDoc {
  _id: string;
  tenantId: string;
  partnerId: string;
  scheme: 'iban' | 'us-aba';
  holderName: string;
  /** The BIC or ABA routing number: identifies the bank, not the account, so kept in clear. */
  bank: string;
  last4: string;
  sealed: string;
  /** The onboarding document the details were taken from, and when it was verified. */
  documentReference: string;
  documentVerifiedAt: Date;
  setBy: string;
  updatedAt: Date;
}

const schema = new Schema<PartnerBankAccountDoc>(
  {
    _id: { type: String, required: true },
    partnerId: { type: String, required: true },
    scheme: { type: String, required: true },
    holderName: { type: String, required: true },
    bank: { type: String, required: true },
    last4: { type: String, required: true },
    sealed: { type: String, required: true },
    documentReference: { type: String, required: true },
    documentVerifiedAt: { type: Date, required: true },
    setBy: { type: String, required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);
schema.index({ tenantId: 1, partnerId: 1 }, { unique: true });

export const PartnerBankAccountModel = tenantModel<PartnerBankAccountDoc>('PartnerBankAccount', schema, 'partner_bank_accounts');
