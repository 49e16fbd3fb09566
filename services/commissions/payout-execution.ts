import type { TenantId } from '../../platform/tenant-id';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutApproval, PayoutRunDoc } from '../../models/commissions/payout-run';
import { reviewOf, type ReviewRules } from './payout-review';
import { statementId } from '../../models/commissions/payout-statement';
import { statementHash } from '../../domain/commissions/statement-hash';
import { adjustmentIdsOf } from './dispute-adjustments';
import type { AuditLog } from '../tenancy/audit';
import { calculatePeriod } from './period-calculation';
import { paidMap } from './paid-earlier';
import { frozenHolds, frozenSnapshot, periodInputsOf } from './payout-snapshot';
import { statementTotalsOfRun } from './run-totals';

export { snapshotRun, PAYOUT_BATCH } from './payout-snapshot';

type Audit = { audit: Pick<AuditLog, 'record'> };
const RUN_PROCESS = { type: 'system', id: 'payout-run' } as const;
import { carryInto } from './reopened-payables';

/**
 * The steps of a payout run (the workflow's activities call these). Each is idempotent: ids and
 * unique indexes make a retried step find what an earlier attempt wrote.
 */

export async function runOrThrow(tenantId: TenantId, runId: string): Promise<PayoutRunDoc> {
  const run = await payoutStore(tenantId).runById(runId);
  if (!run) throw new Error(`payout run ${runId} does not exist in tenant ${tenantId}`);
  return run;
}

/**
 * Calculates the statements chunk by chunk of the snapshot from `startAt` (a partner count at a
 * chunk boundary: a retried attempt resumes where the last heartbeat, or the progress the last
 * written chunk recorded, said), writing each chunk's statements and the progress before the
 * next. Memory holds one chunk and its statements.
 */
export async function calculateRun(tenantId: TenantId, runId: string, startAt: number, heartbeat: (done: number) => void): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  const snapshot = await frozenSnapshot(tenantId, runId);
  const total = snapshot.header.counts.partners;
  // Progress is written after a chunk's statements, so it never claims more than is written.
  const resumeAt = Math.max(startAt, run.progress.total === total ? run.progress.processed : 0);
  let done = 0;
  for (const ref of snapshot.header.chunks) {
    const end = done + ref.partners;
    if (end > resumeAt) {
      const chunk = await snapshot.chunk(ref.index);
      const calculation = calculatePeriod(periodInputsOf(snapshot.common, chunk), paidMap(chunk.paidEarlier));
      const statements = calculation.statements;
      await store.writeStatements(statements.map((s) => ({
        _id: statementId(runId, s.partnerId),
        runId,
        period: run.period,
        partnerId: s.partnerId,
        revenueMinor: s.revenueMinor,
        totalMinor: s.totalMinor,
        carriedForwardMinor: s.carriedForwardMinor,
        lines: s.lines,
        hash: statementHash(s.lines),
        notes: s.notes,
        dealIds: [...new Set(s.lines.filter((l) => l.kind === 'commission' && l.dealId).map((l) => l.dealId!))],
        adjustmentIds: adjustmentIdsOf(s.lines),
        approved: false,
      })));
      // The totals after the statements and before the progress: a resumed run never skips them.
      await store.writeChunkTotals(runId, snapshot.header.generation, ref.index, statements.map((s) => ({ partnerId: s.partnerId, totalMinor: s.totalMinor, carriedForwardMinor: s.carriedForwardMinor })));
      await store.updateRun(runId, 'calculating', { progress: { processed: end, total } });
      heartbeat(end);
    }
    done = end;
  }
}

/**
 * Totals, holds and the variance for review; the run is then awaiting approval, with the approvals
 * it needs and its due time when the workflow gives its review rules (runs from before them: none).
 */
export async function openForApproval(services: Audit, tenantId: TenantId, runId: string, rules?: ReviewRules, now = new Date()): Promise<{ approvalDueAt?: string }> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  const { header } = await frozenSnapshot(tenantId, runId);
  const held = await frozenHolds(tenantId, runId, header.generation);
  const { holds, totals, variance } = await reviewOf(tenantId, run, held, await statementTotalsOfRun(tenantId, runId));
  const approvalDueAt = rules ? new Date(run.approvalDueAt ?? now.getTime() + rules.slaMs) : undefined;
  const review = rules ? { approvalsRequired: rules.approvalsRequired, approvalDueAt, overdue: false } : {};
  // Reopened payables of earlier runs are paid again, unless the partner is held now.
  const isHeld = (partnerId: string) => Boolean(held.holds[partnerId] || held.manualHolds[partnerId]);
  const reopened = held.reopened.filter((r) => !isHeld(r.partnerId)).map((r) => ({ partnerId: r.partnerId, amountMinor: r.amountMinor, fromRunId: r.runId }));
  await store.updateRun(runId, 'calculating', { status: 'awaiting-approval', holds, reopened, totals, variance, ...review });
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.awaiting-approval', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, currency: run.currency, ...totals, held: holds.map((h) => h.partnerId), ...(rules ? { approvalsRequired: rules.approvalsRequired, approvalDueAt: approvalDueAt!.toISOString() } : {}) },
    eventKey: `payout-run.awaiting-approval:${runId}`,
  });
  return { approvalDueAt: approvalDueAt?.toISOString() };
}

export async function rejectRun(services: Audit, tenantId: TenantId, runId: string, by: string, decidedAt: Date, reason: string): Promise<void> {
  await services.audit.record(tenantId, { actor: { type: 'api-key', id: by, role: 'finance' }, action: 'payout-run.rejected', entity: { type: 'payout-run', id: runId }, data: { reason }, eventKey: `payout-run.rejected:${runId}` });
  await payoutStore(tenantId).updateRun(runId, 'awaiting-approval', { status: 'rejected', decidedBy: by, decidedAt, rejectReason: reason });
}

/**
 * One payment instruction and one balanced posting (commission expense debit, partner payable
 * credit) per payable partner; both keyed by (run, partner), so a retry after a crash adds none.
 * The instruction also pays the partner's payables that earlier runs reopened (rejected or
 * returned by the bank): they were expensed by their own run, so only the earned part is posted.
 */
export async function executeRun(services: Audit, tenantId: TenantId, runId: string, by: string, decidedAt: Date, approvals?: PayoutApproval[]): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  // A paid run was executed long ago; a late retry changes nothing.
  if (run.status === 'paid') return;
  if (run.status !== 'awaiting-approval' && run.status !== 'approved') throw new Error(`payout run ${runId} is ${run.status}, it cannot be executed`);
  // A retry after the run was marked approved keeps the first decision's time and author.
  const at = run.decidedAt ? new Date(run.decidedAt) : decidedAt;
  const decidedBy = run.decidedBy ?? by;
  const approvedBy = run.approvals && run.status === 'approved' ? run.approvals : approvals ?? [{ by: decidedBy, at: at.toISOString() }];
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: decidedBy, role: 'finance' }, action: 'payout-run.approved', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, snapshotHash: run.snapshotHash, currency: run.currency, ...run.totals, held: run.holds.map((h) => h.partnerId), approvals: approvedBy },
    eventKey: `payout-run.approved:${runId}`,
  });
  const held = new Set(run.holds.map((h) => h.partnerId));
  let instructed = 0;
  // Reopened payables are frozen with the holds; a partner held now is not paid them either.
  const frozen = await frozenHolds(tenantId, runId, (await frozenSnapshot(tenantId, runId)).header.generation);
  const reopened = frozen.reopened.filter((r) => !frozen.holds[r.partnerId] && !frozen.manualHolds[r.partnerId]);
  const statements = new Map((await statementTotalsOfRun(tenantId, runId)).map((s) => [s.partnerId, s]));
  for (const partnerId of [...new Set([...statements.keys(), ...reopened.map((r) => r.partnerId)])].sort()) {
    const s = statements.get(partnerId);
    const earnedMinor = s && s.totalMinor > 0 && !held.has(partnerId) ? s.totalMinor : 0;
    // What earlier runs owed and the bank did not pay is paid again here, but expensed only once (there).
    const carried = await carryInto(tenantId, runId, reopened.filter((r) => r.partnerId === partnerId), at);
    const amountMinor = earnedMinor + carried.reduce((sum, c) => sum + c.amountMinor, 0);
    if (amountMinor <= 0) continue;
    const key = statementId(runId, partnerId);
    instructed += 1;
    await store.instruct({ _id: key, runId, partnerId, amountMinor, currency: run.currency, idempotencyKey: key, status: 'instructed', ...(carried.length > 0 ? { carried } : {}) });
    if (earnedMinor === 0) continue;
    await store.post({
      _id: `${key}:payout-approved`,
      runId,
      partnerId,
      event: 'payout-approved',
      currency: run.currency,
      entries: [
        { account: 'commission-expense', debitMinor: earnedMinor, creditMinor: 0 },
        { account: 'partner-payable', partnerId, debitMinor: 0, creditMinor: earnedMinor },
      ],
      postedAt: at,
    });
  }
  await store.approveStatements(runId, [...statements.keys()]);
  // Filtered on the status read, so a late retry never takes a run the bank has since paid back to approved.
  await store.updateRun(runId, run.status, { status: 'approved', decidedBy, decidedAt: at, approvals: approvedBy });
  // Executed: every instruction and posting is written (settlement is recorded outside the run).
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.executed', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, currency: run.currency, instructions: instructed, payableMinor: run.totals?.payableMinor ?? 0 },
    eventKey: `payout-run.executed:${runId}`,
  });
}
