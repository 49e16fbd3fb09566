import { invitationStore } from '../../models/onboarding/invitation-repository';
import type { PartnerInvitationDoc } from '../../models/onboarding/partner-invitation';
import { isDuplicateKey } from '../../platform/store-errors';
import type { TenantId } from '../../platform/tenant-id';
import { hashKey } from '../../domain/tenancy/api-key-format';
import { newSecret, isSecretOf } from '../../domain/onboarding/secrets';
import { conflict, invalid, notFound } from '../../domain/errors';
import { settleAudit, withAudit, type KeyedAuditInput } from '../tenancy/outbox';
import type { Services } from '..';
import type { RequestBy } from './onboarding';

/**
 * Invitations a tenant-admin sends to prospective partners. The single-use token is shown once,
 * when the invitation is made; only its hash is stored.
 */
export interface Invitee {
  email: string;
  name?: string;
  validForDays: number;
}

/**
 * Makes the invitation, audited through the outbox. Its id comes from the request's
 * Idempotency-Key, so a retry finds the invitation it already made: that answers 409, as the
 * token cannot be shown again.
 */
export async function inviteProspect(
  services: Services,
  tenantId: TenantId,
  invitee: Invitee,
  by: RequestBy & { invitationId: string },
): Promise<{ invitation: PartnerInvitationDoc; token: string }> {
  const { invitationId } = by;
  const email = invitee.email.trim().toLowerCase();
  const event: KeyedAuditInput = {
    actor: by.actor,
    action: 'partner-invitation.created',
    entity: { type: 'partner-invitation', id: invitationId },
    data: { email },
    requestId: by.requestId,
    eventKey: `partner-invitation.created:${invitationId}`,
  };
  const token = newSecret('tri');
  try {
    const invitation = await withAudit(services, tenantId, event, { model: 'PartnerInvitation', filter: { _id: invitationId } }, () => invitationStore(tenantId).create({
      _id: invitationId,
      email,
      name: invitee.name,
      tokenHash: hashKey(token),
      status: 'open',
      expiresAt: new Date(Date.now() + invitee.validForDays * 86_400_000),
      createdBy: by.actor.id,
    }));
    return { invitation, token };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await settleAudit(services, tenantId, event);
    throw conflict(`invitation ${invitationId} was already created by an earlier attempt of this request; its token is not shown again`);
  }
}

export function listInvitations(tenantId: TenantId, filter: { before?: string; limit: number }): Promise<PartnerInvitationDoc[]> {
  return invitationStore(tenantId).list(filter);
}

/** The invitation, or a not-found refusal. */
export async function getInvitation(tenantId: TenantId, invitationId: string): Promise<PartnerInvitationDoc> {
  const invitation = await invitationStore(tenantId).byId(invitationId);
  if (!invitation) throw notFound(`invitation ${invitationId}`);
  return invitation;
}

/**
 * Revokes an open invitation (idempotent; a used one stays used). Revoking takes the invitation's
 * one redemption, so a revocation and a concurrent application cannot both win: either the
 * invitation is revoked and the application refused, or it is used and stays used.
 */
export async function revokeInvitation(services: Services, tenantId: TenantId, invitationId: string, by: RequestBy): Promise<PartnerInvitationDoc> {
  const invitation = await settledRevocation(tenantId, invitationId);
  if (!invitation) throw notFound(`invitation ${invitationId}`);
  if (invitation.status === 'revoked') {
    await services.audit.record(tenantId, {
      actor: by.actor,
      action: 'partner-invitation.revoked',
      entity: { type: 'partner-invitation', id: invitation._id },
      requestId: by.requestId,
      eventKey: `partner-invitation.revoked:${invitation._id}`,
    });
  }
  return invitation;
}

async function settledRevocation(tenantId: TenantId, invitationId: string): Promise<PartnerInvitationDoc | null> {
  const store = invitationStore(tenantId);
  const invitation = await store.byId(invitationId);
  if (!invitation || invitation.status !== 'open') return invitation;
  if (!(await store.revoke(invitationId))) {
    // Used (or revoked) a moment ago; wait for the winner's status to show.
    for (let i = 0; i < 20; i += 1) {
      const now = await store.byId(invitationId);
      if (now?.status !== 'open') return now;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return store.byId(invitationId);
}

/**
 * Uses an invitation once, for the applicant it was issued to. Whatever is wrong with it
 * (unknown, used, revoked, expired, another email) is refused alike.
 */
export async function claimInvitation(tenantId: TenantId, token: string, email: string, applicationId: string): Promise<PartnerInvitationDoc> {
  const refused = invalid('body.invitationToken', 'the invitation token is not valid: unknown, already used, revoked, expired or issued to another email');
  if (!isSecretOf('tri', token)) throw refused;
  const store = invitationStore(tenantId);
  const invitation = await store.byTokenHash(hashKey(token));
  if (!invitation || invitation.status !== 'open' || invitation.email !== email || new Date(invitation.expiresAt).getTime() <= Date.now()) throw refused;
  const usedAt = new Date();
  if (!(await store.redeem(invitation._id, applicationId, usedAt))) throw refused;
  return { ...invitation, status: 'used', usedAt, applicationId };
}

/** Gives an invitation back when the application it was used for could not be made or started. */
export function reopenInvitation(tenantId: TenantId, invitationId: string, applicationId: string): Promise<void> {
  return invitationStore(tenantId).reopen(invitationId, applicationId);
}
