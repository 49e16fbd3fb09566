import { defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/onboarding/state';

/** Messages of the tier-review workflow: its input, and the tenant-admin's decision on the proposals. */
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
