import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

export type DisputeStatus = 'open' | 'accepted' | 'rejected';

/**
 * A partner's dispute of one line of its approved statement. `openSlot` is `open` while the
 * dispute is open and the dispute's own id once resolved: the unique (tenantId, runId, partnerId,
 * line, openSlot) index lets a line have one open dispute at a time (the store has no partial
 * indexes), and a new one after the first is resolved.
 */
export interface PayoutDisputeDoc {
  _id: string;
  tenantId: string;
  runId: string;
  period: string;
  partnerId: string;
  /** The index of the disputed line in the statement, and what the line said. */
  line: number;
  lineKind: string;
  dealId?: string;
  lineAmountMinor: number;
  currency: string;
  reason: string;
  status: DisputeStatus;
  openSlot: string;
  openedBy: string;
  createdAt: Date;
  resolution?: DisputeResolution;
}

export interface DisputeResolution {
  decision: 'accept' | 'reject';
  /** Accepted: what the partner's next run adds (negative recovers), in minor units. */
  amountMinor?: number;
  comment: string;
  by: string;
  at: Date;
}

const schema = new Schema<PayoutDisputeDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    period: { type: String, required: true },
    partnerId: { type: String, required: true },
    line: { type: Number, required: true },
    lineKind: { type: String, required: true },
    dealId: { type: String },
    lineAmountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    reason: { type: String, required: true },
    status: { type: String, required: true },
    openSlot: { type: String, required: true },
    openedBy: { type: String, required: true },
    resolution: { type: Schema.Types.Mixed },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, runId: 1, partnerId: 1, line: 1, openSlot: 1 }, { unique: true });
schema.index({ tenantId: 1, status: 1, _id: 1 });
schema.index({ tenantId: 1, partnerId: 1, _id: 1 });

export const PayoutDisputeModel = tenantModel<PayoutDisputeDoc>('PayoutDispute', schema, 'payout_disputes');

/**
 * The decision on a dispute, one per dispute (its id): two finance users resolving at once race on
 * the id and the second finds the first's decision instead of overwriting it.
 */
export interface DisputeDecisionDoc extends DisputeResolution {
  _id: string;
  tenantId: string;
}

const decisionSchema = new Schema<DisputeDecisionDoc>(
  {
    _id: { type: String, required: true },
    decision: { type: String, required: true },
    amountMinor: { type: Number },
    comment: { type: String, default: '' },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
decisionSchema.index({ tenantId: 1, _id: 1 });

export const DisputeDecisionModel = tenantModel<DisputeDecisionDoc>('DisputeDecision', decisionSchema, 'payout_dispute_decisions');
