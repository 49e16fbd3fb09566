import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { TierReviewModel } from '../../models/tiers/tier-review';
import { PartnerModel } from '../../models/onboarding/partner';
import { TenantModel } from '../../models/tenancy/tenant';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { reapStaleTierReviews } from '../../services/tiers/tier-reviews';
import { asTenantId } from '../../platform/tenant-id';

/**
 * Reviews left `computing` by a process that is gone (a crash between the record and the
 * workflow start, a terminated workflow) are closed by the reaper; live ones are left alone.
 * Against the real store and the real Temporal server.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const HOUR = 3_600_000;

/** Back-dates a review: createdAt is immutable through mongoose, so this goes to the collection. */
async function backdate(tenantId: string, reviewId: string, at: Date, status = 'computing'): Promise<void> {
  await TierReviewModel.collection.updateOne({ _id: reviewId as never, tenantId }, { $set: { createdAt: at, status } });
}

async function reviewWhen(adminKey: string, id: string, statuses: string[]): Promise<void> {
  await waitFor(async () => statuses.includes((await app.http('GET', `/v1/tier-reviews/${id}`, { key: adminKey })).body.status));
}

test('stuck computing reviews whose workflow is not running are closed and audited once; running, recent and other states are kept', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  const services = app.running.services;
  const old = new Date(Date.now() - 2 * HOUR);

  // Never started: the record exists, its workflow does not.
  const orphan = newId('rev');
  const recent = newId('rev');
  await inTenant(tenantId, async () => {
    await TierReviewModel.create({ _id: orphan, workflowId: `${tenantId}/tier-review/${orphan}`, trigger: 'on-demand', requestedBy: 'test', status: 'computing', proposals: [] });
    await TierReviewModel.create({ _id: recent, workflowId: `${tenantId}/tier-review/${recent}`, trigger: 'on-demand', requestedBy: 'test', status: 'computing', proposals: [] });
  });
  await backdate(tenantId, orphan, old);

  // Finished: a review that completed (no partners, no changes), its record put back to computing.
  const finished = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  await reviewWhen(adminKey, finished.body.id, ['no-changes']);
  const finishedDoc = (await inTenant(tenantId, () => TierReviewModel.findOne({ _id: finished.body.id }).lean()))!;
  const tenant = (await TenantModel.findOne({ _id: tenantId }).lean())!;
  await waitFor(async () => (await services.workflows.client(tenant).workflow.getHandle(finishedDoc.workflowId).describe()).status.name === 'COMPLETED');
  await backdate(tenantId, finished.body.id, old);

  // Running: a review waiting for approval (a Gold partner with no revenue is proposed for demotion).
  await inTenant(tenantId, () => PartnerModel.create({
    _id: newId('ptn'), name: 'Idle Gold', email: 'gold@example.com', emailDomain: 'example.com', country: 'US', status: 'active', tier: 'Gold',
    tierHistory: [{ tier: 'Gold', effectiveFrom: new Date(0), reason: 'seeded', changedBy: 'test', source: 'seed' }],
    goodStanding: true, payoutEligibility: { eligible: false, reasons: [] }, documents: [], training: [],
  }));
  const running = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  await reviewWhen(adminKey, running.body.id, ['awaiting-approval']);
  await backdate(tenantId, running.body.id, old);

  const reaped = await reapStaleTierReviews(services, asTenantId(tenantId), HOUR);
  expect(reaped.sort()).toEqual([orphan, finished.body.id].sort());

  const statusOf = async (id: string) => (await inTenant(tenantId, () => TierReviewModel.findOne({ _id: id }).lean()))!;
  expect(await statusOf(orphan)).toMatchObject({ status: 'skipped', decisionNote: expect.stringContaining('never started') });
  expect(await statusOf(finished.body.id)).toMatchObject({ status: 'skipped', decisionNote: expect.stringContaining('completed') });
  expect((await statusOf(recent)).status).toBe('computing');
  expect((await statusOf(running.body.id)).status).toBe('computing');

  // Again: nothing more to do, and each closure was audited exactly once.
  expect(await reapStaleTierReviews(services, asTenantId(tenantId), HOUR)).toEqual([]);
  const events = await inTenant(tenantId, () => AuditEventModel.find({ action: 'tier-review.abandoned' }).lean());
  expect(events.map((e) => e.entity.id).sort()).toEqual([orphan, finished.body.id].sort());
  expect((await app.http('GET', '/v1/audit/verify', { key: adminKey })).body.valid).toBe(true);

  // Another tenant's reaper sees none of these.
  const other = await provisionTenant(app);
  await backdate(tenantId, recent, old);
  expect(await reapStaleTierReviews(services, asTenantId(other.tenantId), HOUR)).toEqual([]);
  expect((await statusOf(recent)).status).toBe('computing');
});
