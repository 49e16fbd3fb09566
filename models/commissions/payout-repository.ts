import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { APPROVED_STATUSES, PayoutRunModel, type PayoutRunDoc } from './payout-run';
import { PayoutSnapshotModel, type PayoutSnapshotDoc } from './payout-snapshot';
import { PayoutStatementModel, type PayoutStatementDoc } from './payout-statement';
import { PaymentInstructionModel, type PaymentInstructionDoc } from './payment-instruction';
import { LedgerPostingModel, type LedgerPostingDoc } from './ledger-posting';

/** Inserts unless the unique key is taken; true when this call inserted it. */
async function insertOnce(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Payout runs, their snapshots and statements, payment instructions and the ledger of one tenant. */
export const payoutStore = repository((inScope, tenantId) => ({
  runById: (runId: string) => inScope(() => PayoutRunModel.findOne({ _id: runId }).lean<PayoutRunDoc>()),
  latestRunOf: (period: string) => inScope(() => PayoutRunModel.findOne({ period }).sort({ attempt: -1 }).lean<PayoutRunDoc>()),
  /** The latest approved (or since paid) run of a period: what it paid and carried forward. */
  approvedRunOf: (period: string) => inScope(() => PayoutRunModel.findOne({ period, status: { $in: APPROVED_STATUSES } }).sort({ attempt: -1 }).lean<PayoutRunDoc>()),
  /** False when the (period, attempt) or the id was taken by a concurrent trigger. */
  insertRun: (run: Omit<PayoutRunDoc, 'tenantId' | 'createdAt' | 'updatedAt'>) => inScope(() => insertOnce(() => PayoutRunModel.create(run))),
  updateRun: (runId: string, status: PayoutRunDoc['status'] | undefined, set: Partial<PayoutRunDoc>) =>
    inScope(() => PayoutRunModel.updateOne({ _id: runId, ...(status ? { status } : {}) }, { $set: set })),

  snapshotOf: (runId: string) => inScope(() => PayoutSnapshotModel.findOne({ _id: runId }).lean<PayoutSnapshotDoc>()),
  /** The first snapshot written for a run stays: a retry finds it instead of freezing anew. */
  freezeSnapshot: (runId: string, hash: string, inputs: unknown) => inScope(() => insertOnce(() => PayoutSnapshotModel.create({ _id: runId, hash, inputs }))),

  writeStatements: (statements: Omit<PayoutStatementDoc, 'tenantId'>[]) =>
    inScope(() =>
      PayoutStatementModel.bulkWrite(statements.map((s) => ({ replaceOne: { filter: { _id: s._id }, replacement: { ...s, tenantId }, upsert: true } })), { ordered: false }),
    ),
  statementsOf: (runId: string, filter: { partnerId?: string; approved?: boolean }, limit: number) =>
    inScope(() =>
      PayoutStatementModel.find({ runId, ...(filter.partnerId ? { partnerId: filter.partnerId } : {}), ...(filter.approved === undefined ? {} : { approved: filter.approved }) })
        .sort({ partnerId: 1 })
        .limit(limit)
        .lean<PayoutStatementDoc[]>(),
    ),
  /** Every statement's totals, without lines: what a review and an execution add up. */
  statementTotalsOf: (runId: string, limit: number) =>
    inScope(() => PayoutStatementModel.find({ runId }, { partnerId: 1, totalMinor: 1, carriedForwardMinor: 1 }).sort({ partnerId: 1 }).limit(limit).lean<Pick<PayoutStatementDoc, 'partnerId' | 'totalMinor' | 'carriedForwardMinor'>[]>()),
  approveStatements: (runId: string) => inScope(() => PayoutStatementModel.updateMany({ runId }, { $set: { approved: true } })),
  /** Approved statements paying for any of the deals: what a clawback claws back. */
  approvedPayingFor: (dealIds: string[]) => inScope(() => PayoutStatementModel.find({ dealIds: { $in: dealIds }, approved: true }, { partnerId: 1, lines: 1 }).limit(10_000).lean<Pick<PayoutStatementDoc, 'partnerId' | 'lines'>[]>()),
  /** A partner's approved statements, newest run first: its paid earnings. */
  approvedOfPartner: (partnerId: string, limit: number) =>
    inScope(() => PayoutStatementModel.find({ partnerId, approved: true }, { runId: 1, period: 1, totalMinor: 1 }).sort({ period: -1 }).limit(limit).lean<Pick<PayoutStatementDoc, 'runId' | 'period' | 'totalMinor'>[]>()),

  instruct: (instruction: Omit<PaymentInstructionDoc, 'tenantId' | 'createdAt'>) => inScope(() => insertOnce(() => PaymentInstructionModel.create(instruction))),
  instructionsOf: (runId: string, limit: number) => inScope(() => PaymentInstructionModel.find({ runId }).sort({ partnerId: 1 }).limit(limit).lean<PaymentInstructionDoc[]>()),

  post: (posting: Omit<LedgerPostingDoc, 'tenantId'>) => inScope(() => insertOnce(() => LedgerPostingModel.create(posting))),
  postings: (limit: number) => inScope(() => LedgerPostingModel.find({}).sort({ postedAt: 1, _id: 1 }).limit(limit).lean<LedgerPostingDoc[]>()),
}));
