import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { canonicalJson } from '../../domain/canonical-json';
import { COMMISSION_KIND } from '../../domain/commissions/rule-kind';
import { DEFAULT_COMMISSION_PLAN, type CommissionPlan } from '../../domain/commissions/plan';
import { firstDifferingLine, statementHash } from '../../domain/commissions/statement-hash';
import { payoutStore } from '../../models/commissions/payout-repository';
import { conflict } from '../../domain/errors';
import { getPayoutRun } from './payout-runs';
import { frozenSnapshot, periodInputsOf, storedSnapshotHash } from './payout-snapshot';
import { paidMap } from './paid-earlier';
import { calculatePeriod } from './period-calculation';

export interface VerifyMismatch {
  /** The partner whose statement differs, or absent for the run itself (snapshot, plan). */
  partnerId?: string;
  what: 'snapshot' | 'plan' | 'statement-missing' | 'statement-unexpected' | 'lines' | 'hash';
  detail: string;
  /** The first line that differs from the recalculation. */
  line?: number;
  expectedHash?: string;
  storedHash?: string;
}

/**
 * Recalculates a run from its frozen snapshot with the plan version it pinned (read again from the
 * rule sets, not from the snapshot) and compares every statement: the recalculated lines' hash
 * against the hash taken when the statement was written, and against the lines the store holds
 * now. A run is valid when the snapshot still hashes to the run's snapshot hash and every
 * statement agrees. Batches as the calculation does, so memory stays bounded.
 */
export async function verifyPayoutRun(services: Pick<Services, 'ruleSets'>, tenantId: TenantId, runId: string) {
  const run = await getPayoutRun(tenantId, runId);
  const store = payoutStore(tenantId);
  if (run.status === 'calculating' || !(await store.snapshotOf(runId))) throw conflict(`payout run ${runId} is ${run.status}; it can be verified once calculated`);
  const snapshot = await frozenSnapshot(tenantId, runId);
  const mismatches: VerifyMismatch[] = [];
  // Every chunk re-read and re-hashed, then the header over them: an edit to any frozen input shows.
  const frozenHash = await storedSnapshotHash(tenantId, runId);
  if (frozenHash !== run.snapshotHash || frozenHash !== snapshot.header.hash) mismatches.push({ what: 'snapshot', detail: 'the stored snapshot no longer hashes to the run\'s snapshot hash', expectedHash: run.snapshotHash, storedHash: frozenHash });

  const { planVersion } = snapshot.common;
  const pinned = planVersion === null ? undefined : await services.ruleSets.version<CommissionPlan>(tenantId, COMMISSION_KIND, planVersion);
  const plan = pinned?.definition ?? DEFAULT_COMMISSION_PLAN;
  if (canonicalJson(plan) !== canonicalJson(snapshot.common.plan)) mismatches.push({ what: 'plan', detail: `the snapshot's plan is not version ${planVersion ?? 'default'} as published` });
  const common = { ...snapshot.common, plan };

  let compared = 0;
  // Chunk by chunk, as the calculation did, so memory holds one chunk and its statements.
  for (const ref of snapshot.header.chunks) {
    const chunk = await snapshot.chunk(ref.index);
    const batch = chunk.partners;
    const expected = new Map(calculatePeriod(periodInputsOf(common, chunk), paidMap(chunk.paidEarlier)).statements.map((s) => [s.partnerId, s]));
    const stored = new Map((await store.statementsOf(runId, { partnerIn: batch }, batch.length)).map((s) => [s.partnerId, s]));
    for (const partnerId of batch) {
      const want = expected.get(partnerId);
      const have = stored.get(partnerId);
      if (!want || !have) {
        if (want) mismatches.push({ partnerId, what: 'statement-missing', detail: 'the recalculation has a statement the run does not' });
        if (have) mismatches.push({ partnerId, what: 'statement-unexpected', detail: 'the run has a statement the recalculation does not' });
        continue;
      }
      compared += 1;
      const expectedHash = statementHash(want.lines);
      const storedHash = statementHash(have.lines);
      if (expectedHash !== storedHash) {
        const line = firstDifferingLine(want.lines, have.lines);
        mismatches.push({ partnerId, what: 'lines', line, detail: `line ${line} of the stored statement differs from the recalculation`, expectedHash, storedHash });
      } else if (have.hash !== undefined && have.hash !== expectedHash) {
        mismatches.push({ partnerId, what: 'hash', detail: 'the hash recorded at calculation differs from the recalculation', expectedHash, storedHash: have.hash });
      } else if (have.totalMinor !== want.totalMinor || have.carriedForwardMinor !== want.carriedForwardMinor) {
        mismatches.push({ partnerId, what: 'lines', detail: 'the stored totals differ from the recalculated lines', expectedHash, storedHash });
      }
    }
  }
  const partners = snapshot.header.counts.partners;
  const statementCount = await store.countStatements(runId);
  if (statementCount > partners) mismatches.push({ what: 'statement-unexpected', detail: `the run holds ${statementCount} statements for ${partners} partners in its snapshot` });
  return { runId, period: run.period, snapshotHash: run.snapshotHash, planVersion, valid: mismatches.length === 0, statements: compared, mismatches };
}
