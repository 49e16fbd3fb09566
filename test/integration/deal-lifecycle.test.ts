import { startTestTrellis, TestTrellis } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { metricsFor } from '../../services/tiers/partner-metrics';
import { dealTenant, registration, dealWhen, decide, testRules, quickStep, DealTenant } from './deal-fixtures';
import { asTenantId } from '../../platform/tenant-id';
import { dealWorkflow } from '../../domain/workflow-ids';

let app: TestTrellis;
let short: DealTenant;
let long: DealTenant;
let approver: { key: string; keyId: string };
let finance: { key: string; keyId: string };

beforeAll(async () => {
  app = await startTestTrellis();
  // Protection measured in seconds, so expiry and extension run inside the test (15 s: room for a loaded machine between approval and the extension request).
  short = await dealTenant(app, testRules({
    protection: { period: '15 seconds', extensionPeriod: '5 seconds', maxExtensions: 1 },
    fallback: { action: 'review', steps: [quickStep() as never] },
  }));
  approver = await short.staff('approver');
  long = await dealTenant(app);
  finance = await long.staff('finance');
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown) => app.http('POST', path, { key, body });

describe('protection, expiry and extension', () => {
  test('protection expires at the end of its period and frees the customer', async () => {
    const p = await short.partner('gold');
    const res = await post(p.key, '/v1/deals', registration({ amount: '100' }));
    const protectedDeal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const until = new Date(protectedDeal.protectedUntil).getTime();
    const expired = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'expired', 40000);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(expired.holdsProtectionClaim).toBe(false);
    expect(expired.history.at(-1)).toMatchObject({ type: 'expired' });
    const late = await post(p.key, `/v1/deals/${res.body.id}/extension`, { reason: 'customer delayed' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/the deal is expired/);
  }, 120_000);

  test('an extension goes through approval again and moves the end of protection', async () => {
    const p = await short.partner('silver');
    const res = await post(p.key, '/v1/deals', registration({ amount: '100' }));
    await dealWhen(app, p.key, res.body.id, (d) => d.currentStep);
    await decide(app, approver.key, res.body.id, 'approve');
    const protectedDeal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const before = new Date(protectedDeal.protectedUntil).getTime();

    const asked = await post(p.key, `/v1/deals/${res.body.id}/extension`, { reason: 'procurement needs another month' });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'extension-review', purpose: 'extension', currentStep: { id: 'x1-1', role: 'approver' } });
    expect((await app.http('GET', '/v1/approvals', { key: approver.key })).body.items.map((d: { id: string }) => d.id)).toContain(res.body.id);
    const approved = await decide(app, approver.key, res.body.id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'protected', extensionsUsed: 1 });
    expect(new Date(approved.body.protectedUntil).getTime()).toBe(before + 5000);

    const again = await post(p.key, `/v1/deals/${res.body.id}/extension`, { reason: 'one more' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/allow 1 extension/);
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'expired', 40000);
    await keepHistory(app.running.services.workflows.handle(short.tenant, dealWorkflow, res.body.id), 'deal-extension-expiry');
  }, 120_000);

  test('a rejected extension leaves the original end of protection', async () => {
    const p = await short.partner('silver');
    const res = await post(p.key, '/v1/deals', registration({ amount: '100' }));
    await dealWhen(app, p.key, res.body.id, (d) => d.currentStep);
    await decide(app, approver.key, res.body.id, 'approve');
    const protectedDeal = await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    await post(p.key, `/v1/deals/${res.body.id}/extension`, { reason: 'please' });
    const rejected = await decide(app, approver.key, res.body.id, 'reject', { comment: 'no progress shown' });
    expect(rejected.body).toMatchObject({ status: 'protected', extensionsUsed: 0, protectedUntil: protectedDeal.protectedUntil });
    expect(rejected.body.history.map((h: { type: string }) => h.type)).toContain('extension-rejected');
  }, 120_000);
});

describe('closing deals', () => {
  test('closed won: the amount is recorded in both currencies; reversals are appended events', async () => {
    const p = await long.partner('gold');
    const res = await post(p.key, '/v1/deals', registration({ amount: '20000', currency: 'EUR' }));
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const closedAt = new Date(Date.now() - 3_600_000).toISOString();
    const closed = await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won', amount: '18000.10', closedAt });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      outcome: 'won',
      closedAmount: { amount: '18000.10', currency: 'EUR' },
      closedAmountInTenantCurrency: { amount: '19800.11', currency: 'USD' },
      closedAt,
    });
    await dealWhen(app, p.key, res.body.id, (d) => !d.holdsProtectionClaim);
    expect((await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'lost' })).status).toBe(409);

    const refund = await post(finance.key, `/v1/deals/${res.body.id}/reversals`, { kind: 'refund', amount: '1000.10', reason: 'one licence returned' });
    expect(refund.status).toBe(201);
    expect(refund.body.reversals).toEqual([expect.objectContaining({ seq: 1, kind: 'refund', amount: '1000.10', currency: 'EUR', reason: 'one licence returned', recordedBy: finance.keyId })]);
    // The close is never edited by a reversal.
    expect(refund.body.closedAmount).toEqual({ amount: '18000.10', currency: 'EUR' });
    const afterRefund = await metricsFor(asTenantId(long.tenantId), [p.partnerId], { from: new Date(Date.now() - 86_400_000), to: new Date() }, 'USD');
    expect(afterRefund[0]).toMatchObject({ dealCount: 1, closedWonRevenueMinor: 1980011 - 110011 });
    const tooMuch = await post(finance.key, `/v1/deals/${res.body.id}/reversals`, { kind: 'cancellation', amount: '17000.01', reason: 'cancel' });
    expect(tooMuch.status).toBe(422);
    // Two concurrent cancellations of the rest: exactly one fits.
    const both = await Promise.all([1, 2].map(() => post(long.adminKey, `/v1/deals/${res.body.id}/reversals`, { kind: 'cancellation', amount: '17000.00', reason: 'contract cancelled' })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 422]);
    const final = (await app.http('GET', `/v1/deals/${res.body.id}`, { key: p.key })).body;
    expect(final.reversals.map((r: { seq: number; amount: string }) => [r.seq, r.amount])).toEqual([[1, '1000.10'], [2, '17000.00']]);
    // A reversal is its own event in the audit trail too.
    const audit = await app.http('GET', `/v1/audit?entityId=${res.body.id}&action=deal.reversed`, { key: long.adminKey });
    expect(audit.body.items).toHaveLength(2);
    expect(final.history.map((h: { type: string }) => h.type)).toContain('closed-won');
    // Tier reviews see the won deal net of its reversals, in the tenant currency (USD).
    const window = { from: new Date(Date.now() - 86_400_000), to: new Date() };
    const [metrics] = await metricsFor(asTenantId(long.tenantId), [p.partnerId], window, 'USD');
    expect(metrics).toMatchObject({ dealCount: 1, closedWonRevenueMinor: 1980011 - 110011 - 1870000 });
  });

  test('closed lost needs no amount; a lost deal cannot be reversed; a won close needs one', async () => {
    const p = await long.partner('gold');
    const res = await post(p.key, '/v1/deals', registration({ amount: '100' }));
    await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
    const noAmount = await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won' });
    expect(noAmount.status).toBe(422);
    const future = await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'lost', closedAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.status).toBe(422);
    const lost = await post(long.adminKey, `/v1/deals/${res.body.id}/close`, { outcome: 'lost', reason: 'budget cut' });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({ status: 'closed', outcome: 'lost' });
    expect(lost.body.closedAmount).toBeUndefined();
    const reversal = await post(finance.key, `/v1/deals/${res.body.id}/reversals`, { kind: 'refund', amount: '1', reason: 'x' });
    expect(reversal.status).toBe(409);
  });

  test('a deal still under review cannot be closed', async () => {
    const p = await long.partner('silver');
    const res = await post(p.key, '/v1/deals', registration({ amount: '100' }));
    await dealWhen(app, p.key, res.body.id, (d) => d.currentStep);
    const early = await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'lost' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/only a protected deal can be closed/);
  });
});
