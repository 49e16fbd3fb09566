import { PartnerModel, PartnerDoc, TierChange } from '../models/partner';
import { inTenant } from '../platform/tenant-context';

/** The tier in force for a partner at `at`, from its effective-dated tier history. */
export function tierInForce(history: TierChange[], at: Date): string | undefined {
  let current: TierChange | undefined;
  for (const change of history) {
    if (new Date(change.effectiveFrom).getTime() <= at.getTime() && (!current || new Date(change.effectiveFrom) >= new Date(current.effectiveFrom))) {
      current = change;
    }
  }
  return current?.tier;
}

export async function tierAt(tenantId: string, partnerId: string, at: Date): Promise<string | undefined> {
  const partner = await inTenant(tenantId, () => PartnerModel.findOne({ _id: partnerId }, { tierHistory: 1 }).lean());
  return partner ? tierInForce(partner.tierHistory, at) : undefined;
}

export function getPartner(tenantId: string, partnerId: string): Promise<PartnerDoc | null> {
  return inTenant(tenantId, () => PartnerModel.findOne({ _id: partnerId }).lean());
}
