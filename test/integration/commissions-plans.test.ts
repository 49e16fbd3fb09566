import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { asTenantId, type TenantId } from '../../platform/tenant-id';

/**
 * The commission rule kind on the real stack: published plans are validated (422 naming the
 * field), the dry run computes what a plan pays, exchange rates are set by finance only, and one
 * tenant never sees another's rates or plans.
 */
let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string };
let finance: string;
let approver: string;
let partner: string;

const keyOf = async (tenantId: TenantId, role: 'finance' | 'approver' | 'partner' | 'tenant-admin') =>
  (await app.running.services.apiKeys.create(tenantId, { name: role, role, createdBy: 'test', ...(role === 'partner' ? { partyId: 'ptn_00000000000000000000000000' } : {}) })).plaintext;

beforeAll(async () => {
  app = await startTestTrellis();
  tenant = await provisionTenant(app, { currency: 'USD' });
  finance = await keyOf(asTenantId(tenant.tenantId), 'finance');
  approver = await keyOf(asTenantId(tenant.tenantId), 'approver');
  partner = await keyOf(asTenantId(tenant.tenantId), 'partner');
});
afterAll(async () => {
  await app?.stop();
});

const PLAN = {
  rates: { default: '0.05', byTier: { gold: '0.08' } },
  brackets: { mode: 'marginal', bands: [{ from: '0', rate: '0' }, { from: '10000', rate: '0.02' }] },
  spiffs: [{ name: 'box push', product: 'box', per: 'unit', amount: '25.00', from: '2025-06-01', to: '2025-06-30' }],
  splits: [{ role: 'reseller', percent: '70' }, { role: 'distributor', percent: '30' }],
  clawback: { withinDays: 90 },
};
const publish = (definition: unknown, key = tenant.adminKey) => app.http('POST', '/v1/rule-sets/commission/versions', { key, body: { definition } });
const dryRun = (body: unknown, key = finance) => app.http('POST', '/v1/rule-sets/commission/dry-run', { key, body });

describe('the commission plan as a rule set', () => {
  test('every tenant starts with a plan that pays nothing', async () => {
    const res = await app.http('GET', '/v1/rule-sets', { key: tenant.adminKey });
    expect(res.body.items.find((k: { kind: string }) => k.kind === 'commission').inForce.definition).toEqual({ rates: { default: '0' } });
  });

  test.each([
    ['splits not totalling 100', { ...PLAN, splits: [{ role: 'reseller', percent: '60' }, { role: 'distributor', percent: '30' }] }, 'body.definition.splits', /total 100, got 90/],
    ['a role twice in the splits', { ...PLAN, splits: [{ role: 'reseller', percent: '50' }, { role: 'reseller', percent: '50' }] }, 'body.definition.splits', /appears once/],
    ['a per-unit SPIFF without a product', { ...PLAN, spiffs: [{ name: 'x', per: 'unit', amount: '1', from: '2025-01-01', to: '2025-01-31' }] }, 'body.definition.spiffs.0.product', /must name the product/],
    ['a SPIFF ending before it starts', { ...PLAN, spiffs: [{ name: 'x', per: 'deal', amount: '1', from: '2025-02-01', to: '2025-01-31' }] }, 'body.definition.spiffs.0.to', /before from/],
    ['brackets not starting at 0', { ...PLAN, brackets: { mode: 'marginal', bands: [{ from: '100', rate: '0' }] } }, 'body.definition.brackets.bands.0.from', /start at 0/],
    ['brackets not increasing', { ...PLAN, brackets: { mode: 'retroactive', bands: [{ from: '0', rate: '0' }, { from: '0', rate: '0.1' }] } }, 'body.definition.brackets.bands.1.from', /greater than/],
    ['an amount finer than a cent', { ...PLAN, minimumPayout: '10.001' }, 'body.definition.minimumPayout', /more than 2 decimal places/],
    ['an accelerator that slows down', { ...PLAN, accelerator: { quota: '1000', attainment: '1', multiplier: '0.5' } }, 'body.definition.accelerator.multiplier', /at least 1/],
    ['a rate as a JSON number', { ...PLAN, rates: { default: 0.05 } }, 'body.definition.rates.default', /string/],
    ['an unknown mode', { ...PLAN, brackets: { mode: 'progressive', bands: [{ from: '0', rate: '0' }] } }, 'body.definition.brackets.mode', /./],
  ])('%s is a 422 naming the field', async (_name, definition, field, detail) => {
    const res = await publish(definition);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.field).toBe(field);
    expect(res.body.detail).toMatch(detail);
  });

  test('a valid plan is published as a new version; only a tenant admin publishes', async () => {
    expect((await publish(PLAN, finance)).status).toBe(403);
    const res = await publish(PLAN);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'commission', version: 2, definition: PLAN });
  });
});

describe('the dry run', () => {
  const deals = [
    // 8000 × 8 % (gold) = 640.00; + 4 boxes × 25.00 = 100.00
    { id: 'd1', partnerId: 'ptn_gold', amount: '8000.00', products: [{ product: 'box', units: 4 }], closedAt: '2025-06-05T10:00:00Z' },
    // 4000 in 2000 × 8 % + 2000 × 10 % = 160 + 200 = 360.00
    { id: 'd2', partnerId: 'ptn_gold', amount: '4000.00', products: ['suite'], closedAt: '2025-06-06T10:00:00Z' },
    // 1000.00 EUR at 1.085 = 1085.00 USD; reseller 70 % = 759.50 at 5 % = 37.975 → 37.98 (half-even); distributor 325.50 × 5 % = 16.275 → 16.28
    { id: 'd3', partnerId: 'ptn_res', distributorId: 'ptn_dist', amount: '1000.00', currency: 'EUR', products: ['suite'], closedAt: '2025-06-07T10:00:00Z' },
  ];
  const input = {
    period: '2025-06',
    deals,
    tiers: { ptn_gold: 'gold' },
    fxRates: [{ from: 'EUR', rate: '1.085', effectiveFrom: '2025-06-01T00:00:00Z' }],
    reversals: [{ id: 'r1', dealId: 'd0', partnerId: 'ptn_gold', closedAt: '2025-05-01T00:00:00Z', at: '2025-06-10T00:00:00Z', closedAmount: '1000.00', amount: '500.00', paid: { amount: '80.00', rate: '0.08' } }],
    roundingMode: 'half-even',
  };

  test('the plan in force pays as computed by hand, every line explained', async () => {
    const res = await dryRun({ input });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    const byPartner = Object.fromEntries(res.body.result.statements.map((s: { partnerId: string }) => [s.partnerId, s]));
    expect(byPartner.ptn_gold.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([
      ['commission', '640.00'], ['spiff', '100.00'], ['commission', '360.00'], ['clawback', '-40.00'],
    ]);
    expect(byPartner.ptn_gold.total).toBe('1060.00');
    expect(byPartner.ptn_res.lines[0]).toMatchObject({ amount: '37.98', conversion: { from: 'EUR', to: 'USD', rate: '1.085', convertedMinor: 108500 }, inputs: { creditedMinor: 75950, shareRole: 'reseller' }, rounding: { exact: '3797.5', mode: 'half-even' } });
    expect(byPartner.ptn_dist.lines[0]).toMatchObject({ amount: '16.28', inputs: { creditedMinor: 32550, shareRole: 'distributor' } });
    expect(byPartner.ptn_gold.lines[2].slices).toHaveLength(2);
    expect(res.body.result.total).toBe('1114.26');
  });

  test('a draft is tried without publishing it, in the tenant currency and rounding mode by default', async () => {
    const res = await dryRun({ definition: { rates: { default: '0.10' } }, input: { period: '2025-06', deals: [{ id: 'x', partnerId: 'p', amount: '0.25', products: ['suite'], closedAt: '2025-06-01T00:00:00Z' }] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: null, result: { currency: 'USD', total: '0.02' } });
    const versions = await app.http('GET', '/v1/rule-sets/commission', { key: tenant.adminKey });
    expect(versions.body.inForceVersion).toBe(2);
  });

  test.each([
    ['a deal split not totalling 100', { deals: [{ ...deals[0], splits: [{ partnerId: 'a', percent: '50' }, { partnerId: 'b', percent: '40' }] }] }, 'body.input.deals.0.splits'],
    ['a currency without a rate for the period', { deals: [{ ...deals[0], currency: 'GBP' }] }, 'body.input.deals.0.currency'],
    ['a deal closed in another period', { deals: [{ ...deals[0], closedAt: '2025-07-01T00:00:00Z' }] }, 'body.input.deals.0.closedAt'],
    ['an amount finer than the currency', { deals: [{ ...deals[0], amount: '1.001' }] }, 'body.input.deals.0.amount'],
    ['a reversal larger than the deal', { reversals: [{ ...input.reversals[0], amount: '1000.01' }] }, 'body.input.reversals.0.amount'],
    ['a malformed period', { period: '2025-13' }, 'body.input.period'],
  ])('%s is a 422 naming the field', async (_name, over, field) => {
    const res = await dryRun({ input: { ...input, ...over } });
    expect(res.status).toBe(422);
    expect(res.body.field).toBe(field);
  });

  test('a partner key may not dry-run plans', async () => {
    expect((await dryRun({ input }, partner)).status).toBe(403);
  });
});

describe('exchange rates', () => {
  const setRate = (body: unknown, key = finance) => app.http('POST', '/v1/fx-rates', { key, body });

  test('finance sets effective-dated rates into the tenant currency, listed newest first and audited', async () => {
    const june = await setRate({ from: 'EUR', rate: '1.0850', effectiveFrom: '2025-06-01T00:00:00Z' });
    expect(june.status).toBe(201);
    expect(june.body).toMatchObject({ from: 'EUR', to: 'USD', rate: '1.0850', effectiveFrom: '2025-06-01T00:00:00.000Z' });
    expect((await setRate({ from: 'EUR', rate: '1.0712', effectiveFrom: '2025-07-01T00:00:00Z' })).status).toBe(201);
    expect((await setRate({ from: 'GBP', to: 'EUR', rate: '1.17', effectiveFrom: '2025-06-01T00:00:00Z' })).status).toBe(201);
    const list = await app.http('GET', '/v1/fx-rates?from=EUR&to=USD', { key: finance });
    expect(list.body.items.map((r: { rate: string }) => r.rate)).toEqual(['1.0712', '1.0850']);
    expect((await app.http('GET', '/v1/fx-rates', { key: tenant.adminKey })).body.items).toHaveLength(3);
    const audit = await app.http('GET', '/v1/audit?action=fx-rate.set', { key: tenant.adminKey });
    expect(audit.body.items).toHaveLength(3);
  });

  test('the same rate again is the same rate; another rate for the same pair and date is a 409', async () => {
    const again = await setRate({ from: 'EUR', rate: '1.085', effectiveFrom: '2025-06-01T00:00:00Z' });
    expect(again.status).toBe(201);
    expect(again.body.rate).toBe('1.0850');
    const other = await setRate({ from: 'EUR', rate: '1.09', effectiveFrom: '2025-06-01T00:00:00Z' });
    expect(other.status).toBe(409);
    expect(other.body.field).toBe('body.effectiveFrom');
    const list = await app.http('GET', '/v1/fx-rates?from=EUR&to=USD', { key: finance });
    expect(list.body.items.map((r: { rate: string }) => r.rate)).toEqual(['1.0712', '1.0850']);
  });

  test.each([
    ['an unknown currency', { from: 'ZZZ', rate: '1', effectiveFrom: '2025-06-01T00:00:00Z' }, 'body.from'],
    ['a pair of one currency', { from: 'USD', rate: '1', effectiveFrom: '2025-06-01T00:00:00Z' }, 'body.to'],
    ['a zero rate', { from: 'CHF', rate: '0', effectiveFrom: '2025-06-01T00:00:00Z' }, 'body.rate'],
    ['a rate as a JSON number', { from: 'CHF', rate: 1.1, effectiveFrom: '2025-06-01T00:00:00Z' }, 'body.rate'],
    ['a date that is not one', { from: 'CHF', rate: '1.1', effectiveFrom: 'June' }, 'body.effectiveFrom'],
  ])('%s is a 422 naming the field', async (_name, body, field) => {
    const res = await setRate(body);
    expect(res.status).toBe(422);
    expect(res.body.field).toBe(field);
  });

  test('only finance sets rates; finance and admins read them; partners and approvers do neither', async () => {
    const body = { from: 'CHF', rate: '1.1', effectiveFrom: '2025-06-01T00:00:00Z' };
    for (const key of [tenant.adminKey, approver, partner]) expect((await setRate(body, key)).status).toBe(403);
    for (const key of [approver, partner]) expect((await app.http('GET', '/v1/fx-rates', { key })).status).toBe(403);
  });

  test('two tenants may set the same pair on the same date: each rate is its own tenant\'s', async () => {
    const other = await provisionTenant(app, { currency: 'USD' });
    const otherFinance = await keyOf(asTenantId(other.tenantId), 'finance');
    const body = { from: 'GBP', rate: '1.27', effectiveFrom: '2025-05-01T00:00:00Z' };
    expect((await app.http('POST', '/v1/fx-rates', { key: finance, body })).status).toBeLessThan(300);
    const theirs = await app.http('POST', '/v1/fx-rates', { key: otherFinance, body: { ...body, rate: '1.31' } });
    expect(theirs.status).toBeLessThan(300);
    expect((await app.http('GET', '/v1/fx-rates?from=GBP&to=USD', { key: otherFinance })).body.items.map((r: { rate: string }) => r.rate)).toEqual(['1.31']);
    expect((await app.http('GET', '/v1/fx-rates?from=GBP&to=USD', { key: finance })).body.items.map((r: { rate: string }) => r.rate)).toEqual(['1.27']);
  });

  test("another tenant sees none of this tenant's rates or plans", async () => {
    const other = await provisionTenant(app, { currency: 'EUR' });
    const otherFinance = await keyOf(other.tenantId, 'finance');
    expect((await app.http('GET', '/v1/fx-rates', { key: otherFinance })).body.items).toEqual([]);
    const versions = await app.http('GET', '/v1/rule-sets/commission', { key: other.adminKey });
    expect(versions.body.versions).toHaveLength(1);
    // Its own plan (the default) pays nothing for the same deals, in its own currency.
    const res = await app.http('POST', '/v1/rule-sets/commission/dry-run', { key: otherFinance, body: { input: { period: '2025-06', deals: [{ id: 'd', partnerId: 'ptn_gold', amount: '8000.00', products: ['suite'], closedAt: '2025-06-05T10:00:00Z' }] } } });
    expect(res.body.result).toMatchObject({ currency: 'EUR', total: '0.00' });
  });
});
