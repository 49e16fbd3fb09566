import { proxyActivities, condition, allHandlersFinished, patched, RetryPolicy } from '@temporalio/workflow';
import type { CommissionActivities } from '../../activities/commissions/index';
import type { PayoutApproval } from '../../models/commissions/payout-run';
import { invalidInput, refused } from '../../domain/refusals';
import { handleUpdate } from '../updates';
import { PayoutRunInput, PayoutRunDecision, PayoutRunDecisionResult, decidePayoutRunUpdate } from './messages';

export * from './messages';

const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' };
/**
 * Short writes get a short timeout; the snapshot and the calculation heartbeat per chunk of
 * partners (a period of any size), so a dead worker is noticed in seconds.
 */
const quick = proxyActivities<CommissionActivities>({ startToCloseTimeout: '1 minute', retry });
const long = proxyActivities<CommissionActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '15 seconds', retry });

/** A run is reminded at most this often before its SLA, so a long SLA never grows an unbounded history. */
export const MAX_APPROVAL_REMINDERS = 100;

/**
 * One payout run of a tenant's period: freeze the inputs, calculate every partner's statement,
 * wait for finance to approve (one user other than the one who triggered it, or two distinct ones
 * when the run pays more than the tenant's dual-approval amount), reminding them until the
 * approval SLA and escalating once it has passed; or reject with a reason. On approval, instruct
 * one payment per payable partner and post the ledger. Settlement happens outside the run.
 */
export async function payoutRun(input: PayoutRunInput): Promise<{ status: string }> {
  // Runs started before the review rules (dual approval, SLA, reminders) replay without them.
  const reviewed = patched('payout-run-review-rules');
  let status = 'calculating';
  let decision: PayoutRunDecision | undefined;
  let approvalsRequired = 1;
  const approvals: PayoutApproval[] = [];
  const progress = (): PayoutRunDecisionResult => ({ status, approvals: approvals.length, approvalsRequired });

  handleUpdate(decidePayoutRunUpdate, {
    refuse: (d) => {
      if (status !== 'awaiting-approval') return refused(`the payout run is ${status}; it takes no decision now`);
      if (decision) return refused('a decision on this payout run is already being applied');
      if (d.decision === 'approve' && d.by === input.triggeredBy) return refused('the finance user who triggered a payout run cannot approve it; another finance user must (maker-checker)');
      if (d.decision === 'approve' && approvals.some((a) => a.by === d.by)) {
        return refused(`this finance user has already approved the payout run; it needs ${approvalsRequired} approvals by distinct finance users, so the next one must come from someone else`);
      }
      if (d.decision === 'reject' && !d.reason) return invalidInput('a rejection needs a reason');
      return undefined;
    },
    apply: async (d) => {
      // Taken at once, before any await, so a concurrent approval by the same user is refused above.
      if (d.decision === 'approve') approvals.push({ by: d.by, at: d.decidedAt });
      if (d.decision === 'approve' && approvals.length < approvalsRequired) {
        await quick.recordPayoutRunApproval(input.tenantId, input.runId, approvals.slice(), approvalsRequired);
        return progress();
      }
      decision = d;
      await condition(() => status !== 'awaiting-approval');
      return progress();
    },
  });

  await long.snapshotPayoutRun(input.tenantId, input.runId);
  await long.calculatePayoutRun(input.tenantId, input.runId);
  if (reviewed) {
    // The rules are known before decisions are taken, so a first approval never executes a run that needs two.
    const rules = await quick.payoutRunReviewRules(input.tenantId, input.runId);
    approvalsRequired = rules.approvalsRequired;
    status = 'awaiting-approval';
    const opened = await quick.openPayoutRunForApproval(input.tenantId, input.runId, rules);
    await awaitDecision(Date.parse(opened.approvalDueAt!), rules.reminderEveryMs);
  } else {
    // The workflow takes decisions before the read model says it does, so none is refused in between.
    status = 'awaiting-approval';
    await quick.openPayoutRunForApproval(input.tenantId, input.runId);
    await condition(() => decision !== undefined);
  }
  const d = decision!;
  if (d.decision === 'reject') {
    await quick.rejectPayoutRun(input.tenantId, input.runId, d);
    status = 'rejected';
  } else {
    await long.executePayoutRun(input.tenantId, input.runId, d, approvals.slice());
    status = 'approved';
  }
  await condition(allHandlersFinished);
  return { status };

  /** Reminds the approvers every `reminderEveryMs` until the SLA, then escalates once and waits on. */
  async function awaitDecision(dueAt: number, reminderEveryMs: number): Promise<void> {
    let reminders = 0;
    let nextReminder = Date.now() + reminderEveryMs;
    let overdue = false;
    while (decision === undefined) {
      const wakeAt = overdue ? Infinity : Math.min(reminders < MAX_APPROVAL_REMINDERS ? nextReminder : Infinity, dueAt);
      if (wakeAt === Infinity) {
        await condition(() => decision !== undefined);
        return;
      }
      if (await condition(() => decision !== undefined, Math.max(wakeAt - Date.now(), 1))) return;
      if (Date.now() >= dueAt) {
        overdue = true;
        await quick.escalateOverduePayoutRun(input.tenantId, input.runId);
      } else {
        reminders += 1;
        nextReminder += reminderEveryMs;
        await quick.remindPayoutRunApprovers(input.tenantId, input.runId, reminders);
      }
    }
  }
}
