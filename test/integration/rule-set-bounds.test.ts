import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { DEFAULT_DEAL_APPROVAL_RULES } from '../../domain/deals/approval-rules';
import { DEFAULT_ONBOARDING_RULES } from '../../domain/onboarding/definition';
import { DEFAULT_TIERS_RULES } from '../../domain/tiers/definition';
import { PartnerModel } from '../../models/onboarding/partner';
import { RuleSetModel } from '../../models/tenancy/rule-set';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { recordClosedWon } from '../../services/tiers/partner-metrics';
import { dealTenant, registration, testRules, quickStep } from './deal-fixtures';
import { asTenantId } from '../../platform/tenant-id';

/**
 * Rule sets are checked at publish (and at dry run) so no rule can break a workflow: bounded
 * durations, valid crons, the tenant's currency; and dry runs answer what a real run would.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const versionsOf = async (key: string, kind: string): Promise<number> => (await app.http('GET', `/v1/rule-sets/${kind}`, { key })).body.versions.length;
const publish = (key: string, kind: string, definition: unknown) => app.http('POST', `/v1/rule-sets/${kind}/versions`, { key, body: { definition } });
const fallbackWith = (over: Record<string, unknown>) => ({
  ...DEFAULT_DEAL_APPROVAL_RULES,
  fallback: { action: 'review', steps: [{ ...DEFAULT_DEAL_APPROVAL_RULES.fallback.steps![0], ...over }] },
});

describe('durations are bounded at publish and dry run for every kind', () => {
  test.each([
    ['deal-approval', 0, 'body.definition.fallback.steps.0.remindEvery', (v: unknown) => fallbackWith({ remindEvery: v })],
    ['deal-approval', '1 ms', 'body.definition.fallback.steps.0.remindEvery', (v: unknown) => fallbackWith({ remindEvery: v })],
    ['deal-approval', '0 seconds', 'body.definition.fallback.steps.0.sla', (v: unknown) => fallbackWith({ sla: v })],
    ['deal-approval', '999999999 weeks', 'body.definition.protection.period', (v: unknown) => ({ ...DEFAULT_DEAL_APPROVAL_RULES, protection: { ...DEFAULT_DEAL_APPROVAL_RULES.protection, period: v } })],
    ['deal-approval', '999999999 weeks', 'body.definition.fallback.steps.0.escalationSla', (v: unknown) => fallbackWith({ escalationSla: v })],
    ['onboarding', '0 seconds', 'body.definition.review.reminderEvery', (v: unknown) => ({ ...DEFAULT_ONBOARDING_RULES, review: { ...DEFAULT_ONBOARDING_RULES.review, reminderEvery: v } })],
    ['onboarding', '999999999 weeks', 'body.definition.expireAfter', (v: unknown) => ({ ...DEFAULT_ONBOARDING_RULES, expireAfter: v })],
    ['tiers', '1 ms', 'body.definition.approvalTimeout', (v: unknown) => ({ ...DEFAULT_TIERS_RULES, approvalTimeout: v })],
  ])('%s with %j is a 422 naming %s', async (kind, value, field, definitionWith) => {
    const { adminKey } = await provisionTenant(app);
    const before = await versionsOf(adminKey, kind);
    const published = await publish(adminKey, kind, definitionWith(value));
    expect(published.status).toBe(422);
    expect(published.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(published.body.field).toBe(field);
    const tried = await app.http('POST', `/v1/rule-sets/${kind}/dry-run`, { key: adminKey, body: { definition: definitionWith(value), input: {} } });
    expect(tried.status).toBe(422);
    expect(tried.body.field).toBe(field);
    expect(await versionsOf(adminKey, kind)).toBe(before);
  });

  test('a reminder longer than its sla is refused; the test configuration allows seconds', async () => {
    const { adminKey } = await provisionTenant(app);
    const long = await publish(adminKey, 'deal-approval', fallbackWith({ sla: '10 seconds', remindEvery: '20 seconds', escalationSla: '10 seconds' }));
    expect(long.status).toBe(422);
    expect(long.body).toMatchObject({ field: 'body.definition.fallback.steps.0.remindEvery', detail: expect.stringContaining('must not be longer than the step sla') });
    expect((await publish(adminKey, 'deal-approval', fallbackWith({ sla: '10 seconds', remindEvery: '1 second', escalationSla: '10 seconds' }))).status).toBe(201);
  });
});

describe('fields are named as the client sent them', () => {
  test('a rule-set error names body.definition.…, a dry-run input error body.input.…', async () => {
    const { adminKey } = await provisionTenant(app);
    const bad = { ...DEFAULT_DEAL_APPROVAL_RULES, rules: [{ ...DEFAULT_DEAL_APPROVAL_RULES.rules[0], when: { maxAmount: 'lots' } }] };
    const published = await publish(adminKey, 'deal-approval', bad);
    expect(published.status).toBe(422);
    expect(published.body.field).toBe('body.definition.rules.0.when.maxAmount');
    const crossField = await publish(adminKey, 'deal-approval', { ...DEFAULT_DEAL_APPROVAL_RULES, conflict: { action: 'route' } });
    expect(crossField.body.field).toBe('body.definition.conflict.role');
    const dry = await app.http('POST', '/v1/rule-sets/deal-approval/dry-run', { key: adminKey, body: { input: { tier: 'Gold', amount: 'a lot', currency: 'USD', country: 'US' } } });
    expect(dry.status).toBe(422);
    expect(dry.body.field).toBe('body.input.amount');
  });
});

describe('dry runs answer what a real run would', () => {
  test('an unknown currency is refused; the tenant currency is used when the input gives none', async () => {
    const t = await dealTenant(app, testRules({ rates: { EUR: '1.08' }, rules: [{ name: 'large deals', when: { minAmount: '250000' }, action: 'review', steps: [quickStep() as never] }] }));
    const dryRun = (input: Record<string, unknown>) => app.http('POST', '/v1/rule-sets/deal-approval/dry-run', { key: t.adminKey, body: { input: { tier: 'gold', country: 'DE', ...input } } });

    for (const [input, field] of [[{ amount: '1', currency: 'ZZZ' }, 'body.input.currency'], [{ amount: '1', currency: 'USD', tenantCurrency: 'ZZZ' }, 'body.input.tenantCurrency']] as const) {
      const refused = await dryRun(input);
      expect(refused.status).toBe(422);
      expect(refused.body.field).toBe(field);
    }
    expect((await dryRun({ amount: '1', currency: 'GBP' })).body).toMatchObject({ status: 422, field: 'body.input.currency', detail: expect.stringContaining('no exchange rate from GBP to USD') });
    expect((await dryRun({ amount: '1.001', currency: 'EUR' })).body).toMatchObject({ status: 422, field: 'body.input.amount' });

    // 240,000 EUR in a USD tenant: the dry run converts as the registration does.
    const tried = await dryRun({ amount: '240000', currency: 'EUR', products: ['suite'] });
    expect(tried.status).toBe(200);
    expect(tried.body.result).toMatchObject({ rule: 'large deals', amountInTenantCurrency: '259200.00', tenantCurrency: 'USD', rate: '1.08' });
    const partner = await t.partner('gold');
    const registered = await app.http('POST', '/v1/deals', { key: partner.key, body: registration({ amount: '240000.00', currency: 'EUR' }) });
    expect(registered.status).toBe(201);
    expect(registered.body.amountInTenantCurrency).toEqual({ amount: tried.body.result.amountInTenantCurrency, currency: 'USD', rate: tried.body.result.rate });
    let plan: { rule?: string; action?: string } | undefined;
    await waitFor(async () => {
      plan = (await app.http('GET', `/v1/deals/${registered.body.id}`, { key: partner.key })).body.plan;
      return plan !== undefined;
    });
    expect(plan).toMatchObject({ rule: tried.body.result.rule, action: tried.body.result.action });
  });

  test('a tiers sample with three decimals in USD is a 422, not a 500', async () => {
    const { adminKey } = await provisionTenant(app);
    const res = await app.http('POST', '/v1/rule-sets/tiers/dry-run', { key: adminKey, body: { input: { currentTier: 'Silver', closedWonRevenue: '1.123', dealCount: 0, trainingCompleted: [] } } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'body.input.closedWonRevenue', detail: 'body.input.closedWonRevenue has more than 2 decimal places for USD' });
  });
});

describe('tier crons are checked at publish', () => {
  test('an invalid cron is a 422 and the schedule keeps working', async () => {
    const { adminKey } = await provisionTenant(app);
    for (const cron of ['a b c d e', '61 * * * *', '0 6 31 2-1 *', '0 6 1 * ?']) {
      const res = await publish(adminKey, 'tiers', { ...DEFAULT_TIERS_RULES, schedule: { cron } });
      expect(res.status).toBe(422);
      expect(res.body.field).toBe('body.definition.schedule.cron');
    }
    const synced = await app.http('POST', '/v1/tier-reviews/schedule', { key: adminKey });
    expect(synced.status).toBe(200);
  });

  test('crons the check accepts are accepted by Temporal too', async () => {
    const { adminKey } = await provisionTenant(app);
    for (const cron of ['0 9 * * MON-FRI', '30 2 1-7 JAN,jul *', '*/15 8-18/2 * * 1-5', '59 23 31 12 6', '0 0 1-31/2 * SUN', '0,30 0-23 * 1-12 0-6']) {
      expect((await publish(adminKey, 'tiers', { ...DEFAULT_TIERS_RULES, schedule: { cron } })).status).toBe(201);
      const synced = await app.http('POST', '/v1/tier-reviews/schedule', { key: adminKey });
      expect([cron, synced.status, synced.body.detail]).toEqual([cron, 200, undefined]);
      expect(synced.body.nextRuns.length).toBeGreaterThan(0);
    }
  });

  test('a bad cron published before the check is a 409 at schedule time, not a 500', async () => {
    const { tenantId, adminKey } = await provisionTenant(app);
    await inTenant(tenantId, () => RuleSetModel.create({
      _id: newId('rs'), kind: 'tiers', version: 2, effectiveFrom: new Date(0), publishedBy: 'key_old',
      definition: JSON.stringify({ ...DEFAULT_TIERS_RULES, schedule: { cron: 'a b c d e' } }),
    }));
    const synced = await app.http('POST', '/v1/tier-reviews/schedule', { key: adminKey });
    expect(synced.status).toBe(409);
    expect(synced.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(synced.body.detail).toContain('the tiers rule set in force (version 2) has a schedule Temporal refuses');
  });
});

describe('tiers in the tenant currency', () => {
  const DAY = 86_400_000;

  test("an EUR tenant's default tiers are in EUR, so its review keeps a partner that earned its tier in EUR", async () => {
    const { tenantId, adminKey } = await provisionTenant(app, { currency: 'EUR' });
    const tiers = await app.http('GET', '/v1/rule-sets/tiers', { key: adminKey });
    expect(tiers.body.versions.map((v: { definition: { currency: string } }) => v.definition.currency)).toEqual(['EUR']);

    const partnerId = newId('ptn');
    await inTenant(tenantId, () => PartnerModel.create({
      _id: partnerId, name: 'Euro Silver', email: 'silver@example.com', emailDomain: 'example.com', country: 'DE', status: 'active', tier: 'Silver',
      tierHistory: [{ tier: 'Silver', effectiveFrom: new Date(Date.now() - 100 * DAY), reason: 'seeded', changedBy: 'test', source: 'seed' }],
      goodStanding: true, payoutEligibility: { eligible: false, reasons: [] }, documents: [], training: [{ module: 'product-fundamentals', completedAt: new Date() }],
    }));
    for (let i = 0; i < 3; i++) {
      await recordClosedWon(asTenantId(tenantId), { partnerId, sourceId: `deal-eur-${i}`, amountMinor: 1_000_000, currency: 'EUR', closedAt: new Date(Date.now() - 10 * DAY) });
    }
    const started = await app.http('POST', '/v1/tier-reviews', { key: adminKey });
    expect(started.status).toBe(202);
    let review: { status: string; proposals?: unknown[] } = { status: 'computing' };
    await waitFor(async () => {
      review = (await app.http('GET', `/v1/tier-reviews/${started.body.id}`, { key: adminKey })).body;
      return review.status !== 'computing';
    });
    expect(review).toMatchObject({ status: 'no-changes', proposals: [] });

    const usd = await publish(adminKey, 'tiers', DEFAULT_TIERS_RULES);
    expect(usd.status).toBe(422);
    expect(usd.body).toMatchObject({ field: 'body.definition.currency', detail: expect.stringContaining('must be the tenant currency EUR') });
  });

  test('the currency changes while no money exists (the seeded tiers follow); once money exists it is a 409 that says why', async () => {
    const { tenantId, adminKey } = await provisionTenant(app, { currency: 'USD' });
    const put = async (currency: string) => {
      const current = await app.http('GET', '/v1/settings', { key: adminKey });
      const { version: _v, ...settings } = current.body;
      return app.http('PUT', '/v1/settings', { key: adminKey, body: { ...settings, currency }, headers: { 'if-match': current.headers.get('etag')! } });
    };
    expect((await put('EUR')).status).toBe(200);
    const tiers = (await app.http('GET', '/v1/rule-sets/tiers', { key: adminKey })).body;
    expect(tiers.versions[0].definition.currency).toBe('EUR');
    expect((await publish(adminKey, 'tiers', { ...DEFAULT_TIERS_RULES, currency: 'EUR' })).status).toBe(201);

    // A rule set the tenant published with amounts in EUR now holds the currency.
    const refused = await put('GBP');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ field: 'body.currency', detail: expect.stringContaining('amounts in EUR already exist (rule set tiers v3)') });

    // So does a performance event (in a tenant whose rules are only the seeded ones).
    const other = await provisionTenant(app, { currency: 'USD' });
    await recordClosedWon(asTenantId(other.tenantId), { partnerId: newId('ptn'), sourceId: 'deal-x', amountMinor: 100, currency: 'USD', closedAt: new Date() });
    const current = await app.http('GET', '/v1/settings', { key: other.adminKey });
    const { version: _v, ...settings } = current.body;
    const withMoney = await app.http('PUT', '/v1/settings', { key: other.adminKey, body: { ...settings, currency: 'EUR' }, headers: { 'if-match': current.headers.get('etag')! } });
    expect(withMoney.status).toBe(409);
    expect(withMoney.body.detail).toContain('partner performance');
    expect((await app.http('GET', '/v1/settings', { key: other.adminKey })).body.currency).toBe('USD');
    expect((await app.http('GET', '/v1/settings', { key: adminKey })).body.currency).toBe('EUR');
    void tenantId;
  });
});
