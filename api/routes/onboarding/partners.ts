import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, IsoDateTime, type Paged } from '../../schemas';
import { auditActor, Actor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { listPartners, tierInForce, visiblePartner, verifyPartnerDocument, completeTraining } from '../../../services/onboarding/partners';
import { PARTNER_STATUSES } from '../../../domain/onboarding/partner-status';
import type { PartnerDoc } from '../../../models/onboarding/partner';

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

/** A partner key sees and acts only for its own partner (none, when the key names no partner). */
const ownPartnerOnly = (actor: Actor): string | undefined => (actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined);

const PARTNER_READERS = [...STAFF_ROLES, 'partner'] as const;

const ListQuery = Obj({
  ...PageQuery,
  status: Type.Optional(Type.Union(PARTNER_STATUSES.map((s) => Type.Literal(s)))),
  tier: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
});
const PartnerParams = IdParams('ptn');
const AtQuery = Obj({ at: Type.Optional(IsoDateTime) });
const VerificationBody = Obj({ kind: Type.String({ minLength: 1, maxLength: 60 }) });
const CompletionBody = Obj({ module: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,59}$' }) });

export const partnerRoutes = [
  route<unknown, Paged<Static<typeof ListQuery>>>({
    method: 'get',
    path: '/v1/partners',
    tag: 'Partners',
    summary: 'Partners, newest first (a partner key sees only itself)',
    access: PARTNER_READERS,
    query: ListQuery,
    responses: { 200: { description: 'A page of partners', schema: Page(PartnerView) } },
    async handler({ tenant, query, actor }) {
      const docs = await listPartners(asTenantId(tenant._id), { status: query.status, tier: query.tier, onlyPartnerId: ownPartnerOnly(actor), before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map((p) => view(p)), nextCursor } };
    },
  }),
  route<unknown, Static<typeof AtQuery>, Static<typeof PartnerParams>>({
    method: 'get',
    path: '/v1/partners/:id',
    tag: 'Partners',
    summary: 'One partner with its tier history, good standing and payout eligibility; at= shows the tier in force then',
    access: PARTNER_READERS,
    params: PartnerParams,
    query: AtQuery,
    responses: { 200: { description: 'The partner', schema: PartnerView } },
    async handler({ tenant, params, query, actor }) {
      const partner = await visiblePartner(asTenantId(tenant._id), params.id, ownPartnerOnly(actor));
      return { status: 200, body: view(partner, query.at ? new Date(query.at) : undefined) };
    },
  }),
  route<Static<typeof VerificationBody>, unknown, Static<typeof PartnerParams>>({
    method: 'post',
    path: '/v1/partners/:id/document-verifications',
    tag: 'Partners',
    summary: 'Mark a submitted compliance document verified; payout eligibility follows (tax form and bank details)',
    access: ['tenant-admin', 'finance'],
    params: PartnerParams,
    body: VerificationBody,
    responses: { 200: { description: 'The partner after verification', schema: PartnerView } },
    async handler({ tenant, params, body, actor, services, requestId }) {
      const partner = await verifyPartnerDocument(services, asTenantId(tenant._id), params.id, body.kind, { actor: auditActor(actor), requestId });
      return { status: 200, body: view(partner) };
    },
  }),
  route<Static<typeof CompletionBody>, unknown, Static<typeof PartnerParams>>({
    method: 'post',
    path: '/v1/partners/:id/training-completions',
    tag: 'Partners',
    summary: 'Record a completed training module (the partner itself or a tenant-admin); counts toward enablement and tiers',
    access: ['tenant-admin', 'partner'],
    params: PartnerParams,
    body: CompletionBody,
    responses: { 200: { description: 'The partner after the completion', schema: PartnerView } },
    async handler({ tenant, params, body, actor, services, requestId }) {
      const partner = await completeTraining(services, asTenantId(tenant._id), tenant.placement, params.id, body.module, { actor: auditActor(actor), requestId, onlyPartnerId: ownPartnerOnly(actor) });
      return { status: 200, body: view(partner) };
    },
  }),
];
