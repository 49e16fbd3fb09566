import { Context } from '@temporalio/activity';
import { asTenantId } from '../../platform/tenant-id';
import type { Services } from '../../services';
import type { PayoutRunDecision } from '../../workflows/commissions/messages';
import { calculateRun, executeRun, openForApproval, rejectRun, snapshotRun } from '../../services/commissions/payout-execution';
import { withHeartbeat } from '../heartbeat';

/** Activities of payout runs. Each is idempotent (services/commissions/payout-execution.ts). */
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

    openPayoutRunForApproval: (rawTenantId: string, runId: string) => openForApproval(asTenantId(rawTenantId), runId),

    rejectPayoutRun: (rawTenantId: string, runId: string, d: PayoutRunDecision) => rejectRun(services, asTenantId(rawTenantId), runId, d.by, new Date(d.decidedAt), d.reason ?? ''),

    executePayoutRun: (rawTenantId: string, runId: string, d: PayoutRunDecision) => withHeartbeat(() => executeRun(services, asTenantId(rawTenantId), runId, d.by, new Date(d.decidedAt))),
  };
}

export type CommissionActivities = ReturnType<typeof createCommissionActivities>;
