import { keepHistory } from '../support/histories';
import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { fastRules, publishOnboarding, apply, applyAndSubmit, waitForStatus, onboardingHandle, UNLIMITED_PUBLIC } from './onboarding-helpers';

/** SLA escalation, reminders, stall expiry and overdue enablement, with rule-set durations in seconds. */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  await app?.stop();
});

test('review sla: reminders to the approver, escalation to tenant-admin, who may then decide; overdue enablement costs good standing', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules({
    review: { approverRole: 'approver', sla: '2 seconds', reminderEvery: '1 second', escalateTo: 'tenant-admin', maxRounds: 3 },
    // The enablement clock starts at provisioning and its first reminder a second after enablement
    // begins: 6 s leaves room for a slow provisioning (seen taking over 3 s on a loaded CI machine)
    // before the deadline overtakes the reminder.
    enablement: { modules: ['product-fundamentals', 'deal-registration'], within: '6 seconds', reminderEvery: '1 second' },
  }));
  const { id } = await applyAndSubmit(app, slug, adminKey);

  let escalated: any;
  await waitFor(async () => {
    escalated = (await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body;
    return Boolean(escalated.review.escalatedAt) && escalated.reminders.some((r: { to: string }) => r.to === 'tenant-admin');
  }, 15000);
  expect(escalated.review.escalatedTo).toBe('tenant-admin');
  expect(escalated.reminders[0]).toMatchObject({ step: 'vendor-review', to: 'approver' });
  expect(new Date(escalated.review.escalatedAt).getTime()).toBeGreaterThanOrEqual(new Date(escalated.review.dueAt).getTime());
  const audit = await app.http('GET', `/v1/audit?entityId=${id}&action=partner-application.escalated`, { key: adminKey });
  expect(audit.body.items).toHaveLength(1);

  const byAdmin = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: adminKey, body: { decision: 'approve' } });
  expect(byAdmin.status).toBe(200);
  const partnerId = byAdmin.body.partnerId as string;
  const partnerKey = byAdmin.body.partnerKey as string;

  // Enablement runs out: the partner loses good standing, then regains it by finishing late.
  await waitFor(async () => (await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body.enablement?.overdue === true, 15000);
  expect((await app.http('GET', `/v1/partners/${partnerId}`, { key: adminKey })).body.goodStanding).toBe(false);
  const overdue = await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey });
  expect(overdue.body.enablement).toMatchObject({ overdue: true, completed: [] });
  expect(overdue.body.reminders.some((r: { step: string }) => r.step === 'enablement')).toBe(true);
  for (const module of ['product-fundamentals', 'deal-registration']) {
    expect((await app.http('POST', `/v1/partners/${partnerId}/training-completions`, { key: partnerKey, body: { module } })).status).toBe(200);
  }
  const again = await app.http('POST', `/v1/partners/${partnerId}/training-completions`, { key: partnerKey, body: { module: 'deal-registration' } });
  expect(again.status).toBe(200);
  expect(again.body.training.filter((t: { module: string }) => t.module === 'deal-registration')).toHaveLength(1);
  await waitForStatus(app, adminKey, id, 'completed');
  const partner = await app.http('GET', `/v1/partners/${partnerId}`, { key: adminKey });
  expect(partner.body.goodStanding).toBe(true);
  expect(partner.body.training.map((t: { module: string }) => t.module).sort()).toEqual(['deal-registration', 'product-fundamentals']);
  await keepHistory(onboardingHandle(app, tenantId, id), 'partner-onboarding-escalation-overdue');
});

test('an application that stalls expires after the configured time', async () => {
  const { slug, adminKey } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules({
    review: { approverRole: 'approver', sla: '1 second', reminderEvery: '1 second', escalateTo: 'tenant-admin', maxRounds: 3 },
    expireAfter: '3 seconds',
  }));
  const { id, token } = await apply(app, slug);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const inReview = await applyAndSubmit(app, slug, adminKey);
  const expired = await waitForStatus(app, adminKey, id, 'expired', 15000);
  expect(expired.closedReason).toMatch(/nothing from the applicant within 3 seconds while awaiting-agreement/);
  const late = await app.http('POST', `/v1/public/${slug}/partner-applications/${id}/withdrawal`, { headers: { 'x-applicant-token': token }, body: {} });
  expect(late.status).toBe(409);

  // A review nobody decides escalates, then expires too, rather than running forever.
  const unreviewed = await waitForStatus(app, adminKey, inReview.id, 'expired', 15000);
  expect(unreviewed.closedReason).toBe('no review decision within 3 seconds');
  expect(unreviewed.review.escalatedTo).toBe('tenant-admin');
});
