import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { fastRules, publishOnboarding, keyFor, applyAndSubmit, waitForStatus, onboardingHandle, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * A review or an enablement can wait for weeks with reminders: the workflow continues as new at
 * those waits once its history is long, carrying its state. Here "long" is one event, so it
 * continues at every reminder; the application still completes, with each step once.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis({ ...UNLIMITED_PUBLIC, ONBOARDING_CONTINUE_AS_NEW_AFTER: '1' });
});
afterAll(async () => {
  await app?.stop();
});

test('the review and enablement waits continue as new and the application completes afterwards', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules({
    review: { approverRole: 'approver', sla: '4 seconds', reminderEvery: '2 seconds', escalateTo: 'tenant-admin', maxRounds: 3 },
    enablement: { modules: ['product-fundamentals'], within: '60 seconds', reminderEvery: '2 seconds' },
  }));
  const approver = await keyFor(app, adminKey, 'approver');
  const { id } = await applyAndSubmit(app, slug, adminKey);
  const handle = onboardingHandle(app, tenantId, id);
  const firstRun = (await handle.describe()).runId;

  // A reminder and the escalation pass in review; each wake continues as new.
  await waitFor(async () => (await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body.review.escalatedAt !== undefined, 20000);
  const reviewRun = (await handle.describe()).runId;
  expect(reviewRun).not.toBe(firstRun);
  const live = (await app.http('GET', `/v1/partner-applications/${id}?live=true`, { key: adminKey })).body.live;
  expect(live).toMatchObject({ status: 'in-review', round: 1, escalated: true });

  // The escalated review is decided by the role it escalated to, in a later run.
  const admin = await keyFor(app, adminKey, 'tenant-admin');
  const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: admin, body: { decision: 'approve' } });
  expect(approved.status).toBe(200);
  expect(approver).toMatch(/.+/);
  await waitForStatus(app, adminKey, id, 'enablement');
  const enablementRun = (await handle.describe()).runId;
  await waitFor(async () => (await handle.describe()).runId !== enablementRun, 20000);

  const partnerId = approved.body.partnerId as string;
  const trained = await app.http('POST', `/v1/partners/${partnerId}/training-completions`, { key: approved.body.partnerKey, body: { module: 'product-fundamentals' } });
  expect(trained.status).toBe(200);
  const done = await waitForStatus(app, adminKey, id, 'completed');

  const events: string[] = done.history.map((h: { event: string }) => h.event);
  const once = ['review-opened', 'escalated', 'approved', 'provisioning-started', 'partner-activated', 'enablement-started', 'training-progress', 'completed'];
  for (const e of once) expect(events.filter((x) => x === e)).toHaveLength(1);
  expect(events.filter((x) => x === 'reminder-sent').length).toBeGreaterThanOrEqual(1);
  const seqs = done.history.map((h: { seq: number }) => h.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(done.enablement).toMatchObject({ completed: ['product-fundamentals'], overdue: false });

  // The last run ended the application; earlier runs each ended by continuing as new.
  // The read model shows the end a moment before the run itself completes.
  let last = await handle.describe();
  for (let i = 0; i < 50 && last.status.name === 'RUNNING'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await handle.describe();
  }
  expect(last.status.name).toBe('COMPLETED');
  const first = app.running.services.conns.clientFor(app.config.temporalNamespace).workflow.getHandle(handle.workflowId, firstRun);
  expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
}, 90000);
