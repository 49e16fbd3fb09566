import { Type } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, IdParams, PageQuery, Page } from '../../schemas';
import { notFound } from '../../problem';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { createInvitation, listInvitations, getInvitation, revokeInvitation } from '../../../services/onboarding/onboarding';
import type { PartnerInvitationDoc } from '../../../models/onboarding/partner-invitation';
import { settleAudit, withAudit, type KeyedAuditInput } from '../../../services/outbox';
import { isDuplicateKey } from '../../../platform/store-errors';
import { Problem } from '../../problem';

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

export const partnerInvitationRoutes = [
  route<{ email: string; name?: string; validForDays?: number }>({
    method: 'post',
    path: '/v1/partner-invitations',
    tag: 'Partner onboarding',
    summary: 'Invite a prospective partner. The single-use token is shown only in this response; the invitee applies with it.',
    access: ['tenant-admin'],
    body: Obj({
      email: Type.String({ format: 'email', maxLength: 254 }),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      validForDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14 })),
    }),
    responses: { 201: { description: 'The invitation and, once, its token', schema: Obj({ invitation: InvitationView, token: Type.String(), applyAt: Type.String() }) } },
    async handler({ tenant, body, services, actor, requestId, operation }) {
      const createdBy = auditActor(actor).id;
      // The id derives from the Idempotency-Key, so a retry finds the invitation it already made.
      const invitationId = operation.id('inv');
      const event: KeyedAuditInput = {
        actor: auditActor(actor),
        action: 'partner-invitation.created',
        entity: { type: 'partner-invitation', id: invitationId },
        data: { email: body.email.trim().toLowerCase() },
        requestId,
        eventKey: `partner-invitation.created:${invitationId}`,
      };
      let created;
      try {
        created = await withAudit(services, tenant._id, event, { model: 'PartnerInvitation', filter: { _id: invitationId } }, () =>
          createInvitation(tenant._id, { email: body.email, name: body.name, validForDays: body.validForDays ?? 14, createdBy }, invitationId));
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await settleAudit(services, tenant._id, event);
        throw new Problem('conflict', `invitation ${invitationId} was already created by an earlier attempt of this request; its token is not shown again`);
      }
      const { invitation, token } = created;
      return {
        status: 201,
        body: { invitation: view(invitation), token, applyAt: `/v1/public/${tenant.slug}/partner-applications` },
        secrets: ['token'],
        headers: { Location: `/v1/partner-invitations/${invitation._id}` },
      };
    },
  }),
  route<unknown, { limit: number; cursor?: string }>({
    method: 'get',
    path: '/v1/partner-invitations',
    tag: 'Partner onboarding',
    summary: 'Invitations, newest first (never their tokens)',
    access: ['tenant-admin'],
    query: Obj({ ...PageQuery }),
    responses: { 200: { description: 'A page of invitations', schema: Page(InvitationView) } },
    async handler({ tenant, query }) {
      const docs = await listInvitations(tenant._id, { before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/partner-invitations/:id',
    tag: 'Partner onboarding',
    summary: 'One invitation',
    access: ['tenant-admin'],
    params: IdParams('inv'),
    responses: { 200: { description: 'The invitation', schema: InvitationView } },
    async handler({ tenant, params }) {
      const doc = await getInvitation(tenant._id, params.id);
      if (!doc) throw notFound(`invitation ${params.id}`);
      return { status: 200, body: view(doc) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'delete',
    path: '/v1/partner-invitations/:id',
    tag: 'Partner onboarding',
    summary: 'Revoke an open invitation (idempotent; a used one stays used)',
    access: ['tenant-admin'],
    params: IdParams('inv'),
    responses: { 200: { description: 'The invitation', schema: InvitationView } },
    async handler({ tenant, params, services, actor, requestId }) {
      const doc = await revokeInvitation(tenant._id, params.id);
      if (!doc) throw notFound(`invitation ${params.id}`);
      if (doc.status === 'revoked') {
        await services.audit.record(tenant._id, {
          actor: auditActor(actor),
          action: 'partner-invitation.revoked',
          entity: { type: 'partner-invitation', id: doc._id },
          requestId,
          eventKey: `partner-invitation.revoked:${doc._id}`,
        });
      }
      return { status: 200, body: view(doc) };
    },
  }),
];
