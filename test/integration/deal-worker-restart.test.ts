import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { startTemporalWorkers, TemporalWorkers } from '../../workers/temporal-worker';
import { AREAS } from '../../areas';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { inTenant } from '../../platform/tenant-context';
import { testTrellisOf, type TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, decide, testRules, quickStep } from './deal-fixtures';

/**
 * The API and the Temporal worker run as separate parts here, so the test can stop the worker
 * in the middle of an approval and start a fresh one, as a deploy or a crash would.
 */
let running: RunningTrellis;
let workers: TemporalWorkers | undefined;
let app: TestTrellis;

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0' });
  running = await startTrellis(config, { api: true, temporalWorker: false, queueWorker: true });
  workers = await startTemporalWorkers(running.services, AREAS);
  app = testTrellisOf(running, config);
});
afterAll(async () => {
  await workers?.stop();
  await running?.stop();
});

test('a worker restart mid-approval loses nothing and does nothing twice', async () => {
  const t = await dealTenant(app, testRules({
    rules: [{ name: 'strict', when: { products: ['timeout'] }, action: 'review', steps: [quickStep({ name: 'strict', sla: '3 seconds', onTimeout: 'reject' }) as never] }],
  }));
  const approver = await t.staff('approver');
  const admin = await t.staff('tenant-admin');
  const p = await t.partner('silver');
  const chained = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '75000' }) });
  const timed = await app.http('POST', '/v1/deals', { key: p.key, body: registration({ amount: '75000', products: ['timeout'] }) });
  await dealWhen(app, p.key, chained.body.id, (d) => d.currentStep?.id === 'r-1');
  await dealWhen(app, p.key, timed.body.id, (d) => d.currentStep?.id === 'r-1');
  expect((await decide(app, approver.key, chained.body.id, 'approve')).body.currentStep.id).toBe('r-2');

  await workers!.stop();
  workers = undefined;
  // With no worker, the director's decision waits; the SLA timer of the other deal keeps running on the server.
  const pending = decide(app, admin.key, chained.body.id, 'approve', { comment: 'approved during the restart' });
  await new Promise((r) => setTimeout(r, 3500));
  expect((await app.http('GET', `/v1/deals/${chained.body.id}`, { key: p.key })).body.currentStep.id).toBe('r-2');

  workers = await startTemporalWorkers(running.services, AREAS);
  const decided = await pending;
  expect(decided.status).toBe(200);
  expect(decided.body.status).toBe('protected');
  const timedOut = await dealWhen(app, p.key, timed.body.id, (d) => d.status === 'rejected');
  expect(timedOut.steps[0].decisions).toEqual([expect.objectContaining({ decision: 'timeout-reject' })]);

  const deal = (await app.http('GET', `/v1/deals/${chained.body.id}`, { key: p.key })).body;
  expect(deal.history.map((h: { type: string }) => h.type)).toEqual([
    'registered', 'plan', 'step-started', 'approved-step', 'step-started', 'approved-step', 'protected',
  ]);
  // Each history entry became exactly one audit event, whatever was retried, and the approval
  // one more (deal.approved, what webhooks subscribers listen for).
  const events = await inTenant(t.tenantId, () => AuditEventModel.find({ 'entity.id': chained.body.id }).lean());
  const keys = events.map((e) => e.eventKey);
  expect(new Set(keys).size).toBe(keys.length);
  expect(events.filter((e) => e.action !== 'deal.approved')).toHaveLength(deal.history.length);
  expect(events.filter((e) => e.action === 'deal.approved')).toHaveLength(1);
  const verify = await app.http('GET', '/v1/audit/verify', { key: t.adminKey });
  expect(verify.body.valid).toBe(true);
});
