import { createHash } from 'node:crypto';
import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { canonicalJson } from '../../domain/canonical-json';
import { periodOf, type Period } from '../../domain/commissions/period';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutHold, PayoutRunDoc } from '../../models/commissions/payout-run';
import { statementId } from '../../models/commissions/payout-statement';
import { payoutHold } from '../onboarding/partners';
import { statementHash } from '../../domain/commissions/statement-hash';
import { adjustmentIdsOf, pendingAdjustments } from './dispute-adjustments';
import type { AuditLog } from '../tenancy/audit';
import { calculatePeriod, gatherPeriodInputs, type PaidForDeal, type PeriodInputs } from './period-calculation';

/**
 * The steps of a payout run (the workflow's activities call these). Each is idempotent: ids and
 * unique indexes make a retried step find what an earlier attempt wrote.
 */

/** What a run's calculation reads, and nothing else. */
export interface PayoutSnapshot {
  inputs: PeriodInputs;
  /** What approved runs paid for deals reversed in this period, for the clawbacks. */
  paidEarlier: { dealId: string; partnerId: string; paidMinor: number; paidRate: string }[];
  /** Partners onboarding does not let us pay, with the reasons. */
  holds: Record<string, string[]>;
}

/** Partners per calculation batch: each batch is one bulk write and one heartbeat. */
export const PAYOUT_BATCH = 200;
const RUN_LIMIT = 100_000;

export async function runOrThrow(tenantId: TenantId, runId: string): Promise<PayoutRunDoc> {
  const run = await payoutStore(tenantId).runById(runId);
  if (!run) throw new Error(`payout run ${runId} does not exist in tenant ${tenantId}`);
  return run;
}

function previousPeriod(period: Period): string {
  const before = new Date(period.start.getTime() - 1);
  return before.toISOString().slice(0, 7);
}

/** What the previous period's approved run carried forward: below minimum, negative, or held. */
export async function carriedIntoPeriod(tenantId: TenantId, period: Period): Promise<Record<string, number>> {
  const store = payoutStore(tenantId);
  const previous = await store.approvedRunOf(previousPeriod(period));
  if (!previous) return {};
  const carried: Record<string, number> = {};
  for (const s of await store.statementTotalsOf(previous._id, RUN_LIMIT)) if (s.carriedForwardMinor !== 0) carried[s.partnerId] = s.carriedForwardMinor;
  for (const hold of previous.holds) if (hold.amountMinor !== 0) carried[hold.partnerId] = (carried[hold.partnerId] ?? 0) + hold.amountMinor;
  return carried;
}

export const partnersOf = (inputs: PeriodInputs): string[] =>
  [...new Set([...inputs.deals.map((d) => d.partnerId), ...inputs.reversals.map((r) => r.partnerId), ...Object.keys(inputs.carriedForward), ...(inputs.adjustments ?? []).map((a) => a.partnerId)])].sort();

/** What approved runs paid for the deals reversed in the period but closed before it. */
export async function paidEarlierFor(tenantId: TenantId, inputs: PeriodInputs): Promise<PayoutSnapshot['paidEarlier']> {
  const closedHere = new Set(inputs.deals.map((d) => d.id));
  const earlier = new Set(inputs.reversals.filter((r) => !closedHere.has(r.dealId)).map((r) => r.dealId));
  const paid: PayoutSnapshot['paidEarlier'] = [];
  if (earlier.size === 0) return paid;
  for (const statement of await payoutStore(tenantId).approvedPayingFor([...earlier])) {
    for (const line of statement.lines) {
      if (line.kind === 'commission' && line.dealId && earlier.has(line.dealId)) paid.push({ dealId: line.dealId, partnerId: statement.partnerId, paidMinor: line.amountMinor, paidRate: line.rate ?? '0' });
    }
  }
  return paid;
}

export const paidMap = (paid: PayoutSnapshot['paidEarlier']): PaidForDeal => new Map(paid.map((p) => [`${p.dealId}:${p.partnerId}`, { paidMinor: p.paidMinor, paidRate: p.paidRate }]));

export const snapshotHash = (snapshot: PayoutSnapshot): string => createHash('sha256').update(canonicalJson(snapshot)).digest('hex');

/** Freezes the run's inputs once; a retry keeps the first snapshot. */
type Audit = { audit: Pick<AuditLog, 'record'> };
const RUN_PROCESS = { type: 'system', id: 'payout-run' } as const;

export async function snapshotRun(services: Pick<Services, 'ruleSets' | 'tenants'> & Audit, tenantId: TenantId, runId: string): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  let frozen = await store.snapshotOf(runId);
  if (!frozen) {
    const period = periodOf(run.period);
    const inputs = await gatherPeriodInputs(services, tenantId, period, { carriedForward: await carriedIntoPeriod(tenantId, period) });
    // Accepted disputes no standing run pays yet: one more frozen input, explained in its own line.
    const adjustments = await pendingAdjustments(tenantId);
    if (adjustments.length > 0) inputs.adjustments = adjustments;
    const paidEarlier = await paidEarlierFor(tenantId, inputs);
    const holds: Record<string, string[]> = {};
    for (const partnerId of partnersOf(inputs)) {
      const hold = await payoutHold(tenantId, partnerId);
      if (hold.hold) holds[partnerId] = hold.reasons.length > 0 ? hold.reasons : ['not payout-eligible'];
    }
    const snapshot: PayoutSnapshot = { inputs, paidEarlier, holds };
    await store.freezeSnapshot(runId, snapshotHash(snapshot), snapshot);
    frozen = (await store.snapshotOf(runId))!;
  }
  const snapshot = frozen.inputs as PayoutSnapshot;
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.snapshot-frozen', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, hash: frozen.hash, planVersion: snapshot.inputs.planVersion, deals: snapshot.inputs.deals.length, reversals: snapshot.inputs.reversals.length },
    eventKey: `payout-run.snapshot-frozen:${runId}`,
  });
  await store.updateRun(runId, 'calculating', { snapshotHash: frozen.hash, planVersion: snapshot.inputs.planVersion, progress: { processed: 0, total: partnersOf(snapshot.inputs).length } });
}

/** The inputs restricted to some partners: a partner's statement depends only on its own deals. */
export function forPartners(inputs: PeriodInputs, partners: ReadonlySet<string>): PeriodInputs {
  const pick = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([p]) => partners.has(p)));
  return {
    ...inputs,
    deals: inputs.deals.filter((d) => partners.has(d.partnerId)),
    reversals: inputs.reversals.filter((r) => partners.has(r.partnerId)),
    tiers: pick(inputs.tiers),
    carriedForward: pick(inputs.carriedForward),
    notes: pick(inputs.notes),
    ...(inputs.adjustments ? { adjustments: inputs.adjustments.filter((a) => partners.has(a.partnerId)) } : {}),
  };
}

/**
 * Calculates the statements batch by batch from `startAt` (a partner index: a retried attempt
 * resumes where the last heartbeat said), writing each batch and the progress before the next.
 */
export async function calculateRun(tenantId: TenantId, runId: string, startAt: number, heartbeat: (done: number) => void): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await runOrThrow(tenantId, runId);
  const frozen = await store.snapshotOf(runId);
  if (!frozen) throw new Error(`payout run ${runId} has no snapshot`);
  const snapshot = frozen.inputs as PayoutSnapshot;
  const partners = partnersOf(snapshot.inputs);
  const paidEarlier = paidMap(snapshot.paidEarlier);
  for (let from = startAt; from < partners.length; from += PAYOUT_BATCH) {
    const batch = new Set(partners.slice(from, from + PAYOUT_BATCH));
    const calculation = calculatePeriod(forPartners(snapshot.inputs, batch), paidEarlier);
    await store.writeStatements(calculation.statements.map((s) => ({
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
    const done = Math.min(from + PAYOUT_BATCH, partners.length);
    await store.updateRun(runId, 'calculating', { progress: { processed: done, total: partners.length } });
    heartbeat(done);
  }
}

/** Totals and holds for review; the run is then awaiting approval. */
export async function openForApproval(tenantId: TenantId, runId: string): Promise<void> {
  const store = payoutStore(tenantId);
  const frozen = await store.snapshotOf(runId);
  const snapshot = frozen!.inputs as PayoutSnapshot;
  const holds: PayoutHold[] = [];
  let totalMinor = 0;
  let payableMinor = 0;
  let payees = 0;
  const statements = await store.statementTotalsOf(runId, RUN_LIMIT);
  for (const s of statements) {
    totalMinor += s.totalMinor;
    const reasons = [...(snapshot.holds[s.partnerId] ?? [])];
    if (s.carriedForwardMinor > 0) reasons.push('below the minimum payout: carried forward');
    if (s.carriedForwardMinor < 0) reasons.push('negative balance after clawbacks: carried forward');
    if (reasons.length > 0) {
      // A held partner is paid nothing now; what it earned is carried into the next period.
      holds.push({ partnerId: s.partnerId, amountMinor: snapshot.holds[s.partnerId] ? s.totalMinor : 0, reasons });
      if (snapshot.holds[s.partnerId]) continue;
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
