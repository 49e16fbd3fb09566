import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { PartnerStatus } from '../../domain/onboarding/partner-status';

/**
 * A channel partner of a tenant. Its tier changes are effective-dated and never edited, so a deal
 * or commission can ask which tier was in force on its own date (see services/onboarding/partners.ts, tierAt).
 */
export interface TierChange {
  tier: string;
  effectiveFrom: Date;
  reason: string;
  changedBy: string;
  /** What made the change (`onboarding:app_…`, `tier-review:rev_…`); makes applying it idempotent. */
  source?: string;
}

/** A compliance document the partner submitted; finance or a tenant-admin verifies it. */
export interface PartnerDocument {
  kind: string;
  reference: string;
  submittedAt: Date;
  verifiedAt?: Date;
  verifiedBy?: string;
}

export interface TrainingRecord {
  module: string;
  completedAt: Date;
}

export interface PartnerDoc {
  _id: string;
  tenantId: string;
  name: string;
  email: string;
  /** Lower-cased email domain, for duplicate-applicant checks. */
  emailDomain: string;
  country: string;
  taxId?: string;
  status: PartnerStatus;
  tier: string;
  tierHistory: TierChange[];
  /** Training completed on time; overdue enablement clears it. */
  goodStanding: boolean;
  payoutEligibility: { eligible: boolean; reasons: string[] };
  applicationId?: string;
  contactName?: string;
  documents: PartnerDocument[];
  training: TrainingRecord[];
  /** Enablement modules must be completed by then; past it without them, goodStanding is false. */
  enablementDueAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<PartnerDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String, required: true },
    emailDomain: { type: String, required: true },
    country: { type: String, required: true },
    taxId: String,
    status: { type: String, required: true },
    tier: { type: String, required: true },
    tierHistory: [{ _id: false, tier: String, effectiveFrom: Date, reason: String, changedBy: String, source: String }],
    goodStanding: { type: Boolean, default: true },
    payoutEligibility: { eligible: { type: Boolean, default: false }, reasons: [String] },
    applicationId: String,
    contactName: String,
    documents: [{ _id: false, kind: String, reference: String, submittedAt: Date, verifiedAt: Date, verifiedBy: String }],
    training: [{ _id: false, module: String, completedAt: Date }],
    enablementDueAt: Date,
  },
  { timestamps: true, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, emailDomain: 1 });
schema.index({ tenantId: 1, taxId: 1 });
schema.index({ tenantId: 1, tier: 1 });
schema.index({ tenantId: 1, status: 1, _id: 1 });

export const PartnerModel = tenantModel<PartnerDoc>('Partner', schema, 'partners');
