import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { createOnboardingActivities, Progress } from '../../activities/onboarding/index';
import { fastRules, publishOnboarding, apply, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * The onboarding workflow's history append, against the real store: an activity that Temporal
 * runs again (a retry after a worker died, or a timed-out attempt still running beside the new
 * one) must record each entry, reminder and decision once.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  await app?.stop();
});

test('recordProgress run twice concurrently and twice in a row records each entry once', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules());
  const { id } = await apply(app, slug);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const acts = createOnboardingActivities({ services: app.running.services });

  const at = new Date().toISOString();
  // Seqs far beyond what the workflow itself writes while it waits for the agreement.
  const approved: Progress = {
    entry: { seq: 901, at, step: 'vendor-review', event: 'approved', actor: { type: 'api-key', id: 'key_test', role: 'approver' } },
    decision: { round: 1, decision: 'approve', by: 'key_test', role: 'approver', at },
    audit: 'partner-application.approved',
  };
  const reminded: Progress = {
    entry: { seq: 902, at, step: 'vendor-review', event: 'reminder-sent', detail: 'review reminder to approver' },
    reminder: { step: 'vendor-review', to: 'approver', at },
  };
  await Promise.all([acts.recordProgress(tenantId, id, approved), acts.recordProgress(tenantId, id, approved), acts.recordProgress(tenantId, id, approved)]);
  await acts.recordProgress(tenantId, id, approved);
  await acts.recordProgress(tenantId, id, reminded);
  await acts.recordProgress(tenantId, id, reminded);

  const detail = (await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body;
  const seqs = detail.history.map((h: { seq: number }) => h.seq);
  expect(seqs.filter((s: number) => s === 901)).toHaveLength(1);
  expect(seqs.filter((s: number) => s === 902)).toHaveLength(1);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(detail.review.decisions.filter((d: { round: number }) => d.round === 1)).toHaveLength(1);
  expect(detail.reminders.filter((r: { to: string }) => r.to === 'approver')).toHaveLength(1);
  const audit = await app.http('GET', `/v1/audit?entityId=${id}&limit=50`, { key: adminKey });
  expect(audit.body.items.filter((e: { action: string }) => e.action === 'partner-application.approved')).toHaveLength(1);
});
