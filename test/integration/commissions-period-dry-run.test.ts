import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, DealTenant } from './deal-fixtures';
import { approvedRun, closedWon, inMonth, monthsAgo, payable } from './commissions-helpers';

/**
 * The plan's dry run over a past period's real deals (`{input: {period}}` with no sample deals):
 * per partner what the draft would pay against what the period's approved run paid, on the real
 * stack; a period without a run compares with nothing paid.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
let finance: string;
let a: { partnerId: string; key: string };
let b: { partnerId: string; key: string };
let paidRun: any;

const DRAFT = { rates: { default: '0.12' } };
const dryRun = (key: string, body: unknown) => app.http('POST', '/v1/rule-sets/commission/dry-run', { key, body });

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  other = await dealTenant(app);
  finance = (await t.staff('finance')).key;
  const checker = (await t.staff('finance')).key;
  expect((await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: { rates: { default: '0.10' } }, effectiveFrom: '2020-01-01T00:00:00Z' } })).status).toBe(201);
  a = await t.partner('gold');
  b = await t.partner('gold');
  await payable(t, a.partnerId);
  await payable(t, b.partnerId);
  await closedWon(app, a.key, '1000.00', inMonth(2, 3));
  await closedWon(app, b.key, '2000.00', inMonth(2, 4));
  await closedWon(app, a.key, '300.00', inMonth(3, 8));
  paidRun = await approvedRun(app, finance, checker, monthsAgo(2));
}, 180000);
afterAll(async () => {
  await app?.stop();
});

test('a draft over a paid period: what it would pay against what the approved run paid, per partner', async () => {
  const res = await dryRun(finance, { definition: DRAFT, input: { period: monthsAgo(2) } });
  expect(res.status).toBe(200);
  expect(res.body.version).toBeNull();
  const result = res.body.result;
  expect(result).toMatchObject({ period: monthsAgo(2), currency: 'USD', paidBy: { runId: paidRun.id, planVersion: paidRun.planVersion }, over: expect.stringContaining(paidRun.id) });
  expect(result.partners).toEqual([
    { partnerId: a.partnerId, wouldPay: '120.00', paid: '100.00', difference: '20.00', wouldPayMinor: 12000, paidMinor: 10000, differenceMinor: 2000 },
    { partnerId: b.partnerId, wouldPay: '240.00', paid: '200.00', difference: '40.00', wouldPayMinor: 24000, paidMinor: 20000, differenceMinor: 4000 },
  ].sort((x, y) => (x.partnerId < y.partnerId ? -1 : 1)));
  expect(result.totals).toEqual({ wouldPay: '360.00', paid: '300.00', difference: '60.00' });
  // The explained lines of the draft, as a run would write them.
  const lineOfA = result.calculation.statements.find((s: any) => s.partnerId === a.partnerId).lines[0];
  expect(lineOfA).toMatchObject({ kind: 'commission', rate: '0.12', amount: '120.00', rule: 'default rate 0.12 (no rate for tier gold)' });
  // Without a draft, the plan in force reproduces what was paid.
  const inForce = (await dryRun(finance, { input: { period: monthsAgo(2) } })).body;
  expect(inForce.version).toBe(paidRun.planVersion);
  expect(inForce.result.totals).toEqual({ wouldPay: '300.00', paid: '300.00', difference: '0.00' });
  // Nothing was written: the run and its statements are as approved.
  expect((await app.http('GET', `/v1/payout-runs/${paidRun.id}/verify`, { key: finance })).body).toMatchObject({ valid: true });
});

test('a period without an approved run runs over its deals as recorded, against nothing paid', async () => {
  const result = (await dryRun(finance, { definition: DRAFT, input: { period: monthsAgo(3) } })).body.result;
  expect(result).toMatchObject({ paidBy: null, partners: [{ partnerId: a.partnerId, wouldPay: '36.00', paid: '0.00', difference: '36.00' }], totals: { difference: '36.00' } });
});

test('an open period, or sample input beside the real deals, is a 422 naming the field; isolation and roles', async () => {
  const open = await dryRun(finance, { definition: DRAFT, input: { period: new Date().toISOString().slice(0, 7) } });
  expect([open.status, open.body.field]).toEqual([422, 'body.input.period']);
  const sample = await dryRun(finance, { definition: DRAFT, input: { period: monthsAgo(2), tiers: { x: 'gold' } } });
  expect([sample.status, sample.body.field]).toEqual([422, 'body.input.tiers']);
  // Another tenant's dry run of the same month sees only its own (no) deals and runs.
  const otherFinance = (await other.staff('finance')).key;
  expect((await dryRun(otherFinance, { definition: DRAFT, input: { period: monthsAgo(2) } })).body.result).toMatchObject({ paidBy: null, partners: [], totals: { paid: '0.00' } });
  expect((await dryRun(a.key, { definition: DRAFT, input: { period: monthsAgo(2) } })).status).toBe(403);
  // What partners were paid is not for approvers, though they may dry-run sample deals.
  const approver = (await t.staff('approver')).key;
  expect((await dryRun(approver, { definition: DRAFT, input: { period: monthsAgo(2) } })).status).toBe(403);
  expect((await dryRun(t.adminKey, { definition: DRAFT, input: { period: monthsAgo(2) } })).status).toBe(200);
  // Sample deals still get the sample dry run.
  const withDeals = await dryRun(finance, { definition: DRAFT, input: { period: '2025-06', deals: [{ id: 'd1', partnerId: 'p', amount: '100.00', products: [], closedAt: '2025-06-02T00:00:00Z' }] } });
  expect(withDeals.body.result).toMatchObject({ total: '12.00' });
});
