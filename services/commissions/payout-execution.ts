import type { TenantId } from '../../platform/tenant-id';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutHold, PayoutRunDoc } from '../../models/commissions/payout-run';
import { statementId } from '../../models/commissions/payout-statement';
import type { AuditLog } from '../tenancy/audit';
import { calculatePeriod } from './period-calculation';
import { paidMap } from './paid-earlier';
import { frozenSnapshot, periodInputsOf } from './payout-snapshot';

export { snapshotRun, PAYOUT_BATCH } from './payout-snapshot';

type Audit = { audit: Pick<AuditLog, 'record'> };

/**
 * The steps of a payout run (the workflow's activities call these). Each is idempotent: ids and
 * unique indexes make a retried step find what an earlier attempt wrote.
 */

const RUN_LIMIT = 100_000;

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
      await store.writeStatements(calculation.statements.map((s) => ({
        _id: statementId(runId, s.partnerId),
        runId,
        period: run.period,
        partnerId: s.partnerId,
        revenueMinor: s.revenueMinor,
        totalMinor: s.totalMinor,
        carriedForwardMinor: s.carriedForwardMinor,
        lines: s.lines,
        notes: s.notes,
        dealIds: [...new Set(s.lines.filter((l) => l.kind === 'commission' && l.dealId).map((l) => l.dealId!))],
        approved: false,
      })));
      await store.updateRun(runId, 'calculating', { progress: { processed: end, total } });
      heartbeat(end);
    }
    done = end;
  }
}

/** Totals and holds for review; the run is then awaiting approval. */
export async function openForApproval(tenantId: TenantId, runId: string): Promise<void> {
  const store = payoutStore(tenantId);
  const { header } = await frozenSnapshot(tenantId, runId);
  const held: Record<string, string[]> = Object.assign({}, ...(await store.snapshotHoldsOf(runId, header.generation)).map((c) => c.holds));
  const holds: PayoutHold[] = [];
  let totalMinor = 0;
  let payableMinor = 0;
  let payees = 0;
  const statements = await store.statementTotalsOf(runId, RUN_LIMIT);
  for (const s of statements) {
    totalMinor += s.totalMinor;
    const reasons = [...(held[s.partnerId] ?? [])];
    if (s.carriedForwardMinor > 0) reasons.push('below the minimum payout: carried forward');
    if (s.carriedForwardMinor < 0) reasons.push('negative balance after clawbacks: carried forward');
    if (reasons.length > 0) {
      // A held partner is paid nothing now; what it earned is carried into the next period.
      holds.push({ partnerId: s.partnerId, amountMinor: held[s.partnerId] ? s.totalMinor : 0, reasons });
      if (held[s.partnerId]) continue;
    }
    if (s.totalMinor > 0) {
      payableMinor += s.totalMinor;
      payees += 1;
    }
  }
  const heldMinor = holds.reduce((sum, h) => sum + h.amountMinor, 0);
  await store.updateRun(runId, 'calculating', { status: 'awaiting-approval', holds, totals: { totalMinor, payableMinor, heldMinor, partners: statements.length, payees } });
}

export async function rejectRun(services: Audit, tenantId: TenantId, runId: string, by: string, decidedAt: Date, reason: string): Promise<void> {
  await services.audit.record(tenantId, { actor: { type: 'api-key', id: by, role: 'finance' }, action: 'payout-run.rejected', entity: { type: 'payout-run', id: runId }, data: { reason }, eventKey: `payout-run.rejected:${runId}` });
  await payoutStore(tenantId).updateRun(runId, 'awaiting-approval', { status: 'rejected', decidedBy: by, decidedAt, rejectReason: reason });
}

/**
 * One payment instruction and one balanced posting (commission expense debit, partner payable
 * credit) per payable partner; both keyed by (run, partner), so a retry after a crash adds none.
 */
export async function executeRun(services: Audit, tenantId: TenantId, runId: string, by: string, decidedAt: Date): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  if (run.status !== 'awaiting-approval' && run.status !== 'approved') throw new Error(`payout run ${runId} is ${run.status}, it cannot be executed`);
  // A retry after the run was marked approved keeps the first decision's time and author.
  const at = run.decidedAt ? new Date(run.decidedAt) : decidedAt;
  const decidedBy = run.decidedBy ?? by;
  const held = new Set(run.holds.map((h) => h.partnerId));
  for (const s of await store.statementTotalsOf(runId, RUN_LIMIT)) {
    if (s.totalMinor <= 0 || held.has(s.partnerId)) continue;
    const key = statementId(runId, s.partnerId);
    await store.instruct({ _id: key, runId, partnerId: s.partnerId, amountMinor: s.totalMinor, currency: run.currency, idempotencyKey: key, status: 'instructed' });
    await store.post({
      _id: `${key}:payout-approved`,
      runId,
      partnerId: s.partnerId,
      event: 'payout-approved',
      currency: run.currency,
      entries: [
        { account: 'commission-expense', debitMinor: s.totalMinor, creditMinor: 0 },
        { account: 'partner-payable', partnerId: s.partnerId, debitMinor: 0, creditMinor: s.totalMinor },
      ],
      postedAt: at,
    });
  }
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: decidedBy, role: 'finance' }, action: 'payout-run.approved', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, snapshotHash: run.snapshotHash, currency: run.currency, ...run.totals, held: run.holds.map((h) => h.partnerId) },
    eventKey: `payout-run.approved:${runId}`,
  });
  await store.approveStatements(runId);
  await store.updateRun(runId, undefined, { status: 'approved', decidedBy, decidedAt: at });
}
