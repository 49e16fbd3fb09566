import { partnerStore, PartnerListFilter } from '../../models/onboarding/partner-repository';
import { applicationStore } from '../../models/onboarding/application-repository';
import type { PartnerDoc, TierChange } from '../../models/onboarding/partner';
import type { AuditActor } from '../../models/tenancy/audit-event';
import type { TenantId } from '../../platform/tenant-id';
import { payoutEligibility } from '../../domain/onboarding/compliance';
import { PAYOUT_DOCUMENTS } from '../../domain/onboarding/definition';
import { CLOSED_STATUSES } from '../../domain/onboarding/state';
import { invalid, notFound } from '../../domain/errors';
import { completeTrainingUpdate } from '../../workflows/onboarding/messages';
import type { AuditLog } from '../tenancy/audit';
import { withAudit, type KeyedAuditInput } from '../tenancy/outbox';
import type { Services } from '..';
import { liveState, sendToApplication, Placement, RequestBy } from './onboarding';

/**
 * A tenant's partners once onboarded: who they are, their effective-dated tiers, compliance
 * documents and training. Other areas (deals, tiers, payouts) read partners through here.
 */

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

export async function tierAt(tenantId: TenantId, partnerId: string, at: Date): Promise<string | undefined> {
  const partner = await partnerStore(tenantId).tierHistoryOf(partnerId);
  return partner ? tierInForce(partner.tierHistory, at) : undefined;
}

export function getPartner(tenantId: TenantId, partnerId: string): Promise<PartnerDoc | null> {
  return partnerStore(tenantId).byId(partnerId);
}

/** One more than `limit`, newest first. */
export function listPartners(tenantId: TenantId, filter: PartnerListFilter): Promise<PartnerDoc[]> {
  return partnerStore(tenantId).list(filter);
}

/**
 * The partner, as the caller may see it: a partner key (`onlyPartnerId`) sees only its own
 * partner, and anything else looks like "not found".
 */
export async function visiblePartner(tenantId: TenantId, partnerId: string, onlyPartnerId?: string): Promise<PartnerDoc> {
  const partner = onlyPartnerId === undefined || onlyPartnerId === partnerId ? await getPartner(tenantId, partnerId) : null;
  if (!partner) throw notFound(`partner ${partnerId}`);
  return partner;
}

/** Active partners after `after` in id order, with their name and current tier. */
export function activePartnersAfter(tenantId: TenantId, after: string, limit: number): Promise<Pick<PartnerDoc, '_id' | 'name' | 'tier'>[]> {
  return partnerStore(tenantId).activeAfter(after, limit);
}

/** The training modules each partner completed. */
export async function completedTraining(tenantId: TenantId, partnerIds: string[]): Promise<Map<string, string[]>> {
  const partners = await partnerStore(tenantId).trainingOf(partnerIds);
  return new Map(partners.map((p) => [p._id, (p.training ?? []).map((t) => t.module)]));
}

/** Payouts ask this before paying: a partner that is not eligible is held, with the reasons. */
export async function payoutHold(tenantId: TenantId, partnerId: string): Promise<{ hold: boolean; reasons: string[] }> {
  const partner = await getPartner(tenantId, partnerId);
  if (!partner) return { hold: true, reasons: ['partner does not exist'] };
  const { eligible, reasons } = payoutEligibility(partner.status, partner.documents ?? []);
  return { hold: !eligible, reasons };
}

/**
 * The tier history and payout hold of many partners at once (one read), as a payout run's snapshot
 * takes them per batch; a partner that does not exist is held and has no tiers.
 */
export async function payoutFactsOf(tenantId: TenantId, partnerIds: string[]): Promise<Map<string, { tierHistory: TierChange[]; hold: { hold: boolean; reasons: string[] } }>> {
  const found = new Map((await partnerStore(tenantId).payoutFactsOf(partnerIds)).map((p) => [p._id, p]));
  return new Map(partnerIds.map((id) => {
    const partner = found.get(id);
    if (!partner) return [id, { tierHistory: [], hold: { hold: true, reasons: ['partner does not exist'] } }];
    const { eligible, reasons } = payoutEligibility(partner.status, partner.documents ?? []);
    return [id, { tierHistory: partner.tierHistory ?? [], hold: { hold: !eligible, reasons } }];
  }));
}

/**
 * Marks a submitted compliance document verified; payout eligibility follows. Audited through
 * the outbox, and on every attempt (the key makes it once): a retry after a crash between the
 * verification and its event still records it.
 */
export async function verifyPartnerDocument(
  services: Services,
  tenantId: TenantId,
  partnerId: string,
  kind: string,
  by: RequestBy,
): Promise<PartnerDoc> {
  const partner = await visiblePartner(tenantId, partnerId);
  if (!(partner.documents ?? []).some((d) => d.kind === kind)) {
    throw invalid('body.kind', `the partner has not submitted a ${kind}; submitted: ${(partner.documents ?? []).map((d) => d.kind).join(', ') || 'none'}`);
  }
  const event: KeyedAuditInput = {
    actor: by.actor,
    action: 'partner.document-verified',
    entity: { type: 'partner', id: partner._id },
    data: { kind, payoutDocument: PAYOUT_DOCUMENTS.includes(kind as never) },
    requestId: by.requestId,
    eventKey: `partner.document-verified:${partner._id}:${kind}`,
  };
  const check = { model: 'Partner', filter: { _id: partner._id, documents: { $elemMatch: { kind, verifiedAt: { $ne: null } } } } };
  return withAudit(services, tenantId, event, check, () => markVerified(tenantId, partner._id, kind, by.actor.id, new Date()));
}

/**
 * Sets the document's verification and recomputes payout eligibility, as a compare-and-set on
 * updatedAt retried on a race. An already verified document keeps its first verification.
 */
async function markVerified(tenantId: TenantId, partnerId: string, kind: string, verifiedBy: string, at: Date): Promise<PartnerDoc> {
  const store = partnerStore(tenantId);
  for (let attempt = 0; attempt < 10; attempt++) {
    const partner = await store.byId(partnerId);
    if (!partner) throw notFound(`partner ${partnerId}`);
    const documents = (partner.documents ?? []).map((d) => (d.kind === kind && !d.verifiedAt ? { ...d, verifiedAt: at, verifiedBy } : d));
    const eligibility = payoutEligibility(partner.status, documents);
    if (await store.setDocumentsIfUnchanged(partner, documents, eligibility)) return { ...partner, documents, payoutEligibility: eligibility };
  }
  throw new Error(`partner ${partnerId} kept changing while verifying ${kind}`);
}

/**
 * Records a completed training module, by the partner itself or a tenant-admin. While the
 * partner's enablement runs, its workflow owns training progress and decides good standing, so
 * the completion goes to it; otherwise it is recorded here. Completing a module twice changes
 * nothing and answers as the first time did.
 */
export async function completeTraining(
  services: Services,
  tenantId: TenantId,
  placement: Placement,
  partnerId: string,
  module: string,
  by: RequestBy & { onlyPartnerId?: string },
): Promise<PartnerDoc> {
  const partner = await visiblePartner(tenantId, partnerId, by.onlyPartnerId);
  if ((partner.training ?? []).some((t) => t.module === module)) return partner;
  const completedAt = new Date().toISOString();
  const application = partner.applicationId ? await applicationStore(tenantId).forStaff(partner.applicationId) : null;
  // The workflow's own state decides, not the read model, which may lag it by a moment.
  const live = application && !CLOSED_STATUSES.includes(application.status) ? await liveState(services, tenantId, placement, application._id) : null;
  if (application && live?.status === 'enablement') {
    await sendToApplication(services, tenantId, placement, application, completeTrainingUpdate, { module, completedAt, actor: by.actor });
  } else {
    await recordTrainingCompletion(services.audit, tenantId, { partnerId: partner._id, module, completedAt, actor: by.actor, requestId: by.requestId });
  }
  return (await getPartner(tenantId, partner._id))!;
}

/**
 * Records a completed training module once (the first completion time is kept) and audits it
 * once: used by the enablement workflow's activity and outside enablement.
 */
export async function recordTrainingCompletion(
  audit: AuditLog,
  tenantId: TenantId,
  completion: { partnerId: string; module: string; completedAt: string; actor: AuditActor; requestId?: string },
): Promise<void> {
  const { partnerId, module, completedAt, actor, requestId } = completion;
  await partnerStore(tenantId).addTraining(partnerId, module, new Date(completedAt));
  await audit.record(tenantId, {
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
export function changeTier(tenantId: TenantId, partnerId: string, change: TierChange & { source: string }): Promise<boolean> {
  return partnerStore(tenantId).changeTierOnce(partnerId, change);
}
