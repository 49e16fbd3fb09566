import { Type, type Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, IdParams, PageQuery, Page, type Paged } from '../../schemas';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { inviteProspect, listInvitations, getInvitation, revokeInvitation } from '../../../services/onboarding/invitations';
import type { PartnerInvitationDoc } from '../../../models/onboarding/partner-invitation';

const InvitationView = Obj({
  id: Type.String(),
  email: Type.String(),
  name: Type.Optional(Type.String()),
  status: Type.String({ enum: ['open', 'used', 'revoked', 'expired'] }),
  expiresAt: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  usedAt: Type.Optional(Type.String()),
  applicationId: Type.Optional(Type.String()),
});

const view = (i: PartnerInvitationDoc) => ({
  id: i._id,
  email: i.email,
  name: i.name,
  // Expiry is a matter of time, not a write: an open invitation past its date reads as expired.
  status: i.status === 'open' && new Date(i.expiresAt).getTime() <= Date.now() ? 'expired' : i.status,
  expiresAt: new Date(i.expiresAt).toISOString(),
  createdBy: i.createdBy,
  createdAt: new Date(i.createdAt).toISOString(),
  usedAt: i.usedAt ? new Date(i.usedAt).toISOString() : undefined,
  applicationId: i.applicationId,
});

const InvitationBody = Obj({
  email: Type.String({ format: 'email', maxLength: 254 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  validForDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14 })),
});
const ListQuery = Obj({ ...PageQuery });
const InvitationParams = IdParams('inv');

export const partnerInvitationRoutes = [
  route<Static<typeof InvitationBody>>({
    method: 'post',
    path: '/v1/partner-invitations',
    tag: 'Partner onboarding',
    summary: 'Invite a prospective partner. The single-use token is shown only in this response; the invitee applies with it.',
    access: ['tenant-admin'],
    body: InvitationBody,
    responses: { 201: { description: 'The invitation and, once, its token', schema: Obj({ invitation: InvitationView, token: Type.String(), applyAt: Type.String() }) } },
    async handler({ tenant, body, services, actor, requestId, operation }) {
      // The id derives from the Idempotency-Key, so a retry finds the invitation it already made.
      const { invitation, token } = await inviteProspect(services, asTenantId(tenant._id), { email: body.email, name: body.name, validForDays: body.validForDays ?? 14 }, {
        actor: auditActor(actor), requestId, invitationId: operation.id('inv'),
      });
      return {
        status: 201,
        body: { invitation: view(invitation), token, applyAt: `/v1/public/${tenant.slug}/partner-applications` },
        secrets: ['token'],
        headers: { Location: `/v1/partner-invitations/${invitation._id}` },
      };
    },
  }),
  route<unknown, Paged<Static<typeof ListQuery>>>({
    method: 'get',
    path: '/v1/partner-invitations',
    tag: 'Partner onboarding',
    summary: 'Invitations, newest first (never their tokens)',
    access: ['tenant-admin'],
    query: ListQuery,
    responses: { 200: { description: 'A page of invitations', schema: Page(InvitationView) } },
    async handler({ tenant, query }) {
      const docs = await listInvitations(asTenantId(tenant._id), { before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, Static<typeof InvitationParams>>({
    method: 'get',
    path: '/v1/partner-invitations/:id',
    tag: 'Partner onboarding',
    summary: 'One invitation',
    access: ['tenant-admin'],
    params: InvitationParams,
    responses: { 200: { description: 'The invitation', schema: InvitationView } },
    async handler({ tenant, params }) {
      return { status: 200, body: view(await getInvitation(asTenantId(tenant._id), params.id)) };
    },
  }),
  route<unknown, unknown, Static<typeof InvitationParams>>({
    method: 'delete',
    path: '/v1/partner-invitations/:id',
    tag: 'Partner onboarding',
    summary: 'Revoke an open invitation (idempotent; a used one stays used)',
    access: ['tenant-admin'],
    params: InvitationParams,
    responses: { 200: { description: 'The invitation', schema: InvitationView } },
    async handler({ tenant, params, services, actor, requestId }) {
      const invitation = await revokeInvitation(services, asTenantId(tenant._id), params.id, { actor: auditActor(actor), requestId });
      return { status: 200, body: view(invitation) };
    },
  }),
];
