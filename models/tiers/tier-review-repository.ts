import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { TierReviewModel, TierReviewDoc, TierReviewProposal } from './tier-review';

export interface ReviewOpening {
  reviewId: string;
  workflowId: string;
  trigger: TierReviewDoc['trigger'];
  requestedBy: string;
}

export interface ComputedProposals {
  status: 'computing' | 'no-changes';
  proposals: TierReviewProposal[];
  partnersReviewed: number;
  ruleSetVersion: number;
  asOf: Date;
  windowFrom: Date;
}

/**
 * A tenant's tier reviews. A review moves only forward: each write names the status it moves
 * from, so a retried or late write finds the review moved on and changes nothing.
 */
export const tierReviewStore = repository((inScope) => ({
  /**
   * Opens the review as `computing` once per workflow: a retry (same id or same workflow) finds
   * the one already opened.
   */
  open: (opening: ReviewOpening): Promise<TierReviewDoc> => inScope(async () => {
    const existing = await TierReviewModel.findOne({ workflowId: opening.workflowId }).lean();
    if (existing) return existing;
    try {
      const { reviewId, ...fields } = opening;
      return (await TierReviewModel.create({ _id: reviewId, ...fields, status: 'computing', proposals: [] })).toObject() as TierReviewDoc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await TierReviewModel.findOne({ $or: [{ _id: opening.reviewId }, { workflowId: opening.workflowId }] }).lean())!;
    }
  }),

  byId: (reviewId: string) => inScope(() => TierReviewModel.findOne({ _id: reviewId }).lean()),

  /** One more than `limit`, newest first, without proposals, so the caller can tell whether another page follows. */
  list: (filter: { before?: string; limit: number }) =>
    inScope(() => TierReviewModel.find(filter.before ? { _id: { $lt: filter.before } } : {}, { proposals: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean()),

  computingBefore: (cutoff: Date, limit: number) =>
    inScope(() => TierReviewModel.find({ status: 'computing', createdAt: { $lt: cutoff } }, { _id: 1, workflowId: 1 }).sort({ _id: 1 }).limit(limit).lean()),

  /** Closes a review still computing as skipped; true when this call closed it. */
  skip: async (reviewId: string, note: string): Promise<boolean> => {
    const result = await inScope(() => TierReviewModel.updateOne({ _id: reviewId, status: 'computing' }, { $set: { status: 'skipped', decisionNote: note } }));
    return result.matchedCount === 1;
  },

  recordProposals: async (reviewId: string, computed: ComputedProposals): Promise<void> => {
    await inScope(() => TierReviewModel.updateOne({ _id: reviewId, status: 'computing' }, { $set: computed }));
  },

  openForApproval: async (reviewId: string): Promise<void> => {
    await inScope(() => TierReviewModel.updateOne({ _id: reviewId, status: 'computing' }, { $set: { status: 'awaiting-approval' } }));
  },

  markApplied: async (reviewId: string, approval: { decidedBy: string; effectiveFrom: Date; note?: string }): Promise<void> => {
    await inScope(() => TierReviewModel.updateOne(
      { _id: reviewId },
      { $set: { status: 'applied', decidedBy: approval.decidedBy, decidedAt: approval.effectiveFrom, effectiveFrom: approval.effectiveFrom, ...(approval.note ? { decisionNote: approval.note } : {}) } },
    ));
  },

  closeAwaiting: async (reviewId: string, close: { status: 'rejected' | 'expired'; decidedBy?: string; decidedAt: Date; note?: string }): Promise<void> => {
    await inScope(() => TierReviewModel.updateOne(
      { _id: reviewId, status: 'awaiting-approval' },
      { $set: { status: close.status, decidedBy: close.decidedBy, decidedAt: close.decidedAt, decisionNote: close.note } },
    ));
  },
}));
