import { proxyActivities, condition, workflowInfo, allHandlersFinished, RetryPolicy } from '@temporalio/workflow';
import type { TierActivities } from '../../activities/tiers/index';
import { requireDurationMs } from '../../domain/durations';
import { refused } from '../../domain/refusals';
import { handleUpdate } from '../updates';
import { TierReviewInput, TierReviewDecision, TierReviewOutcome, decideTierReviewUpdate } from './messages';

export * from './messages';

const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' };
/**
 * A worker that dies mid-activity is noticed by these timeouts, and a decision request waits for
 * them: short writes get a short start-to-close; the work over every partner heartbeats, so a
 * dead worker is noticed in seconds while a long review still has minutes.
 */
const quick = proxyActivities<TierActivities>({ startToCloseTimeout: '15 seconds', retry });
const long = proxyActivities<TierActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '15 seconds', retry });
const acts = {
  openTierReview: quick.openTierReview,
  openForApproval: quick.openForApproval,
  closeTierReview: quick.closeTierReview,
  computeTierProposals: long.computeTierProposals,
  applyTierReview: long.applyTierReview,
};

/**
 * One tier review of a tenant's partners: compute each partner's metrics against the tier rules
 * in force, propose promotions and demotions with their reasons, and apply them once a
 * tenant-admin approves (or at once when the tenant configured autoApply). Runs on the tenant's
 * schedule or on demand.
 */
export async function tierReview(input: TierReviewInput): Promise<{ reviewId?: string; outcome: TierReviewOutcome }> {
  let status = 'computing';
  let decision: TierReviewDecision | undefined;
  handleUpdate(decideTierReviewUpdate, {
    refuse: (d) => {
      if (status !== 'awaiting-approval') return refused(`the review is ${status}; it takes no decision now`);
      if (decision) return refused('a decision is already being applied');
      if (d.actor.role !== 'tenant-admin') return refused('only a tenant-admin approves tier changes');
      return undefined;
    },
    apply: async (d) => {
      decision = d;
      await condition(() => status !== 'awaiting-approval');
      return { status };
    },
  });

  const { reviewId } = await acts.openTierReview({ ...input, workflowId: workflowInfo().workflowId });
  if (!reviewId) return { outcome: 'skipped' };

  const summary = await acts.computeTierProposals(input.tenantId, reviewId);
  const finish = async (outcome: TierReviewOutcome) => {
    status = outcome;
    await condition(allHandlersFinished);
    return { reviewId, outcome };
  };
  if (summary.proposals === 0) return finish('no-changes');
  if (summary.autoApply) {
    await acts.applyTierReview(input.tenantId, reviewId, { approvedBy: { type: 'system', id: 'tier-review' }, effectiveFrom: new Date().toISOString() });
    return finish('applied');
  }

  status = 'awaiting-approval';
  await acts.openForApproval(input.tenantId, reviewId);
  const decided = await condition(() => decision !== undefined, requireDurationMs(summary.approvalTimeout));
  if (!decided) {
    await acts.closeTierReview(input.tenantId, reviewId, { status: 'expired', note: `not approved within ${summary.approvalTimeout}` });
    return finish('expired');
  }
  const d = decision!;
  if (d.decision === 'reject') {
    await acts.closeTierReview(input.tenantId, reviewId, { status: 'rejected', by: d.actor, note: d.note, at: d.decidedAt });
    return finish('rejected');
  }
  // Tier changes take effect from the approval, so deals dated before it keep the old tier.
  await acts.applyTierReview(input.tenantId, reviewId, { approvedBy: d.actor, effectiveFrom: d.decidedAt, note: d.note });
  return finish('applied');
}
