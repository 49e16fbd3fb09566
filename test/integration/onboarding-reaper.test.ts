import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { PartnerApplicationModel } from '../../models/onboarding/partner-application';
import { PartnerInvitationModel, PartnerInvitationRedemptionModel } from '../../models/onboarding/partner-invitation';
import { inTenant } from '../../platform/tenant-context';
import { reapStaleApplications } from '../../services/onboarding/onboarding';
import { onboardingWorkflow } from '../../domain/workflow-ids';
import { newId } from '../../platform/ids';
import { fastRules, publishOnboarding, apply, applicant, UNLIMITED_PUBLIC } from './onboarding-helpers';
import { asTenantId } from '../../platform/tenant-id';

/**
 * An application written but never started (the API died between the insert and the workflow
 * start) is closed by the reaper and gives its invitation back; one whose workflow runs but
 * has no worker yet is left alone.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  // The test stops the Temporal workers itself.
  await app?.stop().catch(() => undefined);
});

test('reapStaleApplications closes submitted applications without a running workflow, and only those', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules());
  const invitee = applicant();
  const invited = await app.http('POST', '/v1/partner-invitations', { key: adminKey, body: { email: invitee.email } });
  const invitationId = invited.body.invitation.id as string;

  // With no worker, an application's workflow is started but nothing runs: it stays `submitted`.
  await app.running.temporalWorkers!.stop();
  const waiting = await apply(app, slug);

  // The state a crash between the insert and the workflow start leaves: a submitted application that used the invitation.
  const orphanId = newId('app');
  await inTenant(tenantId, async () => {
    await PartnerApplicationModel.create({
      _id: orphanId, partnerId: newId('ptn'), source: 'invitation', invitationId,
      applicant: { legalName: invitee.legalName, email: invitee.email, emailDomain: invitee.email.split('@')[1], country: 'US', taxId: invitee.taxId },
      applicantTokenHash: 'x'.repeat(64), submittedFrom: '127.0.0.1', status: 'submitted', currentStep: null, ruleSetVersion: 1,
      workflowId: onboardingWorkflow.id(tenantId, orphanId), findings: [], documents: [], review: { round: 0, decisions: [] }, reminders: [], history: [],
    });
    await PartnerInvitationRedemptionModel.create({ _id: `${invitationId}.redeemed`, invitationId, applicationId: orphanId });
    await PartnerInvitationModel.updateOne({ _id: invitationId }, { $set: { status: 'used', usedAt: new Date(), applicationId: orphanId } });
  });
  await new Promise((r) => setTimeout(r, 50));

  // Too young to reap: nothing happens.
  expect(await reapStaleApplications(app.running.services, asTenantId(tenantId), 60_000)).toEqual([]);
  const reaped = await reapStaleApplications(app.running.services, asTenantId(tenantId), 10);
  expect(reaped).toEqual([orphanId]);
  // A second pass finds nothing more to do and audits nothing twice.
  expect(await reapStaleApplications(app.running.services, asTenantId(tenantId), 10)).toEqual([]);

  const orphan = (await app.http('GET', `/v1/partner-applications/${orphanId}`, { key: adminKey })).body;
  expect(orphan).toMatchObject({ status: 'expired', closedReason: 'the application could not be started; please apply again' });
  expect(orphan.history.map((h: { event: string }) => h.event)).toEqual(['expired']);
  expect((await app.http('GET', `/v1/partner-applications/${waiting.id}`, { key: adminKey })).body.status).toBe('submitted');
  const audit = await app.http('GET', `/v1/audit?entityId=${orphanId}&limit=20`, { key: adminKey });
  expect(audit.body.items.filter((e: { action: string }) => e.action === 'partner-application.expired')).toHaveLength(1);

  // The invitation is open again and can be used.
  expect((await app.http('GET', `/v1/partner-invitations/${invitationId}`, { key: adminKey })).body.status).toBe('open');
  const again = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body: { ...invitee, invitationToken: invited.body.token } });
  expect(again.status).toBe(201);
});
