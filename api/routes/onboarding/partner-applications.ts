import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, type Paged } from '../../schemas';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { APPLICATION_STATUSES } from '../../../domain/onboarding/state';
import { getApplication, listApplications, decideApplication } from '../../../services/onboarding/onboarding';
import type { PartnerApplicationDoc } from '../../../models/onboarding/partner-application';

const iso = (d?: Date | string | null) => (d ? new Date(d).toISOString() : undefined);

/** The staff view of an application; the applicant's token hash never leaves the store. */
const ApplicationView = Type.Object({
  id: Type.String(),
  partnerId: Type.String({ description: 'reserved at application; the partner record exists once provisioned' }),
  source: Type.String(),
  invitationId: Type.Optional(Type.String()),
  applicant: Type.Record(Type.String(), Type.String()),
  status: Type.String({ enum: [...APPLICATION_STATUSES] }),
  currentStep: Type.Union([Type.String(), Type.Null()]),
  ruleSetVersion: Type.Integer(),
  findings: Type.Array(Type.Object({ code: Type.String(), field: Type.String(), detail: Type.String() })),
  possibleDuplicates: Type.Array(Type.Object({ code: Type.String(), field: Type.String(), matches: Type.Array(Type.String()) }), { description: 'open applications sharing the tax id or company email domain, for the reviewer to weigh; they do not decline' }),
  agreement: Type.Optional(Type.Record(Type.String(), Type.String())),
  documents: Type.Array(Type.Object({ kind: Type.String(), reference: Type.String(), submittedAt: Type.String() })),
  review: Type.Object({ round: Type.Integer(), dueAt: Type.Optional(Type.String()), escalatedAt: Type.Optional(Type.String()), escalatedTo: Type.Optional(Type.String()), decisions: Type.Array(Type.Unknown()) }),
  reminders: Type.Array(Type.Object({ step: Type.String(), to: Type.String(), at: Type.String() })),
  enablement: Type.Optional(Type.Unknown()),
  closedReason: Type.Optional(Type.String()),
  closedAt: Type.Optional(Type.String()),
  history: Type.Optional(Type.Array(Type.Unknown())),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

function applicationView(a: PartnerApplicationDoc) {
  return {
    id: a._id,
    partnerId: a.partnerId,
    source: a.source,
    invitationId: a.invitationId,
    applicant: a.applicant,
    status: a.status,
    currentStep: a.currentStep ?? null,
    ruleSetVersion: a.ruleSetVersion,
    findings: a.findings ?? [],
    possibleDuplicates: a.possibleDuplicates ?? [],
    agreement: a.agreement ? { ...a.agreement, acceptedAt: iso(a.agreement.acceptedAt) } : undefined,
    documents: (a.documents ?? []).map((d) => ({ kind: d.kind, reference: d.reference, submittedAt: iso(d.submittedAt) })),
    review: {
      round: a.review?.round ?? 0,
      dueAt: iso(a.review?.dueAt),
      escalatedAt: iso(a.review?.escalatedAt),
      escalatedTo: a.review?.escalatedTo,
      decisions: (a.review?.decisions ?? []).map((d) => ({ ...d, at: iso(d.at) })),
    },
    reminders: (a.reminders ?? []).map((r) => ({ step: r.step, to: r.to, at: iso(r.at) })),
    enablement: a.enablement ? { ...a.enablement, dueAt: iso(a.enablement.dueAt) } : undefined,
    closedReason: a.closedReason,
    closedAt: iso(a.closedAt),
    history: a.history,
    createdAt: iso(a.createdAt)!,
    updatedAt: iso(a.updatedAt)!,
  };
}

const ListQuery = Obj({ ...PageQuery, status: Type.Optional(Type.Union(APPLICATION_STATUSES.map((s) => Type.Literal(s)))) });
const ApplicationParams = IdParams('app');
const LiveQuery = Obj({ live: Type.Optional(Type.Boolean({ default: false })) });

const DecisionBody = Obj({
  decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('request-changes')]),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
});

export const partnerApplicationRoutes = [
  route<unknown, Paged<Static<typeof ListQuery>>>({
    method: 'get',
    path: '/v1/partner-applications',
    tag: 'Partner onboarding',
    summary: 'Applications, newest first, optionally by status',
    access: STAFF_ROLES,
    query: ListQuery,
    responses: { 200: { description: 'A page of applications (without history)', schema: Page(ApplicationView) } },
    async handler({ tenant, query }) {
      const docs = await listApplications(asTenantId(tenant._id), { status: query.status, before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map((a) => ({ ...applicationView(a), history: undefined })), nextCursor } };
    },
  }),
  route<unknown, Static<typeof LiveQuery>, Static<typeof ApplicationParams>>({
    method: 'get',
    path: '/v1/partner-applications/:id',
    tag: 'Partner onboarding',
    summary: 'One application with its full history; live=true adds the running workflow state from its Query',
    access: STAFF_ROLES,
    params: ApplicationParams,
    query: LiveQuery,
    responses: { 200: { description: 'The application', schema: Type.Intersect([ApplicationView, Type.Object({ live: Type.Optional(Type.Unknown()) })]) } },
    async handler({ tenant, params, query, services }) {
      const { application, live } = await getApplication(services, asTenantId(tenant._id), tenant.placement, params.id, { live: query.live === true });
      return { status: 200, body: { ...applicationView(application), ...(query.live ? { live } : {}) } };
    },
  }),
  route<Static<typeof DecisionBody>, unknown, Static<typeof ApplicationParams>>({
    method: 'post',
    path: '/v1/partner-applications/:id/decisions',
    tag: 'Partner onboarding',
    summary: 'Approve, reject or request changes (the roles the onboarding rules name). An approval answers, once provisioned, with the new partner key, once: only its hash is stored.',
    // Which staff role decides is the tenant's rule (review.approverRole, review.escalateTo); the workflow checks it.
    access: STAFF_ROLES,
    params: ApplicationParams,
    body: DecisionBody,
    responses: { 200: { description: 'The application after the decision; for an approval also the partner key', schema: Obj({ status: Type.String(), currentStep: Type.Union([Type.String(), Type.Null()]), round: Type.Integer(), partnerId: Type.Optional(Type.String()), partnerKey: Type.Optional(Type.String()) }) } },
    async handler({ tenant, params, body, services, actor }) {
      const answer = await decideApplication(services, asTenantId(tenant._id), tenant.placement, params.id, { ...body, actor: auditActor(actor) });
      return { status: 200, body: answer, secrets: ['partnerKey'] };
    },
  }),
];
