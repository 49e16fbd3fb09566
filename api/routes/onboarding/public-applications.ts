import { Type, type Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Id, Slug } from '../../schemas';
import type { RequestContext } from '../../context';
import { DOCUMENT_KINDS } from '../../../domain/onboarding/definition';
import {
  applyToProgramme, applicantStanding, acceptAgreement, submitDocuments, resubmitApplication, withdrawApplication, ApplicantRequest,
} from '../../../services/onboarding/applicant';

/**
 * The applicant's side of onboarding: no API key. The tenant is named by its slug; the
 * application by its id plus the applicant token returned when applying (header
 * X-Applicant-Token). A wrong tenant, id or token all answer 404 alike.
 */
const TOKEN_HEADER = 'x-applicant-token';

const SlugParams = Obj({ tenantSlug: Slug });
const AppParams = Obj({ tenantSlug: Slug, id: Id('app') });
type AppParams = Static<typeof AppParams>;

function applicantRequest(ctx: RequestContext<unknown, unknown, AppParams>): ApplicantRequest {
  const token = ctx.headers[TOKEN_HEADER];
  return { slug: ctx.params.tenantSlug, applicationId: ctx.params.id, token: typeof token === 'string' ? token : undefined };
}

const addressOf = (ctx: RequestContext<unknown, unknown, unknown>): string => (ctx.actor.kind === 'public' ? ctx.actor.address : 'unknown');

const Document = Obj({
  kind: Type.Union(DOCUMENT_KINDS.map((k) => Type.Literal(k))),
  reference: Type.String({ minLength: 1, maxLength: 500, description: 'where the document is held (upload id, URL of the document store)' }),
});

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

const AcceptanceBody = Obj({
  signerName: Type.String({ minLength: 1, maxLength: 200 }),
  signerEmail: Type.String({ format: 'email', maxLength: 254 }),
  agreementVersion: Type.String({ minLength: 1, maxLength: 40 }),
  agreementHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
const DocumentsBody = Obj({ documents: Type.Array(Document, { minItems: 1, maxItems: 10 }) });
const ResubmissionBody = Obj({ note: Type.String({ minLength: 1, maxLength: 2000 }), documents: Type.Optional(Type.Array(Document, { maxItems: 10 })) });
const WithdrawalBody = Obj({ reason: Type.Optional(Type.String({ maxLength: 2000 })) });

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

const Answer = Obj({ status: Type.String(), currentStep: Type.Union([Type.String(), Type.Null()]), round: Type.Integer() });

export const publicApplicationRoutes = [
  route<Static<typeof ApplyBody>, unknown, Static<typeof SlugParams>>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications',
    tag: 'Partner onboarding (applicant)',
    summary: "Apply to a tenant's partner programme (no key; rate limited per address). Keep the applicantToken: it is shown only here.",
    access: 'public',
    params: SlugParams,
    body: ApplyBody,
    responses: { 201: { description: 'The application and the applicant token for later steps', schema: Obj({ application: ApplicantView, applicantToken: Type.String() }) } },
    async handler(ctx) {
      const { tenantSlug } = ctx.params;
      const body = await applyToProgramme(ctx.services, tenantSlug, ctx.body, { address: addressOf(ctx), requestId: ctx.requestId });
      return {
        status: 201,
        body,
        secrets: ['applicantToken'],
        headers: { Location: `/v1/public/${tenantSlug}/partner-applications/${body.application.id}` },
      };
    },
  }),
  route<unknown, unknown, AppParams>({
    method: 'get',
    path: '/v1/public/:tenantSlug/partner-applications/:id',
    tag: 'Partner onboarding (applicant)',
    summary: 'Where my application stands, the agreement to accept and the documents asked for (X-Applicant-Token)',
    access: 'public',
    params: AppParams,
    responses: { 200: { description: 'The application as the applicant sees it', schema: ApplicantView } },
    async handler(ctx) {
      return { status: 200, body: await applicantStanding(ctx.services, applicantRequest(ctx)) };
    },
  }),
  route<Static<typeof AcceptanceBody>, unknown, AppParams>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/agreement-acceptance',
    tag: 'Partner onboarding (applicant)',
    summary: 'Accept the agreement presented (its version and hash); records signer, time and address',
    access: 'public',
    params: AppParams,
    body: AcceptanceBody,
    responses: { 200: { description: 'The application after acceptance', schema: Answer } },
    async handler(ctx) {
      // Derived from the Idempotency-Key when given, so a retry writes the same evidence.
      const acceptanceId = `acc_${ctx.operation.id('app').slice('app_'.length)}`;
      const answer = await acceptAgreement(ctx.services, applicantRequest(ctx), { ...ctx.body, acceptanceId, ip: addressOf(ctx) });
      return { status: 200, body: answer };
    },
  }),
  route<Static<typeof DocumentsBody>, unknown, AppParams>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/documents',
    tag: 'Partner onboarding (applicant)',
    summary: 'Submit required documents as references (a later submission of a kind replaces the earlier one)',
    access: 'public',
    params: AppParams,
    body: DocumentsBody,
    responses: { 200: { description: 'The application after the submission', schema: Answer } },
    async handler(ctx) {
      return { status: 200, body: await submitDocuments(ctx.services, applicantRequest(ctx), ctx.body.documents) };
    },
  }),
  route<Static<typeof ResubmissionBody>, unknown, AppParams>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/resubmission',
    tag: 'Partner onboarding (applicant)',
    summary: 'Answer a request for changes (optionally with replacement documents); the review opens again',
    access: 'public',
    params: AppParams,
    body: ResubmissionBody,
    responses: { 200: { description: 'The application after resubmission', schema: Answer } },
    async handler(ctx) {
      return { status: 200, body: await resubmitApplication(ctx.services, applicantRequest(ctx), { note: ctx.body.note, documents: ctx.body.documents ?? [] }) };
    },
  }),
  route<Static<typeof WithdrawalBody>, unknown, AppParams>({
    method: 'post',
    path: '/v1/public/:tenantSlug/partner-applications/:id/withdrawal',
    tag: 'Partner onboarding (applicant)',
    summary: 'Withdraw the application (until it is approved)',
    access: 'public',
    params: AppParams,
    body: WithdrawalBody,
    responses: { 200: { description: 'The withdrawn application', schema: Answer } },
    async handler(ctx) {
      return { status: 200, body: await withdrawApplication(ctx.services, applicantRequest(ctx), ctx.body.reason) };
    },
  }),
];
