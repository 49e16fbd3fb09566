import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { periodOf } from '../../domain/commissions/period';
import { periodVariance } from '../../domain/commissions/variance';
import { payoutReviewRules } from '../../domain/tenancy/payout-settings';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutApproval, PayoutHold, PayoutRunDoc, PayoutRunVariance } from '../../models/commissions/payout-run';
import type { AuditLog } from '../tenancy/audit';
import type { SnapshotHolds } from './payout-snapshot';
import { statementTotalsOfRun, type StatementTotals } from './run-totals';

/**
 * The review step of a payout run: what finance sees before deciding (totals, held partners with
 * their reasons, the variance against the previous period) and the rules the decision follows
 * (how many distinct approvers, the approval SLA and its reminders), each step audited once.
 */

/** What a run waiting for approval follows, fixed when it opens for approval. */
export interface ReviewRules {
  approvalsRequired: number;
  slaMs: number;
  reminderEveryMs: number;
}

type Audit = { audit: Pick<AuditLog, 'record'> };
const RUN_PROCESS = { type: 'system', id: 'payout-run' } as const;


export function previousPeriodOf(label: string): string {
  const before = new Date(periodOf(label).start.getTime() - 1);
  return before.toISOString().slice(0, 7);
}

/** A held partner is paid nothing now; what it earned is carried into the next period. */
function holdsOf(snapshot: SnapshotHolds, statements: StatementTotals[]): PayoutHold[] {
  const holds: PayoutHold[] = [];
  for (const s of statements) {
    const manual = snapshot.manualHolds?.[s.partnerId];
    const reasons = [...(snapshot.holds[s.partnerId] ?? []), ...(manual ? [`manual hold: ${manual.reason}`] : [])];
    const held = reasons.length > 0;
    if (s.carriedForwardMinor > 0) reasons.push('below the minimum payout: carried forward');
    if (s.carriedForwardMinor < 0) reasons.push('negative balance after clawbacks: carried forward');
    if (reasons.length > 0) holds.push({ partnerId: s.partnerId, amountMinor: held ? s.totalMinor : 0, reasons });
  }
  return holds;
}

/** Totals, holds and variance of a calculated run (pure over what it is given, but for the previous run's totals). */
export async function reviewOf(tenantId: TenantId, run: PayoutRunDoc, snapshot: SnapshotHolds, statements: StatementTotals[]): Promise<{ holds: PayoutHold[]; totals: NonNullable<PayoutRunDoc['totals']>; variance: PayoutRunVariance }> {
  const holds = holdsOf(snapshot, statements);
  const heldIds = new Set(statements.filter((s) => snapshot.holds[s.partnerId] || snapshot.manualHolds?.[s.partnerId]).map((s) => s.partnerId));
  let totalMinor = 0;
  let payableMinor = 0;
  let payees = 0;
  for (const s of statements) {
    totalMinor += s.totalMinor;
    if (heldIds.has(s.partnerId) || s.totalMinor <= 0) continue;
    payableMinor += s.totalMinor;
    payees += 1;
  }
  const heldMinor = holds.reduce((sum, h) => sum + h.amountMinor, 0);
  const previousPeriod = previousPeriodOf(run.period);
  const store = payoutStore(tenantId);
  const previous = await store.approvedRunOf(previousPeriod);
  const before = new Map(previous ? (await statementTotalsOfRun(tenantId, previous._id)).map((s) => [s.partnerId, s.totalMinor] as const) : []);
  const variance = { previousRunId: previous?._id ?? null, previousPeriod, ...periodVariance(before, new Map(statements.map((s) => [s.partnerId, s.totalMinor]))) };
  return { holds, totals: { totalMinor, payableMinor, heldMinor, partners: statements.length, payees }, variance };
}

/**
 * The rules from the tenant's payout settings, over the configured defaults: two approvers when
 * what the run pays is above the tenant's `dualApprovalAbove`, else one.
 */
export async function reviewRulesFor(services: Pick<Services, 'tenants' | 'config'>, tenantId: TenantId, runId: string, snapshot: SnapshotHolds): Promise<ReviewRules> {
  const tenant = await services.tenants.require(tenantId);
  const run = (await payoutStore(tenantId).runById(runId))!;
  const rules = payoutReviewRules(tenant.settings.payouts, run.currency, { slaMs: services.config.payoutApprovalSlaMs, reminderEveryMs: services.config.payoutReminderEveryMs });
  const { totals } = await reviewOf(tenantId, run, snapshot, await statementTotalsOfRun(tenantId, runId));
  const dual = rules.dualApprovalAboveMinor !== undefined && totals.payableMinor > rules.dualApprovalAboveMinor;
  return { approvalsRequired: dual ? 2 : 1, slaMs: rules.slaMs, reminderEveryMs: rules.reminderEveryMs };
}

/** The first of two approvals: recorded on the run and in the audit chain; the run keeps waiting. */
export async function recordApproval(services: Audit, tenantId: TenantId, runId: string, approvals: PayoutApproval[], approvalsRequired: number): Promise<void> {
  const latest = approvals[approvals.length - 1];
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: latest.by, role: 'finance' }, action: 'payout-run.approval-recorded', entity: { type: 'payout-run', id: runId },
    data: { approvals: approvals.length, approvalsRequired, by: latest.by },
    eventKey: `payout-run.approval-recorded:${runId}:${latest.by}`,
  });
  await payoutStore(tenantId).recordApprovals(runId, approvals);
}

/** The n-th reminder that a run waits for approval (once per n). */
export async function remindApprovers(services: Audit, tenantId: TenantId, runId: string, reminder: number): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await store.runById(runId);
  if (run?.status !== 'awaiting-approval') return;
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.approval-reminder', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, reminder, approvals: run.approvals?.length ?? 0, approvalsRequired: run.approvalsRequired ?? 1, approvalDueAt: run.approvalDueAt && new Date(run.approvalDueAt).toISOString() },
    eventKey: `payout-run.approval-reminder:${runId}:${reminder}`,
  });
  await store.updateRun(runId, 'awaiting-approval', { remindersSent: reminder });
}

/** The SLA passed undecided: the run is marked overdue and the escalation is in the audit chain (webhooks). */
export async function escalateOverdue(services: Audit, tenantId: TenantId, runId: string): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await store.runById(runId);
  if (run?.status !== 'awaiting-approval') return;
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.approval-overdue', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, approvals: run.approvals?.length ?? 0, approvalsRequired: run.approvalsRequired ?? 1, approvalDueAt: run.approvalDueAt && new Date(run.approvalDueAt).toISOString() },
    eventKey: `payout-run.approval-overdue:${runId}`,
  });
  await store.updateRun(runId, 'awaiting-approval', { overdue: true });
}
