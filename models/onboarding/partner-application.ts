import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { ApplicationStatus, HistoryEntry } from '../../domain/onboarding/state';
import type { CheckFinding, DuplicateFlag } from '../../domain/onboarding/checks';

/**
 * The read model of one partner application. The onboarding workflow owns the process and writes
 * this document through its activities; lists and detail views read it (never Temporal visibility).
 */
export interface ApplicationDecision {
  round: number;
  decision: string;
  reason?: string;
  by: string;
  role?: string;
  at: Date;
}

export interface ApplicationReminder {
  step: string;
  to: string;
  at: Date;
}

export interface PartnerApplicationDoc {
  _id: string;
  tenantId: string;
  /** Reserved when the application is made, so the partner and its key can be named up front. */
  partnerId: string;
  source: 'public' | 'invitation';
  invitationId?: string;
  applicant: {
    legalName: string;
    contactName?: string;
    email: string;
    emailDomain: string;
    country: string;
    taxId: string;
    website?: string;
    phone?: string;
  };
  applicantTokenHash: string;
  submittedFrom: string;
  status: ApplicationStatus;
  currentStep: string | null;
  ruleSetVersion: number;
  workflowId: string;
  findings: CheckFinding[];
  /** Open applications sharing the tax id or company domain: shown to the reviewer, never declining. */
  possibleDuplicates?: DuplicateFlag[];
  /** Signer fields come from the acceptance evidence (`acceptanceId`), joined when read. */
  agreement?: { version: string; hash: string; acceptanceId?: string; signerName?: string; signerEmail?: string; ip?: string; acceptedAt: Date };
  documents: { kind: string; reference: string; submittedAt: Date }[];
  review: { round: number; dueAt?: Date; escalatedAt?: Date; escalatedTo?: string; decisions: ApplicationDecision[] };
  reminders: ApplicationReminder[];
  enablement?: { modules: string[]; completed: string[]; dueAt?: Date; overdue: boolean };
  closedReason?: string;
  closedAt?: Date;
  /** Recorded before entries became documents of their own; now projected from them. */
  history: HistoryEntry[];
  /** The seq of the newest progress whose patch was set, so a late retry cannot set an older one. */
  progressSeq?: number;
  createdAt: Date;
  updatedAt: Date;
}

const sub = (fields: Record<string, unknown>) => new Schema(fields, { _id: false });
const ActorSchema = sub({ type: { type: String }, id: String, role: String });

const schema = new Schema<PartnerApplicationDoc>(
  {
    _id: { type: String, required: true },
    partnerId: { type: String, required: true },
    source: { type: String, required: true },
    invitationId: String,
    applicant: {
      legalName: { type: String, required: true },
      contactName: String,
      email: { type: String, required: true },
      emailDomain: { type: String, required: true },
      country: { type: String, required: true },
      taxId: { type: String, required: true },
      website: String,
      phone: String,
    },
    applicantTokenHash: { type: String, required: true },
    submittedFrom: { type: String, required: true },
    status: { type: String, required: true },
    currentStep: { type: String, default: null },
    ruleSetVersion: { type: Number, required: true },
    workflowId: { type: String, required: true },
    findings: [{ _id: false, code: String, field: String, detail: String }],
    possibleDuplicates: { type: [{ _id: false, code: String, field: String, matches: [String] }], default: undefined },
    agreement: { type: sub({ version: String, hash: String, acceptanceId: String, signerName: String, signerEmail: String, ip: String, acceptedAt: Date }), default: undefined },
    documents: [{ _id: false, kind: String, reference: String, submittedAt: Date }],
    review: {
      round: { type: Number, default: 0 },
      dueAt: Date,
      escalatedAt: Date,
      escalatedTo: String,
      decisions: [{ _id: false, round: Number, decision: String, reason: String, by: String, role: String, at: Date }],
    },
    reminders: [{ _id: false, step: String, to: String, at: Date }],
    enablement: { type: sub({ modules: [String], completed: [String], dueAt: Date, overdue: Boolean }), default: undefined },
    closedReason: String,
    closedAt: Date,
    history: [{ _id: false, seq: Number, at: String, step: String, event: String, detail: String, actor: ActorSchema }],
    progressSeq: Number,
  },
  { timestamps: true, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, status: 1, _id: 1 });
schema.index({ tenantId: 1, 'applicant.taxId': 1 });
schema.index({ tenantId: 1, 'applicant.emailDomain': 1 });
schema.index({ tenantId: 1, partnerId: 1 });

export { PartnerApplicationEventModel } from './partner-application-event';
export { PartnerAgreementAcceptanceModel } from './partner-agreement-acceptance';

export const PartnerApplicationModel = tenantModel<PartnerApplicationDoc>('PartnerApplication', schema, 'partner_applications');
