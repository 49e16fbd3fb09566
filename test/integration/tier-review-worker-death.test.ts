import { NativeConnection, Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { AREAS } from '../../areas';
import { activitiesOf } from '../../areas/compose';
import { createTierActivities } from '../../activities/tiers/index';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import type { AuditLog } from '../../services/tenancy/audit';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { provisionTenant, waitFor, TestTrellis, testTrellisOf } from '../support/trellis';

/**
 * A worker that dies while applying an approved tier review never heartbeats and never answers.
 * The worker here plays that part on the first attempt of applyTierReview (it takes the task and
 * goes silent), then behaves; the tenant-admin's decision request must not wait for a minute.
 */
let running: RunningTrellis;
let worker: Worker | undefined;
let workerDone: Promise<void> | undefined;
let app: TestTrellis;
let silentAttempts = 0;
let auditBlips = 0;

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0' });
  running = await startTrellis(config, { api: true, temporalWorker: false, queueWorker: true });
  const real = activitiesOf(AREAS, { services: running.services });
  // The store blips once on the proposals' audit event, after the proposals were written.
  const blippingAudit = {
    record: (tenantId: Parameters<AuditLog['record']>[0], input: Parameters<AuditLog['record']>[1]) => {
      if (input.action === 'tier-review.proposed' && auditBlips === 0) {
        auditBlips += 1;
        return Promise.reject(new Error('store blip'));
      }
      return running.services.audit.record(tenantId, input);
    },
  };
  const blipping = createTierActivities({ services: { ...running.services, audit: blippingAudit as unknown as AuditLog } });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: config.temporalAddress! }),
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    workflowBundle: { codePath: config.workflowBundlePath! },
    activities: {
      ...real,
      computeTierProposals: blipping.computeTierProposals,
      async applyTierReview(...args: Parameters<typeof real.applyTierReview>) {
        if (Context.current().info.attempt === 1) {
          silentAttempts += 1;
          // As a killed worker: no heartbeat, no answer (until this test's worker shuts down).
          await Context.current().sleep(10 * 60_000);
        }
        return real.applyTierReview(...args);
      },
    },
    shutdownGraceTime: '1 second',
  });
  workerDone = worker.run();
  app = testTrellisOf(running, config);
});
afterAll(async () => {
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await running?.stop();
});

test('an approval whose worker dies mid-apply is applied by the next attempt within seconds, not a minute; a retried computation still audits its proposals', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  const partnerId = newId('ptn');
  await inTenant(tenantId, () => PartnerModel.create({
    _id: partnerId, name: 'Idle Gold', email: 'gold@example.com', emailDomain: 'example.com', country: 'US', status: 'active', tier: 'Gold',
    tierHistory: [{ tier: 'Gold', effectiveFrom: new Date(0), reason: 'seeded', changedBy: 'test', source: 'seed' }],
    goodStanding: true, payoutEligibility: { eligible: false, reasons: [] }, documents: [], training: [],
  }));
  const started = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  expect(started.status).toBe(202);
  await waitFor(async () => (await app.http('GET', `/v1/tier-reviews/${started.body.id}`, { key: adminKey })).body.status === 'awaiting-approval', 30000);

  const asked = Date.now();
  const decided = await app.http('POST', `/v1/tier-reviews/${started.body.id}/decision`, { key: adminKey, body: { decision: 'approve' } });
  const waitedMs = Date.now() - asked;
  expect(silentAttempts).toBe(1);
  expect(decided.status).toBe(200);
  expect(decided.body).toMatchObject({ status: 'applied', proposals: [expect.objectContaining({ partnerId, toTier: 'Registered' })] });
  // The heartbeat timeout (15 s) plus a retry, with room for a loaded machine; it was over 60 s.
  expect(waitedMs).toBeLessThan(40_000);
  const partner = (await inTenant(tenantId, () => PartnerModel.findOne({ _id: partnerId }).lean()))!;
  expect(partner.tier).toBe('Registered');

  // The retry after the audit blip still recorded the proposals' event, once.
  expect(auditBlips).toBe(1);
  const proposed = await inTenant(tenantId, () => AuditEventModel.find({ action: 'tier-review.proposed', 'entity.id': started.body.id }).lean());
  expect(proposed).toHaveLength(1);
  expect((await app.http('GET', '/v1/audit/verify', { key: adminKey })).body.valid).toBe(true);
}, 150_000);
