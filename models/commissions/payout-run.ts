import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { AmountVariance, PartnerVariance } from '../../domain/commissions/variance';

export const PAYOUT_RUN_STATUSES = ['calculating', 'awaiting-approval', 'approved', 'rejected', 'paid'] as const;
/** An approved run stays approved once the bank has paid it: statements, carry-forwards and clawbacks read both. */
export const APPROVED_STATUSES: readonly PayoutRunStatus[] = ['approved', 'paid'];
export type PayoutRunStatus = (typeof PAYOUT_RUN_STATUSES)[number];

/** A partner whose statement is not paid by the run, and why. */
export interface PayoutHold {
  partnerId: string;
  amountMinor: number;
  reasons: string[];
}

/** One finance user's approval of a run. */
export interface PayoutApproval {
  by: string;
  at: string;
}

/** The run against the previous period's approved run (none: everything compares with 0). */
export interface PayoutRunVariance {
  previousRunId: string | null;
  previousPeriod: string;
  total: AmountVariance;
  partners: PartnerVariance[];
}

/**
 * One payout run of a tenant's period, the read model its workflow writes. A period has one open
 * run: the unique (tenantId, period, attempt) index decides between concurrent triggers, and a new
 * attempt is only started once the previous one was rejected.
 */
export interface PayoutRunDoc {
  _id: string;
  tenantId: string;
  period: string;
  attempt: number;
  status: PayoutRunStatus;
  triggeredBy: string;
  currency: string;
  /** sha256 of the snapshot's canonical JSON, once frozen. */
  snapshotHash?: string;
  planVersion?: number | null;
  progress: { processed: number; total: number };
  totals?: { totalMinor: number; payableMinor: number; heldMinor: number; partners: number; payees: number };
  holds: PayoutHold[];
  /** Approvals so far; the run executes when it has `approvalsRequired` of them, by distinct users. */
  approvals?: PayoutApproval[];
  approvalsRequired?: number;
  /** When the approval SLA ends; `overdue` once it has passed undecided. */
  approvalDueAt?: Date;
  overdue?: boolean;
  remindersSent?: number;
  variance?: PayoutRunVariance;
  /** Payables earlier runs reopened (the bank rejected or returned the payment) that this run pays again. */
  reopened?: { partnerId: string; amountMinor: number; fromRunId: string }[];
  decidedBy?: string;
  decidedAt?: Date;
  rejectReason?: string;
  /** When the last instruction was settled (or reopened into a later run): the period is then locked. */
  paidAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<PayoutRunDoc>(
  {
    _id: { type: String, required: true },
    period: { type: String, required: true },
    attempt: { type: Number, required: true },
    status: { type: String, required: true },
    triggeredBy: { type: String, required: true },
    currency: { type: String, required: true },
    snapshotHash: String,
    planVersion: { type: Number, default: null },
    progress: { processed: { type: Number, default: 0 }, total: { type: Number, default: 0 } },
    totals: { type: Schema.Types.Mixed },
    holds: { type: Schema.Types.Mixed, default: [] },
    approvals: { type: Schema.Types.Mixed },
    approvalsRequired: Number,
    approvalDueAt: Date,
    overdue: Boolean,
    remindersSent: Number,
    variance: { type: Schema.Types.Mixed },
    reopened: { type: Schema.Types.Mixed },
    decidedBy: String,
    decidedAt: Date,
    rejectReason: String,
    paidAt: Date,
  },
  { timestamps: true, versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, period: 1, attempt: 1 }, { unique: true });
schema.index({ tenantId: 1, _id: 1 });

export const PayoutRunModel = tenantModel<PayoutRunDoc>('PayoutRun', schema, 'payout_runs');
