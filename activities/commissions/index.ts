import { Context } from '@temporalio/activity';
import { asTenantId } from '../../platform/tenant-id';
import type { Services } from '../../services';
import type { PayoutRunDecision } from '../../workflows/commissions/messages';
import type { PayoutApproval } from '../../models/commissions/payout-run';
import { payoutStore } from '../../models/commissions/payout-repository';
import { calculateRun, executeRun, openForApproval, rejectRun, snapshotRun } from '../../services/commissions/payout-execution';
import { frozenHolds } from '../../services/commissions/payout-snapshot';
import { escalateOverdue, recordApproval, remindApprovers, reviewRulesFor, type ReviewRules } from '../../services/commissions/payout-review';
import { withHeartbeat } from '../heartbeat';

/** Activities of payout runs. Each is idempotent (services/commissions/payout-execution.ts, payout-review.ts). */
export function createCommissionActivities({ services }: { services: Services }) {
  return {
    /** Heartbeats per chunk written; a retry writes its chunks under its own attempt number (see payout-snapshot). */
    snapshotPayoutRun: (rawTenantId: string, runId: string) =>
      withHeartbeat(() => {
        const context = Context.current();
        return snapshotRun(services, asTenantId(rawTenantId), runId, { generation: context.info.attempt, heartbeat: () => context.heartbeat() });
      }),

    /**
     * Resumes from the last chunk a heartbeat recorded (partners done), or the progress the run
     * recorded, so a worker killed mid-run does not start over.
     */
    async calculatePayoutRun(rawTenantId: string, runId: string): Promise<void> {
      const context = Context.current();
      const resumeAt = typeof context.info.heartbeatDetails === 'number' ? context.info.heartbeatDetails : 0;
      context.heartbeat(resumeAt);
      await calculateRun(asTenantId(rawTenantId), runId, resumeAt, (done) => context.heartbeat(done));
    },

    /** The approvals the run needs and its SLA, from the tenant's payout settings and the configured defaults. */
    async payoutRunReviewRules(rawTenantId: string, runId: string): Promise<ReviewRules> {
      const tenantId = asTenantId(rawTenantId);
      const frozen = await payoutStore(tenantId).snapshotOf(runId);
      return reviewRulesFor(services, tenantId, runId, await frozenHolds(tenantId, runId, frozen!.generation));
    },

    openPayoutRunForApproval: (rawTenantId: string, runId: string, rules?: ReviewRules) => openForApproval(services, asTenantId(rawTenantId), runId, rules),

    recordPayoutRunApproval: (rawTenantId: string, runId: string, approvals: PayoutApproval[], approvalsRequired: number) => recordApproval(services, asTenantId(rawTenantId), runId, approvals, approvalsRequired),

    remindPayoutRunApprovers: (rawTenantId: string, runId: string, reminder: number) => remindApprovers(services, asTenantId(rawTenantId), runId, reminder),

    escalateOverduePayoutRun: (rawTenantId: string, runId: string) => escalateOverdue(services, asTenantId(rawTenantId), runId),

    rejectPayoutRun: (rawTenantId: string, runId: string, d: PayoutRunDecision) => rejectRun(services, asTenantId(rawTenantId), runId, d.by, new Date(d.decidedAt), d.reason ?? ''),

    executePayoutRun: (rawTenantId: string, runId: string, d: PayoutRunDecision, approvals?: PayoutApproval[]) =>
      withHeartbeat(() => executeRun(services, asTenantId(rawTenantId), runId, d.by, new Date(d.decidedAt), approvals)),
  };
}

export type CommissionActivities = ReturnType<typeof createCommissionActivities>;
