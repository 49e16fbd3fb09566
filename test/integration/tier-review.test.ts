import { keepHistory } from '../support/histories';
import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { recordClosedWon } from '../../services/tiers/partner-metrics';
import { tierAt } from '../../services/onboarding/partners';
import { DEFAULT_TIERS_RULES } from '../../domain/tiers/definition';
import { dedicatedNamespace } from '../../domain/workflow-ids';
import { keyFor, UNLIMITED_PUBLIC } from './onboarding-helpers';
import { asTenantId } from '../../platform/tenant-id';

let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  await app?.stop();
});

const DAY = 86_400_000;
const longAgo = new Date(Date.now() - 400 * DAY);

interface Seed { name: string; tier: string; won?: [number, string, Date?][]; training?: string[] }

/** Partners with closed-won revenue events (amounts in minor units), as deals will write them. */
async function seedPartners(tenantId: string, seeds: Seed[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const seed of seeds) {
    const id = newId('ptn');
    ids[seed.name] = id;
    await inTenant(tenantId, () => PartnerModel.create({
      _id: id, name: seed.name, email: `${seed.name}@example.com`, emailDomain: 'example.com', country: 'US', status: 'active', tier: seed.tier,
      tierHistory: [{ tier: seed.tier, effectiveFrom: new Date(Date.now() - 500 * DAY), reason: 'seeded', changedBy: 'test', source: 'seed' }],
      goodStanding: true, payoutEligibility: { eligible: false, reasons: [] }, documents: [],
      training: (seed.training ?? []).map((module) => ({ module, completedAt: new Date() })),
    }));
    for (const [i, [amountMinor, currency, closedAt]] of (seed.won ?? []).entries()) {
      await recordClosedWon(asTenantId(tenantId), { partnerId: id, sourceId: `deal-${seed.name}-${i}`, amountMinor, currency, closedAt: closedAt ?? new Date(Date.now() - 10 * DAY) });
    }
  }
  return ids;
}

const deals = (n: number, each: number, currency = 'USD', closedAt?: Date): [number, string, Date?][] => Array.from({ length: n }, () => [each, currency, closedAt]);
const BOTH = ['product-fundamentals', 'deal-registration'];

test('a review promotes and demotes the right partners on seeded data, after a tenant-admin approves', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  const ids = await seedPartners(tenantId, [
    { name: 'to-silver', tier: 'Registered', won: deals(4, 750_000), training: ['product-fundamentals'] },
    { name: 'gold-to-registered', tier: 'Gold', won: deals(1, 1_000_000) },
    { name: 'stays-silver', tier: 'Silver', won: deals(3, 1_000_000), training: ['product-fundamentals'] },
    { name: 'untrained', tier: 'Registered', won: deals(30, 5_000_000) },
    { name: 'euro-only', tier: 'Registered', won: deals(30, 5_000_000, 'EUR'), training: BOTH },
    { name: 'stale-silver', tier: 'Silver', won: deals(5, 1_000_000, 'USD', longAgo), training: BOTH },
    { name: 'to-platinum', tier: 'Registered', won: deals(25, 2_000_000), training: BOTH },
  ]);

  const started = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  expect(started.status).toBe(202);
  const reviewId = started.body.id as string;
  let review: any;
  await waitFor(async () => {
    review = (await app.http('GET', `/v1/tier-reviews/${reviewId}`, { key: adminKey })).body;
    return review.status === 'awaiting-approval';
  });
  expect(review.partnersReviewed).toBe(7);
  const proposed = Object.fromEntries(review.proposals.map((p: { partnerId: string; toTier: string; change: string }) => [p.partnerId, `${p.change} to ${p.toTier}`]));
  expect(proposed).toEqual({
    [ids['to-silver']]: 'promotion to Silver',
    [ids['gold-to-registered']]: 'demotion to Registered',
    [ids['stale-silver']]: 'demotion to Registered',
    [ids['to-platinum']]: 'promotion to Platinum',
  });
  const silver = review.proposals.find((p: { partnerId: string }) => p.partnerId === ids['to-silver']);
  expect(silver.metrics).toEqual({ closedWonRevenue: '30000.00', currency: 'USD', dealCount: 4, trainingCompleted: ['product-fundamentals'] });
  expect(silver.reason).toMatch(/meets Silver; not Gold \(revenue 30000.00 < 100000.00 USD; deals 4 < 10; training missing: deal-registration\)/);

  const beforeApproval = new Date();
  const approver = await keyFor(app, adminKey, 'approver');
  expect((await app.http('POST', `/v1/tier-reviews/${reviewId}/decision`, { key: approver, body: { decision: 'approve' } })).status).toBe(403);
  const applied = await app.http('POST', `/v1/tier-reviews/${reviewId}/decision`, { key: adminKey, body: { decision: 'approve', note: 'Q3 review' } });
  expect(applied.status).toBe(200);
  expect(applied.body).toMatchObject({ status: 'applied', decisionNote: 'Q3 review' });

  const tiers = await app.http('GET', '/v1/partners?limit=50', { key: adminKey });
  expect(Object.fromEntries(tiers.body.items.map((p: { name: string; tier: string }) => [p.name, p.tier]))).toEqual({
    'to-silver': 'Silver', 'gold-to-registered': 'Registered', 'stays-silver': 'Silver', untrained: 'Registered',
    'euro-only': 'Registered', 'stale-silver': 'Registered', 'to-platinum': 'Platinum',
  });
  // Effective-dated: a deal dated before the approval still sees the old tier.
  expect(await tierAt(asTenantId(tenantId), ids['to-platinum'], beforeApproval)).toBe('Registered');
  expect(await tierAt(asTenantId(tenantId), ids['to-platinum'], new Date(Date.now() + 1000))).toBe('Platinum');
  const asOf = await app.http('GET', `/v1/partners/${ids['gold-to-registered']}?at=${encodeURIComponent(beforeApproval.toISOString())}`, { key: adminKey });
  expect(asOf.body.tierAt.tier).toBe('Gold');
  const audit = await app.http('GET', '/v1/audit?action=partner.tier-changed&limit=50', { key: adminKey });
  expect(audit.body.items).toHaveLength(4);

  expect((await app.http('POST', `/v1/tier-reviews/${reviewId}/decision`, { key: adminKey, body: { decision: 'reject' } })).status).toBe(409);
  await keepHistory(app.running.services.conns.clientFor(app.config.temporalNamespace).workflow.getHandle(`${tenantId}/tier-review/${reviewId}`), 'tier-review-approved');

  // Run again: nothing left to change.
  const again = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  await waitFor(async () => (await app.http('GET', `/v1/tier-reviews/${again.body.id}`, { key: adminKey })).body.status === 'no-changes');

  // Another tenant cannot see or decide this review.
  const other = await provisionTenant(app);
  expect((await app.http('GET', `/v1/tier-reviews/${reviewId}`, { key: other.adminKey })).status).toBe(404);
  expect((await app.http('POST', `/v1/tier-reviews/${reviewId}/decision`, { key: other.adminKey, body: { decision: 'approve' } })).status).toBe(404);
  expect((await app.http('GET', '/v1/tier-reviews', { key: other.adminKey })).body.items).toEqual([]);
});

test('a rejected review changes nothing; an auto-applying tenant applies at once', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  const ids = await seedPartners(tenantId, [{ name: 'climber', tier: 'Registered', won: deals(4, 750_000), training: ['product-fundamentals'] }]);
  const first = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  await waitFor(async () => (await app.http('GET', `/v1/tier-reviews/${first.body.id}`, { key: adminKey })).body.status === 'awaiting-approval');
  const rejected = await app.http('POST', `/v1/tier-reviews/${first.body.id}/decision`, { key: adminKey, body: { decision: 'reject', note: 'wait for the audit' } });
  expect(rejected.body.status).toBe('rejected');
  expect((await app.http('GET', `/v1/partners/${ids.climber}`, { key: adminKey })).body.tier).toBe('Registered');

  const published = await app.http('POST', '/v1/rule-sets/tiers/versions', { key: adminKey, body: { definition: { ...DEFAULT_TIERS_RULES, autoApply: true } } });
  expect(published.status).toBe(201);
  const auto = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
  await waitFor(async () => (await app.http('GET', `/v1/tier-reviews/${auto.body.id}`, { key: adminKey })).body.status === 'applied');
  const partner = await app.http('GET', `/v1/partners/${ids.climber}`, { key: adminKey });
  expect(partner.body.tier).toBe('Silver');
  expect(partner.body.tierHistory.at(-1)).toMatchObject({ tier: 'Silver', changedBy: 'tier-review', source: `tier-review:${auto.body.id}` });
});

test('each tenant has its own tier-review schedule in its namespace; a scheduled run carries the TenantId attribute', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  await seedPartners(tenantId, [{ name: 'climber', tier: 'Registered', won: deals(4, 750_000), training: ['product-fundamentals'] }]);
  const schedule = await app.http('GET', '/v1/tier-reviews/schedule', { key: adminKey });
  expect(schedule.status).toBe(200);
  expect(schedule.body).toMatchObject({ scheduleId: `${tenantId}/tier-review-schedule`, paused: false, timezone: 'Europe/Berlin' });
  // Quarterly: the next runs are three months apart, on the first of the month.
  const next = schedule.body.nextRuns.map((d: string) => new Date(d));
  expect(next.length).toBeGreaterThanOrEqual(2);
  expect(Math.round((next[1].getTime() - next[0].getTime()) / DAY)).toBeGreaterThanOrEqual(89);

  const client = app.running.services.conns.clientFor(app.config.temporalNamespace);
  await client.schedule.getHandle(`${tenantId}/tier-review-schedule`).trigger();
  let review: any;
  await waitFor(async () => {
    review = (await app.http('GET', '/v1/tier-reviews', { key: adminKey })).body.items[0];
    return review?.status === 'awaiting-approval';
  });
  expect(review.trigger).toBe('schedule');
  const [execution] = await collect(client.workflow.list({ query: `TenantId = "${tenantId}" AND WorkflowType = "tierReview"` }));
  expect(execution.workflowId.startsWith(`${tenantId}/tier-review/scheduled`)).toBe(true);

  // A new cron in the tiers rule set is read into the schedule on request.
  await app.http('POST', '/v1/rule-sets/tiers/versions', { key: adminKey, body: { definition: { ...DEFAULT_TIERS_RULES, schedule: { cron: '0 6 1 * *' } } } });
  const monthly = await app.http('POST', '/v1/tier-reviews/schedule', { key: adminKey });
  expect(monthly.status).toBe(200);
  const [m0, m1] = monthly.body.nextRuns.map((d: string) => new Date(d).getTime());
  expect(Math.round((m1 - m0) / DAY)).toBeLessThanOrEqual(31);
});

test("a dedicated tenant's schedule lives in its own namespace", async () => {
  const { tenantId, adminKey } = await provisionTenant(app, { isolation: 'dedicated' });
  const schedule = await app.http('GET', '/v1/tier-reviews/schedule', { key: adminKey });
  expect(schedule.status).toBe(200);
  const namespace = dedicatedNamespace(tenantId);
  expect(namespace).not.toBe(app.config.temporalNamespace);
  const there = await app.running.services.conns.clientFor(namespace).schedule.getHandle(`${tenantId}/tier-review-schedule`).describe();
  expect(there.scheduleId).toBe(`${tenantId}/tier-review-schedule`);
  await expect(app.running.services.conns.clientFor(app.config.temporalNamespace).schedule.getHandle(`${tenantId}/tier-review-schedule`).describe()).rejects.toThrow();
});

test("offboarding deletes the tenant's tier-review schedule", async () => {
  const { tenantId } = await provisionTenant(app);
  const handle = app.running.services.conns.clientFor(app.config.temporalNamespace).schedule.getHandle(`${tenantId}/tier-review-schedule`);
  await handle.describe();
  expect((await app.http('DELETE', `/v1/tenants/${tenantId}`, { key: app.platformKey })).status).toBe(202);
  await waitFor(async () => (await app.http('GET', `/v1/tenants/${tenantId}`, { key: app.platformKey })).body.status === 'deleted', 60000);
  await waitFor(async () => handle.describe().then(() => false, () => true));
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for (let attempt = 0; attempt < 50 && out.length === 0; attempt++) {
    for await (const item of items) out.push(item);
    if (out.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  return out;
}
