import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { TierChangeKind } from '../../domain/tiers/evaluate';
import type { TierReviewStatus } from '../../domain/tiers/review-status';

/**
 * One tier review: the metrics it saw, the promotions and demotions it proposed with their
 * reasons, who approved them and when they took effect. Written by the tier-review workflow.
 */
export interface TierReviewProposal {
  partnerId: string;
  partnerName: string;
  fromTier: string;
  toTier: string;
  change: TierChangeKind;
  reason: string;
  metrics: { closedWonRevenue: string; currency: string; dealCount: number; trainingCompleted: string[] };
}

export interface TierReviewDoc {
  _id: string;
  tenantId: string;
  workflowId: string;
  trigger: 'schedule' | 'on-demand';
  requestedBy: string;
  status: TierReviewStatus;
  ruleSetVersion?: number;
  asOf?: Date;
  windowFrom?: Date;
  partnersReviewed: number;
  proposals: TierReviewProposal[];
  decidedBy?: string;
  decidedAt?: Date;
  decisionNote?: string;
  effectiveFrom?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<TierReviewDoc>(
  {
    _id: { type: String, required: true },
    workflowId: { type: String, required: true },
    trigger: { type: String, required: true },
    requestedBy: { type: String, required: true },
    status: { type: String, required: true },
    ruleSetVersion: Number,
    asOf: Date,
    windowFrom: Date,
    partnersReviewed: { type: Number, default: 0 },
    proposals: [{
      _id: false, partnerId: String, partnerName: String, fromTier: String, toTier: String, change: String, reason: String,
      metrics: new Schema({ closedWonRevenue: String, currency: String, dealCount: Number, trainingCompleted: [String] }, { _id: false }),
    }],
    decidedBy: String,
    decidedAt: Date,
    decisionNote: String,
    effectiveFrom: Date,
  },
  { timestamps: true, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, workflowId: 1 }, { unique: true });

export const TierReviewModel = tenantModel<TierReviewDoc>('TierReview', schema, 'tier_reviews');
