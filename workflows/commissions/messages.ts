import { defineUpdate } from '@temporalio/workflow';

/** Messages of the payout-run workflow: its input, and finance's decision on the calculated run. */
export interface PayoutRunInput {
  tenantId: string;
  runId: string;
  period: string;
  /** The key that triggered the run: it may not approve it (maker-checker). */
  triggeredBy: string;
}

export interface PayoutRunDecision {
  decision: 'approve' | 'reject';
  reason?: string;
  /** The finance key deciding. */
  by: string;
  decidedAt: string;
}

/** What a decision answers: the run's status after it, and the approvals it has (one of two keeps it awaiting). */
export interface PayoutRunDecisionResult {
  status: string;
  approvals?: number;
  approvalsRequired?: number;
}

export const decidePayoutRunUpdate = defineUpdate<PayoutRunDecisionResult, [PayoutRunDecision]>('decidePayoutRun');
