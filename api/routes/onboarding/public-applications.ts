import { Type } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Id, Slug } from '../../schemas';
import { Problem, notFound } from '../../problem';
import type { RequestContext } from '../../context';
import { TenantModel, TenantDoc } from '../../../models/tenancy/tenant';
import { DOCUMENT_KINDS, DocumentKind, OnboardingRules } from '../../../domain/onboarding/definition';
import { applyForPartnership, applicantApplication, sendToApplication, agreementHash, recordAcceptanceEvidence } from '../../../services/onboarding/onboarding';
import { acceptAgreementUpdate, submitDocumentsUpdate, resubmitUpdate, withdrawUpdate } from '../../../workflows/onboarding/messages';
import type { PartnerApplicationDoc } from '../../../models/onboarding/partner-application';
import type { Actor } from '../../../domain/onboarding/state';
import { publicDeclineReason } from '../../../domain/onboarding/checks';

/**
 * The applicant's side of onboarding: no API key. The tenant is named by its slug; the
 * application by its id plus the applicant token returned when applying (header
 * X-Applicant-Token). A wrong tenant, id or token all answer 404 alike.
 */
const TOKEN_HEADER = 'x-applicant-token';

async function activeTenant(slug: string): Promise<TenantDoc> {
  const tenant = await TenantModel.findOne({ slug, status: 'active' }).lean();
  if (!tenant) throw notFound(`partner programme ${slug}`);
  return tenant;
}

async function ownApplication(ctx: RequestContext<unknown, unknown, { tenantSlug: string; id: string }>): Promise<{ tenant: TenantDoc; application: PartnerApplicationDoc; actor: Actor }> {
  const tenant = await activeTenant(ctx.params.tenantSlug);
  const token = ctx.headers[TOKEN_HEADER];
  const application = await applicantApplication(tenant._id, ctx.params.id, typeof token === 'string' ? token : undefined);
  if (!application) throw notFound(`application ${ctx.params.id}`);
  // The applicant by application id only: actors go into workflow payloads, which must hold no
  // addresses (the agreement evidence keeps the signer's, in the store).
  return { tenant, application, actor: { type: 'public', id: `applicant:${application._id}` } };
}

const SlugParams = Obj({ tenantSlug: Slug });
const AppParams = Obj({ tenantSlug: Slug, id: Id('app') });
const Document = Obj({
  kind: Type.Union(DOCUMENT_KINDS.map((k) => Type.Literal(k))),
  reference: Type.String({ minLength: 1, maxLength: 500, description: 'where the document is held (upload id, URL of the document store)' }),
});
type DocumentInput = { kind: DocumentKind; reference: string };

const ApplyBody = Obj({
  legalName: Type.String({ minLength: 2, maxLength: 200 }),
  contactName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  email: Type.String({ format: 'email', maxLength: 254 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  taxId: Type.String({ minLength: 2, maxLength: 40 }),
  website: Type.Optional(Type.String({ format: 'uri', maxLength: 300 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,30}$' })),
  invitationToken: Type.Optional(Type.String({ maxLength: 100 })),
});
type ApplyBody = { legalName: string; contactName?: string; email: string; country: string; taxId: string; website?: string; phone?: string; invitationToken?: string };

const ApplicantView = Obj({
  id: Type.String(),
  status: Type.String(),
  currentStep: Type.Union([Type.String(), Type.Null()]),
  agreement: Type.Optional(Obj({ version: Type.String(), title: Type.String(), text: Type.String(), hash: Type.String() })),
  requiredDocuments: Type.Array(Type.String()),
  documents: Type.Array(Type.Object({ kind: Type.String(), reference: Type.String() })),
  changesRequested: Type.Optional(Type.String()),
  closedReason: Type.Optional(Type.String()),
});

async function applicantView(ctx: RequestContext, tenant: TenantDoc, a: PartnerApplicationDoc) {
  const rules = (await ctx.services.ruleSets.version<OnboardingRules>(tenant._id, 'onboarding', a.ruleSetVersion))!.definition;
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

const Answer = Obj({ status: Type.String(), currentStep: Type.Union([Type.String(), Type.Null()]), round: Type.Integer() });

export const publicApplicationRoutes = [
  route<ApplyBody, unknown, { tenantSlug: string }>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications',
    tag: 'Partner onboarding (applicant)',
    summary: "Apply to a tenant's partner programme (no key; rate limited per address). Keep the applicantToken: it is shown only here.",
    access: 'public',
    params: SlugParams,
    body: ApplyBody,
    responses: { 201: { description: 'The application and the applicant token for later steps', schema: Obj({ application: ApplicantView, applicantToken: Type.String() }) } },
    async handler(ctx) {
      const tenant = await activeTenant(ctx.params.tenantSlug);
      const address = ctx.actor.kind === 'public' ? ctx.actor.address : 'unknown';
      const { application, applicantToken } = await applyForPartnership(ctx.services, tenant, ctx.body, {
        address,
        actor: { type: 'public', id: `applicant@${address}` },
        requestId: ctx.requestId,
      });
      return {
        status: 201,
        body: { application: await applicantView(ctx, tenant, application), applicantToken },
        secrets: ['applicantToken'],
        headers: { Location: `/v1/public/${tenant.slug}/partner-applications/${application._id}` },
      };
    },
  }),
  route<unknown, unknown, { tenantSlug: string; id: string }>({
    method: 'get',
    path: '/v1/public/:tenantSlug/partner-applications/:id',
    tag: 'Partner onboarding (applicant)',
    summary: 'Where my application stands, the agreement to accept and the documents asked for (X-Applicant-Token)',
    access: 'public',
    params: AppParams,
    responses: { 200: { description: 'The application as the applicant sees it', schema: ApplicantView } },
    async handler(ctx) {
      const { tenant, application } = await ownApplication(ctx);
      return { status: 200, body: await applicantView(ctx as RequestContext, tenant, application) };
    },
  }),
  route<{ signerName: string; signerEmail: string; agreementVersion: string; agreementHash: string }, unknown, { tenantSlug: string; id: string }>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/agreement-acceptance',
    tag: 'Partner onboarding (applicant)',
    summary: 'Accept the agreement presented (its version and hash); records signer, time and address',
    access: 'public',
    params: AppParams,
    body: Obj({
      signerName: Type.String({ minLength: 1, maxLength: 200 }),
      signerEmail: Type.String({ format: 'email', maxLength: 254 }),
      agreementVersion: Type.String({ minLength: 1, maxLength: 40 }),
      agreementHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    }),
    responses: { 200: { description: 'The application after acceptance', schema: Answer } },
    async handler(ctx) {
      const { tenant, application } = await ownApplication(ctx);
      const address = ctx.actor.kind === 'public' ? ctx.actor.address : 'unknown';
      // Derived from the Idempotency-Key when given, so a retry writes the same evidence.
      const acceptanceId = `acc_${ctx.operation.id('app').slice('app_'.length)}`;
      const acceptedAt = new Date().toISOString();
      await recordAcceptanceEvidence(tenant._id, { acceptanceId, applicationId: application._id, ...ctx.body, ip: address, acceptedAt });
      const answer = await sendToApplication(ctx.services, tenant, application, acceptAgreementUpdate, {
        agreementVersion: ctx.body.agreementVersion, agreementHash: ctx.body.agreementHash, acceptanceId, acceptedAt,
      });
      return { status: 200, body: answer };
    },
  }),
  route<{ documents: DocumentInput[] }, unknown, { tenantSlug: string; id: string }>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/documents',
    tag: 'Partner onboarding (applicant)',
    summary: 'Submit required documents as references (a later submission of a kind replaces the earlier one)',
    access: 'public',
    params: AppParams,
    body: Obj({ documents: Type.Array(Document, { minItems: 1, maxItems: 10 }) }),
    responses: { 200: { description: 'The application after the submission', schema: Answer } },
    async handler(ctx) {
      const { tenant, application, actor } = await ownApplication(ctx);
      const submittedAt = new Date().toISOString();
      const answer = await sendToApplication(ctx.services, tenant, application, submitDocumentsUpdate, { documents: ctx.body.documents.map((d) => ({ ...d, submittedAt })), actor });
      return { status: 200, body: answer };
    },
  }),
  route<{ note: string; documents?: DocumentInput[] }, unknown, { tenantSlug: string; id: string }>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/resubmission',
    tag: 'Partner onboarding (applicant)',
    summary: 'Answer a request for changes (optionally with replacement documents); the review opens again',
    access: 'public',
    params: AppParams,
    body: Obj({ note: Type.String({ minLength: 1, maxLength: 2000 }), documents: Type.Optional(Type.Array(Document, { maxItems: 10 })) }),
    responses: { 200: { description: 'The application after resubmission', schema: Answer } },
    async handler(ctx) {
      const { tenant, application, actor } = await ownApplication(ctx);
      const submittedAt = new Date().toISOString();
      const answer = await sendToApplication(ctx.services, tenant, application, resubmitUpdate, { note: ctx.body.note, documents: (ctx.body.documents ?? []).map((d) => ({ ...d, submittedAt })), actor });
      return { status: 200, body: answer };
    },
  }),
  route<{ reason?: string }, unknown, { tenantSlug: string; id: string }>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/withdrawal',
    tag: 'Partner onboarding (applicant)',
    summary: 'Withdraw the application (until it is approved)',
    access: 'public',
    params: AppParams,
    body: Obj({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }),
    responses: { 200: { description: 'The withdrawn application', schema: Answer } },
    async handler(ctx) {
      const { tenant, application, actor } = await ownApplication(ctx);
      if (application.status === 'provisioning' || application.status === 'enablement') {
        throw new Problem('decision-refused', `the application is ${application.status}; the partner exists and leaves by offboarding, not withdrawal`);
      }
      const answer = await sendToApplication(ctx.services, tenant, application, withdrawUpdate, { reason: ctx.body.reason, actor });
      return { status: 200, body: answer };
    },
  }),
];
