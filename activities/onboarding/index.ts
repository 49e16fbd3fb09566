import { Context } from '@temporalio/activity';
import type { PartnerApplicationDoc } from '../../models/onboarding/partner-application';
import { applicationStore, ApplicationEventInput } from '../../models/onboarding/application-repository';
import { partnerStore } from '../../models/onboarding/partner-repository';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { screenApplicant, possibleDuplicates, isCompanyDomain, CheckFinding } from '../../domain/onboarding/checks';
import type { Actor, PartnerKeyMaterial } from '../../domain/onboarding/state';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import { payoutEligibility } from '../../domain/onboarding/compliance';
import { recordTrainingCompletion } from '../../services/onboarding/partners';
import { agreementHash } from '../../services/onboarding/onboarding';
import type { Services } from '../../services';

const SYSTEM: Actor = { type: 'system', id: 'partner-onboarding' };

/** Tells Temporal the attempt is alive (a dead worker's attempt is then retried at the heartbeat timeout). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity (tests call activities directly): nothing to report to.
  }
}

/** Fields of the application read model the workflow may set. */
export type ApplicationPatch = Partial<{
  status: PartnerApplicationDoc['status'];
  currentStep: string | null;
  findings: CheckFinding[];
  agreement: Record<string, unknown>;
  documents: { kind: string; reference: string; submittedAt: string }[];
  'review.round': number;
  'review.dueAt': string;
  'review.escalatedAt': string;
  'review.escalatedTo': string;
  enablement: { modules: string[]; completed: string[]; dueAt?: string; overdue: boolean };
  closedReason: string;
  closedAt: string;
}>;

/** One step of progress: a history entry (with its reminder or decision), what it sets on the read model, its audit. */
export interface Progress extends ApplicationEventInput {
  set?: ApplicationPatch;
  /** The audit action this progress is, when it is a state change worth auditing. */
  audit?: string;
}

export interface ProvisionRequest {
  applicationId: string;
  partnerId: string;
  initialTier: string;
  partnerKey: PartnerKeyMaterial;
  approvedBy: Actor;
  effectiveFrom: string;
  enablementDueAt?: string;
}

/** Activities of partner onboarding. Each is idempotent: Temporal may run it more than once. */
export function createOnboardingActivities({ services }: { services: Services }) {
  const { ruleSets, audit, apiKeys } = services;

  async function applicationOrThrow(tenantId: TenantId, applicationId: string): Promise<PartnerApplicationDoc> {
    const doc = await applicationStore(tenantId).byId(applicationId);
    if (!doc) throw new Error(`application ${applicationId} does not exist in tenant ${tenantId}`);
    return doc;
  }

  return {
    /** Pins the rule-set version the application started with, and the agreement's hash. */
    async loadOnboardingRules(tenantId: string, version: number): Promise<{ version: number; rules: OnboardingRules; agreementHash: string }> {
      const found = await ruleSets.version<OnboardingRules>(asTenantId(tenantId), 'onboarding', version);
      if (!found) throw new Error(`onboarding rule set version ${version} does not exist in tenant ${tenantId}`);
      return { version, rules: found.definition, agreementHash: agreementHash(found.definition.agreement) };
    },

    /**
     * Required fields, tax id format, duplicates and the deny list. Only a match with an existing
     * partner declines as a duplicate: earlier open applications are unverified (anyone can apply
     * with a company's tax id), so a match with one is recorded on the application for the
     * reviewer instead, and the application goes on to review.
     */
    async runAutomatedChecks(rawTenantId: string, applicationId: string, checks: OnboardingRules['checks']): Promise<CheckFinding[]> {
      const tenantId = asTenantId(rawTenantId);
      const app = await applicationOrThrow(tenantId, applicationId);
      const { taxId, emailDomain } = app.applicant;
      const companyDomain = isCompanyDomain(emailDomain, checks);
      const partners = partnerStore(tenantId);
      const applications = applicationStore(tenantId);
      const [partnersByTax, appsByTax, partnersByDomain, appsByDomain] = await Promise.all([
        partners.liveIdsByTaxId(taxId),
        applications.openIdsByTaxId(taxId, applicationId),
        companyDomain ? partners.liveIdsByEmailDomain(emailDomain) : [],
        companyDomain ? applications.openIdsByEmailDomain(emailDomain, applicationId) : [],
      ]);
      const ids = (docs: { _id: string }[]) => docs.map((d) => d._id);
      const flags = possibleDuplicates(app.applicant, checks, { byTaxId: ids(appsByTax), byEmailDomain: ids(appsByDomain) });
      await applications.setPossibleDuplicates(applicationId, flags);
      return screenApplicant(app.applicant, checks, { byTaxId: ids(partnersByTax), byEmailDomain: ids(partnersByDomain) });
    },

    /**
     * Writes one step of progress to the read model and the audit log. The entry is its own
     * document under a unique (tenantId, applicationId, seq) index, so a retry, or a zombie attempt
     * running beside it, cannot record it twice; the patch is set only by the newest seq.
     */
    async recordProgress(rawTenantId: string, applicationId: string, progress: Progress): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      const applications = applicationStore(tenantId);
      await applications.appendEvent(applicationId, progress);
      if (progress.set && Object.keys(progress.set).length > 0) await applications.applyProgress(applicationId, progress.entry.seq, progress.set);
      if (progress.audit) {
        await audit.record(asTenantId(tenantId), {
          actor: progress.entry.actor ?? SYSTEM,
          action: progress.audit,
          entity: { type: 'partner-application', id: applicationId },
          data: { step: progress.entry.step, event: progress.entry.event, detail: progress.entry.detail, ...(progress.set?.status ? { status: progress.set.status } : {}) },
          eventKey: `partner-application:${applicationId}:${progress.entry.seq}`,
        });
      }
    },

    /**
     * Makes the partner active with its initial tier and documents, and stores its API key (only
     * the hash, made by the API at approval; the key itself never enters workflow history).
     */
    async provisionPartner(rawTenantId: string, request: ProvisionRequest): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      const app = await applicationOrThrow(tenantId, request.applicationId);
      heartbeat();
      const documents = app.documents.map((d) => ({ kind: d.kind, reference: d.reference, submittedAt: d.submittedAt }));
      await partnerStore(tenantId).createOnce(request.partnerId, {
        name: app.applicant.legalName,
        contactName: app.applicant.contactName,
        email: app.applicant.email,
        emailDomain: app.applicant.emailDomain,
        country: app.applicant.country,
        taxId: app.applicant.taxId,
        status: 'active',
        tier: request.initialTier,
        tierHistory: [{ tier: request.initialTier, effectiveFrom: new Date(request.effectiveFrom), reason: 'initial tier at onboarding', changedBy: request.approvedBy.id, source: `onboarding:${request.applicationId}` }],
        goodStanding: true,
        payoutEligibility: payoutEligibility('active', documents),
        applicationId: request.applicationId,
        documents,
        training: [],
        ...(request.enablementDueAt ? { enablementDueAt: new Date(request.enablementDueAt) } : {}),
      });
      heartbeat();
      await apiKeys.store(asTenantId(tenantId), request.partnerKey, { name: `${app.applicant.legalName} partner key`.slice(0, 120), role: 'partner', partyId: request.partnerId, createdBy: request.approvedBy.id });
      heartbeat();
      await audit.record(asTenantId(tenantId), {
        actor: request.approvedBy,
        action: 'partner.activated',
        entity: { type: 'partner', id: request.partnerId },
        data: { applicationId: request.applicationId, tier: request.initialTier, effectiveFrom: request.effectiveFrom },
        eventKey: `partner.activated:${request.partnerId}`,
      });
      await audit.record(asTenantId(tenantId), {
        actor: request.approvedBy,
        action: 'api-key.created',
        entity: { type: 'api-key', id: request.partnerKey.keyId },
        data: { role: 'partner', partyId: request.partnerId, via: 'onboarding' },
        eventKey: `api-key.created:${request.partnerKey.keyId}`,
      });
    },

    /** Overdue enablement takes good standing away; completing it later gives it back. */
    async setGoodStanding(rawTenantId: string, partnerId: string, goodStanding: boolean, reason: string, seq: number): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      await partnerStore(tenantId).setGoodStanding(partnerId, goodStanding);
      await audit.record(tenantId, {
        actor: SYSTEM,
        action: goodStanding ? 'partner.good-standing-restored' : 'partner.good-standing-lost',
        entity: { type: 'partner', id: partnerId },
        data: { reason },
        eventKey: `partner.good-standing:${partnerId}:${seq}`,
      });
    },

    async completedTraining(tenantId: string, partnerId: string): Promise<string[]> {
      const [partner] = await partnerStore(asTenantId(tenantId)).trainingOf([partnerId]);
      return (partner?.training ?? []).map((t) => t.module);
    },

    async recordTrainingCompleted(tenantId: string, partnerId: string, module: string, completedAt: string, actor: Actor): Promise<void> {
      await recordTrainingCompletion(audit, asTenantId(tenantId), { partnerId, module, completedAt, actor });
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
