import { repository } from '../repository';
import { insertOnce, isDuplicateKey } from '../../platform/store-errors';
import { APPROVED_STATUSES, PayoutRunModel, type PayoutRunDoc } from './payout-run';
import { PayoutSnapshotModel, PayoutSnapshotChunkModel, snapshotChunkId, type PayoutSnapshotDoc, type PayoutSnapshotChunkDoc } from './payout-snapshot';
import { PayoutStatementModel, statementId, type PayoutStatementDoc } from './payout-statement';
import { PaymentInstructionModel, type PaymentInstructionDoc } from './payment-instruction';
import { LedgerPostingModel, type LedgerPostingDoc } from './ledger-posting';
import { PayoutChunkTotalsModel, type PayoutChunkTotalsDoc } from './payout-chunk-totals';

/**
 * FerretDB 1.24 (SQLite) stops answering write commands of about 100 statements and more (see
 * models/supply/inventory-repository.ts), so statements go in commands of this many.
 */
const STATEMENTS_PER_COMMAND = 50;

/** A bulk insert whose only refusals are duplicate keys (ordered: false inserts the rest). */
function onlyDuplicates(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: unknown[] }).writeErrors;
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return isDuplicateKey(err);
  return writeErrors.every((e) => isDuplicateKey(e) || isDuplicateKey((e as { err?: unknown }).err));
}

/** Payout runs, their snapshots and statements, payment instructions and the ledger of one tenant. */
/**
 * Lean inserts skip mongoose's casting, and the driver would store an absent field (`conversion:
 * undefined`) as null: a statement read back would then differ from its recalculation (verify
 * compares them). The driver's own option leaves such fields out; mongoose passes it through but
 * does not declare it.
 */
const DRIVER_SKIPS_UNDEFINED = { ignoreUndefined: true };

export const payoutStore = repository((inScope, tenantId) => ({
  runById: (runId: string) => inScope(() => PayoutRunModel.findOne({ _id: runId }).lean<PayoutRunDoc>()),
  latestRunOf: (period: string) => inScope(() => PayoutRunModel.findOne({ period }).sort({ attempt: -1 }).lean<PayoutRunDoc>()),
  /** The latest approved (or since paid) run of a period: what it paid and carried forward. */
  approvedRunOf: (period: string) => inScope(() => PayoutRunModel.findOne({ period, status: { $in: APPROVED_STATUSES } }).sort({ attempt: -1 }).lean<PayoutRunDoc>()),
  /** False when the (period, attempt) or the id was taken by a concurrent trigger. */
  insertRun: (run: Omit<PayoutRunDoc, 'tenantId' | 'createdAt' | 'updatedAt'>) => inScope(() => insertOnce(() => PayoutRunModel.create(run))),
  updateRun: (runId: string, status: PayoutRunDoc['status'] | undefined, set: Partial<PayoutRunDoc>) =>
    inScope(() => PayoutRunModel.updateOne({ _id: runId, ...(status ? { status } : {}) }, { $set: set })),

  /** Records approvals while the run is still undecided: a late write never shortens an executed run's list. */
  recordApprovals: (runId: string, approvals: PayoutRunDoc['approvals']) =>
    inScope(() => PayoutRunModel.updateOne({ _id: runId, status: { $in: ['calculating', 'awaiting-approval'] } }, { $set: { approvals } })),

  snapshotOf: (runId: string) => inScope(() => PayoutSnapshotModel.findOne({ _id: runId }).lean<PayoutSnapshotDoc>()),
  /** The first header written for a run stays: a retry finds it instead of freezing anew. */
  freezeSnapshot: (header: Omit<PayoutSnapshotDoc, 'tenantId' | 'createdAt'>) => inScope(() => insertOnce(() => PayoutSnapshotModel.create(header))),
  /** One batch of partners' inputs; the id names (run, generation, index), so rewriting it in the same attempt is a no-op. */
  writeSnapshotChunk: (chunk: Omit<PayoutSnapshotChunkDoc, 'tenantId' | '_id'>) =>
    inScope(() => insertOnce(() => PayoutSnapshotChunkModel.create({ _id: snapshotChunkId(chunk.runId, chunk.generation, chunk.index), ...chunk }))),
  snapshotChunk: (runId: string, generation: number, index: number) =>
    inScope(() => PayoutSnapshotChunkModel.findOne({ _id: snapshotChunkId(runId, generation, index) }).lean<PayoutSnapshotChunkDoc>()),
  /** Only the holds and reopened payables of one chunk (what a review needs), without the deals; read by `_id`. */
  snapshotChunkHolds: (runId: string, generation: number, index: number) =>
    inScope(() => PayoutSnapshotChunkModel.findOne({ _id: snapshotChunkId(runId, generation, index) }, { holds: 1, manualHolds: 1, reopened: 1 })
      .lean<Pick<PayoutSnapshotChunkDoc, 'holds' | 'manualHolds' | 'reopened'>>()),
  /** Chunks an interrupted snapshot attempt wrote and the frozen header does not name. */
  /**
   * Earlier attempts are the generations below the frozen one (a later attempt finds the header
   * and writes none); each wrote its chunks in index order, so they are deleted by `_id` until the
   * first one missing, rather than by a filter on the run that scans every chunk of every run.
   */
  dropOtherSnapshotChunks: async (runId: string, generation: number) => {
    for (let earlier = 1; earlier < generation; earlier += 1) {
      for (let index = 0; ; index += 1) {
        const { deletedCount } = await inScope(() => PayoutSnapshotChunkModel.deleteOne({ _id: snapshotChunkId(runId, earlier, index) }));
        if (deletedCount === 0) break;
      }
    }
  },

  /**
   * Inserts the statements, STATEMENTS_PER_COMMAND per command. A statement is a pure function of
   * the frozen snapshot, so one already there (a batch retried after a crash) is the same and the
   * duplicate is skipped rather than rewritten.
   */
  writeStatements: async (statements: Omit<PayoutStatementDoc, 'tenantId'>[]) => {
    for (let at = 0; at < statements.length; at += STATEMENTS_PER_COMMAND) {
      const docs = statements.slice(at, at + STATEMENTS_PER_COMMAND).map((s) => ({ ...s, tenantId }));
      try {
        await inScope(() => PayoutStatementModel.insertMany(docs, { ordered: false, lean: true, ...DRIVER_SKIPS_UNDEFINED }));
      } catch (err) {
        if (!onlyDuplicates(err)) throw err;
      }
    }
  },
  statementsOf: (runId: string, filter: { partnerId?: string; partnerIn?: string[]; approved?: boolean }, limit: number) =>
    inScope(() =>
      PayoutStatementModel.find({ runId, ...(filter.partnerId ? { partnerId: filter.partnerId } : {}), ...(filter.partnerIn ? { partnerId: { $in: filter.partnerIn } } : {}), ...(filter.approved === undefined ? {} : { approved: filter.approved }) })
        .sort({ partnerId: 1 })
        .limit(limit)
        .lean<PayoutStatementDoc[]>(),
    ),
  /** The totals of one chunk's statements (written with them); the id is the chunk's. */
  writeChunkTotals: (runId: string, generation: number, index: number, statements: PayoutChunkTotalsDoc['statements']) =>
    inScope(() => insertOnce(() => PayoutChunkTotalsModel.create({ _id: snapshotChunkId(runId, generation, index), runId, statements }))),
  chunkTotals: (runId: string, generation: number, index: number) =>
    inScope(() => PayoutChunkTotalsModel.findOne({ _id: snapshotChunkId(runId, generation, index) }).lean<PayoutChunkTotalsDoc>()),
  /**
   * Every statement's totals by a filter on the run (a scan of every statement with its lines on
   * the local store): only for runs calculated before the chunk totals (services/commissions/run-totals.ts).
   */
  statementTotalsOf: (runId: string, limit: number) =>
    inScope(() => PayoutStatementModel.find({ runId }, { partnerId: 1, totalMinor: 1, carriedForwardMinor: 1 }).sort({ partnerId: 1 }).limit(limit).lean<Pick<PayoutStatementDoc, 'partnerId' | 'totalMinor' | 'carriedForwardMinor'>[]>()),
  countStatements: (runId: string) => inScope(() => PayoutStatementModel.countDocuments({ runId })),
  /**
   * Marks the run's statements approved, each by its `_id` (run, partner), STATEMENTS_PER_COMMAND
   * per command: an update filtered on the run would scan and rewrite every statement of every run.
   */
  approveStatements: async (runId: string, partnerIds: readonly string[]) => {
    for (let at = 0; at < partnerIds.length; at += STATEMENTS_PER_COMMAND) {
      const ops = partnerIds.slice(at, at + STATEMENTS_PER_COMMAND).map((partnerId) => ({ updateOne: { filter: { _id: statementId(runId, partnerId) }, update: { $set: { approved: true } } } }));
      await inScope(() => PayoutStatementModel.bulkWrite(ops, { ordered: false }));
    }
  },
  /** Approved statements paying for any of the deals: what a clawback claws back. */
  approvedPayingFor: (dealIds: string[]) => inScope(() => PayoutStatementModel.find({ dealIds: { $in: dealIds }, approved: true }, { partnerId: 1, lines: 1 }).limit(10_000).lean<Pick<PayoutStatementDoc, 'partnerId' | 'lines'>[]>()),
  /** A partner's approved statements, newest run first: its paid earnings. */
  approvedOfPartner: (partnerId: string, limit: number) =>
    inScope(() => PayoutStatementModel.find({ partnerId, approved: true }, { runId: 1, period: 1, totalMinor: 1 }).sort({ period: -1 }).limit(limit).lean<Pick<PayoutStatementDoc, 'runId' | 'period' | 'totalMinor'>[]>()),

  instruct: (instruction: Omit<PaymentInstructionDoc, 'tenantId' | 'createdAt'>) => inScope(() => insertOnce(() => PaymentInstructionModel.create(instruction))),
  instructionsOf: (runId: string, limit: number) => inScope(() => PaymentInstructionModel.find({ runId }).sort({ partnerId: 1 }).limit(limit).lean<PaymentInstructionDoc[]>()),

  post: (posting: Omit<LedgerPostingDoc, 'tenantId'>) => inScope(() => insertOnce(() => LedgerPostingModel.create(posting))),
  /** Oldest first; `account` is matched on the entries by the caller. */
  postings: (limit: number, filter: { runId?: string; partnerId?: string; from?: Date; to?: Date } = {}) =>
    inScope(() =>
      LedgerPostingModel.find({
        ...(filter.runId ? { runId: filter.runId } : {}),
        ...(filter.partnerId ? { partnerId: filter.partnerId } : {}),
        ...(filter.from || filter.to ? { postedAt: { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) } } : {}),
      }).sort({ postedAt: 1, _id: 1 }).limit(limit).lean<LedgerPostingDoc[]>(),
    ),
}));
