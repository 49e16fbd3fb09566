import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { applicationStore } from '../../models/onboarding/application-repository';
import type { PartnerApplicationDoc } from '../../models/onboarding/partner-application';
import { TenantModel, type TenantDoc } from '../../models/tenancy/tenant';
import type { AuditActor } from '../../models/tenancy/audit-event';
import type { TenantId } from '../../platform/tenant-id';
import { newId } from '../../platform/ids';
import { hashKey, issueTenantKey } from '../../domain/tenancy/api-key-format';
import { canonicalJson } from '../../domain/canonical-json';
import { onboardingWorkflow } from '../../domain/workflow-ids';
import { canonicalTaxId } from '../../domain/onboarding/tax-ids';
import { emailDomainOf, ApplicantDetails } from '../../domain/onboarding/checks';
import { CLOSED_STATUSES, ApplicationStatus, Decision, OnboardingState } from '../../domain/onboarding/state';
import type { OnboardingRules } from '../../domain/onboarding/definition';
import { newSecret } from '../../domain/onboarding/secrets';
import { DomainError, conflict, notFound } from '../../domain/errors';
import { OnboardingInput, OnboardingAnswer, decideUpdate, onboardingStateQuery } from '../../workflows/onboarding/messages';
import type { Services } from '..';
import { executeRefusableUpdate } from '../tenant-workflows';
import { withHistory, withSigners } from './application-history';
import { claimInvitation, reopenInvitation } from './invitations';

/**
 * Partner applications: applying (publicly or by invitation) starts one onboarding workflow;
 * every later decision is an Update to it. Staff read the store's read model; the applicant's
 * side is in applicant.ts, invitations in invitations.ts.
 */

/** Where a tenant's workflows run: the use cases that talk to them take it beside the tenant id. */
export type Placement = TenantDoc['placement'];

/** Who asks for a change, as its audit event records them. */
export interface RequestBy {
  actor: AuditActor;
  requestId: string;
}

/** The agreement's hash: what an applicant accepts is exactly this version, title and text. */
export function agreementHash(agreement: OnboardingRules['agreement']): string {
  return createHash('sha256').update(canonicalJson(agreement)).digest('hex');
}

const onboardingRun = (services: Services, tenantId: TenantId, placement: Placement, applicationId: string) =>
  services.workflows.handle({ _id: tenantId, placement }, onboardingWorkflow, applicationId);

export interface ApplyInput extends ApplicantDetails {
  invitationToken?: string;
}

export async function applyForPartnership(
  services: Services,
  tenantId: TenantId,
  placement: Placement,
  input: ApplyInput,
  context: { address: string; actor: AuditActor; requestId: string },
): Promise<{ application: PartnerApplicationDoc; applicantToken: string }> {
  const rules = await services.ruleSets.inForce<OnboardingRules>(tenantId, 'onboarding');
  if (!rules) throw conflict('this tenant has no onboarding rule set in force');
  const applicationId = newId('app');
  const partnerId = newId('ptn');
  const email = input.email.trim().toLowerCase();
  const invitation = input.invitationToken ? await claimInvitation(tenantId, input.invitationToken, email, applicationId) : undefined;
  const applicantToken = newSecret('tra');
  let application: PartnerApplicationDoc;
  try {
    application = await applicationStore(tenantId).create({
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
      workflowId: onboardingWorkflow.id(tenantId, applicationId),
      findings: [],
      documents: [],
      review: { round: 0, decisions: [] },
      reminders: [],
      history: [],
    });
  } catch (err) {
    if (invitation) await reopenInvitation(tenantId, invitation._id, applicationId);
    throw err;
  }
  await services.audit.record(tenantId, {
    actor: context.actor,
    action: 'partner-application.submitted',
    entity: { type: 'partner-application', id: applicationId },
    data: { legalName: application.applicant.legalName, country: application.applicant.country, source: application.source, invitationId: invitation?._id, ruleSetVersion: rules.version },
    requestId: context.requestId,
    eventKey: `partner-application.submitted:${applicationId}`,
  });
  const workflowInput: OnboardingInput = { tenantId, applicationId, partnerId, ruleSetVersion: rules.version, continueAsNewAfter: services.config.onboardingContinueAsNewAfter };
  await services.workflows.start({ _id: tenantId, placement }, onboardingWorkflow, applicationId, [workflowInput]);
  return { application, applicantToken };
}

/**
 * The staff view of one application with its full history and signers, or a not-found refusal;
 * with `live`, also the running workflow's own state (null once its process has ended).
 */
export async function getApplication(
  services: Services,
  tenantId: TenantId,
  placement: Placement,
  applicationId: string,
  opts: { live: boolean },
): Promise<{ application: PartnerApplicationDoc; live?: OnboardingState | null }> {
  const doc = await applicationStore(tenantId).forStaff(applicationId);
  if (!doc) throw notFound(`application ${applicationId}`);
  const [application] = await withSigners(tenantId, await withHistory(tenantId, [doc], { history: true }));
  return { application, ...(opts.live ? { live: await liveState(services, tenantId, placement, applicationId) } : {}) };
}

/** One more than `limit`, newest first, without history. */
export async function listApplications(tenantId: TenantId, filter: { status?: ApplicationStatus; before?: string; limit: number }): Promise<PartnerApplicationDoc[]> {
  const docs = await applicationStore(tenantId).list(filter);
  return withSigners(tenantId, await withHistory(tenantId, docs, { history: false }));
}

/**
 * A reviewer's decision. An approval carries a new partner key, made here so its secret never
 * enters workflow history (the workflow stores only its hash); it is answered once, with the
 * partner's id.
 */
export async function decideApplication(
  services: Services,
  tenantId: TenantId,
  placement: Placement,
  applicationId: string,
  decision: { decision: Decision; reason?: string; actor: AuditActor },
): Promise<OnboardingAnswer & { partnerId?: string; partnerKey?: string }> {
  const application = await applicationStore(tenantId).forStaff(applicationId);
  if (!application) throw notFound(`application ${applicationId}`);
  const key = decision.decision === 'approve' ? issueTenantKey(tenantId, newId('key')) : undefined;
  const answer = await sendToApplication(services, tenantId, placement, application, decideUpdate, {
    decision: decision.decision,
    reason: decision.reason,
    actor: decision.actor,
    decidedAt: new Date().toISOString(),
    ...(key ? { partnerKey: { keyId: key.keyId, hash: key.hash, prefix: key.prefix } } : {}),
  });
  return { ...answer, ...(key ? { partnerId: application.partnerId, partnerKey: key.plaintext } : {}) };
}

/**
 * Sends a decision to the application's workflow. A closed application takes none; a refusal by
 * the workflow's validator comes back as the workflow's reason.
 */
export async function sendToApplication<Arg>(
  services: Services,
  tenantId: TenantId,
  placement: Placement,
  application: Pick<PartnerApplicationDoc, '_id' | 'status'>,
  update: UpdateDefinition<OnboardingAnswer, [Arg]>,
  arg: Arg,
): Promise<OnboardingAnswer> {
  if (CLOSED_STATUSES.includes(application.status)) {
    throw new DomainError('decision-refused', `the application is ${application.status}; it takes no more decisions`);
  }
  return executeRefusableUpdate(onboardingRun(services, tenantId, placement, application._id), update, arg, 'the application process has ended; it takes no more decisions');
}

/** The workflow's live state (current step and full history), when its process is still running. */
export async function liveState(services: Services, tenantId: TenantId, placement: Placement, applicationId: string): Promise<OnboardingState | null> {
  try {
    return await onboardingRun(services, tenantId, placement, applicationId).query(onboardingStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

// Reaping

const REAPER: AuditActor = { type: 'system', id: 'application-reaper' };

/**
 * Closes applications left `submitted` with no running workflow (the API died between writing
 * the application and starting its process, or the start failed): they would otherwise stay open
 * for ever, count as possible duplicates and hold their invitation. Each is closed as `expired`
 * with a reason the applicant can read, its invitation is given back, and the close is audited
 * once. An application whose workflow runs is left alone, however old: it is only waiting for a
 * worker. Returns the ids closed.
 */
export async function reapStaleApplications(services: Services, tenantId: TenantId, olderThanMs: number): Promise<string[]> {
  const tenant = await TenantModel.findOne({ _id: tenantId }, { _id: 1, placement: 1 }).lean();
  if (!tenant) return [];
  const store = applicationStore(tenantId);
  const stale = await store.submittedBefore(new Date(Date.now() - olderThanMs), 100);
  const reaped: string[] = [];
  for (const app of stale) {
    if (await processRuns(services, tenantId, tenant.placement, app._id)) continue;
    const reason = 'the application could not be started; please apply again';
    const closedAt = new Date();
    await store.expireSubmitted(app._id, reason, closedAt);
    // seq 0 is never written by the workflow (it counts from 1), so this entry cannot collide.
    await store.appendEvent(app._id, { entry: { seq: 0, at: closedAt.toISOString(), step: 'application', event: 'expired', detail: reason, actor: REAPER } });
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

/** Whether the application's workflow exists and is still running. */
async function processRuns(services: Services, tenantId: TenantId, placement: Placement, applicationId: string): Promise<boolean> {
  try {
    const description = await onboardingRun(services, tenantId, placement, applicationId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
