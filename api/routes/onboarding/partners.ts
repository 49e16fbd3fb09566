import { Type } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, IsoDateTime } from '../../schemas';
import { Problem, notFound } from '../../problem';
import { auditActor, Actor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { getPartner, listPartners, tierInForce, verifyPartnerDocument, recordTrainingCompletion } from '../../../services/onboarding/partners';
import { getApplication, sendToApplication, liveState } from '../../../services/onboarding/onboarding';
import { CLOSED_STATUSES } from '../../../domain/onboarding/state';
import { completeTrainingUpdate } from '../../../workflows/onboarding/messages';
import { PAYOUT_DOCUMENTS } from '../../../domain/onboarding/definition';
import type { PartnerDoc } from '../../../models/onboarding/partner';
import { withAudit, type KeyedAuditInput } from '../../../services/outbox';

const iso = (d?: Date | string | null) => (d ? new Date(d).toISOString() : undefined);

const PartnerView = Obj({
  id: Type.String(),
  name: Type.String(),
  contactName: Type.Optional(Type.String()),
  email: Type.String(),
  country: Type.String(),
  taxId: Type.Optional(Type.String()),
  status: Type.String(),
  tier: Type.String(),
  tierAt: Type.Optional(Obj({ at: Type.String(), tier: Type.Union([Type.String(), Type.Null()]) })),
  tierHistory: Type.Array(Obj({ tier: Type.String(), effectiveFrom: Type.String(), reason: Type.String(), changedBy: Type.String(), source: Type.Optional(Type.String()) })),
  goodStanding: Type.Boolean(),
  payoutEligibility: Obj({ eligible: Type.Boolean(), reasons: Type.Array(Type.String()) }),
  documents: Type.Array(Obj({ kind: Type.String(), reference: Type.String(), submittedAt: Type.Optional(Type.String()), verifiedAt: Type.Optional(Type.String()), verifiedBy: Type.Optional(Type.String()) })),
  training: Type.Array(Obj({ module: Type.String(), completedAt: Type.String() })),
  enablementDueAt: Type.Optional(Type.String()),
  applicationId: Type.Optional(Type.String()),
  createdAt: Type.String(),
});

function view(p: PartnerDoc, at?: Date) {
  return {
    id: p._id,
    name: p.name,
    contactName: p.contactName,
    email: p.email,
    country: p.country,
    taxId: p.taxId,
    status: p.status,
    tier: p.tier,
    ...(at ? { tierAt: { at: at.toISOString(), tier: tierInForce(p.tierHistory, at) ?? null } } : {}),
    tierHistory: (p.tierHistory ?? []).map((c) => ({ tier: c.tier, effectiveFrom: iso(c.effectiveFrom)!, reason: c.reason, changedBy: c.changedBy, source: c.source })),
    goodStanding: p.goodStanding,
    payoutEligibility: { eligible: p.payoutEligibility?.eligible ?? false, reasons: p.payoutEligibility?.reasons ?? [] },
    documents: (p.documents ?? []).map((d) => ({ kind: d.kind, reference: d.reference, submittedAt: iso(d.submittedAt), verifiedAt: iso(d.verifiedAt), verifiedBy: d.verifiedBy })),
    training: (p.training ?? []).map((t) => ({ module: t.module, completedAt: iso(t.completedAt)! })),
    enablementDueAt: iso(p.enablementDueAt),
    applicationId: p.applicationId,
    createdAt: iso(p.createdAt)!,
  };
}

/** A partner key may only see and act for its own partner; anything else is "not found". */
async function visiblePartner(tenantId: string, partnerId: string, actor: Actor): Promise<PartnerDoc> {
  if (actor.kind === 'key' && actor.role === 'partner' && actor.partyId !== partnerId) throw notFound(`partner ${partnerId}`);
  const partner = await getPartner(tenantId, partnerId);
  if (!partner) throw notFound(`partner ${partnerId}`);
  return partner;
}

const PARTNER_READERS = [...STAFF_ROLES, 'partner'] as const;

export const partnerRoutes = [
  route<unknown, { status?: PartnerDoc['status']; tier?: string; limit: number; cursor?: string }>({
    method: 'get',
    path: '/v1/partners',
    tag: 'Partners',
    summary: 'Partners, newest first (a partner key sees only itself)',
    access: PARTNER_READERS,
    query: Obj({
      ...PageQuery,
      status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('offboarded')])),
      tier: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    }),
    responses: { 200: { description: 'A page of partners', schema: Page(PartnerView) } },
    async handler({ tenant, query, actor }) {
      const onlyPartnerId = actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined;
      const docs = await listPartners(tenant._id, { status: query.status, tier: query.tier, onlyPartnerId, before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map((p) => view(p)), nextCursor } };
    },
  }),
  route<unknown, { at?: string }, { id: string }>({
    method: 'get',
    path: '/v1/partners/:id',
    tag: 'Partners',
    summary: 'One partner with its tier history, good standing and payout eligibility; at= shows the tier in force then',
    access: PARTNER_READERS,
    params: IdParams('ptn'),
    query: Obj({ at: Type.Optional(IsoDateTime) }),
    responses: { 200: { description: 'The partner', schema: PartnerView } },
    async handler({ tenant, params, query, actor }) {
      const partner = await visiblePartner(tenant._id, params.id, actor);
      return { status: 200, body: view(partner, query.at ? new Date(query.at) : undefined) };
    },
  }),
  route<{ kind: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/partners/:id/document-verifications',
    tag: 'Partners',
    summary: 'Mark a submitted compliance document verified; payout eligibility follows (tax form and bank details)',
    access: ['tenant-admin', 'finance'],
    params: IdParams('ptn'),
    body: Obj({ kind: Type.String({ minLength: 1, maxLength: 60 }) }),
    responses: { 200: { description: 'The partner after verification', schema: PartnerView } },
    async handler({ tenant, params, body, actor, services, requestId }) {
      const partner = await visiblePartner(tenant._id, params.id, actor);
      const doc = (partner.documents ?? []).find((d) => d.kind === body.kind);
      if (!doc) {
        throw new Problem('validation-failed', `the partner has not submitted a ${body.kind}; submitted: ${(partner.documents ?? []).map((d) => d.kind).join(', ') || 'none'}`, { field: 'body.kind' });
      }
      const verifiedBy = auditActor(actor).id;
      const payoutDocument = PAYOUT_DOCUMENTS.includes(body.kind as never);
      // Audited through the outbox, and on every attempt (the key makes it once): a retry after a
      // crash between the verification and its event still records it.
      const event: KeyedAuditInput = {
        actor: auditActor(actor),
        action: 'partner.document-verified',
        entity: { type: 'partner', id: partner._id },
        data: { kind: body.kind, payoutDocument },
        requestId,
        eventKey: `partner.document-verified:${partner._id}:${body.kind}`,
      };
      const check = { model: 'Partner', filter: { _id: partner._id, documents: { $elemMatch: { kind: body.kind, verifiedAt: { $ne: null } } } } };
      const updated = (await withAudit(services, tenant._id, event, check, () => verifyPartnerDocument(tenant._id, partner._id, body.kind, verifiedBy, new Date())))!;
      return { status: 200, body: view(updated) };
    },
  }),
  route<{ module: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/partners/:id/training-completions',
    tag: 'Partners',
    summary: 'Record a completed training module (the partner itself or a tenant-admin); counts toward enablement and tiers',
    access: ['tenant-admin', 'partner'],
    params: IdParams('ptn'),
    body: Obj({ module: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,59}$' }) }),
    responses: { 200: { description: 'The partner after the completion', schema: PartnerView } },
    async handler({ tenant, params, body, actor, services, requestId }) {
      const partner = await visiblePartner(tenant._id, params.id, actor);
      // Completing a module twice changes nothing; answer as the first time did.
      if ((partner.training ?? []).some((t) => t.module === body.module)) return { status: 200, body: view(partner) };
      const completedAt = new Date().toISOString();
      const application = partner.applicationId ? await getApplication(tenant._id, partner.applicationId) : null;
      // The workflow's own state decides, not the read model, which may lag it by a moment.
      const live = application && !CLOSED_STATUSES.includes(application.status) ? await liveState(services, tenant, application._id) : null;
      if (application && live?.status === 'enablement') {
        // While enablement runs, its workflow owns training progress and decides good standing.
        await sendToApplication(services, tenant, application, completeTrainingUpdate, { module: body.module, completedAt, actor: auditActor(actor) });
      } else {
        await recordTrainingCompletion(services.audit, tenant._id, { partnerId: partner._id, module: body.module, completedAt, actor: auditActor(actor), requestId });
      }
      return { status: 200, body: view((await getPartner(tenant._id, partner._id))!) };
    },
  }),
];

