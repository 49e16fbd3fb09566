/**
 * Where a tier review stands. It only moves forward: `computing`, then `awaiting-approval` and
 * one of `applied`, `rejected` or `expired`; or straight to `no-changes` or `skipped`.
 */
export const TIER_REVIEW_STATUSES = ['computing', 'awaiting-approval', 'applied', 'rejected', 'no-changes', 'expired', 'skipped'] as const;
export type TierReviewStatus = (typeof TIER_REVIEW_STATUSES)[number];
