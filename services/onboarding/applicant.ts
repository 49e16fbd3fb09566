import { applicationStore } from '../../models/onboarding/application-repository';
import type { PartnerApplicationDoc } from '../../models/onboarding/partner-application';
import { TenantModel } from '../../models/tenancy/tenant';
import type { AuditActor } from '../../models/tenancy/audit-event';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { hashKey, sameHash } from '../../domain/tenancy/api-key-format';
import { publicDeclineReason } from '../../domain/onboarding/checks';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import type { Actor, SubmittedDocument } from '../../domain/onboarding/state';
import { isSecretOf } from '../../domain/onboarding/secrets';
import { DomainError, notFound } from '../../domain/errors';
import { acceptAgreementUpdate, submitDocumentsUpdate, resubmitUpdate, withdrawUpdate, OnboardingAnswer } from '../../workflows/onboarding/messages';
import type { Services } from '..';
import { withHistory } from './application-history';
import { agreementHash, applyForPartnership, sendToApplication, ApplyInput, Placement } from './onboarding';

/**
 * The applicant's side of onboarding, without an API key: the tenant is named by its slug, the
 * application by its id plus the applicant token returned when applying. A wrong tenant, id or
 * token all refuse alike, as not found.
 */
interface Programme {
  tenantId: TenantId;
  placement: Placement;
}

/** What an applicant's request names: the programme, the application and the applicant's token. */
export interface ApplicantRequest {
  slug: string;
  applicationId: string;
  token: string | undefined;
}

type DocumentInput = Omit<SubmittedDocument, 'submittedAt'>;

async function programme(slug: string): Promise<Programme> {
  const tenant = await TenantModel.findOne({ slug, status: 'active' }).lean();
  if (!tenant) throw notFound(`partner programme ${slug}`);
  return { tenantId: asTenantId(tenant._id), placement: tenant.placement };
}

async function ownApplication(request: ApplicantRequest): Promise<Programme & { application: PartnerApplicationDoc; actor: Actor }> {
  const found = await programme(request.slug);
  const { token, applicationId } = request;
  const doc = token && isSecretOf('tra', token) ? await applicationStore(found.tenantId).byId(applicationId) : null;
  if (!doc || !sameHash(doc.applicantTokenHash, hashKey(token!))) throw notFound(`application ${applicationId}`);
  const [application] = await withHistory(found.tenantId, [doc], { history: false });
  // The applicant by application id only: actors go into workflow payloads, which must hold no
  // addresses (the agreement evidence keeps the signer's, in the store).
  return { ...found, application, actor: { type: 'public', id: `applicant:${application._id}` } };
}

/** The application as its applicant sees it: what to accept and submit next, never staff detail. */
async function applicantView(services: Services, tenantId: TenantId, a: PartnerApplicationDoc) {
  const rules = (await services.ruleSets.version<OnboardingRules>(tenantId, 'onboarding', a.ruleSetVersion))!.definition;
  const lastDecision = a.review?.decisions?.[a.review.decisions.length - 1];
  return {
    id: a._id,
    status: a.status,
    currentStep: a.currentStep ?? null,
    ...(a.status === 'awaiting-agreement' ? { agreement: { ...rules.agreement, hash: agreementHash(rules.agreement) } } : {}),
    requiredDocuments: rules.documents.required,
    documents: (a.documents ?? []).map((d) => ({ kind: d.kind, reference: d.reference })),
    ...(a.status === 'changes-requested' && lastDecision?.reason ? { changesRequested: lastDecision.reason } : {}),
    // A decline's detail (matches with other records, the deny list) is for staff only.
    ...(a.status === 'declined' ? { closedReason: publicDeclineReason(a.findings ?? []) } : a.closedReason ? { closedReason: a.closedReason } : {}),
  };
}

type ApplicantView = Awaited<ReturnType<typeof applicantView>>;

/** Applies from `address` (no key); the applicant token is answered only here. */
export async function applyToProgramme(services: Services, slug: string, input: ApplyInput, context: { address: string; requestId: string }) {
  const { tenantId, placement } = await programme(slug);
  const actor: AuditActor = { type: 'public', id: `applicant@${context.address}` };
  const { application, applicantToken } = await applyForPartnership(services, tenantId, placement, input, { ...context, actor });
  return { application: await applicantView(services, tenantId, application), applicantToken };
}

export async function applicantStanding(services: Services, request: ApplicantRequest): Promise<ApplicantView> {
  const { tenantId, application } = await ownApplication(request);
  return applicantView(services, tenantId, application);
}

/**
 * Accepts the agreement presented. Who accepts, from where, is stored as evidence before the
 * acceptance goes to the workflow (which sees only its id); upserted by id, so a retried request
 * writes the same evidence, and one the workflow refuses is never referenced.
 */
export async function acceptAgreement(
  services: Services,
  request: ApplicantRequest,
  acceptance: { acceptanceId: string; signerName: string; signerEmail: string; agreementVersion: string; agreementHash: string; ip: string },
): Promise<OnboardingAnswer> {
  const { tenantId, placement, application } = await ownApplication(request);
  const { acceptanceId, ...evidence } = acceptance;
  const acceptedAt = new Date().toISOString();
  await applicationStore(tenantId).recordAcceptance(acceptanceId, {
    ...evidence, applicationId: application._id, signerEmail: evidence.signerEmail.trim().toLowerCase(), acceptedAt: new Date(acceptedAt),
  });
  return sendToApplication(services, tenantId, placement, application, acceptAgreementUpdate, {
    agreementVersion: acceptance.agreementVersion, agreementHash: acceptance.agreementHash, acceptanceId, acceptedAt,
  });
}

/** Documents as references; a later submission of a kind replaces the earlier one. */
export async function submitDocuments(services: Services, request: ApplicantRequest, documents: DocumentInput[]): Promise<OnboardingAnswer> {
  const { tenantId, placement, application, actor } = await ownApplication(request);
  const submittedAt = new Date().toISOString();
  return sendToApplication(services, tenantId, placement, application, submitDocumentsUpdate, { documents: documents.map((d) => ({ ...d, submittedAt })), actor });
}

/** Answers a request for changes, optionally with replacement documents; the review opens again. */
export async function resubmitApplication(services: Services, request: ApplicantRequest, resubmission: { note: string; documents: DocumentInput[] }): Promise<OnboardingAnswer> {
  const { tenantId, placement, application, actor } = await ownApplication(request);
  const submittedAt = new Date().toISOString();
  return sendToApplication(services, tenantId, placement, application, resubmitUpdate, { note: resubmission.note, documents: resubmission.documents.map((d) => ({ ...d, submittedAt })), actor });
}

/** Withdraws the application until it is approved; after that the partner exists and leaves by offboarding. */
export async function withdrawApplication(services: Services, request: ApplicantRequest, reason: string | undefined): Promise<OnboardingAnswer> {
  const { tenantId, placement, application, actor } = await ownApplication(request);
  if (application.status === 'provisioning' || application.status === 'enablement') {
    throw new DomainError('decision-refused', `the application is ${application.status}; the partner exists and leaves by offboarding, not withdrawal`);
  }
  return sendToApplication(services, tenantId, placement, application, withdrawUpdate, { reason, actor });
}
