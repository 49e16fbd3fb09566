import { PartnerModel, PartnerDoc, TierChange } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { payoutEligibility } from '../../domain/onboarding/compliance';
import type { AuditLog } from '../tenancy/audit';
import type { AuditActor } from '../../models/tenancy/audit-event';
import { asTenantId } from '../../platform/tenant-id';

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

export interface PartnerListFilter {
  status?: PartnerDoc['status'];
  tier?: string;
  /** A partner key lists only itself. */
  onlyPartnerId?: string;
  before?: string;
  limit: number;
}

export function listPartners(tenantId: string, filter: PartnerListFilter): Promise<PartnerDoc[]> {
  return inTenant(tenantId, () => {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.tier) query.tier = filter.tier;
    if (filter.before) query._id = { $lt: filter.before };
    if (filter.onlyPartnerId) query._id = filter.before ? { $lt: filter.before, $eq: filter.onlyPartnerId } : filter.onlyPartnerId;
    return PartnerModel.find(query).sort({ _id: -1 }).limit(filter.limit + 1).lean();
  });
}

/** Payouts ask this before paying: a partner that is not eligible is held, with the reasons. */
export async function payoutHold(tenantId: string, partnerId: string): Promise<{ hold: boolean; reasons: string[] }> {
  const partner = await getPartner(tenantId, partnerId);
  if (!partner) return { hold: true, reasons: ['partner does not exist'] };
  const { eligible, reasons } = payoutEligibility(partner.status, partner.documents ?? []);
  return { hold: !eligible, reasons };
}

/**
 * Marks a compliance document verified and recomputes payout eligibility. The store has no
 * positional array updates, so this is a compare-and-set on updatedAt, retried on a race.
 * Idempotent: an already verified document keeps its first verification.
 */
export function verifyPartnerDocument(tenantId: string, partnerId: string, kind: string, verifiedBy: string, at: Date): Promise<PartnerDoc | null> {
  return inTenant(tenantId, async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const partner = await PartnerModel.findOne({ _id: partnerId }).lean();
      if (!partner) return null;
      const documents = (partner.documents ?? []).map((d) => (d.kind === kind && !d.verifiedAt ? { ...d, verifiedAt: at, verifiedBy } : d));
      const eligibility = payoutEligibility(partner.status, documents);
      const result = await PartnerModel.updateOne({ _id: partnerId, updatedAt: partner.updatedAt }, { $set: { documents, payoutEligibility: eligibility } });
      if (result.matchedCount === 1) return { ...partner, documents, payoutEligibility: eligibility };
    }
    throw new Error(`partner ${partnerId} kept changing while verifying ${kind}`);
  });
}

/**
 * Records a completed training module once (the first completion time is kept) and audits it
 * once: used by the enablement workflow's activity and by the API outside enablement.
 */
export async function recordTrainingCompletion(
  audit: AuditLog,
  tenantId: string,
  completion: { partnerId: string; module: string; completedAt: string; actor: AuditActor; requestId?: string },
): Promise<void> {
  const { partnerId, module, completedAt, actor, requestId } = completion;
  await inTenant(tenantId, () =>
    PartnerModel.updateOne({ _id: partnerId, 'training.module': { $ne: module } }, { $push: { training: { module, completedAt: new Date(completedAt) } } }),
  );
  await audit.record(asTenantId(tenantId), {
    actor,
    action: 'partner.training-completed',
    entity: { type: 'partner', id: partnerId },
    data: { module, completedAt },
    requestId,
    eventKey: `partner.training-completed:${partnerId}:${module}`,
  });
}

/**
 * Appends an effective-dated tier change and moves the current tier, once per source: a retried
 * review or onboarding step finds its change already there and does nothing.
 */
export function changeTier(tenantId: string, partnerId: string, change: TierChange & { source: string }): Promise<boolean> {
  return inTenant(tenantId, async () => {
    const result = await PartnerModel.updateOne(
      { _id: partnerId, 'tierHistory.source': { $ne: change.source } },
      { $push: { tierHistory: change }, $set: { tier: change.tier } },
    );
    return result.modifiedCount === 1;
  });
}
