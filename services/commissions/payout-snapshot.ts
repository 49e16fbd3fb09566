import { createHash } from 'node:crypto';
import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { canonicalJson } from '../../domain/canonical-json';
import type { CommissionAdjustment, CommissionDeal, TierSpan } from '../../domain/commissions/calculate';
import { inPeriod, periodOf, type Period } from '../../domain/commissions/period';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutSnapshotDoc, SnapshotChunkRef } from '../../models/commissions/payout-snapshot';
import { closedWonDealsByPartner, reversalsRecorded, type RecordedReversal } from '../deals/closed-deals';
import { payoutFactsOf } from '../onboarding/partners';
import type { AuditLog } from '../tenancy/audit';
import { commissionDealOf, commonPeriodInputs, type CommonPeriodInputs, type PeriodInputs } from './period-calculation';
import { paidEarlierForReversals, type PaidEarlier } from './paid-earlier';
import { manualHoldsAmong } from './payout-holds';
import { pendingAdjustments } from './dispute-adjustments';
import { openReopenedPayables, type ReopenedPayable } from './reopened-payables';
import { inBatches, statementTotalsOfRun } from './run-totals';

/**
 * A payout run's snapshot, frozen in chunks so that neither freezing nor calculating holds the
 * whole period: one pass over the period's deals in partner order cuts them into batches of
 * PAYOUT_BATCH partners, and each batch is written as one chunk with everything its partners'
 * statements are computed from. A partner's statement depends only on its own inputs, so a chunk
 * is calculated alone, exactly as the whole period would be.
 *
 * Adding an input (a manual hold, a dispute adjustment) is one more field of PartnerBatchInputs
 * (when it is per partner) or of SnapshotCommon (when it is the same for all), gathered where
 * `batchInputs` / `snapshotRun` gather the others, and read in calculateRun: the hash covers it
 * without further change.
 */

/** Partners per chunk: one chunk read, one calculation, STATEMENTS_PER_COMMAND-sized inserts and one heartbeat each. */
export const PAYOUT_BATCH = 200;

/** What every partner's statement is computed with, frozen once per run (the header). */
export interface SnapshotCommon extends CommonPeriodInputs {
  period: string;
}

/** Everything one batch of partners' statements are computed from (one chunk), keyed by partner. */
export interface PartnerBatchInputs {
  /** The batch, in partner id order. */
  partners: string[];
  deals: CommissionDeal[];
  reversals: RecordedReversal[];
  tiers: Record<string, TierSpan[]>;
  /** What the previous period's approved run carried forward (below minimum, negative or held). */
  carriedForward: Record<string, number>;
  notes: Record<string, string[]>;
  /** What approved runs paid for the deals reversed now, for the clawbacks. */
  paidEarlier: PaidEarlier;
  /** Partners onboarding does not let us pay, with the reasons. */
  holds: Record<string, string[]>;
  /** Finance's manual payout holds in force when the run was triggered (absent in runs from before them). */
  manualHolds?: Record<string, ManualHold>;
  /** Accepted disputes of earlier runs this run pays, for the batch's partners (absent when none). */
  adjustments?: CommissionAdjustment[];
  /** Payables earlier runs reopened (payment rejected or returned by the bank) this run pays again (absent when none). */
  reopened?: ReopenedPayable[];
}

export interface ManualHold { reason: string; by: string; at: string }

/** Who a run holds and why, over every chunk: what the review reads (the chunks' deals stay unread). */
export interface SnapshotHolds {
  holds: Record<string, string[]>;
  manualHolds: Record<string, ManualHold>;
  /** Not a hold, but read with them for the same reason: the review and the execution need it without the deals. */
  reopened: ReopenedPayable[];
}

/** Chunk by chunk of the frozen header, by `_id` (a filter on the run would scan every chunk of every run). */
export async function frozenHolds(tenantId: TenantId, runId: string, generation: number): Promise<SnapshotHolds> {
  const store = payoutStore(tenantId);
  const header = await store.snapshotOf(runId);
  const refs = header?.generation === generation ? header.chunks : [];
  const read = await inBatches(refs, (ref) => store.snapshotChunkHolds(runId, generation, ref.index));
  const chunks = read.filter((c) => c !== null);
  return {
    holds: Object.assign({}, ...chunks.map((c) => c.holds)) as Record<string, string[]>,
    manualHolds: Object.assign({}, ...chunks.map((c) => c.manualHolds ?? {})) as Record<string, ManualHold>,
    reopened: chunks.flatMap((c) => c.reopened ?? []),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The run's hash: the common inputs, then every chunk's hash in chunk order (so every input counts). */
export function snapshotHashOf(common: SnapshotCommon, chunkHashes: readonly string[]): string {
  const hash = createHash('sha256').update(canonicalJson(common));
  for (const chunk of chunkHashes) hash.update(`\n${chunk}`);
  return hash.digest('hex');
}

/**
 * A chunk is stored as its canonical JSON, one string: the store keeps and returns it without
 * building thousands of sub-documents (the largest cost of a chunk on FerretDB), and its hash is
 * the hash of exactly the stored text.
 */
export const chunkText = (inputs: PartnerBatchInputs): string => canonicalJson(inputs);
export const chunkHashOf = (text: string): string => sha256(text);

/** The chunk as the engine takes it: canonical JSON wrote its instants as ISO strings. */
export function parseChunk(text: string): PartnerBatchInputs {
  const inputs = JSON.parse(text) as PartnerBatchInputs;
  for (const deal of inputs.deals) deal.closedAt = new Date(deal.closedAt);
  for (const reversal of inputs.reversals) {
    reversal.at = new Date(reversal.at);
    reversal.dealClosedAt = new Date(reversal.dealClosedAt);
  }
  for (const spans of Object.values(inputs.tiers)) for (const span of spans) span.from = new Date(span.from);
  return inputs;
}

/** The engine's inputs for one chunk. */
export function periodInputsOf(common: SnapshotCommon, chunk: PartnerBatchInputs): PeriodInputs {
  const { period, ...shared } = common;
  return {
    period: periodOf(period), ...shared, deals: chunk.deals, reversals: chunk.reversals, tiers: chunk.tiers, carriedForward: chunk.carriedForward, notes: chunk.notes,
    ...(chunk.adjustments ? { adjustments: chunk.adjustments } : {}),
  };
}

const tierSpans = (history: { tier: string; effectiveFrom: Date | string }[]): TierSpan[] =>
  history.map((change) => ({ tier: change.tier, from: new Date(change.effectiveFrom) })).sort((a, b) => a.from.getTime() - b.from.getTime());

type Audit = { audit: Pick<AuditLog, 'record'> };
const RUN_PROCESS = { type: 'system', id: 'payout-run' } as const;

/** One partner's share of the period: its deals (engine form), in close order. */
interface PartnerDeals {
  partnerId: string;
  deals: CommissionDeal[];
}

/**
 * Every partner the run has a statement for, in id order, with its deals: the deals' partners from
 * the single sorted pass, merged with the partners that only have reversals or a carried balance.
 */
async function* partnersInOrder(deals: AsyncGenerator<PartnerDeals>, others: readonly string[]): AsyncGenerator<PartnerDeals> {
  let at = 0;
  for await (const group of deals) {
    while (at < others.length && others[at] < group.partnerId) yield { partnerId: others[at++], deals: [] };
    if (others[at] === group.partnerId) at += 1;
    yield group;
  }
  while (at < others.length) yield { partnerId: others[at++], deals: [] };
}

async function* engineDeals(tenantId: TenantId, period: Period, common: SnapshotCommon, notes: Record<string, string[]>): AsyncGenerator<PartnerDeals> {
  const fx = new Map(common.fx.map((r) => [r.from, r]));
  for await (const group of closedWonDealsByPartner(tenantId, { from: period.start, to: period.end })) {
    yield { partnerId: group.partnerId, deals: group.deals.map((deal) => commissionDealOf(deal, common.currency, fx, period, notes)) };
  }
}

export interface SnapshotProgress {
  /** Names this attempt's chunks; the attempt number of the activity. */
  generation: number;
  heartbeat: () => void;
}

/**
 * Freezes the run's inputs once: writes every chunk under this attempt's generation, then the
 * header naming them (insert on the run id: the first complete attempt wins, a retry finds it).
 */
export async function snapshotRun(services: Pick<Services, 'ruleSets' | 'tenants'> & Audit, tenantId: TenantId, runId: string, progress: SnapshotProgress = { generation: 1, heartbeat: () => undefined }): Promise<void> {
  const store = payoutStore(tenantId);
  const run = await store.runById(runId);
  if (!run) throw new Error(`payout run ${runId} does not exist in tenant ${tenantId}`);
  let frozen = await store.snapshotOf(runId);
  if (!frozen) {
    await freeze(services, tenantId, runId, run.period, progress);
    frozen = (await store.snapshotOf(runId))!;
  }
  await store.dropOtherSnapshotChunks(runId, frozen.generation);
  const common = frozen.common as SnapshotCommon;
  // The run's first step: its trigger is in the chain before anything it computed.
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: run.triggeredBy, role: 'finance' }, action: 'payout-run.triggered', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, attempt: run.attempt }, eventKey: `payout-run.triggered:${runId}`,
  });
  await services.audit.record(tenantId, {
    actor: RUN_PROCESS, action: 'payout-run.snapshot-frozen', entity: { type: 'payout-run', id: runId },
    data: { period: run.period, hash: frozen.hash, planVersion: common.planVersion, deals: frozen.counts.deals, reversals: frozen.counts.reversals, chunks: frozen.chunks.length },
    eventKey: `payout-run.snapshot-frozen:${runId}`,
  });
  await store.updateRun(runId, 'calculating', { snapshotHash: frozen.hash, planVersion: common.planVersion, progress: { processed: 0, total: frozen.counts.partners } });
}

async function freeze(services: Pick<Services, 'ruleSets' | 'tenants'>, tenantId: TenantId, runId: string, periodLabel: string, { generation, heartbeat }: SnapshotProgress): Promise<void> {
  const store = payoutStore(tenantId);
  const period = periodOf(periodLabel);
  const common: SnapshotCommon = { period: period.label, ...(await commonPeriodInputs(services, tenantId, period)) };
  // Reversals and carried balances are a few per partner at most: read whole, handed out per batch.
  // Accepted disputes no standing run pays yet: a few per partner at most, like reversals.
  const [reversals, carried, adjustments, reopened] = await Promise.all([
    reversalsRecorded(tenantId, { from: period.start, to: period.end }), carriedIntoPeriod(tenantId, period), pendingAdjustments(tenantId), openReopenedPayables(tenantId),
  ]);
  const earlier = reversals.filter((r) => !inPeriod(period, r.dealClosedAt));
  const paidEarlier = await paidEarlierForReversals(tenantId, earlier);
  const others = [...new Set([...reversals.map((r) => r.partnerId), ...Object.keys(carried), ...adjustments.map((a) => a.partnerId), ...reopened.map((r) => r.partnerId)])].sort();
  const notes: Record<string, string[]> = {};

  const chunks: SnapshotChunkRef[] = [];
  let dealCount = 0;
  let batch: PartnerDeals[] = [];
  const flush = async () => {
    const inputs = await batchInputs(tenantId, batch, { reversals, carried, notes, paidEarlier, adjustments, reopened });
    const text = chunkText(inputs);
    const hash = chunkHashOf(text);
    await store.writeSnapshotChunk({
      runId, generation, index: chunks.length, hash, inputs: text,
      holds: inputs.holds, manualHolds: inputs.manualHolds ?? {}, ...(inputs.reopened ? { reopened: inputs.reopened } : {}),
    });
    chunks.push({ index: chunks.length, partners: inputs.partners.length, hash });
    for (const partnerId of inputs.partners) delete notes[partnerId];
    batch = [];
    heartbeat();
  };
  for await (const partner of partnersInOrder(engineDeals(tenantId, period, common, notes), others)) {
    batch.push(partner);
    dealCount += partner.deals.length;
    if (batch.length >= PAYOUT_BATCH) await flush();
  }
  if (batch.length > 0) await flush();

  const header: Omit<PayoutSnapshotDoc, 'tenantId' | 'createdAt'> = {
    _id: runId,
    hash: snapshotHashOf(common, chunks.map((c) => c.hash)),
    generation,
    common,
    chunks,
    counts: { partners: chunks.reduce((sum, c) => sum + c.partners, 0), deals: dealCount, reversals: reversals.length },
  };
  await store.freezeSnapshot(header);
}

async function batchInputs(
  tenantId: TenantId,
  batch: PartnerDeals[],
  period: { reversals: RecordedReversal[]; carried: Record<string, number>; notes: Record<string, string[]>; paidEarlier: PaidEarlier; adjustments: CommissionAdjustment[]; reopened: ReopenedPayable[] },
): Promise<PartnerBatchInputs> {
  const partners = batch.map((p) => p.partnerId);
  const inBatch = new Set(partners);
  const facts = await payoutFactsOf(tenantId, partners);
  const pick = <T>(record: Record<string, T>) => Object.fromEntries(partners.filter((p) => record[p] !== undefined).map((p) => [p, record[p]]));
  const holds: Record<string, string[]> = {};
  const tiers: Record<string, TierSpan[]> = {};
  for (const partnerId of partners) {
    const fact = facts.get(partnerId)!;
    tiers[partnerId] = tierSpans(fact.tierHistory);
    if (fact.hold.hold) holds[partnerId] = fact.hold.reasons.length > 0 ? fact.hold.reasons : ['not payout-eligible'];
  }
  return {
    partners,
    deals: batch.flatMap((p) => p.deals),
    reversals: period.reversals.filter((r) => inBatch.has(r.partnerId)),
    tiers,
    carriedForward: pick(period.carried),
    notes: pick(period.notes),
    paidEarlier: period.paidEarlier.filter((p) => inBatch.has(p.partnerId)),
    holds,
    manualHolds: await manualHoldsAmong(tenantId, partners),
    ...adjustmentsOf(period.adjustments, inBatch),
    ...reopenedOf(period.reopened, inBatch),
  };
}

function reopenedOf(all: ReopenedPayable[], partners: ReadonlySet<string>): { reopened?: ReopenedPayable[] } {
  const mine = all.filter((r) => partners.has(r.partnerId));
  return mine.length > 0 ? { reopened: mine } : {};
}

function adjustmentsOf(all: CommissionAdjustment[], partners: ReadonlySet<string>): { adjustments?: CommissionAdjustment[] } {
  const mine = all.filter((a) => partners.has(a.partnerId));
  return mine.length > 0 ? { adjustments: mine } : {};
}

function previousPeriod(period: Period): string {
  return new Date(period.start.getTime() - 1).toISOString().slice(0, 7);
}

/** What the previous period's approved run carried forward: below minimum, negative, or held. */
export async function carriedIntoPeriod(tenantId: TenantId, period: Period): Promise<Record<string, number>> {
  const store = payoutStore(tenantId);
  const previous = await store.approvedRunOf(previousPeriod(period));
  if (!previous) return {};
  const carried: Record<string, number> = {};
  for (const s of await statementTotalsOfRun(tenantId, previous._id)) if (s.carriedForwardMinor !== 0) carried[s.partnerId] = s.carriedForwardMinor;
  for (const hold of previous.holds) if (hold.amountMinor !== 0) carried[hold.partnerId] = (carried[hold.partnerId] ?? 0) + hold.amountMinor;
  return carried;
}

/** A frozen snapshot, read one chunk at a time. */
export interface FrozenSnapshot {
  header: PayoutSnapshotDoc;
  common: SnapshotCommon;
  chunk: (index: number) => Promise<PartnerBatchInputs>;
}

export async function frozenSnapshot(tenantId: TenantId, runId: string): Promise<FrozenSnapshot> {
  const store = payoutStore(tenantId);
  const header = await store.snapshotOf(runId);
  if (!header) throw new Error(`payout run ${runId} has no snapshot`);
  return {
    header,
    common: header.common as SnapshotCommon,
    chunk: async (index) => {
      const doc = await store.snapshotChunk(runId, header.generation, index);
      if (!doc) throw new Error(`payout run ${runId}: snapshot chunk ${index} of generation ${header.generation} is missing`);
      return parseChunk(doc.inputs);
    },
  };
}

/**
 * Recomputes the run's hash from what is stored, chunk by chunk: equal to the recorded hash when
 * no input was changed after freezing.
 */
export async function storedSnapshotHash(tenantId: TenantId, runId: string): Promise<string> {
  const snapshot = await frozenSnapshot(tenantId, runId);
  const hashes: string[] = [];
  // Re-serialised from what the calculation reads, so a chunk that does not parse back to its text counts as changed.
  for (const ref of snapshot.header.chunks) hashes.push(chunkHashOf(chunkText(await snapshot.chunk(ref.index))));
  return snapshotHashOf(snapshot.common, hashes);
}

/**
 * The whole frozen period as one set of engine inputs, chunks concatenated: for a dry run of a
 * draft plan over what a run paid from (its answer lists every statement anyway). The run's own
 * calculation and verification read chunk by chunk instead.
 */
export async function wholeSnapshotInputs(tenantId: TenantId, runId: string): Promise<{ inputs: PeriodInputs; paidEarlier: PaidEarlier }> {
  const snapshot = await frozenSnapshot(tenantId, runId);
  const inputs: PeriodInputs = { ...periodInputsOf(snapshot.common, emptyChunk()), deals: [], reversals: [], tiers: {}, carriedForward: {}, notes: {} };
  const paidEarlier: PaidEarlier = [];
  for (const ref of snapshot.header.chunks) {
    const chunk = await snapshot.chunk(ref.index);
    inputs.deals.push(...chunk.deals);
    inputs.reversals.push(...chunk.reversals);
    Object.assign(inputs.tiers, chunk.tiers);
    Object.assign(inputs.carriedForward, chunk.carriedForward);
    Object.assign(inputs.notes, chunk.notes);
    if (chunk.adjustments) (inputs.adjustments ??= []).push(...chunk.adjustments);
    paidEarlier.push(...chunk.paidEarlier);
  }
  return { inputs, paidEarlier };
}

const emptyChunk = (): PartnerBatchInputs => ({ partners: [], deals: [], reversals: [], tiers: {}, carriedForward: {}, notes: {}, paidEarlier: [], holds: {} });
