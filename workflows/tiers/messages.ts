import { defineUpdate, defineQuery } from '@temporalio/workflow';
import type { Actor } from '../../domain/onboarding/state';

/** Messages of the tier-review workflow (kept beside onboarding's: both are partner lifecycle). */
export interface TierReviewInput {
  tenantId: string;
  /** Set when the API opened the review; scheduled runs get one from their first activity. */
  reviewId?: string;
  trigger: 'schedule' | 'on-demand';
  requestedBy: string;
}

export interface TierReviewDecision {
  decision: 'approve' | 'reject';
  note?: string;
  actor: Actor;
  decidedAt: string;
}

export type TierReviewOutcome = 'skipped' | 'no-changes' | 'applied' | 'rejected' | 'expired';

export const decideTierReviewUpdate = defineUpdate<{ status: string }, [TierReviewDecision]>('decideTierReview');
export const tierReviewStatusQuery = defineQuery<{ reviewId?: string; status: string }>('tierReviewStatus');
