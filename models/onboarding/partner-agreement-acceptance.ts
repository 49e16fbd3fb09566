import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * Who accepted an application's agreement, from where: the evidence, kept in the store only. The
 * onboarding workflow sees the acceptance by id (its history holds no name, email or address),
 * and the staff view joins it back. The id comes from the request's Idempotency-Key when there is
 * one, so a retried acceptance writes the same evidence.
 */
export interface PartnerAgreementAcceptanceDoc {
  _id: string;
  tenantId: string;
  applicationId: string;
  agreementVersion: string;
  agreementHash: string;
  signerName: string;
  signerEmail: string;
  ip: string;
  acceptedAt: Date;
}

const schema = new Schema<PartnerAgreementAcceptanceDoc>(
  {
    _id: { type: String, required: true },
    applicationId: { type: String, required: true },
    agreementVersion: { type: String, required: true },
    agreementHash: { type: String, required: true },
    signerName: { type: String, required: true },
    signerEmail: { type: String, required: true },
    ip: { type: String, required: true },
    acceptedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, applicationId: 1, _id: 1 });

export const PartnerAgreementAcceptanceModel = tenantModel<PartnerAgreementAcceptanceDoc>('PartnerAgreementAcceptance', schema, 'partner_agreement_acceptances');
