import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { fastRules, publishOnboarding, keyFor, applyAndSubmit, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * Kills the Temporal workers while an application is mid-process (its enablement deadline passes
 * with no worker alive), starts a fresh Trellis against the same stack, and checks the workflow
 * resumes where it was: the overdue deadline is handled once and the application completes.
 */
let first: TestTrellis;
let second: TestTrellis | undefined;

beforeAll(async () => {
  first = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  await second?.stop();
  await first?.stop().catch(() => undefined);
});

test('a worker killed mid-process is replaced and the application resumes where it was', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(first);
  await publishOnboarding(first, adminKey, fastRules({ enablement: { modules: ['product-fundamentals'], within: '3 seconds', reminderEvery: '3 seconds' } }));
  const approver = await keyFor(first, adminKey, 'approver');
  const { id } = await applyAndSubmit(first, slug, adminKey);
  const approved = await first.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body: { decision: 'approve' } });
  expect(approved.status).toBe(200);
  await waitForStatus(first, adminKey, id, 'enablement');

  await first.running.temporalWorkers!.stop();
  // The enablement deadline passes while no worker runs: nothing can happen yet.
  await new Promise((r) => setTimeout(r, 4000));
  const stalled = (await first.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body;
  expect(stalled.enablement.overdue).toBe(false);

  second = await startTestTrellis(UNLIMITED_PUBLIC);
  await waitFor(async () => (await second!.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body.enablement?.overdue === true, 20000);
  const partnerId = approved.body.partnerId as string;
  expect((await second.http('GET', `/v1/partners/${partnerId}`, { key: adminKey })).body.goodStanding).toBe(false);
  const trained = await second.http('POST', `/v1/partners/${partnerId}/training-completions`, { key: approved.body.partnerKey, body: { module: 'product-fundamentals' } });
  expect(trained.status).toBe(200);
  const done = await waitForStatus(second, adminKey, id, 'completed');
  const events = done.history.map((h: { event: string }) => h.event);
  // Each step happened exactly once across the two workers.
  expect(events.filter((e: string) => e === 'enablement-overdue')).toHaveLength(1);
  expect(events.filter((e: string) => e === 'partner-activated')).toHaveLength(1);
  const audit = await second.http('GET', `/v1/audit?entityId=${partnerId}&limit=50`, { key: adminKey });
  const actions = audit.body.items.map((e: { action: string }) => e.action);
  expect(actions.filter((a: string) => a === 'partner.activated')).toHaveLength(1);
  expect(actions.filter((a: string) => a === 'partner.good-standing-lost')).toHaveLength(1);
  expect(actions.filter((a: string) => a === 'partner.good-standing-restored')).toHaveLength(1);
  expect(tenantId).toMatch(/^ten_/);
});
