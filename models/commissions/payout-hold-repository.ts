import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { PayoutHoldModel, payoutHoldId, type PayoutHoldDoc } from './payout-hold';

/** Finance's manual payout holds of one tenant. */
export const payoutHoldStore = repository((inScope, tenantId) => ({
  of: (partnerId: string) => inScope(() => PayoutHoldModel.findOne({ _id: payoutHoldId(tenantId, partnerId) }).lean<PayoutHoldDoc>()),
  /**
   * Places (or re-places, with a new reason) the hold; the last writer's `op` names the change. Two
   * first placements at once race on the upsert: the loser's duplicate key means the document now
   * exists, so it updates it like any later placement.
   */
  place: (partnerId: string, hold: { reason: string; placedBy: string; placedAt: Date; op: string }) =>
    inScope(async () => {
      const filter = { _id: payoutHoldId(tenantId, partnerId) };
      const update = { $set: { partnerId, active: true, ...hold }, $unset: { releasedBy: 1, releasedAt: 1 } };
      try {
        await PayoutHoldModel.updateOne(filter, update, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await PayoutHoldModel.updateOne(filter, update);
      }
    }),
  release: (partnerId: string, by: { releasedBy: string; releasedAt: Date; op: string }) =>
    inScope(() => PayoutHoldModel.updateOne({ _id: payoutHoldId(tenantId, partnerId), active: true }, { $set: { active: false, ...by } })),
  /** The active holds among some partners: what a payout run's snapshot freezes. */
  activeAmong: (partnerIds: string[]) =>
    inScope(() => PayoutHoldModel.find({ active: true, partnerId: { $in: partnerIds } }).sort({ partnerId: 1 }).lean<PayoutHoldDoc[]>()),
}));
