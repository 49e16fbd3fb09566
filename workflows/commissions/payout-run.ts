import { proxyActivities, condition, allHandlersFinished, RetryPolicy } from '@temporalio/workflow';
import type { CommissionActivities } from '../../activities/commissions/index';
import { invalidInput, refused } from '../../domain/refusals';
import { handleUpdate } from '../updates';
import { PayoutRunInput, PayoutRunDecision, decidePayoutRunUpdate } from './messages';

export * from './messages';

const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' };
/**
 * Short writes get a short timeout; the snapshot and the calculation heartbeat per chunk of
 * partners (a period of any size), so a dead worker is noticed in seconds.
 */
const quick = proxyActivities<CommissionActivities>({ startToCloseTimeout: '1 minute', retry });
const long = proxyActivities<CommissionActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '15 seconds', retry });

/**
 * One payout run of a tenant's period: freeze the inputs, calculate every partner's statement,
 * wait for a finance user other than the one who triggered it to approve (or reject with a
 * reason), then instruct one payment per payable partner and post the ledger.
 */
export async function payoutRun(input: PayoutRunInput): Promise<{ status: string }> {
  let status = 'calculating';
  let decision: PayoutRunDecision | undefined;
  handleUpdate(decidePayoutRunUpdate, {
    refuse: (d) => {
      if (status !== 'awaiting-approval') return refused(`the payout run is ${status}; it takes no decision now`);
      if (decision) return refused('a decision on this payout run is already being applied');
      if (d.decision === 'approve' && d.by === input.triggeredBy) return refused('the finance user who triggered a payout run cannot approve it; another finance user must (maker-checker)');
      if (d.decision === 'reject' && !d.reason) return invalidInput('a rejection needs a reason');
      return undefined;
    },
    apply: async (d) => {
      decision = d;
      await condition(() => status !== 'awaiting-approval');
      return { status };
    },
  });

  await long.snapshotPayoutRun(input.tenantId, input.runId);
  await long.calculatePayoutRun(input.tenantId, input.runId);
  // The workflow takes decisions before the read model says it does, so none is refused in between.
  status = 'awaiting-approval';
  await quick.openPayoutRunForApproval(input.tenantId, input.runId);
  await condition(() => decision !== undefined);
  const d = decision!;
  if (d.decision === 'reject') {
    await quick.rejectPayoutRun(input.tenantId, input.runId, d);
    status = 'rejected';
  } else {
    await long.executePayoutRun(input.tenantId, input.runId, d);
    status = 'approved';
  }
  await condition(allHandlersFinished);
  return { status };
}
