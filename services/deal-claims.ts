import { DealClaimModel } from '../models/deal-protection';
import { DealModel, OPEN_DEAL_STATUSES } from '../models/deal';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { isDuplicateKey } from '../platform/store-errors';

/**
 * Channel-conflict claims. A deal claims each of its customer keys by inserting one document per
 * (tenant, key) under a unique index, in sorted key order (so two registrations can never each
 * hold a key the other needs). The insert is the atomic decision: of two partners registering the
 * same customer at the same moment, exactly one holds the claim; the other sees a conflict.
 */
export interface ClaimResult {
  held: boolean;
  conflicts: { customerKey: string; dealId: string; partnerId: string }[];
}


/** A registration that crashed before its workflow started leaves a 'submitted' deal behind. */
const ABANDONED_AFTER_MS = 2 * 60_000;

async function holderIsLive(dealId: string): Promise<boolean> {
  const deal = await DealModel.findOne({ _id: dealId }, { status: 1, createdAt: 1 }).lean();
  if (!deal || !OPEN_DEAL_STATUSES.includes(deal.status)) return false;
  return !(deal.status === 'submitted' && Date.now() - new Date(deal.createdAt).getTime() > ABANDONED_AFTER_MS);
}

export function claimCustomer(tenantId: string, dealId: string, partnerId: string, keys: string[]): Promise<ClaimResult> {
  return inTenant(tenantId, async () => {
    const taken: string[] = [];
    const conflicts: ClaimResult['conflicts'] = [];
    let ownedElsewhere = 0;
    for (const customerKey of [...keys].sort()) {
      let decided = false;
      for (let attempt = 0; attempt < 5 && !decided; attempt++) {
        decided = true;
        try {
          await DealClaimModel.create({ _id: newId('dcl'), customerKey, dealId, partnerId, claimedAt: new Date() });
          taken.push(customerKey);
          break;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const holder = await DealClaimModel.findOne({ customerKey }).lean();
        if (!holder) {
          decided = false; // released meanwhile: try the insert again
          continue;
        }
        if (holder.partnerId === partnerId) {
          // The same partner working the same customer again is not a channel conflict.
          ownedElsewhere += 1;
          break;
        }
        if (await holderIsLive(holder.dealId)) {
          conflicts.push({ customerKey, dealId: holder.dealId, partnerId: holder.partnerId });
          break;
        }
        // A stale claim is removed by its own _id, then the insert decides again: the store's
        // conditional updates are not compare-and-set, so only the unique index may arbitrate.
        await DealClaimModel.deleteOne({ _id: holder._id, dealId: holder.dealId });
        decided = false;
      }
      if (!decided) throw new Error(`claim on ${customerKey} kept changing hands; retry the registration`);
    }
    if (conflicts.length > 0) {
      if (taken.length > 0) await DealClaimModel.deleteMany({ dealId, customerKey: { $in: taken } });
      return { held: false, conflicts };
    }
    return { held: taken.length > 0 || ownedElsewhere > 0, conflicts };
  });
}

/** Frees every customer key the deal holds; returns how many it held. */
export async function releaseClaims(tenantId: string, dealId: string): Promise<number> {
  const result = await inTenant(tenantId, () => DealClaimModel.deleteMany({ dealId }));
  return result.deletedCount ?? 0;
}
