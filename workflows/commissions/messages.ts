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

export const decidePayoutRunUpdate = defineUpdate<{ status: string }, [PayoutRunDecision]>('decidePayoutRun');
