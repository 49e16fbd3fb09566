import { createHash, randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { PartnerApplicationModel, PartnerApplicationDoc, PartnerAgreementAcceptanceModel } from '../../models/onboarding/partner-application';
import { PartnerInvitationModel, PartnerInvitationDoc, PartnerInvitationRedemptionModel } from '../../models/onboarding/partner-invitation';
import { isDuplicateKey } from '../../platform/store-errors';
import { TenantModel, TenantDoc } from '../../models/tenancy/tenant';
import type { AuditActor } from '../../models/tenancy/audit-event';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { hashKey, sameHash } from '../../domain/tenancy/api-key-format';
import { canonicalJson } from '../../domain/canonical-json';
import { onboardingWorkflow } from '../../domain/workflow-ids';
import { canonicalTaxId } from '../../domain/onboarding/tax-ids';
import { emailDomainOf, ApplicantDetails } from '../../domain/onboarding/checks';
import { CLOSED_STATUSES, ApplicationStatus, OnboardingState } from '../../domain/onboarding/state';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import { OnboardingInput, OnboardingAnswer, onboardingStateQuery } from '../../workflows/onboarding/messages';
import { Problem } from '../../api/problem';
import type { Services } from '..';
import { executeRefusableUpdate } from '../tenant-workflows';
import { withHistory, appendApplicationEvent } from './application-history';

/**
 * Partner applications and invitations as the API sees them: applying (publicly or by invitation)
 * starts one onboarding workflow; every later decision is an Update to it. Secrets handed out here
 * (applicant tokens, invitation tokens) are stored as SHA-256 hashes only.
 */

/** The agreement's hash: what an applicant accepts is exactly this version, title and text. */
export function agreementHash(agreement: OnboardingRules['agreement']): string {
  return createHash('sha256').update(canonicalJson(agreement)).digest('hex');
}

const secret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

export interface ApplyInput extends ApplicantDetails {
  invitationToken?: string;
}

export async function applyForPartnership(
  services: Services,
  tenant: TenantDoc,
  input: ApplyInput,
  context: { address: string; actor: AuditActor; requestId: string },
): Promise<{ application: PartnerApplicationDoc; applicantToken: string }> {
  const rules = await services.ruleSets.inForce<OnboardingRules>(tenant._id, 'onboarding');
  if (!rules) throw new Problem('conflict', 'this tenant has no onboarding rule set in force');
  const applicationId = newId('app');
  const partnerId = newId('ptn');
  const email = input.email.trim().toLowerCase();
  const invitation = input.invitationToken ? await claimInvitation(tenant._id, input.invitationToken, email, applicationId) : undefined;
  const applicantToken = secret('tra');
  let application: PartnerApplicationDoc;
  try {
    application = await inTenant(tenant._id, async () => (await PartnerApplicationModel.create({
      _id: applicationId,
      partnerId,
      source: invitation ? 'invitation' : 'public',
      invitationId: invitation?._id,
      applicant: {
        legalName: input.legalName.trim(),
        contactName: input.contactName?.trim(),
        email,
        emailDomain: emailDomainOf(email),
        country: input.country,
        taxId: canonicalTaxId(input.country, input.taxId),
        website: input.website,
        phone: input.phone,
      },
      applicantTokenHash: hashKey(applicantToken),
      submittedFrom: context.address,
      status: 'submitted',
      currentStep: null,
      ruleSetVersion: rules.version,
      workflowId: onboardingWorkflow.id(tenant._id, applicationId),
      findings: [],
      documents: [],
      review: { round: 0, decisions: [] },
      reminders: [],
      history: [],
    })).toObject());
  } catch (err) {
    if (invitation) await reopenInvitation(tenant._id, invitation._id, applicationId);
    throw err;
  }
  await services.audit.record(tenant._id, {
    actor: context.actor,
    action: 'partner-application.submitted',
    entity: { type: 'partner-application', id: applicationId },
    data: { legalName: application.applicant.legalName, country: application.applicant.country, source: application.source, invitationId: invitation?._id, ruleSetVersion: rules.version },
    requestId: context.requestId,
    eventKey: `partner-application.submitted:${applicationId}`,
  });
  const workflowInput: OnboardingInput = { tenantId: tenant._id, applicationId, partnerId, ruleSetVersion: rules.version, continueAsNewAfter: services.config.onboardingContinueAsNewAfter };
  await services.workflows.start(tenant, onboardingWorkflow, applicationId, [workflowInput]);
  return { application, applicantToken };
}

export async function getApplication(tenantId: string, applicationId: string): Promise<PartnerApplicationDoc | null> {
  const doc = await inTenant(tenantId, () => PartnerApplicationModel.findOne({ _id: applicationId }, { applicantTokenHash: 0 }).lean());
  return doc ? (await withSigners(tenantId, await withHistory(tenantId, [doc], { history: true })))[0] : null;
}

/**
 * Stores who accepts an agreement, from where, before the acceptance is sent to the workflow
 * (which sees only its id). Upserted by id: a retried request writes the same evidence; one the
 * workflow refuses is never referenced.
 */
export async function recordAcceptanceEvidence(tenantId: string, e: { acceptanceId: string; applicationId: string; agreementVersion: string; agreementHash: string; signerName: string; signerEmail: string; ip: string; acceptedAt: string }): Promise<void> {
  const { acceptanceId, ...fields } = e;
  await inTenant(tenantId, () => PartnerAgreementAcceptanceModel.updateOne(
    { _id: acceptanceId },
    { $setOnInsert: { ...fields, signerEmail: fields.signerEmail.trim().toLowerCase(), acceptedAt: new Date(fields.acceptedAt) } },
    { upsert: true },
  ));
}

/** Joins each accepted agreement's signer (name, email, address) back from its evidence, for staff. */
async function withSigners<D extends PartnerApplicationDoc>(tenantId: string, docs: D[]): Promise<D[]> {
  const ids = docs.flatMap((d) => (d.agreement?.acceptanceId ? [d.agreement.acceptanceId] : []));
  if (ids.length === 0) return docs;
  const evidence = await inTenant(tenantId, () => PartnerAgreementAcceptanceModel.find({ _id: { $in: ids } }).lean());
  const byId = new Map(evidence.map((e) => [e._id, e]));
  return docs.map((d) => {
    const e = d.agreement?.acceptanceId ? byId.get(d.agreement.acceptanceId) : undefined;
    return e && d.agreement ? { ...d, agreement: { ...d.agreement, signerName: e.signerName, signerEmail: e.signerEmail, ip: e.ip } } : d;
  });
}

/** The applicant's own application, only with its token; anything else looks like "not found". */
export async function applicantApplication(tenantId: string, applicationId: string, token: string | undefined): Promise<PartnerApplicationDoc | null> {
  if (!token || !/^tra_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const doc = await inTenant(tenantId, () => PartnerApplicationModel.findOne({ _id: applicationId }).lean());
  if (!doc || !sameHash(doc.applicantTokenHash, hashKey(token))) return null;
  return (await withHistory(tenantId, [doc], { history: false }))[0];
}

export async function listApplications(tenantId: string, filter: { status?: ApplicationStatus; before?: string; limit: number }): Promise<PartnerApplicationDoc[]> {
  const docs = await inTenant(tenantId, () => {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.before) query._id = { $lt: filter.before };
    return PartnerApplicationModel.find(query, { applicantTokenHash: 0, history: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean();
  });
  return withSigners(tenantId, await withHistory(tenantId, docs, { history: false }));
}

/**
 * Sends a decision to the application's workflow. A refusal by the workflow's validator becomes a
 * 409 (not now) or 422 (not like this) problem carrying the workflow's reason.
 */
export async function sendToApplication<Arg>(
  services: Services,
  tenant: TenantDoc,
  application: Pick<PartnerApplicationDoc, '_id' | 'status'>,
  update: UpdateDefinition<OnboardingAnswer, [Arg]>,
  arg: Arg,
): Promise<OnboardingAnswer> {
  if (CLOSED_STATUSES.includes(application.status)) {
    throw new Problem('decision-refused', `the application is ${application.status}; it takes no more decisions`);
  }
  const handle = services.workflows.handle(tenant, onboardingWorkflow, application._id);
  return executeRefusableUpdate(handle, update, arg, 'the application process has ended; it takes no more decisions');
}

/** The workflow's live state (current step and full history), when its process is still running. */
export async function liveState(services: Services, tenant: TenantDoc, applicationId: string): Promise<OnboardingState | null> {
  try {
    return await services.workflows.handle(tenant, onboardingWorkflow, applicationId).query(onboardingStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

// Invitations

export async function createInvitation(tenantId: string, input: { email: string; name?: string; validForDays: number; createdBy: string }, invitationId: string = newId('inv')): Promise<{ invitation: PartnerInvitationDoc; token: string }> {
  const token = secret('tri');
  const invitation = await inTenant(tenantId, async () => (await PartnerInvitationModel.create({
    _id: invitationId,
    email: input.email.trim().toLowerCase(),
    name: input.name,
    tokenHash: hashKey(token),
    status: 'open',
    expiresAt: new Date(Date.now() + input.validForDays * 86_400_000),
    createdBy: input.createdBy,
  })).toObject());
  return { invitation, token };
}

/**
 * Uses an invitation once. The redemption insert under a unique index decides it: of concurrent
 * requests with one token exactly one gets the invitation (a conditional update would not, on the
 * local store). The invitation's status is then marked used for reading.
 */
async function claimInvitation(tenantId: string, token: string, email: string, applicationId: string): Promise<PartnerInvitationDoc> {
  const refused = new Problem('validation-failed', 'the invitation token is not valid: unknown, already used, revoked, expired or issued to another email', { field: 'body.invitationToken' });
  if (!/^tri_[A-Za-z0-9_-]{43}$/.test(token)) throw refused;
  return inTenant(tenantId, async () => {
    const invitation = await PartnerInvitationModel.findOne({ tokenHash: hashKey(token) }).lean();
    if (!invitation || invitation.status !== 'open' || invitation.email !== email || new Date(invitation.expiresAt).getTime() <= Date.now()) throw refused;
    try {
      await PartnerInvitationRedemptionModel.create({ _id: `${invitation._id}.redeemed`, invitationId: invitation._id, applicationId });
    } catch (err) {
      if (isDuplicateKey(err)) throw refused;
      throw err;
    }
    const usedAt = new Date();
    await PartnerInvitationModel.updateOne({ _id: invitation._id }, { $set: { status: 'used', usedAt, applicationId } });
    return { ...invitation, status: 'used', usedAt, applicationId };
  });
}

/** Gives an invitation back when the application it was used for could not be made. */
async function reopenInvitation(tenantId: string, invitationId: string, applicationId: string): Promise<void> {
  await inTenant(tenantId, async () => {
    await PartnerInvitationModel.updateOne({ _id: invitationId, applicationId }, { $set: { status: 'open' }, $unset: { usedAt: 1, applicationId: 1 } });
    await PartnerInvitationRedemptionModel.deleteOne({ invitationId, applicationId });
  });
}

export function listInvitations(tenantId: string, filter: { before?: string; limit: number }): Promise<PartnerInvitationDoc[]> {
  return inTenant(tenantId, () => PartnerInvitationModel.find(filter.before ? { _id: { $lt: filter.before } } : {}, { tokenHash: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean());
}

export function getInvitation(tenantId: string, invitationId: string): Promise<PartnerInvitationDoc | null> {
  return inTenant(tenantId, () => PartnerInvitationModel.findOne({ _id: invitationId }, { tokenHash: 0 }).lean());
}

/** What a redemption names instead of an application when the invitation was revoked. */
const REVOKED = 'revoked';

/**
 * Revokes an open invitation. Revoking takes the invitation's one redemption, so a revocation and
 * a concurrent application cannot both win: either the invitation is revoked and the application
 * refused, or it is used and stays used.
 */
export function revokeInvitation(tenantId: string, invitationId: string): Promise<PartnerInvitationDoc | null> {
  return inTenant(tenantId, async () => {
    const invitation = await PartnerInvitationModel.findOne({ _id: invitationId }, { tokenHash: 0 }).lean();
    if (!invitation || invitation.status !== 'open') return invitation;
    try {
      await PartnerInvitationRedemptionModel.create({ _id: `${invitationId}.redeemed`, invitationId, applicationId: REVOKED });
      await PartnerInvitationModel.updateOne({ _id: invitationId }, { $set: { status: 'revoked', revokedAt: new Date() } });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Used (or revoked) a moment ago; wait for the winner's status to show.
      for (let i = 0; i < 20; i += 1) {
        const now = await PartnerInvitationModel.findOne({ _id: invitationId }, { tokenHash: 0 }).lean();
        if (now?.status !== 'open') return now;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return PartnerInvitationModel.findOne({ _id: invitationId }, { tokenHash: 0 }).lean();
  });
}


// Reaping

/**
 * Closes applications left `submitted` with no running workflow (the API died between writing
 * the application and starting its process, or the start failed): they would otherwise stay open
 * for ever, count as possible duplicates and hold their invitation. Each is closed as `expired`
 * with a reason the applicant can read, its invitation is given back, and the close is audited
 * once. An application whose workflow runs is left alone, however old: it is only waiting for a
 * worker. Returns the ids closed.
 */
export async function reapStaleApplications(services: Services, tenantId: string, olderThanMs: number): Promise<string[]> {
  const tenant = await TenantModel.findOne({ _id: tenantId }, { _id: 1, placement: 1 }).lean();
  if (!tenant) return [];
  const cutoff = new Date(Date.now() - olderThanMs);
  const stale = await inTenant(tenantId, () => PartnerApplicationModel.find({ status: 'submitted', createdAt: { $lt: cutoff } }, { _id: 1, invitationId: 1 }).sort({ _id: 1 }).limit(100).lean());
  const reaped: string[] = [];
  for (const app of stale) {
    if (await processRuns(services, tenant, app._id)) continue;
    const reason = 'the application could not be started; please apply again';
    const closedAt = new Date();
    await inTenant(tenantId, () => PartnerApplicationModel.updateOne({ _id: app._id, status: 'submitted' }, { $set: { status: 'expired', closedReason: reason, closedAt } }));
    // seq 0 is never written by the workflow (it counts from 1), so this entry cannot collide.
    await appendApplicationEvent(tenantId, app._id, { entry: { seq: 0, at: closedAt.toISOString(), step: 'application', event: 'expired', detail: reason, actor: REAPER } });
    if (app.invitationId) await reopenInvitation(tenantId, app.invitationId, app._id);
    await services.audit.record(tenantId, {
      actor: REAPER,
      action: 'partner-application.expired',
      entity: { type: 'partner-application', id: app._id },
      data: { reason, status: 'expired', reopenedInvitation: app.invitationId },
      eventKey: `partner-application.reaped:${app._id}`,
    });
    reaped.push(app._id);
  }
  return reaped;
}

const REAPER: AuditActor = { type: 'system', id: 'application-reaper' };

/** Whether the application's workflow exists and is still running. */
async function processRuns(services: Services, tenant: Pick<TenantDoc, '_id' | 'placement'>, applicationId: string): Promise<boolean> {
  try {
    const description = await services.workflows.handle(tenant, onboardingWorkflow, applicationId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
