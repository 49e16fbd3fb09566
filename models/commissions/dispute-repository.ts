import { repository } from '../repository';
import { insertOnce } from '../../platform/store-errors';
import { PayoutDisputeModel, DisputeDecisionModel, type PayoutDisputeDoc, type DisputeDecisionDoc, type DisputeStatus } from './payout-dispute';
import { PayoutStatementModel } from './payout-statement';

/** Disputes of statement lines and their decisions, of one tenant. */
export const disputeStore = repository((inScope) => ({
  byId: (id: string) => inScope(() => PayoutDisputeModel.findOne({ _id: id }).lean<PayoutDisputeDoc>()),
  /** The open dispute of a line, if any. */
  openOnLine: (runId: string, partnerId: string, line: number) => inScope(() => PayoutDisputeModel.findOne({ runId, partnerId, line, openSlot: 'open' }).lean<PayoutDisputeDoc>()),
  /** False when the id, or the line's open slot, is taken. */
  open: (dispute: Omit<PayoutDisputeDoc, 'tenantId' | 'createdAt'>) => inScope(() => insertOnce(() => PayoutDisputeModel.create(dispute))),
  /** Oldest first (ids sort by time), after the cursor id. */
  list: (filter: { runId?: string; partnerId?: string; status?: DisputeStatus; after?: string }, limit: number) =>
    inScope(() =>
      PayoutDisputeModel.find({
        ...(filter.runId ? { runId: filter.runId } : {}),
        ...(filter.partnerId ? { partnerId: filter.partnerId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.after ? { _id: { $gt: filter.after } } : {}),
      }).sort({ _id: 1 }).limit(limit).lean<PayoutDisputeDoc[]>(),
    ),
  /** False when another resolution was recorded first. */
  decide: (decision: Omit<DisputeDecisionDoc, 'tenantId'>) => inScope(() => insertOnce(() => DisputeDecisionModel.create(decision))),
  decisionOf: (id: string) => inScope(() => DisputeDecisionModel.findOne({ _id: id }).lean<DisputeDecisionDoc>()),
  /** Writes the decided resolution on the dispute (the decision document already decided the race). */
  markResolved: (id: string, decision: Omit<DisputeDecisionDoc, 'tenantId' | '_id'>) =>
    inScope(() => PayoutDisputeModel.updateOne({ _id: id }, { $set: { status: decision.decision === 'accept' ? 'accepted' : 'rejected', openSlot: id, resolution: decision } })),
  acceptedDisputes: (limit: number, partnerId?: string) => inScope(() => PayoutDisputeModel.find({ status: 'accepted', ...(partnerId ? { partnerId } : {}) }).sort({ _id: 1 }).limit(limit).lean<PayoutDisputeDoc[]>()),
  /** The statements (of any run) whose adjustment lines pay any of the disputes. */
  statementsPaying: (ids: string[]) =>
    inScope(() => PayoutStatementModel.find({ adjustmentIds: { $in: ids } }, { runId: 1, adjustmentIds: 1 }).limit(10_000).lean<{ runId: string; adjustmentIds?: string[] }[]>()),
}));
