import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from './deal-fixtures';

/**
 * Accrual on the real stack: a deal closed won through the API is in its partner's pending
 * earnings at once, explained line by line, and a refund claws back in the same period. A partner
 * key sees only its own partner; other tenants and roles are refused.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
let finance: string;

const PLAN = { rates: { default: '0.05', byTier: { gold: '0.08' } }, clawback: { withinDays: 90 } };

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  other = await dealTenant(app);
  finance = (await t.staff('finance')).key;
  const published = await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: PLAN } });
  expect(published.status).toBe(201);
});
afterAll(async () => {
  await app?.stop();
});

const earnings = (key: string, partnerId: string) => app.http('GET', `/v1/partners/${partnerId}/earnings`, { key });

async function closedWon(partner: { key: string }, amount: string): Promise<string> {
  const res = await app.http('POST', '/v1/deals', { key: partner.key, body: registration({ amount }) });
  await dealWhen(app, partner.key, res.body.id, (d) => d.status === 'protected');
  const closed = await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: partner.key, body: { outcome: 'won', amount } });
  expect(closed.status).toBe(200);
  return res.body.id as string;
}

describe('pending earnings', () => {
  test('a deal closed won shows up at once with its explained line; a refund claws back', async () => {
    const p = await t.partner('gold');
    const empty = await earnings(p.key, p.partnerId);
    expect(empty.status).toBe(200);
    expect(empty.body.pending).toMatchObject({ total: '0', lines: [] });

    const dealId = await closedWon(p, '10000.00');
    const res = await earnings(p.key, p.partnerId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ partnerId: p.partnerId, period: new Date().toISOString().slice(0, 7), currency: 'USD', planVersion: expect.any(Number) });
    expect(res.body.pending.total).toBe('800.00');
    expect(res.body.pending.lines).toEqual([expect.objectContaining({
      kind: 'commission', dealId, amountMinor: 80000, amount: '800.00', rule: 'tier gold rate 0.08', rate: '0.08',
      inputs: expect.objectContaining({ dealAmountMinor: 1000000, creditedMinor: 1000000, tier: 'gold' }),
      rounding: { exact: '80000', mode: 'half-even' },
    })]);

    const refund = await app.http('POST', `/v1/deals/${dealId}/reversals`, { key: finance, body: { kind: 'refund', amount: '2500.00', reason: 'two seats returned' } });
    expect(refund.status).toBe(201);
    const after = (await earnings(finance, p.partnerId)).body.pending;
    expect(after.lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([['commission', '800.00'], ['clawback', '-200.00']]);
    expect(after.total).toBe('600.00');
    expect((await earnings(t.adminKey, p.partnerId)).body.pending.total).toBe('600.00');
  });

  test('a partner key sees only its own partner; other tenants see nothing; staff without finance are refused', async () => {
    const p = await t.partner('silver');
    const q = await t.partner('gold');
    const theirs = await earnings(q.key, p.partnerId);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await earnings(other.adminKey, p.partnerId)).status).toBe(404);
    expect((await earnings(finance, 'ptn_00000000000000000000000000')).status).toBe(404);
    const approver = await t.staff('approver');
    expect((await earnings(approver.key, p.partnerId)).status).toBe(403);
    const bad = await earnings(finance, 'not-a-partner');
    expect([400, 422]).toContain(bad.status);
    expect(bad.body.field).toMatch(/id/);
  });
});
