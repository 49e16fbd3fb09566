import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { dedicatedNamespace } from '../../domain/workflow-ids';
import { fastRules, publishOnboarding, keyFor, apply, applyAndSubmit, waitForStatus, applicantGet, applicantPost, onboardingHandle, UNLIMITED_PUBLIC } from './onboarding-helpers';

let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string; slug: string };
let approverKey: string;

beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
  tenant = await provisionTenant(app);
  await publishOnboarding(app, tenant.adminKey, fastRules());
  approverKey = await keyFor(app, tenant.adminKey, 'approver');
});
afterAll(async () => {
  await app?.stop();
});

test('straight approval: checks, agreement, documents, review, provisioning with a partner key, enablement', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await applyAndSubmit(app, slug, adminKey);

  const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approverKey, body: { decision: 'approve', reason: 'strong pipeline' } });
  expect(approved.status).toBe(200);
  expect(approved.body.partnerKey).toMatch(/^trk_/);
  const partnerId = approved.body.partnerId as string;

  const inEnablement = await waitForStatus(app, adminKey, id, 'enablement');
  expect(inEnablement.agreement).toMatchObject({ signerName: 'Ada Lovelace', version: '2026-01' });
  expect(inEnablement.agreement.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(inEnablement.review.decisions).toEqual([expect.objectContaining({ decision: 'approve', role: 'approver', round: 1 })]);

  // The partner key works and sees its own partner: active, initial tier, not yet payout eligible.
  const partnerKey = approved.body.partnerKey as string;
  const own = await app.http('GET', `/v1/partners/${partnerId}`, { key: partnerKey });
  expect(own.status).toBe(200);
  expect(own.body).toMatchObject({ status: 'active', tier: 'Registered', goodStanding: true });
  expect(own.body.payoutEligibility).toEqual({ eligible: false, reasons: ['tax-form not verified', 'bank-details not verified'] });

  // Only the hash of the key is stored: the plaintext is nowhere in the workflow's history.
  const handle = onboardingHandle(app, tenant.tenantId, id);
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain(partnerKey);

  // Enablement: the partner completes its module; the application completes.
  const trained = await app.http('POST', `/v1/partners/${partnerId}/training-completions`, { key: partnerKey, body: { module: 'product-fundamentals' } });
  expect(trained.status).toBe(200);
  const done = await waitForStatus(app, adminKey, id, 'completed');
  expect(done.history.map((h: { event: string }) => h.event)).toEqual([
    'checks-started', 'checks-passed', 'agreement-presented', 'agreement-accepted', 'documents-requested', 'documents-submitted',
    'review-opened', 'approved', 'provisioning-started', 'partner-activated', 'enablement-started', 'training-progress', 'completed',
  ]);

  // Compliance gate: finance verifies both documents and the partner becomes payout eligible.
  const financeKey = await keyFor(app, adminKey, 'finance');
  const taxForm = await app.http('POST', `/v1/partners/${partnerId}/document-verifications`, { key: financeKey, body: { kind: 'tax-form' } });
  expect(taxForm.text && taxForm.body.payoutEligibility)
    .toEqual({ eligible: false, reasons: ['bank-details not verified'] });
  const eligible = await app.http('POST', `/v1/partners/${partnerId}/document-verifications`, { key: financeKey, body: { kind: 'bank-details' } });
  expect(eligible.body.payoutEligibility).toEqual({ eligible: true, reasons: [] });

  const audit = await app.http('GET', `/v1/audit?entityId=${id}`, { key: adminKey });
  expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['partner-application.submitted', 'partner-application.approved', 'partner-application.completed']));

  // A closed application takes no more decisions, and the applicant sees where it ended.
  const late = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approverKey, body: { decision: 'reject', reason: 'too late' } });
  expect(late.status).toBe(409);
  expect((await applicantGet(app, slug, id, token)).body.status).toBe('completed');
  expect((await applicantPost(app, slug, id, token, 'withdrawal', {})).status).toBe(409);
  await keepHistory(handle, 'partner-onboarding-approval');
});

test("a dedicated tenant's applications run in its own namespace", async () => {
  const dedicated = await provisionTenant(app, { isolation: 'dedicated' });
  const { id, token } = await apply(app, dedicated.slug);
  await waitForStatus(app, dedicated.adminKey, id, 'awaiting-agreement');
  const handle = app.running.services.conns.clientFor(dedicatedNamespace(dedicated.tenantId)).workflow.getHandle(`${dedicated.tenantId}/partner-onboarding/${id}`);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect((await applicantPost(app, dedicated.slug, id, token, 'withdrawal', {})).body.status).toBe('withdrawn');
});
